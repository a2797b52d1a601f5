"""Per-channel health for supervisors: messages in and out, failures, the backlog and the last
errors, all from SQL aggregation over InboundRecord and cases.Outbox (by channel/state/day)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from complaintdesk.cases.models import Outbox
from complaintdesk.channels.base import registered_channels
from complaintdesk.channels.models import ChannelState, InboundRecord, Mailbox

IGNORED = [InboundRecord.Outcome.AUTOREPLY, InboundRecord.Outcome.BOUNCE,
           InboundRecord.Outcome.LOOP, InboundRecord.Outcome.IGNORED]
WAITING = [Outbox.State.PENDING, Outbox.State.SENDING]


@dataclass
class ChannelRow:
    channel: str
    in_today: int = 0
    in_week: int = 0
    ignored_today: int = 0
    ignored_week: int = 0
    sent_today: int = 0
    sent_week: int = 0
    failed_today: int = 0
    failed_week: int = 0
    pending_today: int = 0
    pending_week: int = 0
    pending_now: int = 0
    retrying_now: int = 0
    oldest_pending: datetime | None = None
    days: dict[date, dict[str, int]] = field(default_factory=dict)


def _bounds(now: datetime) -> tuple[datetime, datetime]:
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return today, today - timedelta(days=6)


def channel_stats(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    today, week = _bounds(now)
    rows: dict[str, ChannelRow] = {c: ChannelRow(c) for c in registered_channels()}

    def row(channel: str) -> ChannelRow:
        return rows.setdefault(channel, ChannelRow(channel))

    counted = ~Q(outcome__in=IGNORED)
    for r in (InboundRecord.objects.filter(received_at__gte=week).values("channel")
              .annotate(in_today=Count("pk", filter=counted & Q(received_at__gte=today)),
                        in_week=Count("pk", filter=counted),
                        ignored_today=Count("pk", filter=~counted & Q(received_at__gte=today)),
                        ignored_week=Count("pk", filter=~counted))):
        target = row(r.pop("channel"))
        for key, value in r.items():
            setattr(target, key, value)

    sent, failed = Q(state=Outbox.State.SENT), Q(state=Outbox.State.FAILED)
    waiting = Q(state__in=WAITING)
    for r in (Outbox.objects.filter(Q(created_at__gte=week) | Q(sent_at__gte=week) | waiting)
              .values("channel")
              .annotate(sent_today=Count("pk", filter=sent & Q(sent_at__gte=today)),
                        sent_week=Count("pk", filter=sent & Q(sent_at__gte=week)),
                        failed_today=Count("pk", filter=failed & Q(created_at__gte=today)),
                        failed_week=Count("pk", filter=failed & Q(created_at__gte=week)),
                        pending_today=Count("pk", filter=waiting & Q(created_at__gte=today)),
                        pending_week=Count("pk", filter=waiting & Q(created_at__gte=week)),
                        pending_now=Count("pk", filter=waiting),
                        retrying_now=Count("pk", filter=waiting & Q(attempts__gt=0)),
                        oldest_pending=Min("created_at", filter=waiting))):
        target = row(r.pop("channel"))
        for key, value in r.items():
            setattr(target, key, value)

    # Per day, last 7 days: in (counted), sent, failed, waiting.
    empty = {"in": 0, "ignored": 0, "sent": 0, "failed": 0, "pending": 0}
    day_list = [(today + timedelta(days=i)).date() for i in range(-6, 1)]
    for target in rows.values():
        target.days = {d: dict(empty) for d in day_list}
    for r in (InboundRecord.objects.filter(received_at__gte=week)
              .annotate(day=TruncDate("received_at")).values("channel", "day")
              .annotate(n=Count("pk", filter=counted), ign=Count("pk", filter=~counted))):
        cell = row(r["channel"]).days.setdefault(r["day"], dict(empty))
        cell["in"] += r["n"]
        cell["ignored"] += r["ign"]
    for r in (Outbox.objects.filter(created_at__gte=week)
              .annotate(day=TruncDate("created_at")).values("channel", "day", "state")
              .annotate(n=Count("pk"))):
        key = {"sent": "sent", "failed": "failed"}.get(r["state"], "pending")
        row(r["channel"]).days.setdefault(r["day"], dict(empty))[key] += r["n"]

    errors = list(Outbox.objects.exclude(last_error="")
                  .filter(state__in=[*WAITING, Outbox.State.FAILED])
                  .select_related("case").order_by("-available_at", "-pk")[:20])
    return {
        "now": now,
        "today": today,
        "week_start": week,
        "days": day_list,
        "channels": sorted(rows.values(), key=lambda r: r.channel),
        "errors": errors,
        "mailboxes": list(Mailbox.objects.order_by("name", "pk")),
        "states": list(ChannelState.objects.filter(updated_at__isnull=False).order_by("name")),
    }
