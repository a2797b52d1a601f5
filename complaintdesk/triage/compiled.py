"""Fitted triage pipelines turned into numpy arrays: fast to load, no scikit-learn at run time.

A model is fitted with scikit-learn, then compiled: vocabularies, idf weights, coefficients
and calibration parameters, with the same arithmetic as scikit-learn's predict_proba. Loading
a scikit-learn pickle normally imports scikit-learn (~3 s) and runs pickle's pure-Python
unpickler over every vocabulary entry; ``load_artefact`` instead reads old pickles with stand-in
classes (no scikit-learn import) and a compiled pipeline pickles as a handful of arrays.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from complaintdesk.triage.features import (
    CharTfidf,
    SparseRows,
    WordTfidf,
    row_sums,
    tfidf_blocks,
)

# Part of the compiled-cache key: bump it whenever the compiled classes' state changes.
FORMAT = 1


class CompileError(ValueError):
    """The pipeline uses something the compiler does not reproduce exactly."""


class _Stub:
    """Stand-in for a scikit-learn class while reading a pickle: keeps the state only."""

    _path = ""

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


def _stub_class(module: str, name: str) -> type:
    return type(name, (_Stub,), {"_path": f"{module}.{name}"})


def _is(obj: Any, name: str) -> bool:
    """Whether obj is (a stand-in for) the scikit-learn/our class called ``name``."""
    return type(obj).__name__ == name


# From this many classes on, a feature's coefficients for all classes are gathered at once (a
# row of coef.T) and summed per text: half the time of one pass per class with 14 topics.
ROWWISE_MIN_CLASSES = 8


class _Linear:
    """Scores = X @ coef.T + intercept, as safe_sparse_dot does for a CSR X (row order sums)."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: np.ndarray) -> None:
        coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
        # Same values either way; many classes are kept feature-major for the row-wise sums.
        self.coef = (np.ascontiguousarray(coef.T).T if len(coef) >= ROWWISE_MIN_CLASSES
                     else np.ascontiguousarray(coef))
        self.intercept_ = np.asarray(intercept, dtype=np.float64)
        self.classes_ = np.asarray(classes)

    @property
    def coef_(self) -> np.ndarray:
        return self.coef

    def decision_function(self, matrix: SparseRows) -> np.ndarray:
        if len(self.coef) >= ROWWISE_MIN_CLASSES:
            scores = self._row_scores(matrix)
        else:
            rows, n_rows = matrix.row_ids(), matrix.shape[0]
            indices = matrix.indices.astype(np.intp, copy=False)
            scores = np.empty((n_rows, len(self.coef)))
            products = np.empty(len(indices))
            for column, coefficients in enumerate(self.coef):
                np.take(coefficients, indices, out=products)
                products *= matrix.data
                scores[:, column] = row_sums(products, rows, n_rows)
        scores += self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def _row_scores(self, matrix: SparseRows) -> np.ndarray:
        """Per text: (its features x classes products) summed over features, from 0.0 in
        feature order, as scipy's CSR product does. Reducing along the outer axis of a 2-d
        array adds whole rows one after the other, so numpy's pairwise summation (inner axis
        only) does not apply; test_compiled checks the bits against scipy."""
        by_feature = self.coef.T  # C-contiguous (n_features, n_classes)
        indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
        scores = np.empty((matrix.shape[0], len(self.coef)))
        add = np.add.reduce
        for row, (start, end) in enumerate(zip(indptr[:-1].tolist(), indptr[1:].tolist(),
                                               strict=True)):
            products = by_feature[indices[start:end]]
            products *= data[start:end, None]
            add(products, axis=0, out=scores[row], initial=0.0)
        return scores


