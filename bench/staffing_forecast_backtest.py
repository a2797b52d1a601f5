"""Rolling-origin backtest of the daily forecasters on the real complaint volumes.

Run from the repo root: python bench/staffing_forecast_backtest.py
Reads ../shared/data (never copied into the repo); prints a Markdown table for docs/staffing.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.holiday import USFederalHolidayCalendar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from complaintdesk.staffing import forecast  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def cfpb_daily() -> pd.Series:
    """CFPB sample: the only dense stretch is January–February 2016 (~47 complaints a day)."""
    frame = pd.read_csv(DATA / "cfpb_outcomes_2013_2017.csv", usecols=["Date received"])
    stamps = pd.to_datetime(frame["Date received"], format="%m/%d/%Y")
    days = forecast.daily_counts(stamps)
    return days["2016-01-01":"2016-02-29"]


def comcast_timestamps() -> pd.Series:
    """Comcast FCC 2015 with the source's day/month swap undone.

    The Date column is dd-mm-yy, but every date with a day ≤ 12 was written month-first
    upstream (they fall on the 4th–6th of Jan…Dec, outside the April–June filing period).
    """
    frame = pd.read_csv(DATA / "comcast_fcc_complaints_2015.csv", usecols=["Date", "Time"])
    parts = frame["Date"].str.split("-", expand=True).astype(int)
    day, month = parts[0], parts[1]
    swapped = day <= 12
    fixed_day = day.where(~swapped, month)
    fixed_month = month.where(~swapped, day)
    text = "2015-" + fixed_month.astype(str) + "-" + fixed_day.astype(str) + " " + frame["Time"]
    return pd.Series(pd.to_datetime(text, format="%Y-%m-%d %I:%M:%S %p"))


def comcast_daily() -> pd.Series:
    days = forecast.daily_counts(comcast_timestamps())
    return days["2015-04-01":"2015-06-30"]


def main() -> None:
    holidays = USFederalHolidayCalendar().holidays("2013-01-01", "2017-12-31").date
    rows = []
    for name, series in (
        ("CFPB 2016-01..02", cfpb_daily()),
        ("Comcast 2015-04..06", comcast_daily()),
    ):
        for method in ("profile", "mstl"):
            started = time.perf_counter()
            result = forecast.backtest(series, method=method, horizon=7, holidays=holidays)
            elapsed = time.perf_counter() - started
            rows.append((name, len(series), series.mean(), result, elapsed))
    print(
        "| series | days | mean/day | method | origins | WAPE | MAPE "
        "| naive WAPE | naive MAPE | time |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, days, mean, r, elapsed in rows:
        print(
            f"| {name} | {days} | {mean:.1f} | {r.method} | {r.origins} | {r.wape:.1%} | "
            f"{r.mape:.1%} | {r.baseline_wape:.1%} | {r.baseline_mape:.1%} | {elapsed:.1f} s |"
        )
    # Intra-day: Comcast 30-minute intervals, each of the last 21 days forecast a day ahead.
    stamps = comcast_timestamps()
    slots = forecast.interval_counts(stamps[(stamps >= "2015-04-01") & (stamps < "2015-07-01")])
    print()
    for method in ("profile", "mstl"):
        print(intraday_backtest(slots, holidays, method))


def intraday_backtest(slots: pd.Series, holidays, method: str) -> str:
    """Day-ahead 30-min forecasts for each of the last 21 days vs same slot one week earlier."""
    per_day = 48
    days = len(slots) // per_day
    actual, ours, naive = [], [], []
    for day in range(days - 21, days):
        train = slots.iloc[: day * per_day]
        truth = slots.iloc[day * per_day : (day + 1) * per_day]
        fc = forecast.forecast_intraday(train, horizon_days=1, method=method, holidays=holidays)
        actual.append(truth.to_numpy())
        ours.append(fc.to_numpy())
        naive.append(slots.iloc[(day - 7) * per_day : (day - 6) * per_day].to_numpy())
    a, o, n = (np.concatenate(v) for v in (actual, ours, naive))
    wape = np.abs(a - o).sum() / a.sum()
    base = np.abs(a - n).sum() / a.sum()
    return (
        f"Comcast 30-min intervals, 21 day-ahead origins: WAPE {wape:.1%} ({method}) "
        f"vs {base:.1%} (same slot a week earlier)"
    )


if __name__ == "__main__":
    main()
