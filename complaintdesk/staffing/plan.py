"""Staffing plan per interval (Erlang C or A) and FTE per day, from calls or from history.

No Django import: the Django side passes a pandas Series of arrivals per interval.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

from complaintdesk.staffing import erlang, forecast

PLAN_COLUMNS = [
    "calls",
    "aht_seconds",
    "erlangs",
    "raw_agents",
    "agents",
    "service_level",
    "wait_probability",
    "asa_seconds",
    "occupancy",
]


def _interval_seconds(index: pd.DatetimeIndex, given: float | None) -> float:
    if given is not None:
        return float(given)
    if len(index) < 2:
        raise ValueError("cannot infer the interval length from one row: pass interval_seconds")
    step = pd.Series(index).diff().dropna().min()
    return float(step.total_seconds())


def plan_intervals(
    calls: pd.Series,
    *,
    aht_seconds: float | pd.Series,
    interval_seconds: float | None = None,
    answer_seconds: float = 20.0,
    target_sl: float = 0.8,
    model: str = "erlang_c",
    patience_seconds: float | None = None,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
    max_abandon: float | None = None,
) -> pd.DataFrame:
    """Agents needed and expected SL/ASA/occupancy (and abandonment) for each interval.

    `calls` is indexed by interval start; `aht_seconds` is one value or a Series on the same index.
    raw_agents are on the phones, agents are scheduled after shrinkage.
    """
    if model not in ("erlang_c", "erlang_a"):
        raise ValueError(f"model must be erlang_c or erlang_a, got {model!r}")
    if model == "erlang_a" and patience_seconds is None:
        raise ValueError("Erlang A needs the callers' mean patience (patience_seconds)")
    if not isinstance(calls.index, pd.DatetimeIndex):
        raise ValueError("calls need a DatetimeIndex of interval starts")
    if (calls < 0).any() or calls.isna().any():
        raise ValueError("calls must be non-negative numbers")
    seconds = _interval_seconds(calls.index, interval_seconds)
    aht = (
        aht_seconds.reindex(calls.index).to_numpy(dtype=float)
        if isinstance(aht_seconds, pd.Series)
        else np.full(len(calls), float(aht_seconds))
    )
    if np.isnan(aht).any() or (aht <= 0).any():
        raise ValueError("AHT must be > 0 seconds for every interval")
    volume = calls.to_numpy(dtype=float)
    load = erlang.offered_load(calls=volume, interval_seconds=seconds, aht_seconds=aht)
    busy = load > 0
    raw = np.zeros(len(calls), dtype=int)
    frame = pd.DataFrame({"calls": volume, "aht_seconds": aht, "erlangs": load}, index=calls.index)
    frame["service_level"] = 1.0
    frame["wait_probability"] = 0.0
    frame["asa_seconds"] = 0.0
    frame["occupancy"] = 0.0
    if model == "erlang_a":
        frame["abandon_probability"] = 0.0
        frame["service_level_answered"] = 1.0
    if busy.any():
        if model == "erlang_c":
            raw[busy] = erlang.erlang_c_min_agents(
                erlangs=load[busy],
                aht_seconds=aht[busy],
                answer_seconds=answer_seconds,
                target_sl=target_sl,
                max_occupancy=max_occupancy,
            )
            n, a = raw[busy], load[busy]
            frame.loc[busy, "service_level"] = erlang.erlang_c_service_level(
                agents=n, erlangs=a, aht_seconds=aht[busy], answer_seconds=answer_seconds
            )
            frame.loc[busy, "wait_probability"] = erlang.erlang_c_wait_probability(
                agents=n, erlangs=a
            )
            frame.loc[busy, "asa_seconds"] = erlang.erlang_c_asa(
                agents=n, erlangs=a, aht_seconds=aht[busy]
            )
            frame.loc[busy, "occupancy"] = a / n
        else:
            raw[busy] = erlang.erlang_a_min_agents(
                erlangs=load[busy],
                aht_seconds=aht[busy],
                patience_seconds=patience_seconds,
                answer_seconds=answer_seconds,
                target_sl=target_sl,
                max_abandon=max_abandon,
                max_occupancy=max_occupancy,
            )
            rows = [
                erlang.erlang_a(
                    agents=int(raw[i]),
                    erlangs=float(load[i]),
                    aht_seconds=float(aht[i]),
                    patience_seconds=float(patience_seconds),
                    answer_seconds=answer_seconds,
                ).as_dict()
                for i in np.flatnonzero(busy)
            ]
            results = pd.DataFrame(rows, index=calls.index[busy])
            for column in (
                "service_level",
                "wait_probability",
                "asa_seconds",
                "occupancy",
                "abandon_probability",
                "service_level_answered",
            ):
                frame.loc[busy, column] = results[column].to_numpy()
    frame["raw_agents"] = raw
    frame["agents"] = erlang.scheduled_agents(raw_agents=raw, shrinkage=shrinkage)
    extra = [c for c in frame.columns if c not in PLAN_COLUMNS]
    return frame[PLAN_COLUMNS + extra]


def daily_fte(
    plan: pd.DataFrame,
    *,
    interval_seconds: float | None = None,
    shrinkage: float = 0.0,
    paid_hours_per_fte_day: float = 8.0,
) -> pd.DataFrame:
    """Per day: calls, agent-hours on the phones, hours to schedule and FTE after shrinkage."""
    if not 0.0 <= shrinkage < 1.0:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage}")
    if paid_hours_per_fte_day <= 0:
        raise ValueError("paid hours per FTE per day must be > 0")
    hours = _interval_seconds(plan.index, interval_seconds) / 3600.0
    by_day = plan.groupby(plan.index.normalize())
    out = pd.DataFrame(
        {
            "calls": by_day["calls"].sum(),
            "agent_hours": by_day["raw_agents"].sum() * hours,
        }
    )
    out["scheduled_hours"] = out["agent_hours"] / (1.0 - shrinkage)
    out["fte"] = out["scheduled_hours"] / paid_hours_per_fte_day
    out.index.name = "day"
    return out


def plan_from_history(
    history: pd.Series,
    *,
    horizon_days: int,
    aht_seconds: float,
    method: str = "profile",
    holidays: Iterable[date] | None = None,
    **plan_options: object,
) -> pd.DataFrame:
    """Forecast the next `horizon_days` of intra-day arrivals from history, then staff them."""
    predicted = forecast.forecast_intraday(
        history, horizon_days=horizon_days, method=method, holidays=holidays
    )
    return plan_intervals(predicted, aht_seconds=aht_seconds, **plan_options)  # type: ignore[arg-type]


def read_interval_csv(path: str, *, time_column: str = "interval_start") -> pd.DataFrame:
    """Read a CSV of (interval_start, calls[, aht_seconds]) indexed by interval start."""
    frame = pd.read_csv(path)
    for needed in (time_column, "calls"):
        if needed not in frame.columns:
            raise ValueError(f"{path}: missing column {needed!r} (have {', '.join(frame.columns)})")
    try:
        frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop(time_column)))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path}: {time_column} holds something that is not a date/time") from exc
    return frame.sort_index()
