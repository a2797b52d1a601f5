"""Topic models trained on an organisation's own labelled texts, versioned and loaded offline.

Training takes plain (texts, labels) so any source can feed it: a file today, the case
database later. A saved model is two files: NAME.joblib (the pipeline) and NAME.json
(version, labels, training size, scores) so it can be inspected without unpickling.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

MAX_CHARS = 3000
_MASK = re.compile(r"\bX{2,}(?:/X{2,})*\b|[{}]")


@dataclass(frozen=True, slots=True)
class TopicPrediction:
    """A topic label with its probability."""

    topic: str
    confidence: float


def normalise_text(text: str) -> str:
    """Lower-case, drop CFPB masks, cut very long texts (the start says what it is about)."""
    return _MASK.sub(" ", str(text)[:MAX_CHARS]).lower()


def build_topic_pipeline(
    *, C: float = 0.5, n_samples: int | None = None, min_class_count: int | None = None
) -> Any:
    """Word 1-2-grams + char 2-5-grams TF-IDF, then a class-balanced linear SVM with
    sigmoid-calibrated probabilities.

    Class balancing is what lifts macro-F1 over the plain baseline: small topics stop being
    swallowed by big ones. With few samples (< 200) rare n-grams are kept, and when a topic has
    fewer than 3 examples calibration cannot be cross-validated, so a logistic regression
    (probabilistic by itself) is used instead.
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.preprocessing import FunctionTransformer
    from sklearn.svm import LinearSVC

    from complaintdesk.triage.features import CharWordTfidf

    small = n_samples is not None and n_samples < 200
    min_df = 1 if small else 2
    features = FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    min_df=min_df,
                    max_df=1.0 if small else 0.9,
                    max_features=80000,
                ),
            ),
            ("char", CharWordTfidf(2, 5, min_df=min_df, max_features=80000)),
        ]
    )
    classifier: Any
    if min_class_count is not None and min_class_count < 3:
        classifier = LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000)
    else:
        classifier = CalibratedClassifierCV(
            LinearSVC(C=C, class_weight="balanced"), cv=3, method="sigmoid", ensemble=False
        )
    return Pipeline(
        [
            ("normalise", FunctionTransformer(_normalise_many)),
            ("features", features),
            ("classifier", classifier),
        ]
    )


def _normalise_many(texts: Sequence[str]) -> list[str]:
    return [normalise_text(text) for text in texts]


def _min_class_count(labels: Sequence[str]) -> int:
    from collections import Counter

    return min(Counter(labels).values()) if labels else 0


