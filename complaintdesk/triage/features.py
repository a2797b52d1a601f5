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


# log(count) + 1 (sublinear tf) for the counts that occur: a gather instead of np.log per entry;
# the same np.log, so the same numbers.
_LOG_TF = np.log(np.arange(1, 4097, dtype=np.float64)) + 1.0


def tfidf_blocks(blocks: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
                 n_rows: int) -> SparseRows:
    """Counts of (row, column) pairs of each block -> sublinear tf x idf, l2-normalised per row
    and block, blocks side by side: TfidfTransformer(sublinear_tf=True) + normalize for each
    block, then FeatureUnion's hstack, in one sort."""
    widths = [len(idf) for _, _, idf in blocks]
    total = sum(widths)
    offsets = np.cumsum([0, *widths])
    rows = np.concatenate([r for r, _, _ in blocks]) if blocks else np.zeros(0, np.int64)
    cols = np.concatenate([c + offset for (_, c, _), offset in zip(blocks, offsets,
                                                                   strict=False)])
    # int32 keys sort about twice as fast; they fit for every realistic batch.
    dtype: type = np.int32 if n_rows * total < 2**31 else np.int64
    keys: np.ndarray = rows.astype(dtype) * total + cols.astype(dtype)
    keys.sort()
    first = np.empty(len(keys), dtype=bool)
    first[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    unique = keys[starts]
    counts = np.diff(np.append(starts, len(keys)))
    row_of = (unique // total).astype(np.int64)
    indices = (unique - row_of * total).astype(np.int64)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of, minlength=n_rows), out=indptr[1:])
    data = _LOG_TF[np.minimum(counts, len(_LOG_TF)) - 1]
    big = counts > len(_LOG_TF)
    if big.any():
        data[big] = np.log(counts[big].astype(np.float64)) + 1.0
    data *= np.concatenate([idf for _, _, idf in blocks])[indices]
    block = np.searchsorted(offsets[1:], indices, side="right") if len(blocks) > 1 else 0
    bins = row_of * len(blocks) + block
    norms = np.sqrt(row_sums(data * data, bins, n_rows * len(blocks)))
    data /= norms[bins]
    return SparseRows(data, indices, indptr, (n_rows, total))


def tfidf_rows(rows: np.ndarray, cols: np.ndarray, n_rows: int, idf: np.ndarray) -> SparseRows:
    """One block of ``tfidf_blocks``."""
    return tfidf_blocks([(rows, cols, idf)], n_rows)


