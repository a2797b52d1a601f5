"""TF-IDF features of the kind and topic models, computed with numpy only (no scikit-learn).

Fitting still uses scikit-learn (``CharWordTfidf`` below comes from ``_sklearn_features``);
these classes reproduce the *transform* of a fitted vectorizer so a loaded model needs neither
the scikit-learn import (~3 s) nor its per-call overhead. Character n-grams are the expensive
part and words repeat a lot, so each distinct word is cut into n-grams once per process in a
store shared by every model: a model only maps n-gram ids to its own columns, vectorised.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from itertools import repeat
from typing import Any

import numpy as np

# A long-running process meets new words forever; past this many the shared store restarts.
WORD_LIMIT = 400_000


class SparseRows:
    """Minimal CSR matrix (sorted column indices per row): what the linear models need.

    scipy.sparse would do, but importing it costs a few hundred ms at model load.
    """

    __slots__ = ("data", "indices", "indptr", "shape")

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                 shape: tuple[int, int]) -> None:
        self.data = data
        self.indices = indices
        self.indptr = indptr
        self.shape = shape

    def tocsr(self) -> SparseRows:
        return self

    def to_scipy(self) -> Any:
        import scipy.sparse as sp

        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)

    def row_ids(self) -> np.ndarray:
        return np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))


def row_sums(values: np.ndarray, rows: np.ndarray, n_rows: int) -> np.ndarray:
    """Sum of ``values`` per row, added in order: the same sums as scipy's and scikit-learn's
    sequential CSR loops (np.add.reduceat sums pairwise and differs in the last bits)."""
    return np.bincount(rows, weights=values, minlength=n_rows)


def tfidf_rows(rows: np.ndarray, cols: np.ndarray, n_rows: int, idf: np.ndarray) -> SparseRows:
    """Counts of (row, column) pairs -> sublinear tf x idf, l2-normalised per row.

    The same operations, in the same order, as TfidfTransformer(sublinear_tf=True) + normalize.
    """
    width = len(idf)
    dtype = np.int32 if n_rows * width < 2**31 else np.int64
    keys = rows.astype(dtype) * dtype(width) + cols.astype(dtype)
    unique, counts = np.unique(keys, return_counts=True)
    row_of = unique // width
    indices = (unique - row_of * width).astype(np.int32)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of, minlength=n_rows), out=indptr[1:])
    data = counts.astype(np.float64)
    np.log(data, out=data)
    data += 1.0
    data *= idf[indices]
    norms = np.sqrt(row_sums(data * data, row_of, n_rows))
    data /= norms[row_of]
    return SparseRows(data, indices, indptr, (n_rows, width))


def hstack_rows(parts: Sequence[SparseRows]) -> SparseRows:
    """Columns of several matrices side by side, like FeatureUnion's sparse hstack."""
    if len(parts) == 1:
        return parts[0]
    n_rows = parts[0].shape[0]
    offset = 0
    rows, cols, datas = [], [], []
    for part in parts:
        rows.append(part.row_ids())
        cols.append(part.indices.astype(np.int64) + offset)
        datas.append(part.data)
        offset += part.shape[1]
    # Stable sort by row keeps each row's parts in order, each already sorted by column.
    order = np.argsort(np.concatenate(rows), kind="stable")
    indptr = np.sum([part.indptr for part in parts], axis=0)
    return SparseRows(np.concatenate(datas)[order],
                      np.concatenate(cols)[order].astype(np.int32), indptr, (n_rows, offset))


