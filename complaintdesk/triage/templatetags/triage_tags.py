"""Helpers for the triage explanation fragment on the case page."""

from django import template
from django.utils.translation import gettext_lazy as _

from complaintdesk.cases.models import Kind, Remedy, ResonanceSource
from complaintdesk.triage.pipeline import GIVEN_KIND_NOTE
from complaintdesk.triage.service import REPEAT_PREFIX, TOPIC_PREFIX

register = template.Library()

# Triage writes the remedy as 'apology_explanation' where the case register says 'apology'.
REMEDY_LABELS = {**dict(Remedy.choices), "apology_explanation": Remedy.APOLOGY.label}

# The model writes its signals, rules and values in English, so the timeline and the API stay
# stable whatever the reader's language; the page shows them in the reader's language. A test
# checks that every signal kind.py can write is here.
_LABELS = {
    "an amount of money is stated": _("an amount of money is stated"),
    "asks for money back": _("asks for money back"),
    "asks for compensation": _("asks for compensation"),
    "asks for a fix": _("asks for a fix"),
    "asks for an explanation": _("asks for an explanation"),
    "contains a question": _("contains a question"),
    "money was taken, charged or not credited": _("money was taken, charged or not credited"),
    "thanks the company": _("thanks the company"),
    "proposes an improvement": _("proposes an improvement"),
    "the meaning of the whole text (fine-tuned encoder)":
        _("the meaning of the whole text (fine-tuned encoder)"),
    "the meaning of the whole text (sentence embedding)":
        _("the meaning of the whole text (sentence embedding)"),
    "amount + money-back/compensation request favours claim":
        _("amount + money-back/compensation request favours claim"),
    GIVEN_KIND_NOTE: _("kind given at intake (kind model not run)"),
    **{code: label for code, label in REMEDY_LABELS.items() if code},
    **{choice.value: choice.label for choice in ResonanceSource if choice.value},
    **{choice.value: choice.label for choice in Kind},
}


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
        elif text == GIVEN_KIND_NOTE:
            parts["rules"].append(text)  # not the customer's words: no phrase highlight
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
def triage_label(value) -> str:
    """A signal, rule, remedy, resonance category or kind in the reader's language."""
    text = str(value)
    return str(_LABELS.get(text, text))


@register.filter
def percent(value) -> str:
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return "—"
