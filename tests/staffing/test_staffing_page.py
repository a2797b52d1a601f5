"""/desk/staffing/: forecast vs actual, agents per interval, what-if sliders via htmx GET."""

from datetime import datetime

import pytest

from complaintdesk.staffing.models import QueueStaffing
from tests.conftest import MSK
from tests.staffing.history import clone_cases, pattern_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(frozen, make_case, queues):
    template = make_case(channel="phone", queue="first-line")
    clone_cases(template, pattern_days(datetime(2026, 2, 3, tzinfo=MSK), 28))
    return queues["first-line"]


def test_a_supervisor_sees_the_plan_with_both_charts(client, owner, history):
    client.force_login(owner)
    response = client.get("/desk/staffing/", {"queue": "first-line", "channel": "phone"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="chart-forecast"' in body and 'id="chart-agents"' in body
    assert "/static/vendor/plotly.min.js" in body and "cdn.plot.ly" not in body
    assert 'id="fte-table"' in body and 'id="interval-table"' in body
    assert 'hx-get="/desk/staffing/"' in body and 'type="range"' in body
    assert response.context["summary"]["forecast_calls"] == pytest.approx(7 * 6)
    assert len(response.context["days"]) == 7


def test_the_queue_selector_lists_only_the_supervisors_queues(client, owner, history):
    client.force_login(owner)
    queues = [q.code for q in client.get("/desk/staffing/").context["queues"]]
    assert queues == ["claims", "first-line"]


def test_the_sliders_start_from_the_queue_settings(client, owner, history):
    QueueStaffing.objects.create(queue=history, channel="phone", aht_seconds=240, target_sl=0.9)
    client.force_login(owner)
    response = client.get("/desk/staffing/", {"queue": "first-line", "channel": "phone"})
    assert response.context["values"]["aht_seconds"] == 240
    assert response.context["values"]["target_sl"] == 0.9


def test_a_what_if_via_htmx_rerenders_only_the_plan(client, owner, history):
    client.force_login(owner)
    params = {"queue": "first-line", "channel": "phone", "aht_seconds": "300"}
    base = client.get("/desk/staffing/", params).context["summary"]
    response = client.get("/desk/staffing/", {**params, "aht_seconds": "1200", "model": "erlang_a",
                                              "patience_seconds": "120"},
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="plan"') and "<html" not in body
    longer = response.context["summary"]
    assert longer["peak_agents"] > base["peak_agents"]
    assert "abandon" in longer


def test_impossible_slider_values_fall_back_to_the_defaults(client, owner, history):
    client.force_login(owner)
    response = client.get("/desk/staffing/", {"queue": "first-line", "aht_seconds": "-5"})
    assert response.status_code == 200
    assert response.context["values"]["aht_seconds"] == 300
    assert "aht_seconds" in response.content.decode()


def test_a_queue_without_history_explains_why_there_is_no_plan(client, owner, history):
    client.force_login(owner)
    response = client.get("/desk/staffing/", {"queue": "claims"})
    assert response.status_code == 200
    assert 'id="plan-error"' in response.content.decode()


@pytest.mark.parametrize("who", ["analyst", "admin_user"])
def test_analysts_and_admins_may_plan(client, history, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/desk/staffing/").status_code == 200


@pytest.mark.parametrize("who", ["teammate", "specialist"])
def test_operators_and_specialists_get_a_403(client, history, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/desk/staffing/").status_code == 403
    assert client.get("/desk/staffing/structure/").status_code == 403


def test_the_nav_links_to_staffing_for_supervisors_only(client, owner, teammate, history):
    client.force_login(owner)
    assert 'href="/desk/staffing/"' in client.get("/desk/").content.decode()
    client.force_login(teammate)
    assert 'href="/desk/staffing/"' not in client.get("/desk/").content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/desk/staffing/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_plotly_is_served_locally(client):
    response = client.get("/static/vendor/plotly.min.js")
    assert response.status_code == 200
