"""Training data from the case database: labelled cases, with persons' corrections winning.

A case's topic counts as a label when a person set it (at intake or by a correction). A topic
the model itself filled in and nobody confirmed is left out: training on its own guesses would
only teach the model to repeat them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from complaintdesk.triage.service import TOPIC_PREFIX


@dataclass(frozen=True, slots=True)
class Correction:
    reference: str
    text: str
    field: str
    before: str | None
    after: str | None
    at: Any
    by: str


def person_corrections(*, field: str | None = None) -> list[Correction]:
    """Every RECLASSIFIED event made by a person, oldest first, one row per changed field."""
    from complaintdesk.cases.models import Event, EventType

    events = (
        Event.objects.filter(type=EventType.RECLASSIFIED, data__by="person")
        .select_related("case").order_by("at", "id")
    )
    rows: list[Correction] = []
    for event in events:
        before, after = event.before or {}, event.after or {}
        for name in ("kind", "topic"):
            if field is not None and name != field:
                continue
            if before.get(name) != after.get(name):
                rows.append(Correction(event.case.reference or "", event.case.text, name,
                                       before.get(name), after.get(name), event.at,
                                       event.actor_label))
    return rows


def person_kind_labels() -> list[tuple[str, str]]:
    """(text, kind) of each case whose kind a person corrected or confirmed; the last word
    per case wins. Topic-only corrections say nothing about the kind and are left out."""
    from complaintdesk.cases.models import Case, Event, EventType

    last: dict[int, str] = {}
    for case_id, event_type, before, after in (
        Event.objects.filter(type__in=[EventType.RECLASSIFIED, EventType.CONFIRMED],
                             data__by="person")
        .order_by("at", "id").values_list("case_id", "type", "before", "after")
    ):
        kind = (after or {}).get("kind")
        if kind and (event_type == EventType.CONFIRMED or (before or {}).get("kind") != kind):
            last[case_id] = kind
    texts = dict(Case.objects.filter(pk__in=last).values_list("pk", "text"))
    return [(texts[case_id], kind) for case_id, kind in sorted(last.items())
            if kind != "unclassified" and (texts.get(case_id) or "").strip()]


def topic_training_rows() -> tuple[list[str], list[str], dict[str, int]]:
    """(texts, topic codes, stats) of the labelled cases; a person's last correction wins."""
    from complaintdesk.cases.models import Case, Event, EventType

    corrected: dict[int, str | None] = {}
    for case_id, after in (
        Event.objects.filter(type=EventType.RECLASSIFIED, data__by="person")
        .order_by("at", "id").values_list("case_id", "after")
    ):
        if after and "topic" in after:
            corrected[case_id] = after["topic"]
    model_set = set(
        Event.objects.filter(type=EventType.CLASSIFIED, data__explanation__icontains=TOPIC_PREFIX)
        .values_list("case_id", flat=True)
    )
    texts: list[str] = []
    labels: list[str] = []
    stats = Counter()
    for case_id, text, code in Case.objects.values_list("pk", "text", "topic__code").order_by("pk"):
        if case_id in corrected:
            label = corrected[case_id]
            if label and label != code:
                stats["corrections_overriding_current_topic"] += 1
            stats["from_corrections"] += 1
        elif code and case_id in model_set:
            stats["skipped_model_assigned"] += 1
            continue
        else:
            label = code
        if not label or not (text or "").strip():
            continue
        texts.append(text)
        labels.append(label)
    stats["rows"] = len(texts)
    return texts, labels, dict(stats)


def drop_small_classes(
    texts: list[str], labels: list[str], min_per_class: int
) -> tuple[list[str], list[str], dict[str, int]]:
    counts = Counter(labels)
    dropped = {label: n for label, n in counts.items() if n < min_per_class}
    kept = [(t, label) for t, label in zip(texts, labels, strict=True) if label not in dropped]
    return [t for t, _ in kept], [label for _, label in kept], dropped


def train_and_register(
    texts: list[str],
    labels: list[str],
    *,
    name: str,
    source: str,
    folds: int = 5,
    activate: bool = False,
    store_bytes: bool = False,
    trained_by=None,
    extra_metadata: dict | None = None,
):
    """Cross-validate (model and TF-IDF+LinearSVC baseline), fit on everything, register."""
    from complaintdesk.triage.models import TriageModel
    from complaintdesk.triage.topic import TopicModel, evaluate_with_baseline

    smallest = min(Counter(labels).values())
    folds = max(2, min(folds, smallest))
    metrics: dict[str, Any] = {}
    if smallest >= 2:
        report = evaluate_with_baseline(texts, labels, folds=folds)
        metrics = {
            key: {k: report[key][k] for k in ("n", "folds", "accuracy", "macro_f1", "per_class")}
            for key in report
        }
    model = TopicModel.train(texts, labels, name=name,
                             extra_metadata={"source": source, **(extra_metadata or {})})
    row = TriageModel.register_topic_model(
        model, metrics=metrics, source=source, trained_by=trained_by, store_bytes=store_bytes,
        activate=activate,
    )
    return row, model
