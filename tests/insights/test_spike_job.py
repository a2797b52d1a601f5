"""The spike job over SQL counts: stores each spike once, alerts supervisors once, links cases."""

from datetime import timedelta

import pytest

from complaintdesk.cases.models import Case, Customer, Incident, Outbox, Queue, Topic
from complaintdesk.insights import jobs
from complaintdesk.insights.models import Spike
from tests.insights.conftest import NOW

pytestmark = pytest.mark.django_db

_seq = iter(range(1, 10_000))


def bulk(at_list, *, topic="delivery-late", channel="email", product="groceries"):
    """Insert cases directly (fast) at the given moments."""
    customer = Customer.objects.get_or_create(email="bulk@example.com")[0]
    queue = Queue.objects.get(code="first-line")
    t = Topic.objects.get(code=topic)
    Case.objects.bulk_create([
        Case(reference=f"T-{next(_seq):06d}", customer=customer, channel=channel, received_at=at,
             text="late again", kind="complaint", topic=t, product=product, queue=queue)
        for at in at_list
    ])


@pytest.fixture
def surge(queues, frozen):
    today = NOW.replace(hour=0, minute=0)
    # Four weeks of a quiet baseline: two cases a day at noon.
    bulk([today - timedelta(days=d) + timedelta(hours=12, minutes=m)
          for d in range(1, 35) for m in (0, 30)])
    # This morning: 15 cases between 09:00 and 09:56.
    bulk([today + timedelta(hours=9, minutes=4 * i) for i in range(15)])


def test_a_surge_is_stored_as_one_daily_and_one_hourly_spike_per_group(surge, owner):
    report = jobs.detect_case_spikes(NOW)
    topic = Spike.objects.filter(dimension="topic", group_key="delivery-late")
    assert sorted(topic.values_list("freq", flat=True)) == ["D", "H"]
    daily = topic.get(freq="D")
    assert daily.observed == 15 and daily.expected == 2.0
    assert daily.start == NOW.replace(hour=0, minute=0)
    hourly = topic.get(freq="H")
    assert hourly.start == NOW.replace(hour=9, minute=0) and hourly.observed == 15
    # The same surge shows on the product and the channel dimensions.
    assert Spike.objects.filter(dimension="product", group_key="groceries").count() == 2
    assert Spike.objects.filter(dimension="channel", group_key="email").count() == 2
    assert len(report.created) == 6


def test_running_the_job_again_neither_duplicates_spikes_nor_alerts(surge, owner):
    first = jobs.detect_case_spikes(NOW)
    alerts = Outbox.objects.filter(dedupe_key__startswith="spike:").count()
    assert first.alerts == alerts == 6  # six spikes, one supervisor
    second = jobs.detect_case_spikes(NOW + timedelta(minutes=5))
    assert second.created == [] and len(second.updated) == 6 and second.alerts == 0
    assert Spike.objects.count() == 6
    assert Outbox.objects.filter(dedupe_key__startswith="spike:").count() == alerts
    row = Outbox.objects.filter(dedupe_key__startswith="spike:").first()
    assert row.recipient == owner.email and "/desk/insights/spikes/" in row.body


def test_a_growing_spike_updates_its_row(surge, owner, time_machine):
    jobs.detect_case_spikes(NOW)
    bulk([NOW + timedelta(minutes=5)] * 5)
    time_machine.move_to(NOW + timedelta(minutes=10), tick=False)
    jobs.detect_case_spikes(NOW + timedelta(minutes=10))
    assert Spike.objects.get(freq="D", dimension="topic").observed == 20
    assert Spike.objects.filter(freq="D", dimension="topic").count() == 1


def test_a_quiet_series_raises_no_spike(queues, frozen):
    today = NOW.replace(hour=0, minute=0)
    bulk([today - timedelta(days=d) + timedelta(hours=12) for d in range(0, 35)])
    assert jobs.detect_case_spikes(NOW).created == []


def test_a_supervisor_links_the_spike_cases_to_one_incident(surge, owner, login):
    jobs.detect_case_spikes(NOW)
    spike = Spike.objects.get(freq="H", dimension="topic")
    page = login(owner).get(f"/desk/insights/spikes/{spike.pk}/")
    assert "Link these cases to an incident" in page.content.decode()
    response = login(owner).post(f"/desk/insights/spikes/{spike.pk}/link/", {"title": "Couriers late"})
    incident = Incident.objects.get(title="Couriers late")
    assert response.status_code == 302 and response["Location"] == f"/desk/incidents/{incident.pk}/"
    assert incident.cases.count() == 15
    spike.refresh_from_db()
    assert spike.incident == incident
    # Linking again reuses the open incident.
    login(owner).post(f"/desk/insights/spikes/{spike.pk}/link/")
    assert Incident.objects.count() == 1


def test_analysts_see_spikes_but_may_not_link_them(surge, analyst, login):
    jobs.detect_case_spikes(NOW)
    spike = Spike.objects.get(freq="H", dimension="topic")
    assert login(analyst).get("/desk/insights/spikes/").status_code == 200
    assert login(analyst).post(f"/desk/insights/spikes/{spike.pk}/link/").status_code == 403
    assert Incident.objects.count() == 0
