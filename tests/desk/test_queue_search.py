"""Search on the queue page: references by index, text within the tab, a capped match count."""

import pytest

from complaintdesk.cases import services

pytestmark = pytest.mark.django_db


def refs(response):
    return [row["case"].reference for row in response.context["rows"]]


def test_a_reference_in_any_case_finds_exactly_that_case(client, owner, make_case):
    case = make_case(kind="claim", amount_claimed=10, currency="RUB")
    other = make_case(text=f"Please see my earlier request {case.reference}")
    client.force_login(owner)
    assert refs(client.get(f"/desk/?tab=team&q={case.reference.lower()}")) == [case.reference]
    assert other.reference not in refs(client.get(f"/desk/?tab=team&q={case.reference}"))


def test_text_search_counts_matches_only_up_to_the_cap(client, owner, make_case, monkeypatch):
    monkeypatch.setattr("complaintdesk.desk.views.SEARCH_COUNT_CAP", 3)
    for i in range(5):
        make_case(text=f"The parcel {i} arrived torn", customer_email=f"p{i}@example.com")
    make_case(text="Unrelated", customer_email="u@example.com")
    client.force_login(owner)
    response = client.get("/desk/?tab=team&q=TORN")
    assert len(response.context["rows"]) == 5
    assert "more than 3 cases found: refine the search" in response.content.decode()
    response = client.get("/desk/?tab=team&q=unrelated")
    assert "Page 1 of 1 · 1 case" in response.content.decode()


def test_the_overdue_tab_and_its_count_never_include_closed_cases(client, owner, make_case,
                                                                   time_machine):
    from datetime import timedelta

    from django.utils import timezone

    late = make_case(kind="complaint")
    done = make_case(kind="complaint", customer_email="done@example.com")
    services.transition(case=done, to="assessment", actor=owner)
    services.decide(case=done, outcome="rejected", actor=owner, text="No.")
    services.transition(case=done, to="closed", actor=owner)
    time_machine.move_to(timezone.now() + timedelta(days=40))
    client.force_login(owner)
    response = client.get("/desk/?tab=overdue")
    assert refs(response) == [late.reference]
    assert response.context["counts"]["overdue"] == 1
