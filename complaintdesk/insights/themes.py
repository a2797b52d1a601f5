"""Theme discovery in case texts (Russian and English): TF-IDF word + char n-grams, LSA, KMeans.

Each theme carries key phrases, size, a trend per sub-period, example case ids and a term
signature, so that the next period's run can tell new and growing themes from old ones.
No Django import: the same code runs from the CLI, the benchmark and the views.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize

__all__ = [
    "RUSSIAN_STOP_WORDS",
    "Theme",
    "choose_k",
    "detect_language",
    "find_themes",
    "theme_labels",
]

# Written out here rather than fetched (nltk data is a download); function words, pronouns and
# forms that dominate reviews without carrying a topic ("банк" stays: it is a real tag).
RUSSIAN_STOP_WORDS = frozenset(
    """
    а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже
    для до его ее её если есть еще ещё же за здесь и из или им их к как какой когда кто ли либо
    мне может мы на над надо наш не него нее неё нет ни них но ну о об однако он она они оно от
    очень по под при с со так также такой там те тем то того тоже той только том ты у уже хотя
    чего чей чем что чтобы чье чья эта эти это этого этой этом этот я мой моя мои моё мое свой
    своя свои свою своей своих сам сама сами себя себе меня мною тебя тебе нам ним ней нему ему
    её им ими был будет будут буду были бы было быть есть нет да вот вообще потом после почему
    раз тут где куда сюда туда можно нужно нельзя просто всё весь вся всю всем всеми кто-то
    что-то какие какая какое каждый который которая которое которые которых которым котором
    также ведь уж лишь пока между через перед около ли бы же итак т.е т.к т.д др см г
    день дня дней году года лет раза время сегодня вчера завтра ещё снова опять
    """.split()
)

_STOP = {"en": frozenset(ENGLISH_STOP_WORDS), "ru": RUSSIAN_STOP_WORDS}
# CFPB masks personal data as XXXX / XX/XX/2015; numbers and URLs are noise for themes.
_NOISE = re.compile(r"\bx{2,}\b|https?://\S+|\S+@\S+|\d+", re.IGNORECASE)
_TOKEN = r"(?u)\b[^\W\d_]{2,}\b"
_CHAR_HEAD = 400
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


@dataclass
class Theme:
    """One cluster of cases; `case_ids` are the most typical examples, `member_ids` all of them."""

    id: int
    label: str
    key_phrases: list[str]
    size: int
    case_ids: list[Hashable]
    trend: list[tuple[str, int]]
    is_new: bool = False
    growth: float | None = None
    share: float = 0.0
    member_ids: list[Hashable] = field(default_factory=list, repr=False)
    signature: dict[str, float] = field(default_factory=dict, repr=False)
    previous_id: int | None = None

    @property
    def highlighted(self) -> bool:
        """New themes and themes that grew by half or more deserve an analyst's look."""
        return self.is_new or (self.growth is not None and self.growth >= 1.5)

    def as_dict(self, *, with_members: bool = False) -> dict[str, Any]:
        """JSON-friendly representation (ids as strings)."""
        d: dict[str, Any] = {
            "id": self.id,
            "label": self.label,
            "key_phrases": self.key_phrases,
            "size": self.size,
            "share": round(self.share, 4),
            "case_ids": [str(c) for c in self.case_ids],
            "trend": [[p, n] for p, n in self.trend],
            "is_new": self.is_new,
            "growth": None if self.growth is None else round(self.growth, 3),
            "previous_id": self.previous_id,
            "highlighted": self.highlighted,
        }
        if with_members:
            d["member_ids"] = [str(c) for c in self.member_ids]
        return d


