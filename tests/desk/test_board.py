"""Supervisor board: open cases by queue × kind × SLA state, counted in SQL."""

from datetime import timedelta

import pytest

from complaintdesk.cases import services

pytestmark = pytest.mark.django_db


def test_board_counts_open_cases_by_sla_state(client, owner, make_case, frozen,
                                              django_assert_max_num_queries):
    late = make_case(kind="complaint")
    frozen.shift(timedelta(days=20))
    make_case(kind="complaint")
    paused = make_case(kind="claim", amount_claimed=5, currency="RUB")
    services.transition(case=paused, to="acknowledged", actor=owner)
    services.transition(case=paused, to="waiting_customer", actor=owner)
    client.force_login(owner)
    with django_assert_max_num_queries(12):
        response = client.get("/desk/board/")
    rows = {(r["queue"], r["kind"]): r for r in response.context["rows"]}
    complaints = rows[(late.queue.name, "complaint")]
    assert complaints["breached"] == 1 and complaints["on_track"] == 1
    assert rows[(paused.queue.name, "claim")]["paused"] == 1
    assert response.context["totals"]["breached"] == 1


def test_board_is_for_supervisors_and_analysts_only(client, teammate, analyst):
    client.force_login(teammate)
    assert client.get("/desk/board/").status_code == 403
    client.force_login(analyst)
    assert client.get("/desk/board/").status_code == 200


def test_board_shows_breaches_today_and_oldest(client, owner, make_case, frozen):
    case = make_case()
    frozen.move_to(case.resolve_by + timedelta(hours=1), tick=False)  # breached an hour ago
    client.force_login(owner)
    response = client.get("/desk/board/")
    assert response.context["breaches_today"] == 1
    assert case.reference in response.content.decode()