def build_baseline_pipeline() -> Any:
    """The reference point: plain TF-IDF + LinearSVC with default settings."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    return make_pipeline(TfidfVectorizer(), LinearSVC())


class TopicModel:
    """A fitted topic pipeline with its name, version and metadata."""

    def __init__(self, pipeline: Any, *, name: str, version: str, metadata: dict[str, Any]):
        from complaintdesk.triage.compiled import CompileError, compile_pipeline

        # Compiled: numpy-only prediction with the same numbers, and a compact pickle that
        # loads without scikit-learn. A pipeline the compiler does not know stays as it is.
        try:
            pipeline = compile_pipeline(pipeline)
        except (CompileError, KeyError, AttributeError, TypeError):
            pass
        self.pipeline = pipeline
        self.name = name
        self.version = version
        self.metadata = metadata

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        name: str,
        version: str | None = None,
        C: float = 0.5,
        extra_metadata: dict[str, Any] | None = None,
    ) -> TopicModel:
        """Fit on (texts, labels); the version defaults to NAME-UTC timestamp."""
        import sklearn

        clean_labels = [str(label).strip() for label in labels]
        pipeline = build_topic_pipeline(
            C=C, n_samples=len(texts), min_class_count=_min_class_count(clean_labels)
        )
        pipeline.fit([str(text) for text in texts], clean_labels)
        created = datetime.now(UTC)
        metadata = {
            "name": name,
            "created": created.isoformat(timespec="seconds"),
            "n_samples": len(texts),
            "labels": sorted(set(clean_labels)),
            "sklearn": sklearn.__version__,
            "C": C,
            **(extra_metadata or {}),
        }
        return cls(
            pipeline,
            name=name,
            version=version or f"{name}-{created:%Y%m%dT%H%M%SZ}",
            metadata=metadata,
        )

    def predict(self, texts: Sequence[str]) -> list[TopicPrediction]:
        """Most likely topic and its probability for each text."""
        if not texts:
            return []
        probabilities = self.pipeline.predict_proba([str(text) for text in texts])
        classes = self.pipeline.classes_
        best = np.argmax(probabilities, axis=1)
        return [
            TopicPrediction(str(classes[index]), round(float(probabilities[row, index]), 4))
            for row, index in enumerate(best)
        ]

    def save(self, directory: Path | str) -> Path:
        """Write NAME.joblib and NAME.json into the directory; returns the .joblib path."""
        import joblib

        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        model_path = folder / f"{self.name}.joblib"
        joblib.dump({"pipeline": self.pipeline, "version": self.version}, model_path, compress=3)
        meta = {**self.metadata, "version": self.version, "file": model_path.name}
        (folder / f"{self.name}.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return model_path

    @classmethod
    def load(cls, path: Path | str) -> TopicModel:
        """Load from NAME.joblib, NAME.json or the folder + name without a suffix."""
        from complaintdesk.triage.compiled import load_artefact

        base = Path(path)
        if base.suffix in (".joblib", ".json"):
            base = base.with_suffix("")
        payload = load_artefact(base.with_suffix(".joblib"))
        meta_path = base.with_suffix(".json")
        metadata = (
            json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        )
        return cls(
            payload["pipeline"],
            name=metadata.get("name", base.name),
            version=payload["version"],
            metadata=metadata,
        )


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    folds: int = 5,
    builder: Callable[[], Any] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Out-of-fold accuracy, macro-F1, per-class figures and confusion table."""
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
    )
    from sklearn.model_selection import StratifiedKFold

    text_list = [str(text) for text in texts]
    if builder is None:
        size = len(text_list)
        # Each training fold holds (folds-1)/folds of every class.
        smallest = _min_class_count([str(label) for label in labels]) * (folds - 1) // folds
        builder = lambda: build_topic_pipeline(  # noqa: E731
            n_samples=size * (folds - 1) // folds, min_class_count=smallest
        )
    label_array = np.array([str(label).strip() for label in labels])
    predicted = np.empty(len(text_list), dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_index, test_index in splitter.split(text_list, label_array):
        model = builder()
        model.fit([text_list[i] for i in train_index], label_array[train_index])
        predicted[test_index] = model.predict([text_list[i] for i in test_index])
    classes = sorted(set(label_array))
    precision, recall, f1, support = precision_recall_fscore_support(
        label_array, predicted.astype(str), labels=classes, zero_division=0
    )
    matrix = confusion_matrix(label_array, predicted.astype(str), labels=classes)
    return {
        "n": len(text_list),
        "folds": folds,
        "accuracy": round(float(accuracy_score(label_array, predicted.astype(str))), 4),
        "macro_f1": round(
            float(f1_score(label_array, predicted.astype(str), labels=classes, average="macro",
                           zero_division=0)),
            4,
        ),
        "per_class": {
            label: {
                "precision": round(float(precision[i]), 3),
                "recall": round(float(recall[i]), 3),
                "f1": round(float(f1[i]), 3),
                "support": int(support[i]),
            }
            for i, label in enumerate(classes)
        },
        "labels": classes,
        "confusion": matrix.tolist(),
    }


def evaluate_with_baseline(
    texts: Sequence[str], labels: Sequence[str], *, folds: int = 5
) -> dict[str, Any]:
    """Cross-validated figures of the topic model and of the TF-IDF + LinearSVC baseline."""
    return {
        "model": cross_validate(texts, labels, folds=folds),
        "baseline_tfidf_linearsvc": cross_validate(
            texts, labels, folds=folds, builder=build_baseline_pipeline
        ),
    }
