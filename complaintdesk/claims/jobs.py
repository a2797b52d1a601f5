"""Worker job: send due payouts through the payout port, each exactly once.

Rows are claimed by a compare-and-swap UPDATE (as cases/worker.py does for the outbox), so
any number of workers may run. A payout whose outcome is unknown is retried with the same
idempotency key, which the receiver uses to pay once; a paid or instructed payout is never
sent again.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from complaintdesk.cases import services
from complaintdesk.cases.models import EventType
from complaintdesk.claims.auto import PAYOUT_KIND
from complaintdesk.claims.models import Payout
from complaintdesk.claims.payouts import (
    ManualPayoutPort,
    PayoutPort,
    PayoutResult,
    PayoutStatus,
    WebhookPayoutPort,
)

log = logging.getLogger("complaintdesk.claims")

LEASE = timedelta(minutes=5)  # a claim older than this belongs to a worker that died mid-call
MAX_ATTEMPTS = 12


def _setting(name: str, default: str = "") -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, "") or default)


def payout_port() -> PayoutPort:
    """Webhook to the core system when CLAIMS_PAYOUT_WEBHOOK_URL is set; else a manual
    instruction for a person to execute."""
    url = _setting("CLAIMS_PAYOUT_WEBHOOK_URL")
    if url:
        return WebhookPayoutPort(url=url, secret=_setting("CLAIMS_PAYOUT_WEBHOOK_SECRET"),
                                 timeout_seconds=float(_setting("CLAIMS_PAYOUT_TIMEOUT", "10")))
    return ManualPayoutPort()


@dataclass
class PayoutReport:
    sent: int = 0
    paid: int = 0
    instructed: int = 0
    unknown: int = 0
    failed: int = 0


def run_due_payouts(*, worker_id: str = "", now: datetime | None = None, batch: int = 100,
                    port: PayoutPort | None = None) -> PayoutReport:
    now = now or timezone.now()
    worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
    report = PayoutReport()
    candidates = list(
        Payout.objects.filter(
            Q(status__in=(Payout.Status.PENDING, Payout.Status.UNKNOWN), available_at__lte=now,
              attempts__lt=MAX_ATTEMPTS)
            | Q(status=Payout.Status.SENDING, claimed_at__lt=now - LEASE)
        ).order_by("available_at", "pk").values_list("pk", "status", "claimed_at")[:batch]
    )
    if not candidates:
        return report
    port = port or payout_port()
    for pk, status, claimed_at in candidates:
        won = Payout.objects.filter(pk=pk, status=status, claimed_at=claimed_at).update(
            status=Payout.Status.SENDING, claimed_at=now, claimed_by=worker_id,
            attempts=F("attempts") + 1,
        )
        if won:
            _send_one(pk=pk, worker_id=worker_id, port=port, report=report)
    return report


def _send_one(*, pk: int, worker_id: str, port: PayoutPort, report: PayoutReport) -> None:
    payout = Payout.objects.select_related("case", "case__customer").get(pk=pk)
    case = payout.case
    customer = case.customer
    try:
        result = port.pay(
            idempotency_key=payout.idempotency_key, case_reference=case.reference,
            amount=payout.amount, currency=payout.currency,
            customer_ref=customer.external_id or f"customer:{customer.pk}",
        )
    except Exception as exc:  # a port bug must not lose the row: retry like an unknown outcome
        log.exception("payout %s: port raised", pk)
        result = PayoutResult(PayoutStatus.UNKNOWN, None, f"port error: {exc!r}")
    report.sent += 1
    now = timezone.now()
    final = result.status in (PayoutStatus.PAID, PayoutStatus.INSTRUCTED, PayoutStatus.FAILED)
    backoff = timedelta(seconds=min(3600, 30 * 2 ** max(0, payout.attempts - 1)))
    with transaction.atomic():
        done = Payout.objects.filter(pk=pk, status=Payout.Status.SENDING,
                                     claimed_by=worker_id).update(
            status=result.status.value, external_id=result.external_id or "",
            last_error="" if result.status in (PayoutStatus.PAID, PayoutStatus.INSTRUCTED)
            else result.message[:2000],
            completed_at=now if final else None, available_at=now if final else now + backoff,
            claimed_at=None, claimed_by="",
        )
        if not done:  # our lease expired and another worker took over; it records the outcome
            return
        setattr(report, result.status.value, getattr(report, result.status.value) + 1)
        services.record(case, EventType.PAYOUT, actor=None, kind=PAYOUT_KIND,
                        after={"payout": result.status.value, "amount": payout.amount,
                               "currency": payout.currency,
                               "external_id": result.external_id},
                        idempotency_key=payout.idempotency_key, attempt=payout.attempts,
                        reason=result.message[:300])
