"""One worker pass: deliver due outbox rows and act on due deadlines.

Any number of workers may run: each row and each SLA step is claimed by a compare-and-swap
UPDATE whose row count says who won, so nothing is sent or escalated twice.
"""

import hashlib
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop, ngettext

from complaintdesk.cases import notifications, services
from complaintdesk.cases.lifecycle import Status as S
from complaintdesk.cases.models import Case, EventType, Line, Outbox, Queue
from complaintdesk.channels.base import DeliveryError, message_id_for, sender_for
from complaintdesk.claims.jobs import run_due_payouts
from complaintdesk.sla.services import next_check

log = logging.getLogger("complaintdesk.worker")


@dataclass
class PassReport:
    sent: int = 0
    failed: int = 0
    sla_steps: list[tuple[str, str]] = field(default_factory=list)

    @property
    def did_work(self) -> bool:
        return bool(self.sent or self.failed or self.sla_steps)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_pass(
    *, worker_id: str, now: datetime | None = None, batch: int = 100, periodic: bool = True
) -> PassReport:
    report = PassReport()
    if periodic:
        run_periodic_jobs(now=now or timezone.now())
    check_deadlines(worker_id=worker_id, now=now or timezone.now(), batch=batch, report=report)
    run_due_payouts(worker_id=worker_id, now=now or timezone.now(), batch=batch)
    # A fresh clock here, so alerts the deadline step just queued go out in this same pass.
    digest_staff_alerts(worker_id=worker_id, now=now or timezone.now())
    deliver_outbox(worker_id=worker_id, now=now or timezone.now(), batch=batch, report=report)
    return report


# ---------------------------------------------------------------- periodic jobs

# Seconds between runs of each job in one worker process. Every job is safe to run in several
# workers at once (each records what it did under a unique key), so this only limits cost.
JOB_INTERVALS = {"inbound": 30.0, "insights": 60.0}
_last_run: dict[str, float] = {}


def _due(name: str) -> bool:
    now = time.monotonic()
    last = _last_run.get(name)
    if last is not None and now - last < JOB_INTERVALS[name]:
        return False
    _last_run[name] = now
    return True


def run_periodic_jobs(*, now: datetime) -> None:
    """Jobs of other apps that the worker drives; one failing job never stops the others."""
    from complaintdesk.channels.poll import poll_inbound
    from complaintdesk.insights.jobs import run_due as insight_jobs

    jobs = {"inbound": poll_inbound, "insights": lambda: insight_jobs(now)}
    for name, job in jobs.items():
        if not _due(name):
            continue
        try:
            job()
        except Exception:
            log.exception("periodic job %s failed", name)


# ---------------------------------------------------------------- outbox


def deliver_outbox(*, worker_id: str, now: datetime, batch: int, report: PassReport) -> None:
    lease = timedelta(seconds=settings.COMPLAINTDESK["OUTBOX_LEASE_SECONDS"])
    candidates = list(
        Outbox.objects.filter(
            Q(state=Outbox.State.PENDING, available_at__lte=now)
            # A claim older than the lease belongs to a worker that died mid-send.
            | Q(state=Outbox.State.SENDING, claimed_at__lt=now - lease)
        )
        .order_by("available_at", "pk")
        .values_list("pk", "state", "claimed_at")[:batch]
    )
    for pk, state, claimed_at in candidates:
        won = Outbox.objects.filter(pk=pk, state=state, claimed_at=claimed_at).update(
            state=Outbox.State.SENDING, claimed_at=now, claimed_by=worker_id,
            attempts=F("attempts") + 1,
        )
        if won:
            _deliver_one(pk=pk, worker_id=worker_id, now=now, report=report)


