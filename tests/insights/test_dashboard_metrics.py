"""Each dashboard metric on small hand-made data, frozen at Tue 2026-03-03 10:00 Moscow."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Count

from complaintdesk.cases import services as case_services
from complaintdesk.cases.lifecycle import Status as S
from complaintdesk.cases.models import Case, HandlingCostRate
from complaintdesk.insights import reports
from complaintdesk.insights.models import OrganisationBase, SurveyInvitation
from tests.insights.conftest import NOW

pytestmark = pytest.mark.django_db

F = reports.Filters(start=date(2026, 2, 1), end=date(2026, 3, 3))


def rows_of(table):
    return [list(r) for r in table.rows]


def by_key(table, *cols):
    idx = [table.header.index(c) for c in cols]
    return {tuple(r[i] for i in idx) if len(idx) > 1 else r[idx[0]]: dict(zip(table.header, r, strict=True))
            for r in rows_of(table)}


def test_volumes_keep_complaints_and_claims_apart_per_day(mk, admin_user):
    mk(kind="complaint", days_ago=1)
    mk(kind="complaint", days_ago=1)
    mk(kind="claim", days_ago=1, topic="cards-atm-cash", amount_claimed=Decimal("100"))
    mk(kind="complaint", days_ago=2)
    table = reports.volumes_by_period(admin_user, reports.Filters(start=F.start, end=F.end,
                                                                  granularity="day"))
    assert rows_of(table) == [
        [date(2026, 3, 1), "complaint", 1],
        [date(2026, 3, 2), "claim", 1],
        [date(2026, 3, 2), "complaint", 2],
    ]


def test_volumes_by_topic_and_channel_are_grouped_by_kind_first(mk, admin_user):
    mk(kind="complaint", topic="delivery-late", channel="phone")
    mk(kind="complaint", topic="delivery-late", channel="email")
    mk(kind="claim", topic="delivery-late", channel="email")
    topics = by_key(reports.volumes_by_topic(admin_user, F), "kind", "topic")
    assert topics[("complaint", "delivery-late")]["cases"] == 2
    assert topics[("claim", "delivery-late")]["cases"] == 1
    channels = by_key(reports.volumes_by_channel(admin_user, F), "kind", "channel")
    assert channels[("complaint", "phone")]["cases"] == 1
    assert channels[("claim", "email")]["cases"] == 1


def test_filters_by_topic_include_the_subtopics_of_a_level_one_topic(mk, admin_user):
    mk(topic="delivery-late")
    mk(topic="delivery-damaged")
    mk(topic="cards-blocked")
    f = reports.Filters(start=F.start, end=F.end, topic="delivery")
    assert sum(r[-1] for r in rows_of(reports.volumes_by_topic(admin_user, f))) == 2


def test_timeliness_median_p90_sla_compliance_and_breaches_per_kind_and_channel(mk, admin_user):
    # Four complaints by e-mail, acknowledged after 1, 2, 3, 4 hours, decided after 10..40 h.
    for h in (1, 2, 3, 4):
        mk(kind="complaint", days_ago=5, acknowledged_at=NOW - timedelta(days=5) + timedelta(hours=h),
           decided_at=NOW - timedelta(days=5) + timedelta(hours=10 * h),
           resolve_by=NOW - timedelta(days=5) + timedelta(hours=25))
    # An open complaint past its deadline is a breach too; one still in time is not.
    mk(kind="complaint", days_ago=3, resolve_by=NOW - timedelta(hours=1))
    mk(kind="complaint", days_ago=1, resolve_by=NOW + timedelta(days=3))
    table = by_key(reports.timeliness(admin_user, F, now=NOW), "kind", "channel")
    row = table[("complaint", "email")]
    assert row["cases"] == 6
    assert row["ack median h"] == 2.5 and row["ack p90 h"] == 3.7
    assert row["resolve median h"] == 25.0 and row["resolve p90 h"] == 37.0
    assert row["SLA measured"] == 4 and row["SLA met"] == 2
    assert row["SLA compliance %"] == 50.0
    assert row["breaches"] == 3
    assert table[("complaint", "(all)")]["SLA compliance %"] == 50.0


def test_repeat_contact_rate_counts_same_customer_same_topic_within_n_days(mk, admin_user):
    mk(email="a@example.com", topic="delivery-late", days_ago=20)
    mk(email="a@example.com", topic="delivery-late", days_ago=10)   # repeat (10 days later)
    mk(email="a@example.com", topic="cards-blocked", days_ago=5)    # other topic: not a repeat
    mk(email="b@example.com", topic="delivery-late", days_ago=5)    # other customer: not a repeat
    f = reports.Filters(start=F.start, end=F.end, repeat_days=30)
    row = by_key(reports.quality(admin_user, f), "kind")["complaint"]
    assert row["cases"] == 4 and row["repeat contacts (30 d)"] == 1 and row["repeat rate %"] == 25.0
    short = reports.Filters(start=F.start, end=F.end, repeat_days=7)
    assert by_key(reports.quality(admin_user, short), "kind")["complaint"]["repeat contacts (7 d)"] == 0


def _close(case, accepted="yes"):
    case = case_services.transition(case=case, to=S.ASSESSMENT, actor=None)
    case = case_services.decide(case=case, outcome="upheld", actor=None, notify=False)
    return case_services.transition(case=case, to=S.CLOSED, actor=None, customer_accepted=accepted)


def test_reopen_rate_and_accepted_share_of_closures(mk, admin_user):
    a, b, c = mk(), mk(email="b@example.com"), mk(email="c@example.com")
    _close(a, "yes")
    _close(b, "no")
    c = _close(c, "yes")
    case_services.transition(case=c, to=S.INVESTIGATION, actor=None)  # reopened
    mk(email="d@example.com")  # still open
    row = by_key(reports.quality(admin_user, F), "kind")["complaint"]
    assert row["reopened"] == 1
    assert row["reopen rate %"] == pytest.approx(33.3)
    assert row["closed"] == 2 and row["accepted"] == 1 and row["not accepted"] == 1
    assert row["accepted share %"] == 50.0


def test_complaints_per_thousand_customers_and_orders_from_the_entered_base(mk, admin_user):
    OrganisationBase.objects.create(period_start=date(2026, 2, 1), period_end=date(2026, 2, 28),
                                    customers=2000, orders=8000)
    mk(kind="complaint", days_ago=10)   # 21 Feb
    mk(kind="complaint", days_ago=12)
    mk(kind="claim", days_ago=12, topic="cards-atm-cash", amount_claimed=Decimal("10"))
    mk(kind="complaint", days_ago=1)    # March: outside the base period
    row = rows_of(reports.complaint_rate(admin_user, F))[0]
    table = reports.complaint_rate(admin_user, F)
    d = dict(zip(table.header, row, strict=True))
    assert d["complaints"] == 2 and d["claims"] == 1
    assert d["complaints per 1,000 customers"] == 1.0
    assert d["complaints per 1,000 orders"] == 0.25
    assert d["claims per 1,000 customers"] == 0.5


def test_money_claimed_paid_and_handling_cost_per_topic_from_channel_rates(mk, admin_user):
    HandlingCostRate.objects.update_or_create(channel="phone", defaults={"amount": Decimal("100")})
    HandlingCostRate.objects.update_or_create(channel="email", defaults={"amount": Decimal("300")})
    mk(kind="claim", topic="cards-atm-cash", channel="phone", amount_claimed=Decimal("5000"),
       decision_amount=Decimal("5000"))
    mk(kind="claim", topic="cards-atm-cash", channel="email", amount_claimed=Decimal("1000"),
       decision_amount=Decimal("0"))
    mk(kind="complaint", topic="cards-atm-cash", channel="sms")  # rate 0.30 from defaults
    table = by_key(reports.money(admin_user, F), "kind", "topic")
    claim = table[("claim", "cards-atm-cash")]
    assert claim["claimed"] == Decimal("6000") and claim["paid back"] == Decimal("5000")
    assert claim["handling cost"] == Decimal("400")
    assert claim["cost of failure"] == Decimal("5400")
    assert table[("complaint", "cards-atm-cash")]["handling cost"] == Decimal("0.30")


def test_satisfaction_csat_and_nps_by_topic_and_queue(mk, admin_user):
    scores = [(5, 10), (4, 9), (2, 3), (1, None)]
    for i, (csat, nps) in enumerate(scores):
        case = mk(topic="delivery-late", email=f"s{i}@example.com")
        SurveyInvitation.objects.create(case=case, customer=case.customer, csat=csat, nps=nps,
                                        answered_at=NOW)
    unanswered = mk(topic="delivery-late", email="quiet@example.com")
    SurveyInvitation.objects.create(case=unanswered, customer=unanswered.customer)
    row = by_key(reports.satisfaction_by_topic(admin_user, F), "topic")["delivery-late"]
    assert row["responses"] == 4
    assert row["CSAT average (1–5)"] == 3.0
    assert row["CSAT % (4–5)"] == 50.0
    assert row["NPS answers"] == 3
    assert row["NPS"] == pytest.approx(33.3)  # 2 promoters, 1 detractor of 3
    queue_row = by_key(reports.satisfaction_by_queue(admin_user, F), "queue")["first-line"]
    assert queue_row["responses"] == 4


def test_percentiles_use_the_same_interpolation_as_percentile_cont(mk, admin_user):
    for h in (1, 2, 10):
        mk(acknowledged_at=NOW - timedelta(days=1) + timedelta(hours=h))
    qs = reports.cases(admin_user, F)
    stats = reports.duration_percentiles(qs, {"ack": ("received_at", "acknowledged_at")}, ["kind"],
                                         extra={"n": Count("pk")})
    assert stats[("complaint",)] == {"ack": {0.5: 2.0, 0.9: 8.4}, "n": 3}


def test_supervisor_sees_only_the_queues_they_belong_to(mk, owner):
    mk(kind="complaint")                       # 1st line: the owner's queue
    case = mk(kind="complaint", email="x@example.com")
    Case.objects.filter(pk=case.pk).update(queue=case.queue.__class__.objects.get(code="second-line"))
    assert sum(r[-1] for r in rows_of(reports.volumes_by_channel(owner, F))) == 1
