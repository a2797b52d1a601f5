"""Many deadline alerts for one person in one worker pass go out as one digest e-mail."""

from datetime import timedelta

from django.core import mail

from complaintdesk.cases.models import Outbox
from complaintdesk.cases.worker import DIGEST_FROM, run_pass


def test_overdue_cases_of_one_supervisor_arrive_as_one_digest(make_case, owner, frozen):
    cases = [make_case(kind="claim", customer_email=f"c{i}@example.com") for i in range(6)]
    run_pass(worker_id="w1")  # acknowledgements
    mail.outbox.clear()
    frozen.shift(timedelta(days=30))  # the worker was down: every case owes its escalations
    report = run_pass(worker_id="w1")
    assert len(report.sla_steps) >= 6
    to_owner = [m for m in mail.outbox if m.to == [owner.email]]
    assert len(to_owner) == 1
    digest = to_owner[0]
    for case in cases:
        assert f"/desk/cases/{case.reference}/" in digest.body
    assert str(len(Outbox.objects.filter(claimed_by=f"digest:{_digest_pk(owner.email)}"))) in digest.subject
    assert run_pass(worker_id="w1").sent == 0  # nothing folded is sent again


def test_a_single_alert_still_goes_on_its_own(make_case, owner, frozen):
    case = make_case(kind="claim", topic="cards-atm-cash")  # 1 business day
    run_pass(worker_id="w1")
    mail.outbox.clear()
    frozen.shift(timedelta(hours=7))  # past 75 %: one warning only
    run_pass(worker_id="w1")
    (alert,) = mail.outbox
    assert case.reference in alert.subject and "cases need your attention" not in alert.subject
    assert DIGEST_FROM > 1


def _digest_pk(recipient: str) -> int:
    return Outbox.objects.get(recipient=recipient, case__isnull=True, dedupe_key__startswith="digest:").pk


def test_a_digest_is_never_folded_into_another(make_case, owner, frozen):
    from django.utils import timezone

    from complaintdesk.cases import services
    from complaintdesk.cases.worker import PassReport, check_deadlines, digest_staff_alerts

    cases = [make_case(kind="claim", customer_email=f"d{i}@example.com") for i in range(4)]
    run_pass(worker_id="w1")
    frozen.shift(timedelta(days=30))
    check_deadlines(worker_id="w1", now=timezone.now(), batch=100, report=PassReport())
    assert digest_staff_alerts(worker_id="w1", now=timezone.now()) == 1
    # Two more alerts arrive before the digest is delivered: with the digest that would make
    # three pending rows for the same person, but a digest is not an alert to fold again.
    for case in cases[:2]:
        services.enqueue(case=case, purpose=Outbox.Purpose.ESCALATION, recipient=owner.email,
                         subject="late", body="late", dedupe_key=f"late:{case.pk}")
    assert digest_staff_alerts(worker_id="w2", now=timezone.now()) == 0
    digest = Outbox.objects.get(case__isnull=True, recipient=owner.email)
    assert digest.state == Outbox.State.PENDING and digest.claimed_by == ""