def _deliver_one(*, pk: int, worker_id: str, now: datetime, report: PassReport) -> None:
    row = Outbox.objects.select_related("case", "case__customer").get(pk=pk)
    if row.case_id is not None and row.purpose in _CUSTOMER_PURPOSES:
        # The stored row holds a placeholder; only what leaves for the customer has the link.
        row.body = notifications.for_customer(row.case, row.body)
    try:
        external_id = sender_for(row.channel).send(row=row, message_id=message_id_for(row))
    except DeliveryError as exc:
        _delivery_failed(row=row, worker_id=worker_id, now=now, error=str(exc))
        report.failed += 1
        return
    with transaction.atomic():
        done = Outbox.objects.filter(
            pk=pk, state=Outbox.State.SENDING, claimed_by=worker_id
        ).update(state=Outbox.State.SENT, sent_at=timezone.now(), last_error="")
        if not done:
            return
        report.sent += 1
        if row.case_id is None:
            return
        services.record(row.case, EventType.MESSAGE_SENT, actor=None, purpose=row.purpose,
                        recipient_kind="customer" if row.purpose in _CUSTOMER_PURPOSES else "staff",
                        external_id=external_id, outbox_id=row.pk)
        if row.purpose == Outbox.Purpose.ACKNOWLEDGEMENT and row.case.status == S.RECEIVED:
            services.transition(case=row.case, to=S.ACKNOWLEDGED, actor=None,
                                note="acknowledgement sent", acknowledged_via=row.channel)


_CUSTOMER_PURPOSES = {Outbox.Purpose.ACKNOWLEDGEMENT, Outbox.Purpose.REPLY, Outbox.Purpose.DECISION,
                      Outbox.Purpose.SURVEY}


def _delivery_failed(*, row: Outbox, worker_id: str, now: datetime, error: str) -> None:
    give_up = row.attempts >= settings.COMPLAINTDESK["OUTBOX_MAX_ATTEMPTS"]
    backoff = timedelta(seconds=min(3600, 30 * 2 ** max(0, row.attempts - 1)))
    Outbox.objects.filter(pk=row.pk, state=Outbox.State.SENDING, claimed_by=worker_id).update(
        state=Outbox.State.FAILED if give_up else Outbox.State.PENDING,
        available_at=now + backoff, last_error=error[:2000], claimed_at=None, claimed_by="",
    )
    log.warning("outbox %s attempt %s failed: %s", row.pk, row.attempts, error)


# ---------------------------------------------------------------- staff alert digests

# From this many pending deadline alerts for one person, they go out as one message: a desk
# whose worker was down (or a demo's first start) would otherwise send one e-mail per case.
DIGEST_FROM = 3
DIGEST_MAX_ALERTS = 200
_STAFF_ALERTS = (Outbox.Purpose.SLA_WARNING, Outbox.Purpose.ESCALATION)


class _TakenByAnother(Exception):
    pass


def digest_staff_alerts(*, worker_id: str, now: datetime) -> int:
    """Fold each person's pending staff alerts into one digest row; returns digests queued.

    The folded rows are marked sent, claimed by "digest:<pk>" of the row that carries them; the
    cases' timelines already name who was notified (ESCALATED / SLA_WARNING events)."""
    # A case's own alerts only: a digest (no case) is never folded into another one.
    pending = Outbox.objects.filter(state=Outbox.State.PENDING, attempts=0, channel="email",
                                    purpose__in=_STAFF_ALERTS, available_at__lte=now,
                                    case__isnull=False)
    crowded = list(pending.order_by().values("recipient").annotate(n=Count("pk"))
                   .filter(n__gte=DIGEST_FROM).values_list("recipient", flat=True))
    made = 0
    for recipient in crowded:
        rows = list(pending.filter(recipient=recipient).order_by("pk")
                    .values_list("pk", "purpose", "body")[:DIGEST_MAX_ALERTS])
        ids = [pk for pk, _, _ in rows]
        escalation = any(purpose == Outbox.Purpose.ESCALATION for _, purpose, _ in rows)
        count = {"count": len(rows)}
        subject = ngettext("%(count)d case needs your attention",
                           "%(count)d cases need your attention", len(rows)) % count
        intro = ngettext("Deadline alerts for %(count)d case, in one message:",
                         "Deadline alerts for %(count)d cases, in one message:", len(rows)) % count
        body = "\n\n".join([intro, *(body for _, _, body in rows)])
        try:
            with transaction.atomic():
                digest = Outbox.objects.create(
                    case=None, recipient=recipient, subject=subject[:300], body=body,
                    purpose=Outbox.Purpose.ESCALATION if escalation else Outbox.Purpose.SLA_WARNING,
                    dedupe_key="digest:" + hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest(),
                )
                folded = Outbox.objects.filter(pk__in=ids, state=Outbox.State.PENDING).update(
                    state=Outbox.State.SENT, sent_at=now, claimed_at=now,
                    claimed_by=f"digest:{digest.pk}")
                if folded != len(ids):
                    raise _TakenByAnother
        except (_TakenByAnother, IntegrityError):
            continue  # another worker folded or sent some of them first: they are its to send
        made += 1
        log.info("%s: %d staff alerts to one person sent as digest %s", worker_id, len(ids), digest.pk)
    return made


