"""Mass-incident (spike) detection on case counts: seasonal median baseline, MAD, Poisson floor.

Rule (per period t of a regular series x, season s, history k):
    expected(t) = median(x[t - s], x[t - 2s], ..., x[t - k·s])       (same weekday / hour-of-week)
    spread(t)   = max(1.4826 · MAD of those lags, sqrt(max(expected(t), 1)))   (Poisson floor)
    score(t)    = (x[t] - expected(t)) / spread(t)
    flagged     = score > z and x[t] >= min_count, with at least `min_history` lags available.
Consecutive flagged periods are merged into one Spike. No Django import here on purpose: the
module is used by the CLI, the benchmark and (later) the Django views alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULTS",
    "Spike",
    "alarms_per_100_days",
    "counts_from_timestamps",
    "detect_spikes",
    "detect_spikes_by_group",
    "expected_and_score",
]

# Weekly seasonality for both frequencies: complaints follow the working week, and for hourly
# series the hour-of-week (168) keeps both the daily curve and the weekend dip.
DEFAULTS: dict[str, dict[str, float]] = {
    "D": {"season": 7, "history": 4, "min_history": 3, "z": 4.0, "min_count": 5},
    "H": {"season": 168, "history": 8, "min_history": 3, "z": 5.5, "min_count": 5},
}


@dataclass(frozen=True)
class Spike:
    """One merged run of flagged periods; `end` is exclusive (start of the first quiet period)."""

    start: pd.Timestamp
    end: pd.Timestamp
    observed: int
    expected: float
    score: float
    peak: pd.Timestamp
    group: Hashable | None = None

    @property
    def excess(self) -> float:
        """Cases above the baseline over the whole spike."""
        return self.observed - self.expected

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly representation (ISO timestamps, rounded floats)."""
        return {
            "group": None if self.group is None else str(self.group),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "peak": self.peak.isoformat(),
            "observed": int(self.observed),
            "expected": round(float(self.expected), 2),
            "excess": round(float(self.excess), 2),
            "score": round(float(self.score), 2),
        }


def _norm_freq(freq: str) -> str:
    f = freq.upper()
    if f not in ("D", "H"):
        raise ValueError(f"freq must be 'D' or 'H', got {freq!r}")
    return f


def _offset(freq: str) -> pd.DateOffset:
    # pandas 3 spells hourly "h"; "H" is kept in our API because it is what users type.
    return pd.tseries.frequencies.to_offset("D" if freq == "D" else "h")


def _regularise(counts: pd.Series, freq: str) -> pd.Series:
    """Sum onto a gap-free grid at `freq`, missing periods as zero (no cases is a real zero)."""
    if counts.empty:
        return counts.astype(float)
    idx = pd.DatetimeIndex(counts.index)
    s = pd.Series(np.asarray(counts, dtype=float), index=idx.floor(_offset(freq)))
    s = s.groupby(level=0).sum()
    grid = pd.date_range(s.index.min(), s.index.max(), freq=_offset(freq))
    return s.reindex(grid, fill_value=0.0)


def expected_and_score(
    values: np.ndarray, *, season: int, history: int, min_history: int
) -> tuple[np.ndarray, np.ndarray]:
    """Baseline and robust z-score per period; NaN where fewer than `min_history` lags exist."""
    x = np.asarray(values, dtype=float)
    n = x.size
    expected = np.full(n, np.nan)
    score = np.full(n, np.nan)
    if n == 0:
        return expected, score
    lags = np.full((history, n), np.nan)
    for j in range(1, history + 1):
        shift = season * j
        if shift < n:
            lags[j - 1, shift:] = x[:-shift]
    ok = (~np.isnan(lags)).sum(axis=0) >= max(1, min_history)
    if not ok.any():
        return expected, score
    lag_ok = lags[:, ok]
    base = np.nanmedian(lag_ok, axis=0)
    mad = np.nanmedian(np.abs(lag_ok - base), axis=0)
    # Poisson floor: a run of identical small counts has MAD 0, which would flag any +1.
    spread = np.maximum(1.4826 * mad, np.sqrt(np.maximum(base, 1.0)))
    expected[ok] = base
    score[ok] = (x[ok] - base) / spread
    return expected, score


