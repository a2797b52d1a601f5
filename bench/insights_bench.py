"""Timings: spikes on 2 years of hourly counts x 50 groups; themes on 10,000 real texts.

Run: PYTHONPATH=. /work/venv-shared/bin/python bench/insights_bench.py
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from complaintdesk.insights.spikes import detect_spikes, detect_spikes_by_group
from complaintdesk.insights.themes import find_themes

DATA = Path("/work/shared/data")


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"nproc={os.cpu_count()}, CPU={cpu}, Python {platform.python_version()}, "
            f"load average {load:.1f}")


def timed(fn: Callable[[], Any]) -> tuple[Any, str]:
    """Wall and CPU seconds: the machine is shared, so wall time alone overstates the cost."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, f"{time.perf_counter() - w0:.2f} s wall, {time.process_time() - c0:.2f} s CPU"


def bench_spikes() -> None:
    rng = np.random.default_rng(0)
    hours = pd.date_range("2023-01-02", periods=2 * 365 * 24, freq="h")
    hod = np.exp(-(((np.arange(24) - 14) / 4.0) ** 2)) + 0.05
    prof = hod[hours.hour] / hod.mean()
    series = {g: pd.Series(rng.poisson(rng.uniform(0.2, 5) * prof), index=hours)
              for g in range(50)}
    found, t = timed(lambda: sum(len(detect_spikes(s, freq="H")) for s in series.values()))
    print(f"spikes, 50 series x {len(hours)} hourly counts: {t} ({found} alarms)")
    # Same data as raw (timestamp, group) rows, the shape the database hands over.
    stamps = np.concatenate([np.repeat(hours.values, s.to_numpy()) for s in series.values()])
    keys = np.concatenate([np.full(int(s.sum()), g) for g, s in series.items()])
    result, t = timed(lambda: detect_spikes_by_group(zip(stamps, keys, strict=True), freq="H"))
    print(f"spikes by group from {len(stamps):,} rows: {t} "
          f"({sum(map(len, result.values()))} alarms)")
    days = {g: s.resample("D").sum() for g, s in series.items()}
    found, t = timed(lambda: sum(len(detect_spikes(s, freq="D")) for s in days.values()))
    print(f"spikes, 50 series x {len(days[0])} daily counts: {t} ({found} alarms)")


def bench_themes(n: int = 10_000, fixed_k: bool = True) -> None:
    texts: list[str] = []
    texts += pd.read_csv(DATA / "cfpb_narratives_by_product.csv")[
        "Consumer complaint narrative"].dropna().astype(str).tolist()
    texts += pd.read_excel(DATA / "myfin_bank_reviews_ru.xlsx")["review_text"].dropna().astype(
        str).tolist()
    texts += pd.read_csv(DATA / "cfpb_complaints_2015_2020.csv")[
        "Consumer complaint narrative"].dropna().astype(str).tolist()
    texts += pd.read_csv(DATA / "comcast_fcc_complaints_2015.csv")["Customer Complaint"].astype(
        str).tolist()
    rng = np.random.default_rng(0)
    # Beyond the pool of distinct real texts, texts are drawn again (with replacement).
    pick = rng.choice(len(texts), size=n, replace=n > len(texts))
    print(f"pool of real texts: {len(texts):,}; drawn {n:,}"
          f"{' with replacement' if n > len(texts) else ''}")
    start = pd.Timestamp("2024-01-01")
    items = [(int(i), texts[i], start + pd.Timedelta(hours=int(j))) for j, i in enumerate(pick)]
    chars = sum(len(t) for _, t, _ in items)
    themes, t = timed(lambda: find_themes(items))
    print(f"themes, {len(items):,} real texts ({chars / len(items):.0f} chars avg, en+ru): "
          f"{t}, k={len(themes)}")
    if fixed_k:
        _, t = timed(lambda: find_themes(items, k=10))
        print(f"themes, same texts, k=10 fixed: {t}")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--themes-n", type=int, default=10_000, help="texts to cluster (50000: issue goal)")
    parser.add_argument("--only", choices=["spikes", "themes"])
    args = parser.parse_args()
    print(machine())
    if args.only != "themes":
        bench_spikes()
    if args.only != "spikes":
        bench_themes(args.themes_n, fixed_k=args.themes_n <= 10_000)
