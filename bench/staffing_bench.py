"""Timing of the Erlang staffing maths, side by side with pyworkforce on the same inputs.

Run from the repo root: python bench/staffing_bench.py
Prints Markdown for docs/benchmarks-staffing.md. Not a test: no thresholds asserted.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from complaintdesk.staffing import erlang, plan  # noqa: E402

AHT = 300.0  # seconds
T = 20.0  # answer within, seconds
TARGET = 0.8
INTERVAL = 900.0  # 15 minutes


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def week_of_loads(peak: float = 10_000.0) -> np.ndarray:
    """672 quarter-hours: a two-hump day (10–12 h and 14–17 h), quieter weekend, peak 10,000 E."""
    slot = np.arange(672) % 96 / 4.0  # hour of day
    day = np.arange(672) // 96
    shape = np.exp(-((slot - 11) ** 2) / 4) + 0.9 * np.exp(-((slot - 15.5) ** 2) / 5)
    shape = np.maximum(shape, 0.0) + 0.02
    weekday = np.where(day >= 5, 0.45, 1.0)
    loads = shape * weekday
    return peak * loads / loads.max()


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return (
        f"{os.cpu_count()} cores (nproc), CPU: {cpu}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {__import__('scipy').__version__}"
    )


def pyworkforce_positions(load: float, target: float, t: float = T, aht: float = AHT) -> int:
    from pyworkforce.queuing import ErlangC

    # pyworkforce works in minutes: transactions per interval, AHT, "asa" = answer-within time.
    minutes = INTERVAL / 60
    calls = load * INTERVAL / aht
    model = ErlangC(transactions=calls, aht=aht / 60, asa=t / 60, interval=minutes)
    return int(model.required_positions(service_level=target)["raw_positions"])


def main() -> None:
    print(f"Machine: {machine()}\n")
    loads = week_of_loads()
    print(
        f"Week: {len(loads)} intervals of 15 min, peak {loads.max():,.0f} Erlangs, "
        f"mean {loads.mean():,.0f}, AHT {AHT:.0f} s, target {TARGET:.0%} in {T:.0f} s\n"
    )

    def ours_week():
        return erlang.erlang_c_min_agents(
            erlangs=loads, aht_seconds=AHT, answer_seconds=T, target_sl=TARGET
        )

    ours = ours_week()
    week_time = best_of(ours_week)
    calls = loads * INTERVAL / AHT
    import pandas as pd

    index = pd.date_range("2025-03-03", periods=672, freq="15min")
    plan_time = best_of(
        lambda: plan.plan_intervals(pd.Series(calls, index=index), aht_seconds=AHT), repeat=3
    )

    def erlang_a_eval():
        return erlang.erlang_a(
            agents=5000, erlangs=5000.0, aht_seconds=AHT, patience_seconds=180, answer_seconds=T
        )

    a_eval = best_of(lambda: [erlang_a_eval() for _ in range(100)]) / 100
    a_min = best_of(
        lambda: erlang.erlang_a_min_agents(
            erlangs=5000.0,
            aht_seconds=AHT,
            patience_seconds=180,
            answer_seconds=T,
            target_sl=TARGET,
        )
    )
    c_scalar = best_of(
        lambda: erlang.erlang_c_min_agents(
            erlangs=10_000.0, aht_seconds=AHT, answer_seconds=T, target_sl=TARGET
        )
    )

    print("| what | complaintdesk | pyworkforce | ratio |")
    print("|---|---|---|---|")
    try:
        import pyworkforce  # noqa: F401

        have_pwf = True
    except ImportError:
        have_pwf = False
    if have_pwf:
        scalar_pwf = best_of(lambda: pyworkforce_positions(10_000.0, TARGET), repeat=1)
        sample = np.arange(0, 672, 14)  # 48 intervals spread over the week
        started = time.perf_counter()
        theirs = np.array([pyworkforce_positions(float(a), TARGET) for a in loads[sample]])
        sample_time = time.perf_counter() - started
        week_pwf = sample_time * len(loads) / len(sample)
        print(
            f"| 672-interval week, Erlang C min agents | {week_time * 1000:.1f} ms | "
            f"{week_pwf:.1f} s (extrapolated from {len(sample)} intervals: "
            f"{sample_time:.1f} s) | {week_pwf / week_time:,.0f}× |"
        )
        print(
            f"| one interval at 10,000 E | {c_scalar * 1000:.2f} ms | "
            f"{scalar_pwf * 1000:.0f} ms | {scalar_pwf / c_scalar:,.0f}× |"
        )
        mismatch = int(np.sum(theirs != ours[sample]))
    else:
        print(f"| 672-interval week, Erlang C min agents | {week_time * 1000:.1f} ms | n/a | |")
        mismatch = None
    print(f"| 672-interval plan (agents + SL/ASA/occupancy) | {plan_time * 1000:.1f} ms | | |")
    print(
        f"| Erlang A, one evaluation at 5,000 E (all measures incl. ASA) | "
        f"{a_eval * 1000:.2f} ms | no Erlang A | |"
    )
    print(f"| Erlang A, minimum agents at 5,000 E | {a_min * 1000:.1f} ms | no Erlang A | |")
    print()
    if mismatch is not None:
        print(f"Week sample: pyworkforce and complaintdesk disagree on {mismatch} of 48 intervals.")
        print()
        edge_cases()


def edge_cases() -> None:
    """Where pyworkforce's search from round(A+1) overstaffs, and Erlang C vs Erlang A."""
    print("| case | complaintdesk | pyworkforce | SL at complaintdesk's N |")
    print("|---|---|---|---|")
    shown = 0
    for load in np.arange(0.55, 60.0, 0.5):
        for target in (0.1, 0.2, 0.3):
            ours = erlang.erlang_c_min_agents(
                erlangs=float(load), aht_seconds=AHT, answer_seconds=T, target_sl=target
            )
            theirs = pyworkforce_positions(float(load), target)
            if theirs != ours and shown < 5:
                sl = erlang.erlang_c_service_level(
                    agents=ours, erlangs=float(load), aht_seconds=AHT, answer_seconds=T
                )
                print(
                    f"| A={load:.2f} E, target {target:.0%}/20 s | {ours} | {theirs} | "
                    f"{sl:.3f} ≥ target |"
                )
                shown += 1
                break
    a_answer = erlang.erlang_a_min_agents(
        erlangs=500.0, aht_seconds=300, patience_seconds=180, answer_seconds=20, target_sl=0.8
    )
    print(
        f"| A=500 E, AHT 5 min, patience 3 min, 80/20 (Erlang A) | {a_answer} | "
        f"{pyworkforce_positions(500.0, 0.8)} (Erlang C only; its search starts at "
        f"{round(500 + 1)}) | |"
    )
    big = 100_000.0
    try:
        theirs = pyworkforce_positions(big, 0.8)
    except (OverflowError, ZeroDivisionError) as exc:  # pragma: no cover - depends on version
        theirs = f"error: {exc}"
    ours = erlang.erlang_c_min_agents(erlangs=big, aht_seconds=AHT, answer_seconds=T, target_sl=0.8)
    print(f"| A=100,000 E, 80/20 | {ours} | {theirs} | |")


if __name__ == "__main__":
    main()
