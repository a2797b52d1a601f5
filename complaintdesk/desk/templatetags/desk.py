"""Template helpers of the workspace: role checks and money in the locale's format."""

import re
from datetime import UTC
from zoneinfo import ZoneInfo

from django import template
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from complaintdesk.accounts import permissions
from complaintdesk.cases import times
from complaintdesk.cases.models import (
    Accepted,
    Channel,
    Kind,
    Outcome,
    Priority,
    Queue,
    ResonanceSource,
    Status,
    Topic,
)
from complaintdesk.claims.matrix import BUDGET_CAP_REASON
from complaintdesk.claims.models import AuditResult, Payout
from complaintdesk.lib import configcache
from complaintdesk.triage.templatetags.triage_tags import REMEDY_LABELS

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


def _readable(value, tz: ZoneInfo):
    # Events store datetimes as ISO text; show them as the reader's locale writes dates, in the
    # zone of the case's calendar (the zone its deadlines are computed in), with the zone's label.
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T":
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, UTC)  # stored moments are UTC
            return times.local_time(moment, tz=tz, fmt="SHORT_DATETIME_FORMAT")
    return value


# The timeline speaks the reader's language: field names and coded values of an event's
# before/after are shown with their translated labels (unknown keys keep their own name).
EVENT_FIELDS = {
    "status": _("Status"), "kind": _("Kind"), "topic": _("Topic"), "queue": _("Queue"),
    "channel": _("Channel"), "assignee": _("Assignee"), "acknowledge_by": _("Acknowledge by"),
    "resolve_by": _("Answer due"), "policy": _("SLA policy"), "outcome": _("Decision"),
    "amount_paid": _("Amount paid back"), "currency": _("Currency"), "text": _("Text"),
    "on_time": _("On time"), "customer_accepted": _("Customer accepted"),
    "external_options_given": _("External options given"), "incident": _("Incident"),
    "title": _("Title"), "source": _("Source"), "level": _("Level"),
    "to_queue": _("To queue"),
    "amount": _("Amount"), "remedy": _("Remedy sought"), "language": _("Language"),
    "resonance": _("Resonance"), "reason": _("Reason"), "notified": _("Notified"),
    "priority": _("Priority"), "customer": _("Customer"), "matrix": _("Claims matrix"),
    "rule": _("Rule"), "payout": _("Payout"), "external_id": _("Transfer id"),
    "audit": _("Audit"),
    "acknowledged_via": _("Acknowledged via"),
}
EVENT_VALUES = {
    "status": dict(Status.choices), "kind": dict(Kind.choices), "channel": dict(Channel.choices),
    # A case's decision and a claims matrix's outcome share the "outcome" key.
    "outcome": {**dict(Outcome.choices), "auto_approve": _("approve automatically"),
                "fast_track": _("fast track"), "investigate": _("investigate")},
    "customer_accepted": dict(Accepted.choices),
    "source": dict(ResonanceSource.choices),
    "remedy": REMEDY_LABELS,
    "language": {"ru": _("Russian"), "en": _("English")},
    "resonance": dict(ResonanceSource.choices), "priority": dict(Priority.choices),
    "payout": dict(Payout.Status.choices), "audit": dict(AuditResult.choices),
    # The SLA worker's escalation steps (cases.worker) and a person's escalation by hand.
    "reason": {"ack_overdue": _("Not acknowledged in time"), "breach": _("Deadline breached"),
               "second_escalation": _("Deadline breached: second escalation")},
    "level": {"manual": _("by hand")},
    "rule": {"default": _("matrix default")},
    # cases.services.acknowledge_on_screen: the portal's receipt page; otherwise a channel.
    "acknowledged_via": {"web_page": _("the receipt on the web page"), **dict(Channel.choices)},
}
# Coded reasons an event's data carries (services.move_to_queue, the claims matrix's evaluation);
# free text is shown as is.
EVENT_REASONS = {
    "resonance": _("resonance flagged"),
    "reclassified as a claim": _("reclassified as a claim"),
    "no rule matched; matrix default": _("no rule matched; matrix default"),
    BUDGET_CAP_REASON: _("monthly cap reached"),
    "no amount claimed: nothing to pay automatically":
        _("no amount claimed: nothing to pay automatically"),
    "matrix version replaced during evaluation": _("matrix version replaced during evaluation"),
}
_RULE_MATCHED = re.compile(r"rule '(.+)' matched")
_OTHER_CURRENCY = re.compile(r"claim in (\S+), matrix pays (\S+)")
# Who acted, for events without a person (services.actor_label and the importers' labels).
ACTOR_LABELS = {"system": _("System"), "customer": _("Customer"), "cli": _("Command line")}


