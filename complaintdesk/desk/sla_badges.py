"""SLA badges for a page of cases in a constant number of queries."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from complaintdesk.cases.lifecycle import FINISHED, Status
from complaintdesk.cases.models import ClockPause
from complaintdesk.sla.services import clock_share_used

# Every relation the badge and a list row touch; callers add these to their queryset.
ROW_RELATED = ("queue", "queue__calendar", "customer", "topic", "topic__parent", "assignee",
               "policy", "policy__calendar")


def with_pauses(qs: QuerySet) -> QuerySet:
    """Prefetch the pause spans into `case.pause_spans` (one query for the whole page)."""
    return qs.prefetch_related(
        Prefetch("pauses", queryset=ClockPause.objects.order_by("started_at"),
                 to_attr="pause_spans")
    )


def share_used(case, *, now: datetime) -> float | None:
    """Share of the clock used; reads the pauses `with_pauses` prefetched (no query per row)."""
    return clock_share_used(case, now=now)


@dataclass(frozen=True)
class Badge:
    state: str  # on_track | warned | breached | paused | done | none
    label: str
    share: float | None
    seconds_left: float | None

    @property
    def css(self) -> str:
        return f"sla sla-{self.state}"


def badge(case, *, now: datetime) -> Badge:
    """The SLA badge of one case: coloured by share of the clock used, 'paused' when stopped."""
    if Status(case.status) in FINISHED:
        return Badge("done", str(_("done")), None, None)
    if case.clock_paused_since is not None:
        return Badge("paused", str(_("paused")), None, None)
    share = share_used(case, now=now)
    if share is None:
        return Badge("none", "—", None, None)
    left = (case.resolve_by - now).total_seconds()
    warn_share = case.policy.warn_share if case.policy_id else 0.75
    if share >= 1 or left < 0:
        state = "breached"
    else:
        state = "warned" if share >= warn_share else "on_track"
    return Badge(state, format_left(left), share, left)


def format_left(seconds: float) -> str:
    """'2 d 3 h left' / '5 h overdue' — short enough for a table cell."""
    late = seconds < 0
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        span = _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    elif hours:
        span = _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    else:
        span = _("%(m)d min") % {"m": minutes}
    if late:
        return str(_("%(span)s overdue") % {"span": span})
    return str(_("%(span)s left") % {"span": span})
