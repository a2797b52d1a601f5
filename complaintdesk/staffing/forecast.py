"""Forecast arrivals per day and per intra-day interval, with a rolling-origin backtest.

Default: a weekly profile × exponentially smoothed weekly level in numpy. statsforecast's MSTL
(optional package) is available as method="mstl"; the rolling-origin backtest in
docs/staffing.md found them equal on daily volumes and the profile better intra-day, so the
dependency-free method is the default. Both get the same holiday treatment.
Intra-day intervals are the daily forecast split by the weekday's average intra-day shape.
No Django import.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date

import numpy as np
import pandas as pd

Forecaster = Callable[[pd.Series, int], pd.Series]
SEASON = 7  # days in the weekly cycle

# Grids for the smoothing constants; picked per series on its own history (never the future).
_LEVEL_ALPHAS = (0.2, 0.4, 0.6, 0.8, 1.0)
_PROFILE_DECAYS = (0.0, 0.2, 0.5, 0.8)


def _check_daily(history: pd.Series) -> pd.Series:
    if not isinstance(history.index, pd.DatetimeIndex):
        raise ValueError("history needs a DatetimeIndex of days")
    if len(history) < 2 * SEASON:
        raise ValueError(f"need at least {2 * SEASON} days of history, got {len(history)}")
    if history.isna().any() or (history < 0).any():
        raise ValueError("history must hold non-negative counts without gaps (fill missing days)")
    return history.astype(float).asfreq("D")


def _future_days(history: pd.Series, horizon: int) -> pd.DatetimeIndex:
    if horizon < 1:
        raise ValueError(f"horizon must be ≥ 1, got {horizon}")
    return pd.date_range(history.index[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")


def _holiday_mask(index: pd.DatetimeIndex, holidays: Iterable[date] | None) -> np.ndarray:
    listed = [] if holidays is None else list(holidays)
    if not listed:
        return np.zeros(len(index), dtype=bool)
    days = pd.DatetimeIndex(pd.to_datetime(listed)).normalize()
    return np.asarray(index.normalize().isin(days))


def daily_counts(timestamps: pd.Series | pd.DatetimeIndex) -> pd.Series:
    """Number of events per calendar day, with empty days as zeros."""
    stamps = pd.DatetimeIndex(pd.to_datetime(timestamps)).normalize()
    counts = pd.Series(1, index=stamps).groupby(level=0).sum().sort_index()
    return counts.asfreq("D", fill_value=0).astype(float).rename("calls")


def interval_counts(timestamps: pd.Series | pd.DatetimeIndex, *, freq: str = "30min") -> pd.Series:
    """Number of events per intra-day interval (e.g. 15min, 30min), empty intervals as zeros."""
    stamps = pd.DatetimeIndex(pd.to_datetime(timestamps)).floor(freq)
    counts = pd.Series(1, index=stamps).groupby(level=0).sum().sort_index()
    start = counts.index[0].normalize()
    end = counts.index[-1].normalize() + pd.Timedelta(days=1) - pd.Timedelta(freq)
    full = pd.date_range(start, end, freq=freq)
    return counts.reindex(full, fill_value=0).astype(float).rename("calls")


def seasonal_naive(history: pd.Series, horizon: int) -> pd.Series:
    """Baseline: each day repeats the same weekday of the last observed week."""
    history = _check_daily(history)
    future = _future_days(history, horizon)
    last_week = history.to_numpy()[-SEASON:]
    return pd.Series(np.resize(last_week, horizon), index=future, name="forecast")


def _weekly_blocks(y: np.ndarray) -> np.ndarray:
    """Whole weeks ending at the last day, most recent first, shape (weeks, 7)."""
    weeks = len(y) // SEASON
    return y[len(y) - weeks * SEASON :].reshape(weeks, SEASON)[::-1]


def _level_and_profile(blocks: np.ndarray, alpha: float, decay: float) -> tuple[float, np.ndarray]:
    """Level = exponentially weighted weekly mean; profile = weighted weekday share of it.

    Working on whole weeks keeps the level free of the weekday pattern without dividing by a
    possibly tiny weekday factor (zero-call days would blow that up).
    """
    means = blocks.mean(axis=1)
    level_weights = alpha * (1 - alpha) ** np.arange(len(means))
    level_weights[-1] = (1 - alpha) ** (len(means) - 1)  # the oldest week carries the remainder
    level = float(level_weights @ means)
    profile_weights = decay ** np.arange(len(means))
    denominator = float(profile_weights @ means)
    if denominator <= 0:
        return level, np.ones(SEASON)
    return level, (profile_weights @ blocks) / denominator


def _fill_holidays(y: np.ndarray, holiday: np.ndarray) -> np.ndarray:
    """Replace past holidays by the same weekday a week earlier (or later) for fitting."""
    filled = y.copy()
    for t in np.flatnonzero(holiday):
        for other in (t - SEASON, t + SEASON, t - 2 * SEASON, t + 2 * SEASON):
            if 0 <= other < len(y) and not holiday[other]:
                filled[t] = y[other]
                break
    return filled


def _inner_error(y: np.ndarray, alpha: float, decay: float) -> float:
    """Absolute error of week-ahead forecasts made inside the history (origins every week)."""
    error = 0.0
    for end in range(len(y) - SEASON, 2 * SEASON - 1, -SEASON):
        level, profile = _level_and_profile(_weekly_blocks(y[:end]), alpha, decay)
        # Blocks are aligned to the end of the training data, so day end+i has position i.
        predicted = level * profile
        error += float(np.abs(y[end : end + SEASON] - predicted).sum())
    return error


def profile_forecast(history: pd.Series, horizon: int) -> pd.Series:
    """Weekly profile × exponentially smoothed weekly level (numpy only)."""
    history = _check_daily(history)
    future = _future_days(history, horizon)
    y = history.to_numpy()
    alpha, decay = min(
        itertools.product(_LEVEL_ALPHAS, _PROFILE_DECAYS),
        key=lambda pair: _inner_error(y, *pair),
    )
    level, profile = _level_and_profile(_weekly_blocks(y), alpha, decay)
    # Blocks end at the last observed day, so future day i sits at position i mod 7.
    values = level * profile[np.arange(horizon) % SEASON]
    return pd.Series(np.maximum(values, 0.0), index=future, name="forecast")


def mstl_forecast(history: pd.Series, horizon: int) -> pd.Series:
    """statsforecast MSTL (weekly season, AutoETS trend); raises ImportError if not installed."""
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS

    history = _check_daily(history)
    future = _future_days(history, horizon)
    frame = pd.DataFrame({"unique_id": "calls", "ds": history.index, "y": history.to_numpy()})
    model = MSTL(season_length=[SEASON], trend_forecaster=AutoETS(model="ZZN"))
    out = StatsForecast(models=[model], freq="D").forecast(df=frame, h=horizon)
    return pd.Series(np.maximum(out["MSTL"].to_numpy(), 0.0), index=future, name="forecast")


def mstl_available() -> bool:
    """True when statsforecast imports (it is optional: not a project dependency)."""
    try:
        import statsforecast  # noqa: F401
    except ImportError:
        return False
    return True


METHODS: dict[str, Forecaster] = {
    "profile": profile_forecast,
    "seasonal_naive": seasonal_naive,
    "mstl": mstl_forecast,
}


def _resolve(method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    if method == "mstl" and not mstl_available():
        raise ValueError("method 'mstl' needs the optional statsforecast package")
    return method


def forecast_daily(
    history: pd.Series,
    *,
    horizon: int,
    method: str = "profile",
    holidays: Iterable[date] | None = None,
) -> pd.Series:
    """Forecast calls per day for `horizon` days after a daily history (DatetimeIndex).

    Past holidays are replaced by the same weekday a week away before fitting; future holidays
    get the ratio actually seen on past holidays, or the quietest weekday's level if none.
    """
    forecaster = METHODS[_resolve(method)]
    history = _check_daily(history)
    raw = history.to_numpy()
    past_holiday = _holiday_mask(history.index, holidays)
    cleaned = pd.Series(_fill_holidays(raw, past_holiday), index=history.index)
    out = forecaster(cleaned, horizon)
    future_holiday = _holiday_mask(out.index, holidays)
    if future_holiday.any():
        filled = cleaned.to_numpy()[past_holiday]
        if past_holiday.any() and filled.sum() > 0:
            factor = float(raw[past_holiday].sum() / filled.sum())
            out = out.where(~future_holiday, out * factor)
        else:
            quietest = float(
                cleaned.tail(4 * SEASON)
                .groupby(cleaned.tail(4 * SEASON).index.day_of_week)
                .mean()
                .min()
            )
            out = out.where(~future_holiday, quietest)
    return out


def intraday_shape(history: pd.Series, *, weeks: int = 8) -> pd.DataFrame:
    """Share of each weekday's calls per intra-day slot over the last `weeks` weeks.

    Rows are weekdays (0 = Monday), columns the slot start times; a weekday without calls
    borrows the all-days shape.
    """
    history = history.astype(float)
    recent = history[history.index >= history.index[-1].normalize() - pd.Timedelta(weeks=weeks)]
    frame = pd.DataFrame(
        {"weekday": recent.index.day_of_week, "slot": recent.index.time, "calls": recent.to_numpy()}
    )
    by_slot = frame.pivot_table(index="weekday", columns="slot", values="calls", aggfunc="sum")
    by_slot = by_slot.reindex(range(SEASON)).fillna(0.0)
    overall = by_slot.sum(axis=0)
    overall = overall / overall.sum() if overall.sum() > 0 else overall * 0 + 1 / len(overall)
    totals = by_slot.sum(axis=1)
    shape = by_slot.div(totals.where(totals > 0), axis=0)
    return shape.apply(lambda row: overall if row.isna().any() else row, axis=1)


def forecast_intraday(
    history: pd.Series,
    *,
    horizon_days: int,
    method: str = "profile",
    holidays: Iterable[date] | None = None,
) -> pd.Series:
    """Forecast calls per intra-day interval: daily forecast × the weekday's intra-day shape."""
    if not isinstance(history.index, pd.DatetimeIndex) or history.index.freq is None:
        history = history.asfreq(pd.infer_freq(history.index) or "30min", fill_value=0)
    freq = history.index.freq
    daily = history.resample("D").sum()
    totals = forecast_daily(daily, horizon=horizon_days, method=method, holidays=holidays)
    shape = intraday_shape(history)
    index = pd.date_range(totals.index[0], periods=horizon_days * len(shape.columns), freq=freq)
    slots = [
        totals.loc[stamp.normalize()] * shape.loc[stamp.weekday(), stamp.time()] for stamp in index
    ]
    return pd.Series(slots, index=index, name="forecast")


