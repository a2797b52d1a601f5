"""Triage of a new case: fills what the intake left open, and says what it decided and why.

Uses the shipped kind model, the organisation's active topic model (registry) and the same
customer's recent cases (repeat detection). Explicit values from a person or an integration
are never overwritten.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from complaintdesk.triage.pipeline import TriageResult, classify_many, find_repeat

# The pipeline's remedy names → the case register's.
_REMEDY = {"money_back": "money_back", "compensation": "compensation", "fix": "fix",
           "apology_explanation": "apology", "other": "other"}
# The register stores amounts as 12 digits before the point; a bigger "amount" in a text is
# an account or card number the extractor mistook, not a dispute.
MAX_AMOUNT = 10**12
_RESONANCE = {"regulator", "court", "media", "social", "executive"}
# A repeat is the same customer with a similar text within this many days.
REPEAT_DAYS = 30
REPEAT_HISTORY_LIMIT = 20
REPEAT_PREFIX = "repeat: "
TOPIC_PREFIX = "topic: "


def _topic_model():
    from complaintdesk.triage.registry import active_topic_model

    return active_topic_model()


def triage_many(texts: list[str], *,
                known_kinds: list[str | None] | None = None) -> list[TriageResult]:
    """One model run for a batch (imports): several times faster than one call per text.
    `known_kinds` are kinds the source already gives; those texts skip the kind model."""
    return classify_many(texts, topic_model=_topic_model(), known_kinds=known_kinds)


def given_kind(data) -> str | None:
    """The kind intake gave, if any: triage then keeps it and does not run the kind model."""
    return None if data.kind == "unclassified" else data.kind


def _utc_naive(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None)


def customer_history(data, *, days: int = REPEAT_DAYS) -> list[tuple[str, str, datetime]]:
    """(reference, text, received_at) of the same customer's cases in the ``days`` before this
    one, newest first. The customer is recognised by the keys intake uses (external id,
    e-mail, phone); one indexed query, nothing is created."""
    from django.db.models import Q
    from django.utils import timezone

    from complaintdesk.cases.models import Case
    from complaintdesk.cases.services import normalise_email, normalise_phone

    match = Q()
    for field_name, value in (("external_id", data.customer_external_id),
                              ("email", normalise_email(data.customer_email)),
                              ("phone", normalise_phone(data.customer_phone))):
        if value:
            match |= Q(**{f"customer__{field_name}": value})
    if not match:
        return []
    moment = data.received_at or timezone.now()
    rows = (Case.objects.filter(match, received_at__gte=moment - timedelta(days=days),
                                received_at__lte=moment)
            .order_by("-received_at").values_list("reference", "text", "received_at")
            [:REPEAT_HISTORY_LIMIT])
    return list(rows)


def _mark_repeat(data, result: TriageResult) -> TriageResult:
    from django.utils import timezone

    history = customer_history(data)
    moment = _utc_naive(data.received_at or timezone.now())
    index = find_repeat(data.text, [(text, _utc_naive(at)) for _, text, at in history],
                        days=REPEAT_DAYS, now=moment)
    result.is_repeat = index is not None
    result.repeat_index = index
    if index is not None:
        reference, _, at = history[index]
        days = (moment - _utc_naive(at)).days
        note = f"{REPEAT_PREFIX}similar to {reference} ({days} d earlier)"
        result.explanation = [*result.explanation, note]
        result.repeat_of = reference
    return result


def triage_new_case(data, *, result: TriageResult | None = None):
    """Return (NewCase with empty fields filled, the triage result). A person's or an
    integration's explicit values are never overwritten."""
    if result is None:
        result = classify_many([data.text], topic_model=_topic_model(),
                               known_kinds=[given_kind(data)])[0]
    if result.is_repeat is None:
        result = _mark_repeat(data, result)
    changes: dict = {}
    if data.kind == "unclassified" and result.kind:
        changes["kind"] = result.kind
    if not data.topic and result.topic:
        from complaintdesk.triage.registry import topic_codes

        if result.topic in topic_codes():
            changes["topic"] = result.topic
            result.explanation = [
                *result.explanation,
                f"{TOPIC_PREFIX}{result.topic} ({result.topic_confidence:.2f})",
            ]
    if (data.amount_claimed is None and result.amount is not None and result.currency
            and 0 < result.amount < MAX_AMOUNT):
        changes.update(amount_claimed=result.amount, currency=result.currency)
    if not data.remedy_sought and result.remedy in _REMEDY:
        changes["remedy_sought"] = _REMEDY[result.remedy]
    if not data.resonance_source:
        found = [s.category for s in result.resonance if s.category in _RESONANCE]
        if found:
            changes["resonance_source"] = found[0]
    if not data.language and result.language in ("ru", "en"):
        changes["language"] = result.language
    return replace(data, **changes), result