def detect_spikes(
    counts: pd.Series,
    *,
    freq: str = "D",
    season: int | None = None,
    z: float | None = None,
    min_count: int | None = None,
    history: int | None = None,
    min_history: int | None = None,
    group: Hashable | None = None,
) -> list[Spike]:
    """Spikes in a count series indexed by period start; defaults per freq come from DEFAULTS."""
    f = _norm_freq(freq)
    d = DEFAULTS[f]
    season = int(d["season"] if season is None else season)
    z = float(d["z"] if z is None else z)
    min_count = int(d["min_count"] if min_count is None else min_count)
    history = int(d["history"] if history is None else history)
    min_history = int(d["min_history"] if min_history is None else min_history)
    if season < 1 or history < 1:
        raise ValueError("season and history must be >= 1")
    series = _regularise(counts, f)
    if series.empty:
        return []
    x = series.to_numpy()
    expected, score = expected_and_score(
        x, season=season, history=history, min_history=min_history
    )
    with np.errstate(invalid="ignore"):
        flagged = (score > z) & (x >= min_count)
    return _merge(series.index, x, expected, score, flagged, _offset(f), group)


def _merge(
    index: pd.DatetimeIndex,
    x: np.ndarray,
    expected: np.ndarray,
    score: np.ndarray,
    flagged: np.ndarray,
    step: pd.DateOffset,
    group: Hashable | None,
) -> list[Spike]:
    spikes: list[Spike] = []
    if not flagged.any():
        return spikes
    # Run boundaries: +1 where a run starts, -1 one past where it ends.
    edges = np.diff(np.concatenate(([0], flagged.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    for a, b in zip(starts, stops, strict=True):
        peak = a + int(np.argmax(score[a:b]))
        spikes.append(
            Spike(
                start=index[a],
                end=index[b - 1] + step,
                observed=int(x[a:b].sum()),
                expected=float(expected[a:b].sum()),
                score=float(score[peak]),
                peak=index[peak],
                group=group,
            )
        )
    return spikes


def counts_from_timestamps(
    timestamps: Iterable[datetime | pd.Timestamp], *, freq: str
) -> pd.Series:
    """Count events per period start (gap-free grid, zeros included)."""
    f = _norm_freq(freq)
    ts = pd.DatetimeIndex(list(timestamps))
    if ts.empty:
        return pd.Series(dtype=float)
    ones = pd.Series(1.0, index=ts)
    return _regularise(ones, f)


def detect_spikes_by_group(
    rows: Iterable[tuple[datetime | pd.Timestamp, Hashable]],
    *,
    freq: str = "D",
    include_total: bool = False,
    total_key: Hashable = "(all)",
    **options: float | int | None,
) -> dict[Hashable, list[Spike]]:
    """Run detect_spikes per group key over (timestamp, key) rows on one shared time grid.

    `options` are passed to detect_spikes (season, z, min_count, history, min_history).
    """
    f = _norm_freq(freq)
    by_key: dict[Hashable, list[pd.Timestamp]] = defaultdict(list)
    all_ts: list[pd.Timestamp] = []
    for ts, key in rows:
        if ts is None or pd.isna(ts):
            continue
        by_key[key].append(ts)
        all_ts.append(ts)
    if not all_ts:
        return {}
    # One grid for every group so that a group silent at the start still has its zeros counted.
    step = _offset(f)
    full = pd.DatetimeIndex(all_ts).floor(step)
    grid = pd.date_range(full.min(), full.max(), freq=step)
    result: dict[Hashable, list[Spike]] = {}
    groups = dict(by_key)
    if include_total:
        groups[total_key] = all_ts
    for key, stamps in groups.items():
        s = pd.Series(1.0, index=pd.DatetimeIndex(stamps).floor(step)).groupby(level=0).sum()
        s = s.reindex(grid, fill_value=0.0)
        result[key] = detect_spikes(s, freq=f, group=key, **options)  # type: ignore[arg-type]
    return result


def alarms_per_100_days(spikes: Iterable[Spike], *, n_periods: int, freq: str) -> float:
    """False-alarm bookkeeping: merged alarms per 100 days of monitored series."""
    f = _norm_freq(freq)
    days = n_periods if f == "D" else n_periods / 24.0
    if days <= 0:
        return 0.0
    return 100.0 * sum(1 for _ in spikes) / days