@dataclass(frozen=True)
class BacktestResult:
    """Rolling-origin errors of a method and of the seasonal-naive baseline on the same points."""

    method: str
    origins: int
    horizon: int
    points: int
    wape: float
    mape: float
    baseline_wape: float
    baseline_mape: float
    mape_points: int  # MAPE skips days with zero actual calls

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _errors(actual: np.ndarray, predicted: np.ndarray) -> tuple[float, float, int]:
    wape = float(np.abs(actual - predicted).sum() / max(np.abs(actual).sum(), 1e-12))
    nonzero = actual > 0
    mape = float(np.mean(np.abs(actual - predicted)[nonzero] / actual[nonzero]))
    return wape, mape, int(nonzero.sum())


def backtest(
    history: pd.Series,
    *,
    method: str = "profile",
    horizon: int = 7,
    min_train_days: int = 28,
    step: int = 1,
    holidays: Iterable[date] | None = None,
) -> BacktestResult:
    """Rolling origin: refit on every prefix ≥ min_train_days, forecast `horizon` days, score.

    WAPE = Σ|error| ÷ Σ actual; MAPE = mean |error| ÷ actual over days with calls.
    """
    history = _check_daily(history)
    holidays = list(holidays) if holidays is not None else None
    actual_all, ours, naive = [], [], []
    origins = range(min_train_days, len(history) - horizon + 1, step)
    if len(origins) == 0:
        raise ValueError("history too short for one backtest origin")
    for origin in origins:
        train = history.iloc[:origin]
        actual_all.append(history.iloc[origin : origin + horizon].to_numpy())
        ours.append(
            forecast_daily(train, horizon=horizon, method=method, holidays=holidays).to_numpy()
        )
        naive.append(seasonal_naive(train, horizon).to_numpy())
    actual = np.concatenate(actual_all)
    wape, mape, mape_points = _errors(actual, np.concatenate(ours))
    base_wape, base_mape, _ = _errors(actual, np.concatenate(naive))
    return BacktestResult(
        method=_resolve(method),
        origins=len(origins),
        horizon=horizon,
        points=len(actual),
        wape=wape,
        mape=mape,
        baseline_wape=base_wape,
        baseline_mape=base_mape,
        mape_points=mape_points,
    )