class TokenStore:
    """Per-process token -> dense id, shared by the word features of every model."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation = 0
        self._reset()

    def _reset(self) -> None:
        self.ids: dict[str, int] = {}
        self.tokens: list[str] = []
        self.generation += 1

    def token_ids(self, tokens: list[str]) -> tuple[np.ndarray, int]:
        """Ids of the tokens (new ones added), and the store generation they belong to."""
        with self.lock:
            ids, missing = _known_ids(self.ids, tokens)
            if missing and len(self.ids) + len(missing) > WORD_LIMIT:
                self._reset()
                missing = list(dict.fromkeys(tokens))
                ids[:] = -1
            if missing:
                index = self.ids
                index.update(zip(missing, range(len(index), len(index) + len(missing)),
                                 strict=True))
                self.tokens.extend(missing)
                _fill_new(index, tokens, ids)
            return ids, self.generation


def _known_ids(index: dict[str, int], items: list[str]) -> tuple[np.ndarray, list[str]]:
    """Ids of the items (-1 for new ones) and the new ones in order of first appearance,
    with one dict look-up per item (new items are few once a process is warm)."""
    ids = np.fromiter(map(index.get, items, repeat(-1)), dtype=np.int64, count=len(items))
    new = np.flatnonzero(ids < 0)
    return ids, list(dict.fromkeys([items[i] for i in new.tolist()])) if len(new) else []


def _fill_new(index: dict[str, int], items: list[str], ids: np.ndarray) -> None:
    """Fill in the ids still -1, now that the new items are in ``index``."""
    new = np.flatnonzero(ids < 0)
    ids[new] = np.fromiter((index[items[i]] for i in new.tolist()), dtype=np.int64,
                           count=len(new))


_tokens = TokenStore()


# scikit-learn's default token pattern finds exactly the runs of two or more word characters;
# so does "\w\w+" without the boundaries, and re skips through it twice as fast (a pattern
# starting with \b makes it try every position).
DEFAULT_TOKENS = r"(?u)\b\w\w+\b"
FAST_TOKENS = r"\w\w+"


class WordTfidf:
    """Transform of a fitted word TfidfVectorizer (lowercase, token pattern, 1..n-grams).

    For 1-2-grams (both models) tokens become shared ids: unigram columns come from an array
    and bigrams from sorted packed (id, id) keys, so a text costs one regex and one dict
    look-up per token instead of a string and a look-up per n-gram.
    """

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, *, token_pattern: str,
                 ngram_range: tuple[int, int], lowercase: bool) -> None:
        self.vocabulary = vocabulary
        self.idf = np.ascontiguousarray(idf, dtype=np.float64)
        self.token_pattern = token_pattern
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self.lowercase = lowercase
        self._findall = re.compile(
            FAST_TOKENS if token_pattern == DEFAULT_TOKENS else token_pattern).findall
        self._lock = threading.Lock()
        self._generation = -1

    def _tokens(self, texts: Sequence[str]) -> tuple[list[str], list[int]]:
        findall, lower = self._findall, self.lowercase
        tokens: list[str] = []
        lengths: list[int] = []
        for text in texts:
            found = findall(text.lower() if lower else text)
            tokens.extend(found)
            lengths.append(len(found))
        return tokens, lengths

    def prepare(self) -> None:
        """Intern the vocabulary's tokens and build the bigram keys ahead of the first call."""
        if self.ngram_range == (1, 2):
            with self._lock:
                try:
                    self._maps(_tokens.generation)
                except _Restarted:
                    pass  # built at the first call instead

    def _maps(self, generation: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(token id -> unigram column or -1, sorted bigram keys, their columns)."""
        if self._generation != generation:
            bigrams = [(term, column) for term, column in self.vocabulary.items()
                       if " " in term]
            # Each bigram is "a b", so joining them with spaces and splitting gives a, b, ...
            halves = " ".join([term for term, _ in bigrams]).split(" ") if bigrams else []
            ids, got = _tokens.token_ids(halves)
            if got != generation:
                raise _Restarted
            keys = (ids[0::2] << 32) | ids[1::2]
            columns = np.fromiter((column for _, column in bigrams), dtype=np.int64,
                                  count=len(bigrams))
            order = np.argsort(keys)
            self._bigram_keys, self._bigram_cols = keys[order], columns[order]
            self._unigram_cols = np.zeros(0, dtype=np.int64)
            self._generation = generation
        known = len(self._unigram_cols)
        with _tokens.lock:
            if _tokens.generation != generation:
                raise _Restarted
            new = _tokens.tokens[known:]
        if new:
            extra = np.fromiter(map(self.vocabulary.get, new, repeat(-1)), dtype=np.int64,
                                count=len(new))
            self._unigram_cols = np.concatenate([self._unigram_cols, extra])
        return self._unigram_cols, self._bigram_keys, self._bigram_cols

    def transform(self, texts: Sequence[str]) -> SparseRows:
        return tfidf_rows(*self.pairs(texts), len(texts), self.idf)

    def pairs(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every n-gram occurrence in the vocabulary."""
        if self.ngram_range != (1, 2):
            return self._string_pairs(texts)
        tokens, lengths = self._tokens(texts)
        while True:
            ids, generation = _tokens.token_ids(tokens)
            try:
                with self._lock:
                    unigram, bigram_keys, bigram_cols = self._maps(generation)
                break
            except _Restarted:
                continue  # the shared store restarted between the two steps: ids again
        rows = np.repeat(np.arange(len(texts)), lengths)
        uni = unigram[ids]
        same_text = rows[1:] == rows[:-1]
        keys = (ids[:-1][same_text] << 32) | ids[1:][same_text]
        found = np.minimum(np.searchsorted(bigram_keys, keys), max(len(bigram_keys) - 1, 0))
        hit = (bigram_keys[found] == keys) if len(bigram_keys) else np.zeros(len(keys), bool)
        all_rows = np.concatenate([rows[uni >= 0], rows[:-1][same_text][hit]])
        all_cols = np.concatenate([uni[uni >= 0], bigram_cols[found[hit]]])
        return all_rows, all_cols

    def _string_pairs(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
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
                grams = grams + [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
            cols.extend(map(get, grams, repeat(-1)))
            lengths.append(len(cols) - before)
        rows = np.repeat(np.arange(len(texts)), lengths)
        columns = np.array(cols, dtype=np.int64)
        keep = columns >= 0
        return rows[keep], columns[keep]

    def feature_names(self) -> list[str]:
        names = [""] * len(self.vocabulary)
        for term, column in self.vocabulary.items():
            names[column] = term
        return names

    def __getstate__(self) -> dict:
        return {"vocabulary": self.vocabulary, "idf": self.idf,
                "token_pattern": self.token_pattern, "ngram_range": self.ngram_range,
                "lowercase": self.lowercase}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state.pop("vocabulary"), state.pop("idf"), **state)  # type: ignore[misc]


class _Restarted(Exception):
    """A shared store restarted (too many words) while a model was reading it."""


class _GrowingInts:
    """An int64 array that grows by doubling (amortised O(1) appends of whole batches)."""

    def __init__(self, first: Sequence[int] = ()) -> None:
        self.array = np.zeros(max(1024, len(first)), dtype=np.int64)
        self.size = 0
        self.extend(first)

    def extend(self, values: Sequence[int] | np.ndarray) -> None:
        end = self.size + len(values)
        if end > len(self.array):
            bigger = np.zeros(max(end, 2 * len(self.array)), dtype=np.int64)
            bigger[: self.size] = self.array[: self.size]
            self.array = bigger
        self.array[self.size:end] = values
        self.size = end

    def view(self) -> np.ndarray:
        return self.array[: self.size]


# Characters get small ids (1..4095, 0 = none) so an n-gram of up to 5 characters packs
# exactly, without collisions, into one int64: 5 x 12 bits. Numbers instead of string objects
# let numpy cut and look up n-grams for a whole batch of new words at once.
_CHAR_BITS = 12
_MAX_CHAR_ID = (1 << _CHAR_BITS) - 1


class CharTableFull(Exception):
    """More distinct characters than 12-bit ids; the caller falls back to string n-grams."""


class GramStore:
    """Per-process store of words -> packed keys of their char n-grams (words padded with
    spaces, like scikit-learn's ``char_wb``); shared by every model with the same n-gram range.
    Word ids are dense and only grow, so a model maps the words it has not seen yet in bulk."""

    def __init__(self, min_n: int, max_n: int) -> None:
        if max_n * _CHAR_BITS > 63:
            raise ValueError("n-grams longer than 5 characters do not pack into an int64")
        self.min_n, self.max_n = min_n, max_n
        self.generation = 0
        self.lock = threading.RLock()
        # Code point -> char id; kept across restarts so packed vocabulary keys stay valid.
        self.char_ids = np.zeros(0x110000, dtype=np.int64)
        self.n_chars = 0
        self._reset()

    def _reset(self) -> None:
        self.word_ids: dict[str, int] = {}
        self.keys = _GrowingInts()  # packed n-gram keys of all words, concatenated
        self.ptr = _GrowingInts([0])  # word id -> its slice of ``keys``
        self.generation += 1

    def char_codes(self, text: str) -> np.ndarray:
        """Char ids of a string, giving new characters the next free ids."""
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        codes = self.char_ids[points]
        if len(codes) and not codes.all():
            new = np.unique(points[codes == 0])
            if self.n_chars + len(new) > _MAX_CHAR_ID:
                raise CharTableFull
            self.char_ids[new] = np.arange(self.n_chars + 1, self.n_chars + 1 + len(new))
            self.n_chars += len(new)
            codes = self.char_ids[points]
        return codes

    def pack(self, codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Packed key of each n-gram codes[start:start + length]."""
        key = np.zeros(len(starts), dtype=np.int64)
        for j in range(self.max_n):
            inside = lengths > j
            shifted = np.zeros(len(starts), dtype=np.int64)
            shifted[inside] = codes[starts[inside] + j]
            key |= shifted << (_CHAR_BITS * (self.max_n - 1 - j))
        return key

    def word_rows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, int]:
        """(word id of each word occurrence, text row of each, store generation)."""
        words: list[str] = []
        lengths: list[int] = []
        for text in texts:
            split = text.split()
            words.extend(split)
            lengths.append(len(split))
        with self.lock:
            ids, missing = _known_ids(self.word_ids, words)
            if missing and len(self.word_ids) + len(missing) > WORD_LIMIT:
                self._reset()
                missing = list(dict.fromkeys(words))
                ids[:] = -1
            if missing:
                self._add(missing)
                _fill_new(self.word_ids, words, ids)
            generation = self.generation
        return ids, np.repeat(np.arange(len(texts)), lengths), generation

    def _add(self, words: list[str]) -> None:
        # " w1  w2 " is the concatenation of the padded words " w1 " + " w2 ".
        codes = self.char_codes(" " + "  ".join(words) + " ")
        sizes = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 2
        word_starts = np.cumsum(sizes) - sizes
        owners, starts, lengths = [], [], []
        for n in range(self.min_n, self.max_n + 1):
            per_word = np.maximum(sizes - n + 1, 0)
            owner = np.repeat(np.arange(len(words)), per_word)
            offset = np.arange(per_word.sum()) - np.repeat(np.cumsum(per_word) - per_word,
                                                           per_word)
            owners.append(owner)
            starts.append(word_starts[owner] + offset)
            lengths.append(np.full(len(owner), n))
        owner = np.concatenate(owners)
        order = np.argsort(owner, kind="stable")  # group each word's n-grams together
        keys = self.pack(codes, np.concatenate(starts)[order], np.concatenate(lengths)[order])
        end = self.ptr.array[self.ptr.size - 1]
        self.keys.extend(keys)
        self.ptr.extend(end + np.cumsum(np.bincount(owner, minlength=len(words))))
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


def _ragged_gather(values: np.ndarray, ptr: np.ndarray, ids: np.ndarray,
                   rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """values[ptr[i]:ptr[i+1]] for every id i in ``ids``, concatenated, with their rows."""
    starts = ptr[ids]
    counts = ptr[ids + 1] - starts
    ends = np.cumsum(counts)
    positions = np.arange(ends[-1] if len(ends) else 0) + np.repeat(starts - (ends - counts),
                                                                    counts)
    return values[positions], np.repeat(rows, counts)


class CharTfidf:
    """Transform of a fitted ``CharWordTfidf``: char n-grams inside whitespace-split words."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, *, min_n: int,
                 max_n: int) -> None:
        self.vocabulary = vocabulary
        self.idf = np.ascontiguousarray(idf, dtype=np.float64)
        self.min_n, self.max_n = int(min_n), int(max_n)
        self._lock = threading.Lock()
        self._vocab_keys: np.ndarray | None = None  # sorted packed keys of my n-grams
        self._vocab_cols = np.zeros(0, dtype=np.int64)
        self._generation = -1
        self._fallback: dict[str, tuple[int, ...]] | None = None

    def prepare(self) -> None:
        """Pack the vocabulary's n-grams ahead of the first call."""
        try:
            self._vocabulary_keys(gram_store(self.min_n, self.max_n))
        except CharTableFull:
            self._fallback = {}

    def _vocabulary_keys(self, store: GramStore) -> tuple[np.ndarray, np.ndarray]:
        if self._vocab_keys is None:
            terms = list(self.vocabulary)
            codes = store.char_codes("".join(terms))
            lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
            keys = store.pack(codes, np.cumsum(lengths) - lengths, lengths)
            order = np.argsort(keys)
            self._vocab_keys = keys[order]
            self._vocab_cols = np.fromiter(self.vocabulary.values(), dtype=np.int64,
                                           count=len(terms))[order]
        return self._vocab_keys, self._vocab_cols

    def _sync(self, store: GramStore, generation: int) -> None:
        """Map the store's words I have not seen yet to my columns (in bulk)."""
        if self._generation != generation:
            self._cols, self._ptr = _GrowingInts(), _GrowingInts([0])
            self._generation = generation
        vocab_keys, vocab_cols = self._vocabulary_keys(store)
        done = self._ptr.size - 1
        with store.lock:
            if store.generation != generation:
                return
            ptr = store.ptr.view()[done:].copy()
            keys = store.keys.view()[ptr[0]:ptr[-1]].copy()
        if len(ptr) <= 1:
            return
        # New words share most of their n-grams: look each distinct one up once, in sorted
        # order (searchsorted walks the vocabulary forward instead of jumping around).
        distinct, inverse = np.unique(keys, return_inverse=True)
        found = np.minimum(np.searchsorted(vocab_keys, distinct), len(vocab_keys) - 1)[inverse]
        hit = vocab_keys[found] == keys if len(vocab_keys) else np.zeros(len(keys), bool)
        owner = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
        self._cols.extend(vocab_cols[found[hit]])
        self._ptr.extend(self._ptr.array[done] + np.cumsum(
            np.bincount(owner[hit], minlength=len(ptr) - 1)))

    def transform(self, texts: Sequence[str]) -> SparseRows:
        return tfidf_rows(*self.pairs(texts), len(texts), self.idf)

    def pairs(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every n-gram occurrence in the vocabulary."""
        if self._fallback is None:
            store = gram_store(self.min_n, self.max_n)
            try:
                ids, rows, generation = store.word_rows(texts)
                with self._lock:
                    self._sync(store, generation)
                    if self._generation == generation and self._ptr.size > int(ids.max(
                            initial=-1)):
                        cols, col_rows = _ragged_gather(self._cols.view(), self._ptr.view(),
                                                        ids, rows)
                        return col_rows, cols
                return self.pairs(texts)  # the store restarted meanwhile: once more
            except CharTableFull:
                self._fallback = {}
        return self._string_pairs(texts)

    def _string_pairs(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        # Only when a process has met more than 4,095 distinct characters: cut n-grams as
        # strings, one cache entry per word.
        cache = self._fallback if self._fallback is not None else {}
        vocabulary = self.vocabulary
        cols: list[int] = []
        lengths: list[int] = []
        for text in texts:
            before = len(cols)
            for word in text.split():
                found = cache.get(word)
                if found is None:
                    if len(cache) > WORD_LIMIT:
                        cache.clear()
                    found = cache[word] = tuple(
                        vocabulary[g] for g in _string_grams(word, self.min_n, self.max_n)
                        if g in vocabulary)
                cols.extend(found)
            lengths.append(len(cols) - before)
        return np.repeat(np.arange(len(texts)), lengths), np.array(cols, dtype=np.int64)

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


def _string_grams(word: str, min_n: int, max_n: int) -> list[str]:
    padded = f" {word} "
    size = len(padded)
    grams: list[str] = []
    for n in range(min_n, max_n + 1):
        if n > size:
            break
        grams.extend([padded[i:i + n] for i in range(size - n + 1)])
    return grams


def __getattr__(name: str) -> Any:
    # The scikit-learn side (fitting, old pickles name these classes here) is imported only
    # when asked for, so loading a compiled model never pays for the scikit-learn import.
    if name in ("CharWordTfidf", "CharWordGrams"):
        from complaintdesk.triage import _sklearn_features

        return getattr(_sklearn_features, name)
    raise AttributeError(name)