def _libm_exp(value: float) -> float:
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def _expit(values: np.ndarray) -> np.ndarray:
    # scipy.special.expit (scipy would cost its import at load) is 1 / (1 + exp(-x)) with the C
    # library's exp. numpy's own SIMD exp, dispatched on AVX-512 CPUs, differs from it in the
    # last bit for ~5% of inputs, so the calibrated probabilities would not be scikit-learn's;
    # math.exp is the C library's. A few thousand values a batch: the Python loop costs little.
    negated = (-np.asarray(values, dtype=np.float64)).ravel().tolist()
    exps = np.fromiter(map(_libm_exp, negated), dtype=np.float64, count=len(negated))
    return 1.0 / (1.0 + exps.reshape(np.shape(values)))


class LogisticClassifier(_Linear):
    """predict_proba of a fitted LogisticRegression (multinomial softmax, or binary)."""

    def predict_proba(self, matrix: SparseRows) -> np.ndarray:
        scores = self.decision_function(matrix)
        if scores.ndim == 1:
            positive = _expit(scores)
            return np.vstack([1 - positive, positive]).T
        scores -= np.max(scores, axis=1).reshape((-1, 1))  # sklearn.utils.extmath.softmax
        np.exp(scores, out=scores)
        scores /= np.sum(scores, axis=1).reshape((-1, 1))
        return scores


