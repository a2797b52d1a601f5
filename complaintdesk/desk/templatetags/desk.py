"""Template helpers of the workspace: role checks and money in the locale's format."""

from django import template
from django.template.defaultfilters import floatformat
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime

from complaintdesk.accounts import permissions

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    return permissions.can(user, capability)


@register.simple_tag
def money(amount, currency: str = "") -> str:
    """600 → '600,00 RUB' in Russian, '600.00 RUB' in English (grouped, two decimals)."""
    if amount is None or amount == "":
        return "—"
    return f"{floatformat(amount, '2g')} {currency}".strip()


def _readable(value):
    # Events store datetimes as ISO text; show them as the reader's locale writes dates.
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T":
        moment = parse_datetime(value)
        if moment is not None:
            return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    return value


@register.filter
def event_summary(event) -> str:
    """One line for the timeline from an event's before/after."""
    parts = []
    before, after = event.before or {}, event.after or {}
    for key, raw in after.items():
        if raw in (None, "", [], {}):
            continue
        value, old = _readable(raw), _readable(before.get(key))
        parts.append(f"{key}: {old} → {value}" if old not in (None, "") else f"{key}: {value}")
    if excerpt := (event.data or {}).get("excerpt"):
        parts.append(f"«{excerpt[:80]}»")
    if reason := (event.data or {}).get("reason"):
        parts.append(str(reason))
    return "; ".join(parts)

