"""/desk/staffing/structure/: the support-structure what-if from the example or the cases."""

import json
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from complaintdesk.cases.models import Case, Topic
from complaintdesk.staffing import services, structure
from complaintdesk.staffing.views import EXAMPLE
from tests.conftest import MSK
from tests.staffing.history import clone_cases

pytestmark = pytest.mark.django_db


def example_report(move=None):
    return structure.what_if(structure.load_structure(EXAMPLE), move=move)


def test_the_example_shows_fte_and_money_saved_per_year(client, owner):
    client.force_login(owner)
    response = client.get("/desk/staffing/structure/", {"source": "example"})
    assert response.status_code == 200
    expected = example_report()
    report = response.context["report"]
    assert report["saving_per_year_after_first"] == pytest.approx(
        expected["saving_per_year_after_first"])
    assert expected["saving_per_year_after_first"] > 0 and expected["fte_saved"] > 0
    body = response.content.decode()
    assert 'id="saving-per-year"' in body
    assert f"{expected['saving_per_year_after_first']:,.0f}" in body
    assert f"{expected['fte_saved']:.1f}" in body


def test_moving_one_topic_prices_only_that_move(client, owner):
    client.force_login(owner)
    response = client.post("/desk/staffing/structure/?source=example",
                           {"structure": EXAMPLE.read_text(), "move": ["sms_not_received"]})
    assert response.status_code == 200
    expected = example_report(["sms_not_received"])
    assert response.context["report"]["moved_topics"] == ["sms_not_received"]
    assert response.context["report"]["saving_first_year"] == pytest.approx(
        expected["saving_first_year"])
    assert response.context["chosen"] == {"sms_not_received"}


def test_an_edited_structure_with_an_error_explains_it(client, owner):
    client.force_login(owner)
    broken = json.loads(EXAMPLE.read_text())
    broken["topics"][0]["aht_minutes"]["l9"] = 3
    response = client.post("/desk/staffing/structure/", {"structure": json.dumps(broken)})
    assert "unknown line 'l9'" in response.context["error"]
    assert 'id="structure-error"' in response.content.decode()
    response = client.post("/desk/staffing/structure/", {"structure": "{not json"})
    assert 'id="structure-error"' in response.content.decode()


@pytest.fixture
def routed_cases(frozen, make_case, queues):
    """February 2026: 40 card-blocked cases (30 on the 1st line, 6 on the 2nd, 4 in claims)."""
    template = make_case(channel="phone", queue="first-line", topic="cards-blocked")
    Case.objects.filter(pk=template.pk).update(received_at=datetime(2026, 3, 2, tzinfo=MSK))
    clone_cases(template, [(datetime(2026, 2, 10, 12, tzinfo=MSK), "phone")] * 39)
    ids = list(Case.objects.filter(topic__code="cards-blocked", received_at__month=2)
               .order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 39
    Case.objects.filter(pk__in=ids[:6]).update(queue=queues["second-line"])
    Case.objects.filter(pk__in=ids[6:9]).update(queue=queues["claims"])
    Case.objects.filter(pk__in=ids[9:10]).update(queue=queues["special"])
    template_copy = Case.objects.get(pk=ids[10])
    clone_cases(template_copy, [(datetime(2026, 1, 15, tzinfo=MSK), "email")])  # January: 1
    return Topic.objects.get(code="cards-blocked")


def test_topic_volumes_come_from_the_cases_by_month_and_line(routed_cases):
    volumes = services.topic_volumes(months=2)
    (topic,) = volumes["topics"]
    assert topic["topic"] == "cards-blocked" and topic["total"] == 40
    assert topic["by_month"] == {"2026-01": 1, "2026-02": 39}
    assert topic["by_line"] == {"l1": 30, "l2": 6, "claims": 4}
    assert topic["monthly_volume"] == 20


def test_the_structure_from_the_cases_routes_by_queue_line(routed_cases):
    data = services.structure_from_db(months=2)
    (topic,) = data["topics"]
    assert topic["transfer_rates"] == {"l1": pytest.approx(10 / 40), "l2": pytest.approx(4 / 10)}
    assert data["moves"][0]["topic"] == "cards-blocked"
    report = services.structure_report(data)
    assert report["fte_saved"] > 0


def test_the_page_starts_from_the_cases(client, owner, routed_cases):
    client.force_login(owner)
    response = client.get("/desk/staffing/structure/", {"months": "2"})
    body = response.content.decode()
    assert 'id="topic-volumes"' in body and "cards-blocked" in body
    assert response.context["report"]["moved_topics"] == ["cards-blocked"]


def test_the_cli_builds_the_structure_from_the_cases(routed_cases):
    out = StringIO()
    call_command("staffing", "structure", "--from-db", "--months", "2", "--dump", stdout=out)
    assert json.loads(out.getvalue())["topics"][0]["monthly_volume"] == 20
    out = StringIO()
    call_command("staffing", "structure", "--from-db", "--months", "2", stdout=out)
    assert json.loads(out.getvalue())["moved_topics"] == ["cards-blocked"]
