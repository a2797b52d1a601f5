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


def mark_repeats(cases_and_results: list[tuple[object, TriageResult]], *,
                 new_customer_ids: set[int]) -> None:
    """Flag repeats for new cases that have their customer and reference but are not saved yet:
    a similar text from the same customer within REPEAT_DAYS before it. One query for all the
    customers' earlier cases (none for customers made just now); an earlier case of the same
    batch counts too."""
    from django.utils import timezone

    from complaintdesk.cases.models import Case

    pending = [(case, result) for case, result in cases_and_results if result.is_repeat is None]
    known = {case.customer_id for case, _ in pending} - new_customer_ids
    moments = [case.received_at or timezone.now() for case, _ in pending]
    history: dict[int, list[tuple[str, str, datetime]]] = {}
    if known and moments:
        rows = (Case.objects.filter(customer_id__in=known,
                                    received_at__gte=min(moments) - timedelta(days=REPEAT_DAYS),
                                    received_at__lte=max(moments))
                .order_by("-received_at")
                .values_list("customer_id", "reference", "text", "received_at"))
        for customer_id, reference, text, at in rows:
            history.setdefault(customer_id, []).append((reference, text, at))
    for (case, result), moment in zip(pending, moments, strict=True):
        earlier = sorted((row for row in history.get(case.customer_id, ()) if row[2] <= moment),
                         key=lambda row: row[2], reverse=True)
        _mark_repeat(case.text, moment, earlier[:REPEAT_HISTORY_LIMIT], result)
        history.setdefault(case.customer_id, []).append((case.reference, case.text, moment))


def _utc_naive(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None)


def _mark_repeat(text: str, moment: datetime, history: list[tuple[str, str, datetime]],
                 result: TriageResult) -> None:
    """history: (reference, text, received_at) of the customer's earlier cases, newest first."""
    now = _utc_naive(moment)
    index = find_repeat(text, [(previous, _utc_naive(at)) for _, previous, at in history],
                        days=REPEAT_DAYS, now=now)
    result.is_repeat = index is not None
    result.repeat_index = index
    if index is not None:
        reference, _, at = history[index]
        days = (now - _utc_naive(at)).days
        result.explanation = [*result.explanation,
                              f"{REPEAT_PREFIX}similar to {reference} ({days} d earlier)"]
        result.repeat_of = reference


def triage_new_case(data, *, result: TriageResult | None = None):
    """Return (NewCase with empty fields filled, the triage result). A person's or an
    integration's explicit values are never overwritten. Repeats are flagged once the case
    has its customer (mark_repeats)."""
    if result is None:
        result = classify_many([data.text], topic_model=_topic_model(),
                               known_kinds=[given_kind(data)])[0]
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
