"""Supervisor board: open cases by queue × kind × SLA state, counted by the database."""

from datetime import datetime, time

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case as SqlCase
from django.db.models import Count, F, Q, Value, When
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from complaintdesk.accounts import permissions
from complaintdesk.cases.lifecycle import Status as S
from complaintdesk.cases.models import Case, Kind

SLA_STATES = ("on_track", "warned", "breached", "paused")


def sla_state_expression(now: datetime) -> SqlCase:
    """The same states as the list badges, as SQL, so the board can GROUP BY them."""
    return SqlCase(
        When(clock_paused_since__isnull=False, then=Value("paused")),
        When(status=S.DECIDED, then=Value("on_track")),
        When(resolve_by__lt=now, then=Value("breached")),
        When(Q(warn_at__lte=now) | Q(sla_stage__gte=1), then=Value("warned")),
        default=Value("on_track"),
    )


def board_data(user, now: datetime) -> dict:
    base = permissions.cases_visible_to(user, Case.objects.all())
    open_cases = base.exclude(status=S.CLOSED)
    grouped = (open_cases.annotate(sla=sla_state_expression(now))
               .values("queue__name", "kind", "sla").annotate(n=Count("pk"))
               .order_by("queue__name", "kind"))
    rows: dict[tuple[str, str], dict[str, int]] = {}
    totals = dict.fromkeys(SLA_STATES, 0)
    for item in grouped:
        row = rows.setdefault((item["queue__name"], item["kind"]), dict.fromkeys(SLA_STATES, 0))
        row[item["sla"]] += item["n"]
        totals[item["sla"]] += item["n"]
    kind_labels = dict(Kind.choices)
    start_of_day = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    breaches_today = base.filter(
        resolve_by__gte=start_of_day, resolve_by__lt=now, clock_paused_since__isnull=True,
    ).filter(Q(decided_at__isnull=True) | Q(decided_at__gt=F("resolve_by"))).count()
    flagged = open_cases.aggregate(resonance_count=Count("pk", filter=Q(resonance=True)),
                                   review_count=Count("pk", filter=Q(needs_review=True)))
    return {
        "rows": [{"queue": q, "kind": k, "kind_label": kind_labels.get(k, k), **counts,
                  "total": sum(counts.values())} for (q, k), counts in rows.items()],
        "totals": totals,
        "breaches_today": breaches_today,
        "resonance": open_cases.filter(resonance=True).select_related("queue", "topic")
        .order_by("resolve_by")[:10],
        **flagged,
        "oldest": open_cases.exclude(status=S.DECIDED).select_related("queue", "topic")
        .order_by("received_at")[:10],
    }




@login_required
def board(request):
    user = request.user
    # Supervisors, administrators and analysts watch the whole flow; agents work their lists.
    if not (permissions.can(user, "move") or permissions.can(user, "export")):
        raise PermissionDenied(_("The board is for supervisors, analysts and administrators."))
    now = timezone.now()
    return render(request, "desk/board.html",
                  {"now": now, "states": SLA_STATES, **board_data(user, now)})