class WordTfidf:
    """Transform of a fitted word TfidfVectorizer (lowercase, token pattern, 1..n-grams)."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, *, token_pattern: str,
                 ngram_range: tuple[int, int], lowercase: bool) -> None:
        self.vocabulary = vocabulary
        self.idf = np.ascontiguousarray(idf, dtype=np.float64)
        self.token_pattern = token_pattern
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self.lowercase = lowercase
        self._findall = re.compile(token_pattern).findall

    def transform(self, texts: Sequence[str]) -> SparseRows:
        get = self.vocabulary.get
        findall = self._findall
        low, high = self.ngram_range
        cols: list[int] = []
        lengths: list[int] = []
        for text in texts:
            tokens = findall(text.lower() if self.lowercase else text)
            before = len(cols)
            # Same n-grams as sklearn's _word_ngrams: unigrams, then bigrams, ...
            grams: list[str] = tokens if low == 1 else []
            for n in range(max(low, 2), high + 1):
                if n == 2:
                    grams = grams + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
                else:
                    grams = grams + [" ".join(tokens[i:i + n])
                                     for i in range(len(tokens) - n + 1)]
            cols.extend(map(get, grams, repeat(-1)))
            lengths.append(len(cols) - before)
        rows = np.repeat(np.arange(len(texts)), lengths)
        columns = np.array(cols, dtype=np.int64)
        keep = columns >= 0
        return tfidf_rows(rows[keep], columns[keep], len(texts), self.idf)

    def feature_names(self) -> list[str]:
        names = [""] * len(self.vocabulary)
        for term, column in self.vocabulary.items():
            names[column] = term
        return names


class _GrowingInts:
    """An int64 array that grows by doubling (amortised O(1) appends of whole batches)."""

    def __init__(self, first: Sequence[int] = ()) -> None:
        self.array = np.zeros(max(1024, len(first)), dtype=np.int64)
        self.size = 0
        self.extend(first)

    def extend(self, values: Sequence[int]) -> None:
        end = self.size + len(values)
        if end > len(self.array):
            bigger = np.zeros(max(end, 2 * len(self.array)), dtype=np.int64)
            bigger[: self.size] = self.array[: self.size]
            self.array = bigger
        self.array[self.size:end] = values
        self.size = end

    def view(self) -> np.ndarray:
        return self.array[: self.size]


class GramStore:
    """Per-process store of words -> ids of their char n-grams (padded with spaces, like
    scikit-learn's ``char_wb``); shared by every model with the same n-gram range."""

    def __init__(self, min_n: int, max_n: int) -> None:
        self.min_n, self.max_n = min_n, max_n
        self.generation = 0
        self.lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.word_ids: dict[str, int] = {}
        self.gram_ids: dict[str, int] = {}
        self.grams: list[str] = []
        self.flat = _GrowingInts()  # gram ids of all words, concatenated
        self.ptr = _GrowingInts([0])  # word id -> its slice of ``flat``
        self.generation += 1

    def word_grams(self, word: str) -> list[str]:
        padded = f" {word} "
        size = len(padded)
        grams: list[str] = []
        for n in range(self.min_n, self.max_n + 1):
            if n > size:
                break
            grams.extend([padded[i:i + n] for i in range(size - n + 1)])
        return grams

    def gram_rows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, int]:
        """(row of each n-gram occurrence, its gram id, store generation) for the texts."""
        words: list[str] = []
        lengths: list[int] = []
        for text in texts:
            split = text.split()
            words.extend(split)
            lengths.append(len(split))
        with self.lock:
            index = self.word_ids
            missing = [w for w in dict.fromkeys(words) if w not in index]
            if missing and len(index) + len(missing) > WORD_LIMIT:
                self._reset()
                index = self.word_ids
                missing = list(dict.fromkeys(words))
            if missing:
                self._add(missing)
            ids = np.fromiter(map(index.__getitem__, words), dtype=np.int64, count=len(words))
            ptr, flat, generation = self.ptr.view(), self.flat.view(), self.generation
        starts = ptr[ids]
        counts = ptr[ids + 1] - starts
        # Ragged gather: the gram ids of every word occurrence, in text order.
        ends = np.cumsum(counts)
        positions = np.arange(ends[-1] if len(ends) else 0) + np.repeat(
            starts - (ends - counts), counts
        )
        occurrence_rows = np.repeat(np.arange(len(texts)), lengths)
        return np.repeat(occurrence_rows, counts), flat[positions], generation

    def _add(self, words: list[str]) -> None:
        cut = self.word_grams
        per_word = [cut(word) for word in words]
        every = [gram for grams in per_word for gram in grams]
        gram_ids, grams = self.gram_ids, self.grams
        new = [gram for gram in dict.fromkeys(every) if gram not in gram_ids]
        gram_ids.update(zip(new, range(len(grams), len(grams) + len(new)), strict=True))
        grams.extend(new)
        self.flat.extend(np.fromiter(map(gram_ids.__getitem__, every), dtype=np.int64,
                                     count=len(every)))
        ends = np.cumsum([len(g) for g in per_word], dtype=np.int64) + self.ptr.array[
            self.ptr.size - 1]
        self.ptr.extend(ends)
        start = len(self.word_ids)
        self.word_ids.update(zip(words, range(start, start + len(words)), strict=True))


_stores: dict[tuple[int, int], GramStore] = {}
_stores_lock = threading.Lock()


def gram_store(min_n: int, max_n: int) -> GramStore:
    with _stores_lock:
        store = _stores.get((min_n, max_n))
        if store is None:
            store = _stores[(min_n, max_n)] = GramStore(min_n, max_n)
        return store


class CharTfidf:
    """Transform of a fitted ``CharWordTfidf``: char n-grams inside whitespace-split words."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, *, min_n: int,
                 max_n: int) -> None:
        self.vocabulary = vocabulary
        self.idf = np.ascontiguousarray(idf, dtype=np.float64)
        self.min_n, self.max_n = int(min_n), int(max_n)
        self._columns = np.zeros(0, dtype=np.int64)  # store gram id -> my column or -1
        self._generation = -1
        self._lock = threading.Lock()

    def _column_map(self, store: GramStore, generation: int) -> np.ndarray:
        with self._lock:
            if self._generation != generation:
                self._columns, self._generation = np.zeros(0, dtype=np.int64), generation
            known = len(self._columns)
            with store.lock:
                new = store.grams[known:] if store.generation == generation else []
            if new:
                get = self.vocabulary.get
                extra = np.fromiter(map(get, new, repeat(-1)), dtype=np.int64,
                                    count=len(new))
                self._columns = np.concatenate([self._columns, extra])
            return self._columns

    def transform(self, texts: Sequence[str]) -> SparseRows:
        store = gram_store(self.min_n, self.max_n)
        rows, gram_ids, generation = store.gram_rows(texts)
        columns = self._column_map(store, generation)
        if len(gram_ids) and gram_ids.max() >= len(columns):  # store restarted meanwhile
            return self.transform(texts)
        cols = columns[gram_ids]
        keep = cols >= 0
        return tfidf_rows(rows[keep], cols[keep], len(texts), self.idf)

    def feature_names(self) -> list[str]:
        names = [""] * len(self.vocabulary)
        for term, column in self.vocabulary.items():
            names[column] = term
        return names

    def __getstate__(self) -> dict:
        return {"vocabulary": self.vocabulary, "idf": self.idf, "min_n": self.min_n,
                "max_n": self.max_n}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["vocabulary"], state["idf"],  # type: ignore[misc]
                      min_n=state["min_n"], max_n=state["max_n"])


def __getattr__(name: str) -> Any:
    # The scikit-learn side (fitting, old pickles name these classes here) is imported only
    # when asked for, so loading a compiled model never pays for the scikit-learn import.
    if name in ("CharWordTfidf", "CharWordGrams"):
        from complaintdesk.triage import _sklearn_features

        return getattr(_sklearn_features, name)
    raise AttributeError(name)