class SigmoidCalibrated(_Linear):
    """predict_proba of CalibratedClassifierCV(LinearSVC, method="sigmoid", ensemble=False)."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: np.ndarray,
                 estimator_classes: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
        super().__init__(coef, intercept, estimator_classes)
        self.classes_ = np.asarray(classes)
        self.positions = np.searchsorted(self.classes_, np.asarray(estimator_classes))
        self.a = np.asarray(a, dtype=np.float64)
        self.b = np.asarray(b, dtype=np.float64)

    def predict_proba(self, matrix: SparseRows) -> np.ndarray:
        predictions = self.decision_function(matrix)
        if predictions.ndim == 1:
            predictions = predictions.reshape(-1, 1)
        n_classes = len(self.classes_)
        proba = np.zeros((matrix.shape[0], n_classes))
        # As in sklearn: binary problems have one calibrator (for classes_[1]), so the
        # zip stops at the shortest.
        for column, (position, a, b) in enumerate(zip(self.positions, self.a, self.b,
                                                      strict=False)):
            if n_classes == 2:
                position += 1
            proba[:, position] = _expit(-(a * predictions[:, column] + b))
        if n_classes == 2:
            proba[:, 0] = 1.0 - proba[:, 1]
        else:
            denominator = np.sum(proba, axis=1)[:, np.newaxis]
            uniform = np.full_like(proba, 1 / n_classes)
            proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba


class CompiledFeatures:
    """Word + character TF-IDF blocks side by side (a FeatureUnion's transform)."""

    def __init__(self, parts: list[tuple[str, WordTfidf | CharTfidf]]) -> None:
        self.parts = parts
        self._names: list[str] | None = None

    def prepare(self) -> None:
        """Build the look-up tables (packed vocabulary keys) now rather than in the first call."""
        for _, part in self.parts:
            part.prepare()

    def transform(self, texts: Sequence[str]) -> SparseRows:
        texts = list(texts)
        return tfidf_blocks([(*part.pairs(texts), part.idf) for _, part in self.parts],
                            len(texts))

    def get_feature_names_out(self) -> list[str]:
        if self._names is None:
            self._names = [f"{name}__{feature}" for name, part in self.parts
                           for feature in part.feature_names()]
        return self._names


class CompiledPipeline:
    """Drop-in for the fitted scikit-learn pipeline: predict_proba, classes_, named_steps."""

    def __init__(self, features: CompiledFeatures,
                 classifier: LogisticClassifier | SigmoidCalibrated,
                 normalise: Callable[[Sequence[str]], list[str]] | None = None) -> None:
        self.features = features
        self.classifier = classifier
        self.normalise = normalise
        self.named_steps = {"features": features, "classifier": classifier}
        # Part of loading (~0.1 s a model): the first texts classified should not pay it.
        features.prepare()

    @property
    def classes_(self) -> np.ndarray:
        return self.classifier.classes_

    def transform(self, texts: Sequence[str]) -> SparseRows:
        prepared = self.normalise(texts) if self.normalise is not None else list(texts)
        return self.features.transform(prepared)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.classifier.predict_proba(self.transform(texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(texts), axis=1)]

    # A compact pickle: vocabularies as one string + offsets, everything else arrays.
    def __getstate__(self) -> dict:
        parts = []
        for name, part in self.features.parts:
            terms = part.feature_names()
            state: dict[str, Any] = {
                "name": name, "terms": "".join(terms),
                "offsets": np.cumsum([0] + [len(t) for t in terms], dtype=np.int64),
                "idf": part.idf,
            }
            if isinstance(part, WordTfidf):
                state.update(kind="word", token_pattern=part.token_pattern,
                             ngram_range=part.ngram_range, lowercase=part.lowercase)
            else:
                state.update(kind="char", min_n=part.min_n, max_n=part.max_n)
            parts.append(state)
        classifier = self.classifier
        # Class-major as before (the same file as earlier versions write; also compresses better).
        clf: dict[str, Any] = {"coef": np.ascontiguousarray(classifier.coef),
                               "intercept": classifier.intercept_}
        if isinstance(classifier, SigmoidCalibrated):
            clf.update(kind="sigmoid", classes=classifier.classes_,
                       estimator_classes=classifier.classes_[classifier.positions],
                       a=classifier.a, b=classifier.b)
        else:
            clf.update(kind="logistic", classes=classifier.classes_)
        return {"format": FORMAT, "parts": parts, "classifier": clf,
                "normalise": self.normalise}

    def __setstate__(self, state: dict) -> None:
        if state.get("format") != FORMAT:
            raise CompileError(f"unknown compiled model format {state.get('format')!r}")
        parts: list[tuple[str, WordTfidf | CharTfidf]] = []
        for part in state["parts"]:
            text, offsets = part["terms"], part["offsets"].tolist()
            terms = [text[a:b] for a, b in zip(offsets, offsets[1:], strict=False)]
            vocabulary = dict(zip(terms, range(len(terms)), strict=True))
            if part["kind"] == "word":
                parts.append((part["name"], WordTfidf(
                    vocabulary, part["idf"], token_pattern=part["token_pattern"],
                    ngram_range=part["ngram_range"], lowercase=part["lowercase"])))
            else:
                parts.append((part["name"], CharTfidf(
                    vocabulary, part["idf"], min_n=part["min_n"], max_n=part["max_n"])))
        clf = state["classifier"]
        classifier: LogisticClassifier | SigmoidCalibrated
        if clf["kind"] == "sigmoid":
            classifier = SigmoidCalibrated(clf["coef"], clf["intercept"], clf["classes"],
                                           clf["estimator_classes"], clf["a"], clf["b"])
        else:
            classifier = LogisticClassifier(clf["coef"], clf["intercept"], clf["classes"])
        self.__init__(CompiledFeatures(parts), classifier,  # type: ignore[misc]
                      state.get("normalise"))


# ------------------------------------------------------------------ compiling


def _compile_word(vectorizer: Any) -> WordTfidf:
    s = vectorizer.__dict__
    tfidf = s["_tfidf"].__dict__
    expected = {"analyzer": "word", "preprocessor": None, "tokenizer": None,
                "stop_words": None, "strip_accents": None, "binary": False, "norm": "l2",
                "use_idf": True, "sublinear_tf": True, "input": "content"}
    for key, value in expected.items():
        if s.get(key) != value or (key in tfidf and tfidf[key] != value):
            raise CompileError(f"word vectorizer with {key}={s.get(key)!r}")
    if s.get("dtype") not in (np.float64, None):
        raise CompileError("word vectorizer dtype")
    return WordTfidf(s["vocabulary_"], tfidf["idf_"], token_pattern=s["token_pattern"],
                     ngram_range=s["ngram_range"], lowercase=s["lowercase"])


def _compile_char(transformer: Any) -> CharTfidf:
    s = transformer.__dict__
    inner = s["vectorizer_"].__dict__
    tfidf = inner["_tfidf"].__dict__
    if not (tfidf.get("sublinear_tf") and tfidf.get("use_idf") and tfidf.get("norm") == "l2"):
        raise CompileError("char vectorizer settings")
    return CharTfidf(inner["vocabulary_"], tfidf["idf_"], min_n=s["min_n"], max_n=s["max_n"])


def _compile_classifier(classifier: Any) -> LogisticClassifier | SigmoidCalibrated:
    s = classifier.__dict__
    if _is(classifier, "LogisticRegression"):
        return LogisticClassifier(s["coef_"], s["intercept_"], s["classes_"])
    if _is(classifier, "CalibratedClassifierCV"):
        calibrated = s["calibrated_classifiers_"]
        if len(calibrated) != 1 or calibrated[0].__dict__["method"] != "sigmoid":
            raise CompileError("calibration: only one sigmoid-calibrated classifier")
        inner = calibrated[0].__dict__
        estimator = inner["estimator"]
        if not _is(estimator, "LinearSVC"):
            raise CompileError(f"calibrated {type(estimator).__name__}")
        e = estimator.__dict__
        calibrators = inner["calibrators"]
        return SigmoidCalibrated(
            e["coef_"], e["intercept_"], inner["classes"], e["classes_"],
            np.array([float(c.__dict__["a_"]) for c in calibrators]),
            np.array([float(c.__dict__["b_"]) for c in calibrators]),
        )
    raise CompileError(f"classifier {type(classifier).__name__}")


def compile_pipeline(pipeline: Any) -> CompiledPipeline:
    """A CompiledPipeline equal to the fitted scikit-learn pipeline (or its stand-in)."""
    if isinstance(pipeline, CompiledPipeline):
        return pipeline
    if not _is(pipeline, "Pipeline"):
        raise CompileError(f"not a pipeline: {type(pipeline).__name__}")
    steps = list(pipeline.__dict__["steps"])
    normalise = None
    if steps and _is(steps[0][1], "FunctionTransformer"):
        func = steps.pop(0)[1].__dict__
        if func.get("kw_args") or func.get("validate"):
            raise CompileError("function transformer with arguments")
        normalise = func["func"]
    if len(steps) != 2 or not _is(steps[0][1], "FeatureUnion"):
        raise CompileError("expected [normalise], features, classifier")
    union = steps[0][1].__dict__
    if union.get("transformer_weights"):
        raise CompileError("weighted feature union")
    parts: list[tuple[str, WordTfidf | CharTfidf]] = []
    for name, transformer in union["transformer_list"]:
        if _is(transformer, "TfidfVectorizer"):
            parts.append((name, _compile_word(transformer)))
        elif _is(transformer, "CharWordTfidf"):
            parts.append((name, _compile_char(transformer)))
        else:
            raise CompileError(f"feature {type(transformer).__name__}")
    return CompiledPipeline(CompiledFeatures(parts), _compile_classifier(steps[1][1]), normalise)


# ------------------------------------------------------------------ loading


def _unpickle_without_sklearn(source: Path | bytes) -> Any:
    """joblib.load with stand-ins for scikit-learn classes (their state only)."""
    from joblib.numpy_pickle import NumpyUnpickler, _validate_fileobject_and_memmap

    stubs: dict[tuple[str, str], type] = {}

    class Unpickler(NumpyUnpickler):
        def find_class(self, module: str, name: str) -> Any:
            if module.split(".")[0] == "sklearn" or (
                module == "complaintdesk.triage.features"
                and name in ("CharWordTfidf", "CharWordGrams")
            ):
                key = (module, name)
                if key not in stubs:
                    stubs[key] = _stub_class(module, name)
                return stubs[key]
            return super().find_class(module, name)

    if isinstance(source, bytes | bytearray | memoryview):
        handle: Any = io.BytesIO(bytes(source))
        filename = ""
    else:
        handle = open(source, "rb")  # noqa: SIM115 - closed below
        filename = str(source)
    with handle:
        with _validate_fileobject_and_memmap(handle, filename, None) as (fobj, _):
            return Unpickler(filename, fobj, True).load()


def cache_dir() -> Path:
    """Where compiled copies of scikit-learn artefacts are kept (the deployment's var dir)."""
    import os

    base = os.environ.get("COMPLAINTDESK_VAR_DIR") or Path(__file__).resolve().parents[2] / "var"
    return Path(base) / "model-cache"


# Each scikit-learn artefact loaded (the kind model of every release, topic models stored by
# older versions) leaves a compiled copy of a few MB; the least recently used beyond this many
# are removed when a new one is written, so years of upgrades do not fill the var folder.
CACHE_KEEP = 16


def _read_cached(key: str) -> dict[str, Any] | None:
    import pickle

    path = cache_dir() / f"{key}.pickle"
    try:
        with open(path, "rb") as handle:
            payload = pickle.load(handle)
        _mark_used(path)
    except Exception:  # noqa: BLE001 - a stale or broken cache entry just means compiling again
        return None
    return payload if isinstance(payload, dict) else None


def _mark_used(path: Path) -> None:
    """Pruning keeps what a deployment still loads. An explicit clock reading, because the
    kernel stamps files only once per tick: entries made in one tick would tie."""
    import os
    import time

    now = time.time_ns()
    try:
        os.utime(path, ns=(now, now))
    except OSError:
        pass  # a read-only cache is still read; it only is not pruned by use


def _prune_cache(folder: Path, *, keep: int) -> None:
    entries = []
    for path in folder.glob("*.pickle"):
        try:
            entries.append((path.stat().st_mtime_ns, path))
        except OSError:
            continue  # removed by another process meanwhile
    for _, path in sorted(entries, reverse=True)[keep:]:
        path.unlink(missing_ok=True)


def _write_cached(key: str, payload: dict[str, Any]) -> None:
    import os
    import pickle
    import tempfile

    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(payload, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(temporary, 0o644)
        os.replace(temporary, folder / f"{key}.pickle")  # atomic: readers never see half
        _mark_used(folder / f"{key}.pickle")
        _prune_cache(folder, keep=CACHE_KEEP)
    except OSError:
        pass  # a read-only deployment just compiles at every start (~1 s more)


def load_artefact(source: Path | str | bytes) -> dict[str, Any]:
    """A joblib artefact {"pipeline": …, …} with its pipeline compiled.

    A scikit-learn pickle is compiled once and the result kept under ``cache_dir()`` keyed by
    the artefact's SHA-1 (plain pickle: C speed, no per-entry Python unpickling). Falls back to
    a plain joblib.load (and scikit-learn's own pipeline) when the pickle holds something the
    compiler does not reproduce, so an unusual model still loads, only slower.
    """
    import hashlib

    raw = bytes(source) if isinstance(source, bytes | bytearray | memoryview) else None
    path = None if raw is not None else Path(source)  # type: ignore[arg-type]
    content = raw if raw is not None else path.read_bytes()  # type: ignore[union-attr]
    key = f"{FORMAT}-{hashlib.sha1(content).hexdigest()}"
    cached = _read_cached(key)
    if cached is not None:
        return cached
    try:
        payload = _unpickle_without_sklearn(content)
        compiled = compile_pipeline(payload["pipeline"])
    except (CompileError, KeyError, AttributeError, TypeError):
        pass  # e.g. a pipeline shape this compiler does not know: scikit-learn runs it
    else:
        was_compiled = payload["pipeline"] is compiled
        payload = {**payload, "pipeline": compiled}
        if not was_compiled:  # an already compact artefact loads fast as it is
            _write_cached(key, payload)
        return payload
    import joblib

    return joblib.load(io.BytesIO(content))
