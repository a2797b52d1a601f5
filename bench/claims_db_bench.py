"""Automatic claim evaluation inside the request: factors from SQL + the cached compiled matrix.

    python bench/claims_db_bench.py [--history 50000] [--customers 5000] [--runs 500] [--sqlite]

Creates a fresh PostgreSQL database (or a temporary SQLite file with --sqlite), loads a claim
history, then times on new claims:
  * baseline_select_1: one round trip to the database, for scale
  * evaluate_only: claim_factors (one aggregate query) + cached compiled matrix + evaluate
  * evaluate_with_evidence_query: the same plus the evidence-flags query (re-evaluation)
  * compile_cold / compile_cached: load_matrix vs the per-version cache
  * create_claim_with_matrix vs create_claim_without_matrix: the whole create_case transaction
    (auto-approval = transition + decision + payout row + timeline) against registration alone
Prints JSON. Nothing leaves this machine.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG = "postgresql://postgres@127.0.0.1:5432"


def _stats(samples: list[float]) -> dict:
    ms = sorted(s * 1000 for s in samples)
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 3),
            "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 3), "max_ms": round(ms[-1], 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, default=50_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()

    db = f"cd_claims_bench_{os.getpid()}"
    if args.sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    else:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {db}")
        os.environ["DATABASE_URL"] = f"{PG}/{db}"
    os.environ.setdefault("COMPLAINTDESK_LANGUAGE", "en")
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "complaintdesk.settings"
    try:
        import django

        django.setup()
        result = _run(args)
        result["database"] = "sqlite" if args.sqlite else "postgresql"
        print(json.dumps(result, indent=2))
    finally:
        if not args.sqlite:
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {db}")


def auto_factors_explain(case) -> str:
    from datetime import timedelta as td

    from django.db.models import Count, Q

    from complaintdesk.cases.models import Case

    t = case.received_at
    qs = (Case.objects.filter(customer_id=case.customer_id, kind="claim",
                              received_at__gte=t - td(days=365), received_at__lt=t)
          .exclude(pk=case.pk))
    return qs.explain() + " | aggregate " + str(qs.aggregate(n=Count("pk", filter=Q(kind="claim"))))


def _run(args) -> dict:
    import numpy as np
    from django.apps import apps
    from django.core.management import call_command
    from django.db.models import Count
    from django.utils import timezone

    from complaintdesk.cases import defaults, services
    from complaintdesk.cases.models import Case, Customer, Queue, Topic
    from complaintdesk.claims import auto
    from complaintdesk.claims.matrix import evaluate, load_matrix
    from complaintdesk.claims.models import ClaimEvaluation, DecisionMatrix

    call_command("migrate", verbosity=0)
    defaults.install(apps)
    topic = Topic.objects.get(code="cards-atm-cash")
    queue = Queue.objects.get(code="claims")
    rng = np.random.default_rng(1)
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        Customer(email=f"c{i}@example.com", segment=str(rng.choice(["mass", "premium"])),
                 customer_since=(now - timedelta(days=int(rng.integers(1, 3000)))).date())
        for i in range(args.customers))
    batch = []
    for i in range(args.history):
        received = now - timedelta(seconds=int(rng.integers(60, 730 * 86400)))
        batch.append(Case(
            reference=f"B-{i}", customer=customers[int(rng.integers(len(customers)))],
            channel="web", received_at=received, text="history", kind="claim", topic=topic,
            amount_claimed=Decimal(int(rng.integers(100, 20000))), currency="RUB", queue=queue,
            status="closed", decision=str(rng.choice(["upheld", "rejected"])),
            decided_at=received + timedelta(days=3)))
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum would do after a bulk load
            cursor.execute("ANALYZE")
    probe = Case.objects.select_related("customer").order_by("pk").first()
    explain = auto_factors_explain(probe)

    definition = {
        "rules": [
            {"name": "surplus found", "when": {"evidence.atm_surplus": {"is_true": True}},
             "outcome": "auto_approve"},
            {"name": "small first claim", "when": {"amount": {"lte": 5000}, "claims_365d": {"eq": 0},
                                                   "serial_claimant": {"is_false": True}},
             "outcome": "auto_approve"},
            {"name": "small loyal", "when": {"amount": {"lte": 2000}, "upheld_claims_365d": {"gte": 1},
                                             "claims_90d": {"lte": 1}, "tenure_days": {"gte": 365}},
             "outcome": "auto_approve"},
            {"name": "premium", "when": {"segment": {"in": ["premium"]}}, "outcome": "fast_track"},
        ],
        "default": "investigate",
    }
    matrix = DecisionMatrix.objects.create(topic=topic, version=1, definition=definition,
                                           monthly_cap=Decimal("1000000000"))

    # Evaluation alone, on existing claims (the customers all have history).
    sample = list(Case.objects.select_related("customer", "topic").order_by("?")[:args.runs])
    evaluate_only, evaluate_with_evidence, select_1 = [], [], []
    from django.db import connection as conn

    for case in sample:
        # As on registration: a new claim has no evidence rows, so one aggregate query.
        start = time.perf_counter()
        factors = auto.claim_factors(case, evidence={})
        evaluate(auto.compiled(matrix), factors)
        evaluate_only.append(time.perf_counter() - start)
        # As on re-evaluation after an evidence flag: plus the evidence query.
        start = time.perf_counter()
        evaluate(auto.compiled(matrix), auto.claim_factors(case))
        evaluate_with_evidence.append(time.perf_counter() - start)
        start = time.perf_counter()
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        select_1.append(time.perf_counter() - start)

    cold, cached = [], []
    full = matrix.full_definition()
    for _ in range(args.runs):
        start = time.perf_counter()
        load_matrix(full)
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        auto.compiled(matrix)
        cached.append(time.perf_counter() - start)

    def create(i: int, topic_code: str) -> float:
        customer = customers[i % len(customers)]
        data = services.NewCase(channel="web", text="The ATM kept my cash", kind="claim",
                                topic=topic_code, amount_claimed=Decimal(600 + i % 7000),
                                currency="RUB", customer_email=customer.email)
        start = time.perf_counter()
        services.create_case(data=data, actor=None, notify=False)
        return time.perf_counter() - start

    with_matrix = [create(i, "cards-atm-cash") for i in range(args.runs)]
    without_matrix = [create(i, "cards-blocked") for i in range(args.runs)]
    outcomes = dict(ClaimEvaluation.objects.values_list("outcome").annotate(n=Count("pk")))
    return {
        "plan": explain,
        "history_claims": args.history, "customers": args.customers,
        "baseline_select_1": _stats(select_1),
        "evaluate_only": _stats(evaluate_only),
        "evaluate_with_evidence_query": _stats(evaluate_with_evidence),
        "compile_cold": _stats(cold), "compile_cached": _stats(cached),
        "create_claim_with_matrix": _stats(with_matrix),
        "create_claim_without_matrix": _stats(without_matrix),
        "outcomes_of_new_claims": outcomes,
    }


if __name__ == "__main__":
    main()
