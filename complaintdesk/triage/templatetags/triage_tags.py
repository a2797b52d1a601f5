"""Helpers for the triage explanation fragment on the case page."""

from django import template

from complaintdesk.triage.service import REPEAT_PREFIX, TOPIC_PREFIX

register = template.Library()


@register.simple_tag
def triage_latest_classified(case):
    """The newest CLASSIFIED event of the case (the model's last word), or None."""
    if case is None or not getattr(case, "pk", None):
        return None
    return case.events.filter(type="classified").order_by("-at", "-id").first()


@register.filter
def triage_explanation(event) -> dict:
    """Split an event's explanation into phrases, signals, rules, topic and repeat notes."""
    data = getattr(event, "data", None) or {}
    parts: dict = {"phrases": [], "signals": [], "rules": [], "topic": None, "repeat": None}
    for item in data.get("explanation") or []:
        text = str(item)
        if text.startswith("signal: "):
            parts["signals"].append(text.removeprefix("signal: "))
        elif text.startswith("rule: "):
            parts["rules"].append(text.removeprefix("rule: "))
        elif text.startswith(REPEAT_PREFIX):
            parts["repeat"] = text.removeprefix(REPEAT_PREFIX)
        elif text.startswith(TOPIC_PREFIX):
            parts["topic"] = text.removeprefix(TOPIC_PREFIX)
        else:
            parts["phrases"].append(text.strip("\"'"))
    if parts["repeat"] is None and data.get("repeat_of"):
        # A structured key, if the event writer records one.
        parts["repeat"] = f"similar to {data['repeat_of']}"
    return parts


@register.filter
def percent(value) -> str:
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return "—"
