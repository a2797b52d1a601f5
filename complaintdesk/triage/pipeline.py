"""One call that triages a text: kind, topic, amount, remedy, resonance, language, repeats."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from complaintdesk.triage.kind import (
    DEFAULT_REVIEW_THRESHOLD,
    KindModel,
    KindPrediction,
    compute_signals,
    get_default_model,
)
from complaintdesk.triage.language import detect_language
from complaintdesk.triage.resonance import ResonanceSignal, find_resonance
from complaintdesk.triage.topic import TopicModel

DEFAULT_REPEAT_THRESHOLD = 0.5
GIVEN_KIND_NOTE = "kind given at intake (kind model not run)"
GIVEN_KIND_VERSION = "kind-given"


@dataclass(slots=True)
class TriageResult:
    """Everything triage knows about one text."""

    kind: str
    kind_confidence: float
    needs_review: bool
    explanation: list[str]
    topic: str | None
    topic_confidence: float | None
    amount: Decimal | None
    currency: str | None
    remedy: str | None
    resonance: list[ResonanceSignal]
    language: str
    model_version: str
    kind_probabilities: dict[str, float] = field(default_factory=dict)
    is_repeat: bool | None = None
    # Index (in the history given) of the previous text this one repeats, when it does.
    repeat_index: int | None = None
    repeat_of: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: the amount as a string so no precision is lost."""
        return {
            "kind": self.kind,
            "kind_confidence": self.kind_confidence,
            "needs_review": self.needs_review,
            "explanation": self.explanation,
            "topic": self.topic,
            "topic_confidence": self.topic_confidence,
            "amount": None if self.amount is None else str(self.amount),
            "currency": self.currency,
            "remedy": self.remedy,
            "resonance": [signal.as_dict() for signal in self.resonance],
            "language": self.language,
            "model_version": self.model_version,
            "kind_probabilities": self.kind_probabilities,
            "is_repeat": self.is_repeat,
            "repeat_of": self.repeat_of,
        }


def classify_many(
    texts: Sequence[str],
    *,
    topic_model: TopicModel | None = None,
    kind_model: KindModel | None = None,
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
    rouble_currency: str | None = None,
    known_kinds: Sequence[str | None] | None = None,
) -> list[TriageResult]:
    """Triage a batch; models run once per batch, which is what makes bulk imports fast.
    A text whose kind a person or an integration already gave (`known_kinds`) keeps it and
    skips the kind model."""
    if not texts:
        return []
    signals = [compute_signals(text, rouble_currency=rouble_currency) for text in texts]
    kinds: list[KindPrediction | None] = (
        [None] * len(texts) if known_kinds is None
        else [_given(kind) if kind else None for kind in known_kinds]
    )
    unknown = [i for i, kind in enumerate(kinds) if kind is None]
    # Loaded only when needed: a register whose rows all carry their kind never pays for it.
    chosen_kind_model = (kind_model or get_default_model()) if unknown else None
    if chosen_kind_model is not None:
        predicted = chosen_kind_model.predict(
            [texts[i] for i in unknown], review_threshold=review_threshold,
            signals=[signals[i] for i in unknown],
        )
        for i, prediction in zip(unknown, predicted, strict=True):
            kinds[i] = prediction
    topics = topic_model.predict(texts) if topic_model is not None else [None] * len(texts)
    version = (chosen_kind_model.version if chosen_kind_model else GIVEN_KIND_VERSION) + (
        f"+{topic_model.version}" if topic_model else "")
    results: list[TriageResult] = []
    for text, kind, topic, signal in zip(texts, kinds, topics, signals, strict=True):
        assert kind is not None
        money = signal.money
        results.append(
            TriageResult(
                kind=str(kind.kind),
                kind_confidence=kind.confidence,
                needs_review=kind.needs_review,
                explanation=kind.explanation,
                topic=None if topic is None else topic.topic,
                topic_confidence=None if topic is None else topic.confidence,
                amount=None if money is None else money.amount,
                currency=None if money is None else money.currency,
                remedy=signal.remedy,
                resonance=find_resonance(text),
                language=detect_language(text),
                model_version=version,
                kind_probabilities={str(k): v for k, v in kind.probabilities.items()},
            )
        )
    return results


def _given(kind: str) -> KindPrediction:
    return KindPrediction(kind=kind, confidence=1.0, needs_review=False, probabilities={},
                          explanation=[GIVEN_KIND_NOTE])


def classify(
    text: str,
    *,
    topic_model: TopicModel | None = None,
    customer_history: Iterable[tuple[str, date | datetime]] | None = None,
    kind_model: KindModel | None = None,
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
    rouble_currency: str | None = None,
    now: date | datetime | None = None,
) -> TriageResult:
    """Triage one text; with ``customer_history`` [(text, date)], also flag a repeat."""
    result = classify_many(
        [text],
        topic_model=topic_model,
        kind_model=kind_model,
        review_threshold=review_threshold,
        rouble_currency=rouble_currency,
    )[0]
    if customer_history is not None:
        result.repeat_index = find_repeat(text, customer_history, now=now)
        result.is_repeat = result.repeat_index is not None
    return result


_WORD = re.compile(r"\w+", re.UNICODE)


def _shingles(text: str) -> Counter[str]:
    """Character 4-grams of the normalised words: robust to typos and word endings."""
    normalised = " ".join(_WORD.findall(text.lower()))
    return Counter(normalised[i : i + 4] for i in range(max(len(normalised) - 3, 1)))


def text_similarity(first: str, second: str) -> float:
    """Cosine similarity of character 4-gram counts, 0..1."""
    return _cosine(_shingles(first), _shingles(second))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(count * b[gram] for gram, count in a.items() if gram in b)
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def _as_datetime(moment: date | datetime) -> datetime:
    if isinstance(moment, datetime):
        return moment.replace(tzinfo=None)
    return datetime(moment.year, moment.month, moment.day)


def find_repeat(
    text: str,
    previous_texts_with_dates: Iterable[tuple[str, date | datetime]],
    *,
    days: int = 30,
    threshold: float = DEFAULT_REPEAT_THRESHOLD,
    now: date | datetime | None = None,
) -> int | None:
    """Index of the most similar previous text within ``days`` days, if similar enough."""
    reference = _as_datetime(now) if now is not None else datetime.now()
    window_start = reference - timedelta(days=days)
    best: tuple[float, int] | None = None
    grams = _shingles(text)  # once, not once per earlier text
    for index, (previous_text, sent_at) in enumerate(previous_texts_with_dates):
        moment = _as_datetime(sent_at)
        if not window_start <= moment <= reference:
            continue
        similarity = _cosine(grams, _shingles(previous_text))
        if similarity >= threshold and (best is None or similarity > best[0]):
            best = (similarity, index)
    return None if best is None else best[1]


def is_repeat(
    text: str,
    previous_texts_with_dates: Iterable[tuple[str, date | datetime]],
    *,
    days: int = 30,
    threshold: float = DEFAULT_REPEAT_THRESHOLD,
    now: date | datetime | None = None,
) -> bool:
    """True when the same customer sent a similar text within the last ``days`` days."""
    return (
        find_repeat(text, previous_texts_with_dates, days=days, threshold=threshold, now=now)
        is not None
    )
