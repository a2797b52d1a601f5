"""Triage of a new case: fills what the intake left open, and says what it decided and why."""

from dataclasses import replace

from complaintdesk.triage.pipeline import TriageResult, classify, classify_many

# The pipeline's remedy names → the case register's.
_REMEDY = {"money_back": "money_back", "compensation": "compensation", "fix": "fix",
           "apology_explanation": "apology", "other": "other"}
# The register stores amounts as 12 digits before the point; a bigger "amount" in a text is
# an account or card number the extractor mistook, not a dispute.
MAX_AMOUNT = 10**12
_RESONANCE = {"regulator", "court", "media", "social", "executive"}


def triage_many(texts: list[str]) -> list[TriageResult]:
    """One model run for a batch (imports): several times faster than one call per text."""
    return classify_many(texts)


def triage_new_case(data, *, result: TriageResult | None = None):
    """Return (NewCase with empty fields filled, the triage result). A person's or an
    integration's explicit values are never overwritten."""
    result = result if result is not None else classify(data.text)
    changes: dict = {}
    if data.kind == "unclassified" and result.kind:
        changes["kind"] = result.kind
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
