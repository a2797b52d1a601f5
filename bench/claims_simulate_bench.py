"""Benchmark: simulator over 1,000,000 synthetic ATM claims; matrix evaluation per claim.

Run: PYTHONPATH=. python bench/claims_simulate_bench.py [--rows 1000000] [--seed 42]
Goals: simulation < 30 s; one matrix evaluation < 5 ms. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from complaintdesk.claims.matrix import apply_budget, evaluate, load_matrix
from complaintdesk.claims.simulate import prepare_history, rule_to_matrix, simulate
from complaintdesk.claims.synthetic import generate


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def timed(label: str, results: list[tuple[str, float]], func, *args, **kwargs):
    started = time.perf_counter()
    value = func(*args, **kwargs)
    results.append((label, time.perf_counter() - started))
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--evaluations", type=int, default=100_000)
    args = parser.parse_args()
    timings: list[tuple[str, float]] = []

    history = timed("generate synthetic history", timings, generate, profile="atm",
                    rows=args.rows, seed=args.seed)
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "history.csv"
        timed("write CSV", timings, history.to_csv, csv, index=False)
        from_csv = timed("read CSV (all text)", timings, pd.read_csv, csv, dtype=str,
                         keep_default_na=False, na_values=[""])
    result = timed("simulate (validate + prior counts + rule search)", timings, simulate,
                   from_csv)
    topic = result.topics[0]
    best = topic.recommended

    prepared = prepare_history(history)
    matrix = load_matrix(rule_to_matrix(best.rule, monthly_cap=50_000_000))
    sample = prepared.sample(n=min(args.evaluations, len(prepared)), random_state=args.seed)
    factor_rows = [
        {"amount": a, "claims_90d": int(c90), "claims_365d": int(c365), "segment": s,
         "channel": ch, "evidence": {"atm_surplus": bool(e)}}
        for a, c90, c365, s, ch, e in zip(sample["amount"], sample["claims_90d"],
                                          sample["claims_365d"], sample["segment"],
                                          sample["channel"], sample["evidence.atm_surplus"],
                                          strict=True)
    ]
    per_call = []
    for factors in factor_rows:
        started = time.perf_counter()
        decision = evaluate(matrix, factors)
        apply_budget(decision, amount=factors["amount"], paid_this_month=10_000_000,
                     monthly_cap=matrix.monthly_cap)
        per_call.append(time.perf_counter() - started)
    per_call.sort()
    raw = rule_to_matrix(best.rule)
    started = time.perf_counter()
    for factors in factor_rows[:10_000]:
        evaluate(raw, factors)  # validates and compiles the dict on every call
    uncompiled = (time.perf_counter() - started) / min(10_000, len(factor_rows))

    print(f"Machine: {os.cpu_count()} CPUs reported, nproc {len(os.sched_getaffinity(0))}, "
          f"{cpu_model()}, Python {platform.python_version()}, numpy "
          f"{__import__('numpy').__version__}, pandas {pd.__version__}")
    print(f"\nRows: {args.rows:,}, seed {args.seed}\n")
    print("| step | seconds |\n|---|---|")
    for label, seconds in timings:
        print(f"| {label} | {seconds:.2f} |")
    print(f"\nCandidates evaluated: {topic.candidates_evaluated:,}")
    print(f"\n| matrix evaluation ({len(per_call):,} claims) | microseconds |\n|---|---|")
    print(f"| evaluate + apply_budget, compiled matrix, median | "
          f"{statistics.median(per_call) * 1e6:.1f} |")
    print(f"| same, p99 | {per_call[int(len(per_call) * 0.99)] * 1e6:.1f} |")
    print(f"| same, max | {per_call[-1] * 1e6:.1f} |")
    print(f"| evaluate with a raw dict (validated each call), mean | {uncompiled * 1e6:.1f} |")
    print(f"\nRecommended: {best.description}; auto-decided {best.share_auto_decided:.2%}; "
          f"loss rate {best.loss_rate:.3%}; net saving {best.net_saving:,.0f} of a "
          f"{topic.baseline_investigation_cost:,.0f} investigate-everything cost")


if __name__ == "__main__":
    main()
