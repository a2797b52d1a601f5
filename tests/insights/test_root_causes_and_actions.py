"""5 Whys records, corrective-action backlog, overdue list and the measured effect."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from complaintdesk.cases.models import Case, Customer, Queue, Topic
from complaintdesk.insights import services
from complaintdesk.insights.models import Cause, CorrectiveAction, RootCause
from tests.insights.conftest import NOW

pytestmark = pytest.mark.django_db


def weekly_cases(topic_code: str, per_week: dict[int, int]) -> None:
    """per_week: {week offset from NOW (negative = past): number of cases in that week}."""
    customer = Customer.objects.create(email="w@example.com")
    queue, topic = Queue.objects.get(code="first-line"), Topic.objects.get(code=topic_code)
    rows, n = [], 0
    for week, count in per_week.items():
        for i in range(count):
            n += 1
            rows.append(Case(reference=f"W-{n:05d}", customer=customer, channel="email",
                             received_at=NOW + timedelta(weeks=week, hours=i + 1), text="late",
                             kind="complaint", topic=topic, queue=queue))
    Case.objects.bulk_create(rows)


@pytest.fixture
def analysis(queues, owner):
    topic = Topic.objects.get(code="delivery-late")
    rc = RootCause.objects.create(title="Late deliveries", topic=topic, whys=[
        "Why late? The courier had too many orders.",
        "Why too many? Dispatch cannot see courier load.",
        "Why not? Nobody asked for it.",
    ])
    cause = Cause.objects.create(root_cause=rc, text="Dispatch blind to courier load", depth=2,
                                 priority=1)
    return rc, cause


def test_the_effect_compares_cases_per_week_before_and_after_completion(analysis, frozen):
    rc, cause = analysis
    # 8 weeks before the completion: 10 a week; 4 weeks after: 6 a week.
    weekly_cases("delivery-late", {w: 10 for w in range(-12, -4)} | {w: 6 for w in range(-4, 0)})
    action = CorrectiveAction.objects.create(cause=cause, title="Show courier load to dispatch",
                                             forecast_drop_pct=Decimal("30"),
                                             completed_at=NOW - timedelta(weeks=4), status="done")
    effect = services.action_effect(action, weeks=8, now=NOW)
    assert (effect.before, effect.after) == (80, 24)
    assert effect.before_per_week == 10.0 and effect.after_per_week == 6.0
    assert effect.weeks_after == 4.0
    assert effect.change_pct == -40.0 and effect.forecast_pct == -30.0


def test_no_effect_is_measured_before_the_action_is_done(analysis, frozen):
    _, cause = analysis
    action = CorrectiveAction.objects.create(cause=cause, title="Fix courier pay")
    assert services.action_effect(action) is None


def test_overdue_lists_only_open_actions_past_their_deadline(analysis, frozen, owner, login):
    _, cause = analysis
    late = CorrectiveAction.objects.create(cause=cause, title="Late one", deadline=date(2026, 3, 1),
                                           owner=owner)
    CorrectiveAction.objects.create(cause=cause, title="Done one", deadline=date(2026, 3, 1),
                                    status="done", completed_at=NOW)
    CorrectiveAction.objects.create(cause=cause, title="Future one", deadline=date(2026, 4, 1))
    assert list(services.overdue_actions()) == [late]
    html = login(owner).get("/desk/insights/actions/?overdue=1").content.decode()
    assert "Late one" in html and "Done one" not in html and "Future one" not in html


def test_an_analyst_records_a_5_whys_chain_causes_and_actions_through_the_pages(
        queues, analyst, owner, login, mk):
    for i in range(6):
        mk(topic="delivery-late", email=f"c{i}@example.com", channel="email" if i % 2 else "phone")
    client = login(analyst)
    topic = Topic.objects.get(code="delivery-late")
    response = client.post("/desk/insights/rootcauses/new/", {
        "title": "Late deliveries", "problem": "Groceries arrive late", "topic": topic.pk,
        "whys": "Courier overloaded\nDispatch blind to load\n\nNo requirement ever written",
    })
    rc = RootCause.objects.get()
    assert response["Location"] == f"/desk/insights/rootcauses/{rc.pk}/"
    assert rc.whys == ["Courier overloaded", "Dispatch blind to load", "No requirement ever written"]
    assert len(rc.sample_case_ids) == 6  # small topic: the sample takes every stratum
    client.post(f"/desk/insights/rootcauses/{rc.pk}/", {"cause-text": "Dispatch blind to load",
                                                       "cause-depth": 2, "cause-priority": 1})
    cause = rc.causes.get()
    client.post(f"/desk/insights/rootcauses/{rc.pk}/", {
        "cause_id": cause.pk, "action-title": "Courier load on the dispatch screen",
        "action-owner": owner.pk, "action-deadline": "2026-04-01", "action-status": "planned",
        "action-forecast_drop_pct": "25",
    })
    action = cause.actions.get()
    assert action.owner == owner and action.forecast_drop_pct == Decimal("25")
    page = client.get(f"/desk/insights/rootcauses/{rc.pk}/").content.decode()
    assert "Dispatch blind to load" in page and "Courier load on the dispatch screen" in page
    # Marking it done stamps the completion time that the effect is measured from.
    client.post(f"/desk/insights/actions/{action.pk}/", {
        "title": action.title, "owner": owner.pk, "deadline": "2026-04-01", "status": "done",
        "forecast_drop_pct": "25"})
    action.refresh_from_db()
    assert action.status == "done" and action.completed_at == NOW


def test_a_root_cause_must_be_attached_to_something(queues, analyst, login):
    response = login(analyst).post("/desk/insights/rootcauses/new/", {"title": "Floating"})
    assert response.status_code == 200 and not RootCause.objects.exists()


def test_the_sample_is_stratified_by_topic_and_channel(mk, queues):
    for i in range(20):
        mk(topic="delivery-late", channel="phone", email=f"p{i}@example.com")
    for i in range(5):
        mk(topic="delivery-late", channel="email", email=f"e{i}@example.com")
    ids = services.stratified_sample(Case.objects.all(), size=10)
    channels = list(Case.objects.filter(pk__in=ids).values_list("channel", flat=True))
    assert channels.count("phone") == 8 and channels.count("email") == 2


def test_an_overdue_action_reminds_its_owner_and_escalates_to_their_supervisor_once(
        analysis, frozen, teammate, owner):
    from complaintdesk.cases.models import Outbox
    from complaintdesk.insights import jobs

    _, cause = analysis
    CorrectiveAction.objects.create(cause=cause, title="Late one", deadline=date(2026, 3, 1),
                                    owner=teammate)
    assert jobs.remind_overdue_actions(NOW) == 2
    assert sorted(Outbox.objects.values_list("recipient", flat=True)) == sorted(
        [teammate.email, owner.email])
    assert jobs.remind_overdue_actions(NOW + timedelta(hours=1)) == 0


def test_the_seasonal_effect_uses_the_same_weeks_last_year(analysis, frozen):
    _, cause = analysis
    # Last year: 10 a week before, 20 a week in the (seasonal high) weeks after.
    # This year: 10 a week before, 15 a week after: plainly +50 %, seasonally −25 %.
    weekly_cases("delivery-late", {w - 52: 10 for w in range(-12, -4)}
                 | {w - 52: 20 for w in range(-4, 0)}
                 | {w: 10 for w in range(-12, -4)} | {w: 15 for w in range(-4, 0)})
    action = CorrectiveAction.objects.create(cause=cause, title="Courier load", status="done",
                                             forecast_drop_pct=Decimal("20"),
                                             completed_at=NOW - timedelta(weeks=4))
    effect = services.action_effect(action, weeks=8, now=NOW)
    assert effect.change_pct == 50.0
    assert effect.baseline == "same weeks last year"
    assert effect.expected_after == 80.0 and effect.after == 60
    assert effect.seasonal_change_pct == -25.0 and effect.forecast_pct == -20.0


def test_without_last_year_the_weekday_profile_of_the_weeks_before_is_the_baseline(analysis, frozen):
    _, cause = analysis
    weekly_cases("delivery-late", {w: 14 for w in range(-10, -2)} | {w: 7 for w in range(-2, 0)})
    action = CorrectiveAction.objects.create(cause=cause, title="Courier load", status="done",
                                             completed_at=NOW - timedelta(weeks=2))
    effect = services.action_effect(action, weeks=8, now=NOW)
    assert effect.baseline == "weekday profile of the weeks before"
    assert effect.expected_after == pytest.approx(28.0, abs=0.5)
    assert effect.seasonal_change_pct == pytest.approx(-50.0, abs=1.0)


def test_the_backlog_shows_the_seasonal_effect_beside_the_forecast(analysis, admin_user, frozen):
    from django.test import Client

    _, cause = analysis
    weekly_cases("delivery-late", {w: 14 for w in range(-10, -2)} | {w: 7 for w in range(-2, 0)})
    CorrectiveAction.objects.create(cause=cause, title="Courier load", status="done",
                                    forecast_drop_pct=Decimal("30"),
                                    completed_at=NOW - timedelta(weeks=2))
    client = Client()
    client.force_login(admin_user)
    html = client.get("/desk/insights/actions/").content.decode()
    assert "vs seasonal baseline" in html and "−30" in html
