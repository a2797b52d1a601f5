"""scikit-learn side of the character n-grams: fitting (and old pickles) of both models.

Both models use character n-grams inside word boundaries (like scikit-learn's ``char_wb``),
which cost most of the run time when each model cuts every word again. Words repeat a lot, so
the n-grams of each distinct word are computed once per process and reused by every model and
every text: the analysis becomes one dictionary look-up per word.
"""

from __future__ import annotations

import threading
from typing import Any

from sklearn.base import BaseEstimator, TransformerMixin

from complaintdesk.triage.features import _string_grams

_CACHE_LIMIT = 400_000
_caches: dict[tuple[int, int], dict[str, tuple[str, ...]]] = {}
_lock = threading.Lock()


def _word_grams(word: str, min_n: int, max_n: int) -> tuple[str, ...]:
    return tuple(_string_grams(word, min_n, max_n))


class CharWordGrams:
    """Picklable analyzer: char n-grams of each whitespace-separated word, padded with spaces.

    Texts must already be normalised (lower-cased); use as ``TfidfVectorizer(analyzer=...)``.
    """

    def __init__(self, min_n: int = 2, max_n: int = 5) -> None:
        self.min_n = min_n
        self.max_n = max_n

    def __call__(self, text: str) -> list[str]:
        key = (self.min_n, self.max_n)
        cache = _caches.get(key)
        if cache is None:
            with _lock:
                cache = _caches.setdefault(key, {})
        grams: list[str] = []
        extend = grams.extend
        for word in text.split():
            found = cache.get(word)
            if found is None:
                if len(cache) > _CACHE_LIMIT:
                    cache.clear()
                found = cache[word] = _word_grams(word, self.min_n, self.max_n)
            extend(found)
        return grams

    def __repr__(self) -> str:
        return f"CharWordGrams({self.min_n}, {self.max_n})"


class CharWordTfidf(TransformerMixin, BaseEstimator):
    """``TfidfVectorizer(analyzer=CharWordGrams(...), sublinear_tf=True)`` with a fast transform.

    After fitting, each distinct word maps once to the vocabulary columns of its n-grams; a text
    is then the concatenation of its words' column arrays, counted in C. Same numbers as the
    plain vectorizer, several times faster on real texts.
    """

    def __init__(self, min_n: int = 2, max_n: int = 5, *, min_df: int | float = 2,
                 max_features: int | None = 60000) -> None:
        self.min_n = min_n
        self.max_n = max_n
        self.min_df = min_df
        self.max_features = max_features

    def fit(self, texts, y=None) -> CharWordTfidf:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer_ = TfidfVectorizer(
            analyzer=CharWordGrams(self.min_n, self.max_n), sublinear_tf=True,
            min_df=self.min_df, max_features=self.max_features,
        ).fit(texts)
        return self

    def get_feature_names_out(self, input_features=None):
        return self.vectorizer_.get_feature_names_out()

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_word_columns", None)
        state.pop("_compiled", None)
        return state

    def compiled(self) -> Any:
        """The numpy-only transform of this fitted vectorizer (shared n-gram store)."""
        found = self.__dict__.get("_compiled")
        if found is None:
            from complaintdesk.triage.features import CharTfidf

            found = self._compiled = CharTfidf(
                self.vectorizer_.vocabulary_, self.vectorizer_.idf_,
                min_n=self.min_n, max_n=self.max_n,
            )
        return found

    def transform(self, texts):
        return self.compiled().transform(list(texts)).to_scipy()


# Pickles (the shipped kind artefact, saved topic models) name these classes in
# ``complaintdesk.triage.features``, which hands them out lazily from here.
CharWordGrams.__module__ = CharWordTfidf.__module__ = "complaintdesk.triage.features"
