"""Metrics come from SQL; audits of sampled payouts give the observed loss."""

from datetime import timedelta
from decimal import Decimal

import pytest

from complaintdesk.cases import services
from complaintdesk.claims import metrics
from complaintdesk.claims.jobs import run_due_payouts
from complaintdesk.claims.models import Payout
from complaintdesk.claims.services import record_audit
from complaintdesk.lib.errors import DomainError
from tests.claims.conftest import make_matrix


def test_every_auto_approval_is_sampled_when_the_share_is_one_and_none_when_zero(
        frozen, queues, atm_claim):
    matrix = make_matrix(audit_share="1")
    atm_claim("600", email="a@example.com")
    type(matrix).objects.filter(pk=matrix.pk).update(active=False)
    make_matrix(audit_share="0", version=2)
    atm_claim("600", email="b@example.com")
    assert list(Payout.objects.order_by("pk").values_list("audit_selected", flat=True)) == [
        True, False]


def test_the_default_five_percent_sample_is_about_five_percent_and_stable_per_case(queues):
    from types import SimpleNamespace

    from complaintdesk.claims.auto import _audit_selected
    from complaintdesk.claims.models import DecisionMatrix

    share = DecisionMatrix._meta.get_field("audit_share").default
    cases = [SimpleNamespace(pk=i, public_token="tok") for i in range(20000)]
    picked = [_audit_selected(c, share) for c in cases]
    assert sum(picked) / len(cases) == pytest.approx(0.05, abs=0.005)
    assert picked == [_audit_selected(c, share) for c in cases]


def test_observed_loss_is_unfounded_audited_money_over_audited_money_extrapolated(
        frozen, queues, owner, atm_claim):
    make_matrix(audit_share="1")
    cases = [atm_claim(amount, email=f"l{i}@example.com")
             for i, amount in enumerate(["600", "400", "1000", "2000"])]
    payouts = [Payout.objects.get(case=c) for c in cases]
    record_audit(payout=payouts[0], result="unfounded", actor=owner, note="no ATM log")
    record_audit(payout=payouts[1], result="founded", actor=owner)
    record_audit(payout=payouts[2], result="founded", actor=owner)

    [row] = metrics.audit_loss()
    assert row["audited"] == 3 and row["sampled"] == 4
    assert row["loss_rate"] == pytest.approx(600 / 2000)
    assert row["extrapolated_loss"] == pytest.approx(4000 * 0.3)
    assert cases[0].events.filter(data__kind="claim_audit").get().after["audit"] == "unfounded"
    with pytest.raises(DomainError):
        record_audit(payout=payouts[0], result="founded", actor=owner)


def test_operators_and_analysts_cannot_audit(frozen, queues, teammate, analyst, atm_claim):
    from django.core.exceptions import PermissionDenied

    make_matrix(audit_share="1")
    payout = Payout.objects.get(case=atm_claim("600"))
    for user in (teammate, analyst):
        with pytest.raises(PermissionDenied):
            record_audit(payout=payout, result="founded", actor=user)


def test_claims_metrics_separate_claims_from_complaints_and_auto_from_manual(
        frozen, queues, owner, atm_claim, make_case):
    make_matrix(cap="1000")
    auto = atm_claim("600", email="a@example.com")
    frozen.shift(timedelta(minutes=5))
    run_due_payouts(worker_id="w")
    manual = atm_claim("5000000", email="b@example.com")  # over the cap: people decide
    complaint = make_case(kind="complaint", customer_email="c@example.com")
    frozen.shift(timedelta(hours=48))
    for case in (manual, complaint):
        services.transition(case=case, to="assessment", actor=owner)
    services.decide(case=manual, outcome="upheld", actor=owner, amount_paid=Decimal("5000000"))
    services.decide(case=complaint, outcome="upheld", actor=owner)

    data = metrics.all_metrics(days=30)
    times = {r["kind"]: r for r in data["time_to_decision"]}
    assert times["claim"]["decided"] == 2 and times["complaint"]["decided"] == 1
    assert times["complaint"]["hours"] == pytest.approx(48.0)
    assert times["claim"]["hours"] == pytest.approx(24.0)  # auto: 0 h, by a person: 48 h
    summary = data["claims"]
    assert summary["decided"] == 2 and summary["auto_decided"] == 1 and summary["share_auto"] == 0.5
    assert summary["money_hours_auto"] == pytest.approx(5 / 60, abs=0.01)
    assert summary["money_hours_manual"] == pytest.approx(48.0)
    [budget] = data["budget"]
    assert budget["paid"] == Decimal("600") and budget["cap"] == Decimal("1000")
    assert budget["used"] == pytest.approx(0.6)
    assert auto.pk
