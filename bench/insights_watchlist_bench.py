"""Watch list (insights: repeat complainers and resonance risk) on PostgreSQL with 1,000,000 cases.

    PYTHONPATH=. python bench/insights_watchlist_bench.py [--cases 1000000] [--repeat 30]

Creates (or reuses) the database cd_watchlist_bench and fills it with the generate_series fill of
bench/insights_dashboard_bench.py (cases spread over two years, 250,000 customers, 0.1 %
resonance), then adds what the watch list looks for: 2,000 customers with 3-6 cases each in the
last 60 days (half of them open) and one escalation event on every third of those cases.
Times `reports.watch_list` for an admin (all queues) and a supervisor of three of the four queues
over the page's default 90 days and over 365 days, `--repeat` times each after one warm-up, and
prints p50 / p95 in milliseconds, the number of SQL queries, and EXPLAIN (ANALYZE, BUFFERS) of
the ranking query. Goal: p95 < 300 ms at 1,000,000 cases.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = "cd_watchlist_bench"

REPEATERS = """
INSERT INTO cases_case (reference, public_token, source, source_id, customer_id, channel,
  received_at, subject, text, language, kind, needs_review, topic_id, product, remedy_sought,
  remedy_text, amount_claimed, currency, resonance, resonance_source, priority, status, queue_id,
  acknowledged_at, resolve_by, sla_stage, ack_escalated, decision, decision_amount, decision_text,
  decided_at, closed_at, customer_accepted, external_options_given, handling_cost, created_at,
  updated_at, call_id)
SELECT 'W-' || c || '-' || k, md5('w' || c || '-' || k), 'bench-watch', '', %(first)s + c,
  'phone', now() - ((c * 7 + k * 11) %% 60) * interval '1 day', '', 'bench text', 'en',
  CASE WHEN k %% 2 = 0 THEN 'claim' ELSE 'complaint' END, false, NULL, '', '', '', NULL, 'RUB',
  false, '', 'normal', CASE WHEN c %% 2 = 0 THEN 'investigation' ELSE 'closed' END,
  (SELECT id FROM cases_queue ORDER BY id OFFSET (c %% 4) LIMIT 1),
  now(), now() + interval '10 days', 0, false, '', NULL, '',
  CASE WHEN c %% 2 = 0 THEN NULL ELSE now() END, CASE WHEN c %% 2 = 0 THEN NULL ELSE now() END,
  'unknown', '', 0, now(), now(), ''
FROM generate_series(1, 2000) AS c, generate_series(1, 3 + %(extra)s) AS k
WHERE k <= 3 + (c %% 4)
"""
ESCALATIONS = """
INSERT INTO cases_event (case_id, at, actor_label, type, before, after, data)
SELECT id, received_at + interval '3 days', 'bench', 'escalated', '{}'::jsonb,
  '{"level": 1, "reason": "breach"}'::jsonb, '{}'::jsonb
FROM cases_case WHERE source = 'bench-watch' AND id % 3 = 0
"""


def ensure_db() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [DB]).fetchone():
            conn.execute(f"CREATE DATABASE {DB}")


def fill(n: int) -> None:
    from django.db import connection

    from complaintdesk.cases.models import Case, Customer, Event

    sys.path.insert(0, str(ROOT / "bench"))
    import insights_dashboard_bench

    insights_dashboard_bench.fill(n)
    first = Customer.objects.order_by("pk").values_list("pk", flat=True).first() - 1
    with connection.cursor() as cur:
        if not Case.objects.filter(source="bench-watch").exists():
            cur.execute(REPEATERS, {"first": first, "extra": 3})
        if not Event.objects.filter(type="escalated", actor_label="bench").exists():
            cur.execute(ESCALATIONS)


def vacuum() -> None:
    """An index-only scan needs the visibility map: what autovacuum keeps on a live database."""
    import psycopg

    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE cases_case")
        conn.execute("VACUUM ANALYZE cases_event")


def explain(user, f) -> str:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from complaintdesk.insights import reports

    with CaptureQueriesContext(connection) as ctx:
        list(reports.watch_list(user, f).rows)
    ranking = next(q["sql"] for q in ctx.captured_queries if "WITH period" in q["sql"])
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)")
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + ranking)
        return "\n".join(row[0] for row in cur.fetchall())


def backend_cpu_ms(pid: int) -> float:
    """CPU time the PostgreSQL backend has used (user + system, from /proc): unlike wall time,
    it does not grow when other processes share the cores."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    ensure_db()
    os.environ["DATABASE_URL"] = f"{PG}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complaintdesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from complaintdesk.accounts.models import QueueMembership, Role, User
    from complaintdesk.cases.models import Case, Queue
    from complaintdesk.insights import reports

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    fill(args.cases)
    vacuum()
    print(f"fill + vacuum: {time.perf_counter() - t0:.0f} s, {Case.objects.count():,} cases",
          file=sys.stderr)
    admin = User.objects.filter(username="bench-admin").first() or User.objects.create_user(
        "bench-admin", role=Role.ADMIN)
    boss = User.objects.filter(username="bench-boss").first()
    if boss is None:
        boss = User.objects.create_user("bench-boss", role=Role.SUPERVISOR)
        for queue in Queue.objects.exclude(code="special"):
            QueueMembership.objects.create(user=boss, queue=queue)

    sys.path.insert(0, str(ROOT / "bench"))
    from insights_dashboard_bench import machine

    print(machine())
    today = timezone.localdate()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    print("| user | period | rows | SQL queries | p50 ms | p95 ms | max ms | Python CPU p50 / p95 ms "
          "| PostgreSQL CPU p50 / p95 ms |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, user in (("admin (all queues)", admin), ("supervisor (3 of 4 queues)", boss)):
        for days in (90, 365):
            f = reports.Filters.from_params({"start": (today - timezone.timedelta(days=days - 1))
                                             .isoformat(), "end": today.isoformat()})
            with CaptureQueriesContext(connection) as ctx:
                rows = list(reports.watch_list(user, f).rows)  # warm-up
            times, python_cpu, sql_cpu = [], [], []
            for _ in range(args.repeat):
                started, cpu, db_cpu = time.perf_counter(), time.process_time(), backend_cpu_ms(backend)
                list(reports.watch_list(user, f).rows)
                times.append((time.perf_counter() - started) * 1000)
                python_cpu.append((time.process_time() - cpu) * 1000)
                sql_cpu.append(backend_cpu_ms(backend) - db_cpu)
            print(f"| {label} | {days} d | {len(rows)} | {len(ctx.captured_queries)} | "
                  f"{statistics.median(times):.0f} | {p95(times):.0f} | {max(times):.0f} | "
                  f"{statistics.median(python_cpu):.0f} / {p95(python_cpu):.0f} | "
                  f"{statistics.median(sql_cpu):.0f} / {p95(sql_cpu):.0f} |", flush=True)
    f = reports.Filters.from_params({"start": (today - timezone.timedelta(days=89)).isoformat(),
                                     "end": today.isoformat()})
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the ranking query, supervisor, 90 days:\n")
    print(explain(boss, f))


if __name__ == "__main__":
    main()