def _reason(reason: str) -> str:
    if reason in EVENT_REASONS:
        return str(EVENT_REASONS[reason])
    if (m := _RULE_MATCHED.fullmatch(reason)) is not None:
        return _("rule «%(name)s» matched") % {"name": m.group(1)}
    if (m := _OTHER_CURRENCY.fullmatch(reason)) is not None:
        return _("claim in %(claim)s, matrix pays %(matrix)s") % {
            "claim": m.group(1), "matrix": m.group(2)}
    return reason


def _names(model) -> dict[str, str]:
    # Queues and topics are few and cached per process (cleared on save): no query per event.
    return configcache.cached(f"names:{model._meta.label}",
                              lambda: dict(model.objects.values_list("code", "name")))


def _label(key: str, value, tz: ZoneInfo):
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and key in EVENT_VALUES:
        return EVENT_VALUES[key].get(value, value)
    if isinstance(value, str) and key in ("queue", "to_queue"):
        return _names(Queue).get(value, value)
    if isinstance(value, str) and key == "topic":
        return _names(Topic).get(value, value)
    if isinstance(value, str) and key == "matrix" and " v" in value:  # "<topic code> v<version>"
        code, version = value.rsplit(" v", 1)
        return f"{_names(Topic).get(code, code)} v{version}"
    return _readable(value, tz)


@register.filter
def actor_name(label: str) -> str:
    """An event's or message's author: the person's login, or a word for the system's own."""
    return str(ACTOR_LABELS.get(label, label))


@register.filter
def event_summary(event, case=None) -> str:
    """One line for the timeline from an event's before/after; `{{ e|event_summary:case }}` gives
    its times in the case's zone (without a case: the site's zone), labelled."""
    tz = times.case_zone(case) if case is not None else times.site_zone()
    parts = []
    before, after = event.before or {}, event.after or {}
    # PostgreSQL's jsonb reorders keys: show them in one fixed, readable order.
    order = list(EVENT_FIELDS)
    keys = sorted(after, key=lambda k: order.index(k) if k in order else len(order))
    for key in keys:
        raw = after[key]
        if raw in (None, "", [], {}):
            continue
        if key == "currency" and after.get("amount_paid") not in (None, ""):
            continue  # shown with the amount
        if key == "amount_paid":
            parts.append(f"{EVENT_FIELDS[key]}: {money(raw, after.get('currency') or '')}")
            continue
        if key == "incident" and "title" in after:
            continue  # the incident's title says it better than its id
        name = EVENT_FIELDS.get(key, key.replace("_", " "))
        value, old = _label(key, raw, tz), _label(key, before.get(key), tz)
        # A confirmation keeps the value: "Kind: Claim", not "Kind: Claim → Claim".
        changed = old not in (None, "") and old != value
        parts.append(f"{name}: {old} → {value}" if changed else f"{name}: {value}")
    if excerpt := (event.data or {}).get("excerpt"):
        parts.append(f"«{excerpt[:80]}»")
    if reason := (event.data or {}).get("reason"):
        parts.append(_reason(str(reason)))
    return "; ".join(parts)
