"""The worker pass: acknowledgements, warnings, breaches, second level, retries."""

from datetime import timedelta

from django.core import mail

from complaintdesk.cases import services
from complaintdesk.cases.models import Case, EventType, Outbox, Queue
from complaintdesk.cases.worker import run_pass
from complaintdesk.channels.base import DeliveryError


def _pass(now=None):
    return run_pass(worker_id="test-worker", now=now)


def test_acknowledgement_is_sent_at_once_and_marks_the_case_acknowledged(make_case, frozen):
    case = make_case()
    report = _pass()
    assert report.sent == 1
    assert mail.outbox[0].to == ["ivan@example.com"] and case.reference in mail.outbox[0].subject
    assert mail.outbox[0].extra_headers["Message-ID"].startswith("<outbox-")
    case.refresh_from_db()
    assert case.status == "acknowledged" and case.acknowledged_at is not None
    assert case.events.filter(type=EventType.MESSAGE_SENT).count() == 1


def test_a_second_pass_sends_nothing_again(make_case, frozen):
    make_case()
    _pass()
    assert _pass().sent == 0 and len(mail.outbox) == 1


def test_warning_at_75_percent_then_breach_to_supervisor_then_second_level(
    make_case, owner, teammate, admin_user, frozen
):
    Queue.objects.filter(code="claims").update(escalation_manager=admin_user)
    case = make_case(kind="claim", topic="cards-atm-cash")  # 1 business day = 9 h
    services.assign(case=case, assignee=owner, actor=owner)
    _pass()
    frozen.shift(timedelta(hours=6, minutes=45))  # 75% of 9 h, still on the same day
    steps = _pass().sla_steps
    assert steps == [(case.reference, "warning")]
    frozen.shift(timedelta(days=1))
    assert _pass().sla_steps == [(case.reference, "breach")]
    frozen.shift(timedelta(hours=24))
    assert _pass().sla_steps == [(case.reference, "second_escalation")]
    assert _pass().sla_steps == []
    levels = [e.after["level"] for e in case.events.filter(type=EventType.ESCALATED)]
    assert levels == [1, 2]
    recipients = [m.to[0] for m in mail.outbox]
    assert "olga@example.com" in recipients and "adam@example.com" in recipients


def test_overdue_steps_missed_while_workers_were_down_are_each_taken_once(make_case, owner, frozen):
    case = make_case(kind="claim")
    frozen.shift(timedelta(days=30))
    steps = [s for _, s in _pass().sla_steps]
    assert steps == ["ack_overdue", "warning", "breach", "second_escalation"]
    assert case.events.filter(type=EventType.ESCALATED).count() == 3
    assert _pass().sla_steps == []


def test_a_paused_clock_is_never_escalated(make_case, frozen):
    case = make_case(kind="claim")
    for status in ("assessment", "waiting_customer"):
        case = services.transition(case=case, to=status, actor=None)
    frozen.shift(timedelta(days=30))
    assert _pass().sla_steps == []


def test_resonance_breach_goes_to_the_special_group(make_case, admin_user, frozen):
    Queue.objects.filter(code="special").update(supervisor=admin_user)
    case = make_case(kind="complaint", resonance_source="regulator")
    frozen.shift(timedelta(days=30))
    _pass()
    breach = case.events.filter(type=EventType.ESCALATED).first()
    assert breach.after["notified"] == "adam"


def test_failed_delivery_is_retried_with_backoff_then_given_up(make_case, frozen, monkeypatch,
                                                              settings):
    settings.COMPLAINTDESK = {**settings.COMPLAINTDESK, "OUTBOX_MAX_ATTEMPTS": 2}
    from complaintdesk.channels.email import EmailSender

    def refuse(self, *, row, message_id):
        raise DeliveryError("SMTP server said no")

    # The edge of the world: the SMTP server refusing, behind our own Sender port.
    monkeypatch.setattr(EmailSender, "send", refuse)
    make_case()
    assert _pass().failed == 1
    row = Outbox.objects.get()
    assert row.state == "pending" and row.available_at > frozen_now(frozen)
    assert _pass().failed == 0  # backoff: not yet due
    frozen.shift(timedelta(minutes=5))
    _pass()
    row.refresh_from_db()
    assert row.state == "failed" and "said no" in row.last_error


def frozen_now(_frozen):
    from django.utils import timezone

    return timezone.now()


def test_decided_case_is_not_escalated(make_case, frozen):
    case = make_case(kind="complaint")
    case = services.transition(case=case, to="assessment", actor=None)
    services.decide(case=case, outcome="upheld", actor=None)
    frozen.shift(timedelta(days=60))
    assert _pass().sla_steps == []
    assert Case.objects.get(pk=case.pk).next_sla_check_at is None
