"""Times shown to people: in the case's calendar time zone, labelled, in the reader's language.

A deadline is computed in the calendar's zone (sla.services), so it is shown there too: a reader
in Moscow and an e-mail rendered by a worker whose clock runs in UTC must name the same day.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from complaintdesk.lib import configcache

# Zones with a name their readers use instead of an offset; the rest are labelled "UTC+5".
_NAMED_ZONES = {"Europe/Moscow"}


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _zones() -> dict[str, dict[int, str]]:
    """Calendar zone of every policy and queue, read once per cache period, not per case."""
    from complaintdesk.cases.models import Queue
    from complaintdesk.sla.models import Policy

    return {
        "policy": dict(Policy.objects.values_list("pk", "calendar__timezone")),
        "queue": dict(Queue.objects.filter(calendar__isnull=False)
                      .values_list("pk", "calendar__timezone")),
    }


def _loaded_zone(case) -> tuple[bool, str | None]:
    """(found, zone name) from relations the query already joined (desk pages select_related
    them), so a page never queries for the zone."""
    from complaintdesk.cases.models import Case, Queue
    from complaintdesk.sla.models import Policy

    if not (isinstance(case, Case) and Case.policy.is_cached(case)):
        return False, None
    if case.policy is not None:
        if Policy.calendar.is_cached(case.policy):
            return True, case.policy.calendar.timezone
        return False, None
    if Case.queue.is_cached(case) and Queue.calendar.is_cached(case.queue):
        return True, case.queue.calendar.timezone if case.queue.calendar else None
    return False, None


def case_zone(case) -> ZoneInfo:
    """The zone of the calendar that runs the case's clock (sla.services._calendar_for)."""
    found, name = _loaded_zone(case)
    if found:
        return _zone(name)
    zones = configcache.cached("calendar-zones", _zones)
    name = zones["policy"].get(case.policy_id) or zones["queue"].get(case.queue_id)
    return _zone(name)


def zone_label(tz: ZoneInfo, moment: datetime) -> str:
    if tz.key in _NAMED_ZONES:
        return _("Moscow time")
    offset = moment.astimezone(tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "") if minutes else "UTC"


def local_time(moment: datetime, *, tz: ZoneInfo, fmt: str = "DATETIME_FORMAT") -> str:
    """`moment` in `tz`, in the active language's format, followed by the zone's label."""
    local = timezone.localtime(moment, tz)
    return f"{formats.date_format(local, fmt)} ({zone_label(tz, moment)})"


def site_zone() -> ZoneInfo:
    """The site's zone (settings.TIME_ZONE): for times that belong to no case."""
    return _zone(settings.TIME_ZONE)


def site_time(moment: datetime | None, *, fmt: str = "DATETIME_FORMAT") -> str:
    """A time of no case (an incident, a channel, a report) in the site's zone, labelled.
    A naive moment is a wall-clock time of the site's zone already (the staffing plan's grid)."""
    if moment is None or moment == "":
        return "—"
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, site_zone())
    return local_time(moment, tz=site_zone(), fmt=fmt)


def case_time(case, moment: datetime | None, *, fmt: str = "DATETIME_FORMAT") -> str:
    """A time of the case for a person, e.g. «18 декабря 2026 г. 0:08 (МСК)»; '—' for none."""
    if moment is None:
        return "—"
    return local_time(moment, tz=case_zone(case), fmt=fmt)
