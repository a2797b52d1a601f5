"""Spike detection on the shared real data plus the false-alarm rate on simulated quiet series.

Run: PYTHONPATH=. /work/venv-shared/bin/python bench/insights_spikes_realdata.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from complaintdesk.insights.spikes import (
    alarms_per_100_days,
    counts_from_timestamps,
    detect_spikes,
    detect_spikes_by_group,
)

DATA = Path("/work/shared/data")
WEEKLY = np.array([1.2, 1.1, 1.1, 1.0, 1.0, 0.5, 0.4])


def comcast_timestamps() -> pd.Series:
    """Date is dd-mm-yy except when the day is <= 12: then it was written mm-dd-yy.

    Parsed naively the file spreads over Jan-Dec 2015 with only days 4-6 outside Apr-Jun;
    swapping those gives a gap-free 2015-04-01..2015-06-30, which is the published range.
    """
    d = pd.read_csv(DATA / "comcast_fcc_complaints_2015.csv")
    dt = pd.to_datetime(d["Date"], format="%d-%m-%y")
    swapped = pd.to_datetime(d["Date"], format="%m-%d-%y", errors="coerce")
    dt = dt.where(dt.dt.day > 12, swapped)
    stamp = dt.dt.strftime("%Y-%m-%d") + " " + d["Time"]
    return pd.to_datetime(stamp, format="%Y-%m-%d %I:%M:%S %p")


def show(spikes: list, title: str) -> None:
    print(f"\n{title}: {len(spikes)} spike(s)")
    for s in spikes:
        d = s.as_dict()
        print(f"  {d['group'] or ''} {d['start']} .. {d['end']} peak {d['peak']} "
              f"observed {d['observed']} expected {d['expected']} score {d['score']}")


def comcast() -> None:
    ts = comcast_timestamps()
    print(f"Comcast FCC: {len(ts)} complaints, {ts.min()} .. {ts.max()}")
    daily = counts_from_timestamps(ts, freq="D")
    show(detect_spikes(daily, freq="D"), "Comcast daily")
    hourly = counts_from_timestamps(ts, freq="H")
    show(detect_spikes(hourly, freq="H"), "Comcast hourly")
    # Quiet part: everything before June (the month of the surge and the ramp-up to it).
    quiet = daily[:"2015-05-31"]
    q = detect_spikes(quiet, freq="D")
    monitored = len(quiet) - 21  # the first three weeks have no seasonal history
    print(f"\nComcast quiet part Apr-May: {len(q)} alarm(s) over {monitored} monitored days = "
          f"{alarms_per_100_days(q, n_periods=monitored, freq='D'):.2f} per 100 days")
    qh = hourly[:"2015-05-31 23:00"]
    qs = detect_spikes(qh, freq="H")
    print(f"Comcast quiet part Apr-May hourly: {len(qs)} alarm(s) = "
          f"{alarms_per_100_days(qs, n_periods=len(qh) - 21 * 24, freq='H'):.2f} per 100 days")


def cfpb() -> None:
    # Both samples are dense only in some months; outside them zeros mean "not sampled".
    for name, start, end in (
        ("cfpb_complaints_2015_2020.csv", "2018-12-01", "2019-07-31"),
        ("cfpb_outcomes_2013_2017.csv", "2016-01-01", "2016-02-29"),
    ):
        d = pd.read_csv(DATA / name)
        d["ts"] = pd.to_datetime(d["Date received"], format="mixed")
        d = d[(d.ts >= start) & (d.ts <= end)]
        rows = zip(d.ts, d["Product"], strict=True)
        result = detect_spikes_by_group(rows, freq="D", include_total=True)
        print(f"\n{name} {start}..{end}: {len(d)} rows, "
              f"{sum(map(len, result.values()))} spikes over {len(result)} series")
        for key, spikes in result.items():
            for s in spikes:
                if s.score >= 8 or key == "(all)":
                    print(f"  {str(key)[:40]:40} {s.start.date()} .. {s.end.date()} "
                          f"observed {s.observed} expected {s.expected} score {s.score:.1f}")


def simulated_false_alarms(seed: int = 0) -> None:
    """Quiet seasonal Poisson series: every alarm is false."""
    rng = np.random.default_rng(seed)
    print("\n| freq | mean per day | days | alarms | alarms per 100 days |")
    print("|---|---|---|---|---|")
    n = 3650
    for lam in (2, 5, 20, 100):
        x = rng.poisson(lam * WEEKLY[np.arange(n) % 7] / WEEKLY.mean())
        s = pd.Series(x, index=pd.date_range("2020-01-06", periods=n, freq="D"))
        sp = detect_spikes(s, freq="D")
        rate = alarms_per_100_days(sp, n_periods=n - 21, freq="D")
        print(f"| D | {lam} | {n - 21} | {len(sp)} | {rate:.2f} |")
    hod = np.exp(-(((np.arange(24) - 14) / 4.0) ** 2)) + 0.05
    n = 24 * 7 * 150
    prof = hod[np.arange(n) % 24] / hod.mean() * WEEKLY[(np.arange(n) // 24) % 7] / WEEKLY.mean()
    for lam in (0.3, 1, 5, 20):
        s = pd.Series(rng.poisson(lam * prof), index=pd.date_range("2020-01-06", periods=n,
                                                                     freq="h"))
        sp = detect_spikes(s, freq="H")
        days = n / 24 - 21
        rate = alarms_per_100_days(sp, n_periods=int(days * 24), freq="H")
        print(f"| H | {lam * 24:g} | {days:.0f} | {len(sp)} | {rate:.2f} |")


if __name__ == "__main__":
    comcast()
    cfpb()
    simulated_false_alarms()