# ---------------------------------------------------------------- deadlines


def check_deadlines(*, worker_id: str, now: datetime, batch: int, report: PassReport) -> None:
    due = list(
        Case.objects.filter(next_sla_check_at__lte=now)
        .order_by("next_sla_check_at")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in due:
        # A case may owe several steps (the workers were down): take them one by one.
        for _attempt in range(4):
            step = _take_step(pk=pk, now=now)
            if step is None:
                break
            report.sla_steps.append(step)


def _due_step(case: Case, now: datetime) -> str | None:
    from complaintdesk.sla.services import second_escalation_at

    if (case.status == S.RECEIVED and case.acknowledged_at is None and not case.ack_escalated
            and case.acknowledge_by and case.acknowledge_by <= now):
        return "ack_overdue"
    if case.clock_paused_since is not None or case.status in (S.DECIDED, S.CLOSED):
        return None
    if case.sla_stage < 1 and case.warn_at and case.warn_at <= now:
        return "warning"
    if case.sla_stage < 2 and case.resolve_by and case.resolve_by <= now:
        return "breach"
    second = second_escalation_at(case, policy=case.policy)
    if case.sla_stage < 3 and second and second <= now:
        return "second_escalation"
    return None


def _take_step(*, pk: int, now: datetime) -> tuple[str, str] | None:
    with transaction.atomic():
        case = Case.objects.select_related("queue", "customer", "policy", "assignee").get(pk=pk)
        step = _due_step(case, now)
        old_stage, old_ack, old_check = case.sla_stage, case.ack_escalated, case.next_sla_check_at
        if step == "ack_overdue":
            case.ack_escalated = True
        elif step is not None:
            case.sla_stage = {"warning": 1, "breach": 2, "second_escalation": 3}[step]
        new_check = next_check(case, policy=case.policy)
        won = Case.objects.filter(
            pk=pk, sla_stage=old_stage, ack_escalated=old_ack, next_sla_check_at=old_check
        ).update(sla_stage=case.sla_stage, ack_escalated=case.ack_escalated,
                 next_sla_check_at=new_check)
        if not won or step is None:
            return None
        _announce(case=case, step=step)
    return case.reference, step


def _announce(*, case: Case, step: str) -> None:
    special = Queue.objects.filter(line=Line.SPECIAL).select_related("supervisor").first()
    if step == "warning":
        recipient = case.assignee or case.queue.supervisor
        services.record(case, EventType.SLA_WARNING, actor=None, after={
            "resolve_by": case.resolve_by,
            "notified": recipient.get_username() if recipient else None,
        })
        headline = gettext_noop("Deadline approaching")
    else:
        level = {"ack_overdue": 1, "breach": 1, "second_escalation": 2}[step]
        if case.resonance and special is not None:
            recipient = special.supervisor
        elif level == 1:
            recipient = case.queue.supervisor
        else:
            recipient = case.queue.escalation_manager or (special.supervisor if special else None)
        services.record(case, EventType.ESCALATED, actor=None, after={
            "level": level, "reason": step,
            "notified": recipient.get_username() if recipient else None,
        })
        headline = {"ack_overdue": gettext_noop("Not acknowledged in time"),
                    "breach": gettext_noop("Deadline breached"),
                    "second_escalation": gettext_noop("Deadline breached: second escalation"),
                    }[step]
    if recipient is not None and recipient.email:
        subject, body = notifications.staff_alert(case, headline=headline, recipient=recipient)
        purpose = Outbox.Purpose.SLA_WARNING if step == "warning" else Outbox.Purpose.ESCALATION
        services.enqueue(case=case, purpose=purpose, recipient=recipient.email, subject=subject,
                         body=body, dedupe_key=f"sla:{case.pk}:{step}:{case.resolve_by}")