def detect_language(texts: Sequence[str]) -> str:
    """'ru', 'en' or 'mixed' by the share of Cyrillic letters (sampled for speed)."""
    sample = " ".join(texts[:: max(1, len(texts) // 500)])
    cyr, lat = len(_CYRILLIC.findall(sample)), len(_LATIN.findall(sample))
    if cyr + lat == 0:
        return "en"
    share = cyr / (cyr + lat)
    return "ru" if share > 0.8 else "en" if share < 0.2 else "mixed"


def _stop_words(language: str) -> list[str]:
    if language in _STOP:
        return sorted(_STOP[language])
    return sorted(_STOP["en"] | _STOP["ru"])


def _clean(text: str) -> str:
    return _NOISE.sub(" ", str(text).lower().replace("ё", "е"))


@dataclass
class _Fit:
    labels: np.ndarray
    embedding: np.ndarray
    word: sparse.csr_matrix
    vocab: np.ndarray
    k: int


_SVD_FIT_SAMPLE = 20_000


def _vectorise(texts: list[str], language: str, random_state: int) -> tuple[Any, ...]:
    n = len(texts)
    min_df = 2 if n >= 50 else 1
    stop = _stop_words(language)
    word_vec = TfidfVectorizer(
        token_pattern=_TOKEN,
        stop_words=stop,
        ngram_range=(1, 2),
        min_df=min_df,
        max_df=0.6 if n >= 50 else 1.0,
        sublinear_tf=True,
        max_features=30000,
    )
    # Char n-grams inside word boundaries cope with Russian inflection without a stemmer
    # and with run-together spellings in short titles ("datacap", "comcast/xfinity").
    char_vec = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        min_df=min_df,
        max_df=0.6 if n >= 50 else 1.0,
        sublinear_tf=True,
        max_features=30000,
    )
    try:
        word = word_vec.fit_transform(texts)
        vocab = word_vec.get_feature_names_out()
    except ValueError:  # only stop words / empty vocabulary
        word, vocab = sparse.csr_matrix((n, 0)), np.array([], dtype=object)
    try:
        # The head of a text is enough for spelling variants; char n-grams of whole long
        # narratives are 10x the non-zeros of the word matrix and dominate the SVD time.
        char = char_vec.fit_transform([t[:_CHAR_HEAD] for t in texts])
    except ValueError:
        char = sparse.csr_matrix((n, 0))
    mat = sparse.hstack([word, 0.7 * char]).tocsr()
    if mat.shape[1] == 0:
        return np.zeros((n, 1)), word, vocab
    dims = min(100, mat.shape[1] - 1, n - 1)
    if dims >= 2:
        svd = TruncatedSVD(n_components=dims, n_iter=3, random_state=random_state)
        if n > _SVD_FIT_SAMPLE:
            # The randomized SVD's repeated sparse products dominate on large periods: learn
            # the 100 directions on a random sample, then project every text (one product).
            rows = np.random.default_rng(random_state).choice(n, _SVD_FIT_SAMPLE, replace=False)
            svd.fit(mat[np.sort(rows)])
            emb = svd.transform(mat)
        else:
            emb = svd.fit_transform(mat)
    else:
        emb = mat.toarray()
    return normalize(emb), word, vocab


def _cluster(emb: np.ndarray, k: int, random_state: int) -> np.ndarray:
    if k <= 1:
        return np.zeros(emb.shape[0], dtype=int)
    if emb.shape[0] > 5000:
        model: Any = MiniBatchKMeans(
            n_clusters=k, random_state=random_state, n_init=3, batch_size=2048
        )
    else:
        model = KMeans(n_clusters=k, random_state=random_state, n_init=3)
    return model.fit_predict(emb)


def choose_k(n: int, *, k_max: int = 15) -> int:
    """Heuristic theme count round(sqrt(n) / 4), clamped to 2..k_max.

    Cosine silhouette on the LSA space was tried first and rises monotonically with k on all
    three shared data sets (docs/insights.md), so it cannot pick k; this keeps themes readable.
    """
    return int(min(k_max, max(2, round(np.sqrt(n) / 4))))


def _fit(
    texts: list[str], *, k: int | None, language: str, random_state: int, k_max: int
) -> _Fit:
    emb, word, vocab = _vectorise(texts, language, random_state)
    n = len(texts)
    if k is not None:
        k_eff = max(1, min(k, n))
        labels = _cluster(emb, k_eff, random_state)
    elif n < 20:
        k_eff, labels = 1, np.zeros(n, dtype=int)
    else:
        k_eff = choose_k(n, k_max=k_max)
        labels = _cluster(emb, k_eff, random_state)
    return _Fit(labels=labels, embedding=emb, word=sparse.csr_matrix(word), vocab=vocab, k=k_eff)


def _key_phrases(fit: _Fit, members: np.ndarray, top: int) -> tuple[list[str], dict[str, float]]:
    if fit.word.shape[1] == 0:
        return [], {}
    centroid = np.asarray(fit.word[members].mean(axis=0)).ravel()
    overall = np.asarray(fit.word.mean(axis=0)).ravel()
    # Distinctive, not merely frequent: "account" is everywhere in bank complaints.
    lift = centroid - overall
    order = np.argsort(-lift)
    phrases: list[str] = []
    for j in order:
        if lift[j] <= 0 or len(phrases) >= top:
            break
        term = str(fit.vocab[j])
        # Drop a unigram already inside a chosen bigram (and vice versa) to keep the list varied.
        if any(term in p.split() or p in term.split() for p in phrases):
            continue
        phrases.append(term)
    sig_idx = np.argsort(-centroid)[:50]
    norm = float(np.linalg.norm(centroid[sig_idx])) or 1.0
    signature = {str(fit.vocab[j]): float(centroid[j] / norm) for j in sig_idx if centroid[j] > 0}
    return phrases, signature


def _similarity(a: dict[str, float], b: dict[str, float]) -> float:
    return float(sum(w * b[t] for t, w in a.items() if t in b))


def _trend_grid(stamps: pd.Series, freq: str | None) -> tuple[pd.Series, list[str]]:
    valid = stamps.dropna()
    if valid.empty:
        return pd.Series(pd.NaT, index=stamps.index), []
    span = valid.max() - valid.min()
    if freq is None:
        short, medium = pd.Timedelta(days=31), pd.Timedelta(weeks=26)
        freq = "D" if span <= short else "W" if span <= medium else "M"
    periods = stamps.dt.to_period(freq)
    grid = pd.period_range(valid.min(), valid.max(), freq=freq)
    return periods, [str(p.start_time.date()) for p in grid]


def find_themes(
    items: Sequence[tuple[Hashable, str, datetime | pd.Timestamp | None]],
    *,
    k: int | None = None,
    language: str | None = None,
    previous: Sequence[Theme] | None = None,
    k_max: int = 15,
    n_examples: int = 5,
    n_phrases: int = 8,
    trend_freq: str | None = None,
    new_threshold: float = 0.25,
    random_state: int = 0,
) -> list[Theme]:
    """Cluster (case id, text, timestamp) items into themes, largest first.

    `previous` is the list returned for the previous period: themes without a match above
    `new_threshold` (cosine of term signatures) are new; matched ones get growth = size ratio.
    Trend buckets are in UTC (aware timestamps are converted, naive ones taken as UTC).
    """
    ids = [it[0] for it in items]
    cleaned = [_clean(it[1] or "") for it in items]
    keep = [i for i, t in enumerate(cleaned) if _LATIN.search(t) or _CYRILLIC.search(t)]
    if not keep:
        return []
    texts = [cleaned[i] for i in keep]
    lang = language or detect_language(texts)
    fit = _fit(texts, k=k, language=lang, random_state=random_state, k_max=k_max)
    stamps = pd.to_datetime(pd.Series([items[i][2] for i in keep]), errors="coerce", utc=True)
    stamps = stamps.dt.tz_convert(None)
    periods, grid = _trend_grid(stamps, trend_freq)
    themes: list[Theme] = []
    for c in range(fit.k):
        members = np.flatnonzero(fit.labels == c)
        if members.size == 0:
            continue
        phrases, signature = _key_phrases(fit, members, n_phrases)
        centre = fit.embedding[members].mean(axis=0)
        closest = members[np.argsort(-(fit.embedding[members] @ centre))[:n_examples]]
        trend: list[tuple[str, int]] = []
        if grid:
            counts = periods.iloc[members].dropna().map(lambda p: str(p.start_time.date()))
            vc = counts.value_counts()
            trend = [(g, int(vc.get(g, 0))) for g in grid]
        themes.append(
            Theme(
                id=c,
                label=" / ".join(phrases[:3]) or "(no distinctive words)",
                key_phrases=phrases,
                size=int(members.size),
                case_ids=[ids[keep[i]] for i in closest],
                trend=trend,
                share=members.size / len(texts),
                member_ids=[ids[keep[i]] for i in members],
                signature=signature,
            )
        )
    themes.sort(key=lambda t: -t.size)
    for new_id, t in enumerate(themes):
        t.id = new_id
    if previous is not None:
        _compare(themes, previous, new_threshold)
    return themes


def _compare(themes: list[Theme], previous: Sequence[Theme], threshold: float) -> None:
    for t in themes:
        best, match = 0.0, None
        for p in previous:
            s = _similarity(t.signature, p.signature)
            if s > best:
                best, match = s, p
        if match is None or best < threshold:
            t.is_new, t.growth = True, None
        else:
            t.is_new, t.previous_id = False, match.id
            t.growth = t.size / max(match.size, 1)


def theme_labels(themes: Sequence[Theme], ids: Sequence[Hashable]) -> np.ndarray:
    """Theme index per id (-1 for ids left out, e.g. empty texts) — for AMI and exports."""
    where = {cid: t.id for t in themes for cid in t.member_ids}
    return np.array([where.get(i, -1) for i in ids])
