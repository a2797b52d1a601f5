"""Dashboard panel timings on PostgreSQL with many cases (issue 7: p95 < 300 ms at 1,000,000).

Run: PYTHONPATH=. /work/venv-shared/bin/python bench/insights_dashboard_bench.py [--cases 1000000]
Creates (or reuses) the database cd_insights_bench, fills it with synthetic cases by one
INSERT … SELECT generate_series, (re)builds the daily roll-up (timed), then times every dashboard
table for a 30-day and a 365-day period, `--repeat` times each, live from cases ("before", the
roll-up ignored) and with the roll-up ("after"), and prints median and p95 in milliseconds.
`--mode live|rollup|both`; `--rebuild` forces a full roll-up rebuild; an incremental refresh
after touching 1,000 cases of recent days is timed as well.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = "cd_insights_bench"

# --dense: every attribute drawn independently per case (md5 bytes), 17 topics, 4 queues,
# 12 products: ~1,000 distinct keys a day, the hard case for a roll-up.
_H = "get_byte(decode(md5(g::text), 'hex'), {}) %% {}"
DENSE = {
    "(ARRAY['phone','email','web','chat','sms','social'])[1 + g %% 6]":
        "(ARRAY['phone','email','web','chat','sms','social'])[1 + " + _H.format(1, 6) + "]",
    "(ARRAY['complaint','claim','complaint','question'])[1 + g %% 4]":
        "(ARRAY['complaint','claim','complaint','question'])[1 + " + _H.format(2, 4) + "]",
    "(SELECT id FROM cases_topic ORDER BY id OFFSET (g %% 10) LIMIT 1)":
        "(SELECT id FROM cases_topic ORDER BY id OFFSET (" + _H.format(3, 17) + ") LIMIT 1)",
    "(ARRAY['card','loan','deposit','app'])[1 + g %% 4]": "'p' || (" + _H.format(4, 12) + ")",
    "%(queue)s,": "(SELECT id FROM cases_queue ORDER BY id OFFSET (" + _H.format(5, 4) + ") LIMIT 1),",
}


def ensure_db() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [DB]).fetchone():
            conn.execute(f"CREATE DATABASE {DB}")


FILL = """
INSERT INTO cases_case (reference, public_token, source, source_id, customer_id, channel,
  received_at, subject, text, language, kind, needs_review, topic_id, product, remedy_sought,
  remedy_text, amount_claimed, currency, resonance, resonance_source, priority, status, queue_id,
  acknowledged_at, resolve_by, sla_stage, ack_escalated, decision, decision_amount, decision_text,
  decided_at, closed_at, customer_accepted, external_options_given, handling_cost, created_at,
  updated_at, call_id)
SELECT 'B-' || g, md5(g::text), 'bench', '', 1 + (g %% %(customers)s),
  (ARRAY['phone','email','web','chat','sms','social'])[1 + g %% 6],
  now() - (g %% 730) * interval '1 day' - (g %% 1440) * interval '1 minute',
  '', 'bench text', 'en', (ARRAY['complaint','claim','complaint','question'])[1 + g %% 4], false,
  (SELECT id FROM cases_topic ORDER BY id OFFSET (g %% 10) LIMIT 1),
  (ARRAY['card','loan','deposit','app'])[1 + g %% 4], '', '',
  CASE WHEN g %% 4 = 1 THEN (g %% 5000) ELSE NULL END, 'RUB', g %% 997 = 0, '', 'normal',
  CASE WHEN g %% 3 = 0 THEN 'received' ELSE 'closed' END, %(queue)s,
  now() - (g %% 730) * interval '1 day' + (g %% 50) * interval '1 minute',
  now() - (g %% 730) * interval '1 day' + interval '10 days', 0, false, '',
  CASE WHEN g %% 3 = 0 THEN NULL ELSE (g %% 2000) END, '',
  CASE WHEN g %% 3 = 0 THEN NULL
       ELSE now() - (g %% 730) * interval '1 day' + (g %% 400) * interval '1 hour' END,
  CASE WHEN g %% 3 = 0 THEN NULL
       ELSE now() - (g %% 730) * interval '1 day' + (g %% 400) * interval '1 hour' END,
  (ARRAY['yes','no','unknown'])[1 + g %% 3], '', 0, now(), now(), ''
FROM generate_series(%(first)s, %(last)s) AS g
"""


def fill(n: int, dense: bool = False) -> None:
    from django.apps import apps
    from django.db import connection

    from complaintdesk.cases import defaults
    from complaintdesk.cases.models import Case, Customer, Queue

    defaults.install(apps)
    have = Case.objects.count()
    if have >= n:
        return
    customers = max(1000, n // 4)
    if Customer.objects.count() < customers:
        with connection.cursor() as cur:
            cur.execute("INSERT INTO cases_customer (name, email, phone, external_id, segment, "
                        "serial_claimant, created_at) SELECT 'c' || g, 'c' || g || '@example.com', "
                        "'', '', '', false, now() FROM generate_series(1, %s) g", [customers])
    first_customer = Customer.objects.order_by("pk").values_list("pk", flat=True).first()
    queue = Queue.objects.get(code="first-line").pk
    step = 200_000
    with connection.cursor() as cur:
        for first in range(have + 1, n + 1, step):
            last = min(n, first + step - 1)
            sql = FILL.replace("1 + (g %% %(customers)s)", f"{first_customer - 1} + 1 + (g %% {customers})")
            if dense:
                for old, new in DENSE.items():
                    assert old in sql, old
                    sql = sql.replace(old, new)
            cur.execute(sql, {"customers": customers, "queue": queue, "first": first, "last": last})
            print(f"  inserted up to {last}", file=sys.stderr)
        cur.execute("ANALYZE cases_case")


def machine() -> str:
    import platform

    cpu = "unknown"
    for line in open("/proc/cpuinfo").read().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    return (f"nproc={os.cpu_count()}, CPU={cpu}, Python {platform.python_version()}, "
            f"PostgreSQL {pg}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--mode", choices=["live", "rollup", "both"], default="both")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--dense", action="store_true",
                        help="database cd_insights_bench_dense: independent attributes per case")
    args = parser.parse_args()
    global DB
    if args.dense:
        DB = "cd_insights_bench_dense"
    ensure_db()
    os.environ["DATABASE_URL"] = f"{PG}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complaintdesk.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from complaintdesk.accounts.models import Role, User
    from complaintdesk.insights import reports

    call_command("migrate", verbosity=0)
    fill(args.cases, dense=args.dense)
    user = User.objects.filter(username="bench-admin").first() or User.objects.create_user(
        "bench-admin", role=Role.ADMIN)
    from complaintdesk.insights import rollup
    from complaintdesk.insights.models import DailyCaseStats, DailyDurationBucket

    print(machine())
    if args.mode != "live":
        if args.rebuild or rollup.covered_until() is None:
            t0 = time.perf_counter()
            rows = rollup.rebuild()
            print(f"roll-up full rebuild: {rows:,} day rows in {time.perf_counter() - t0:.1f} s")
        elif not DailyCaseStats.objects.filter(grain=1).exists():  # built before grains existed
            from django.db import transaction

            t0 = time.perf_counter()
            with transaction.atomic():
                DailyCaseStats.objects.exclude(grain=0).delete()
                DailyDurationBucket.objects.exclude(grain=0).delete()
                rollup.derive_grains(None)
            print(f"roll-up coarse grains derived in {time.perf_counter() - t0:.1f} s")
        # incremental: touch 1,000 cases of the last 3 days, then refresh
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("UPDATE cases_case SET updated_at = now() WHERE id IN (SELECT id FROM "
                        "cases_case WHERE received_at > now() - interval '3 days' LIMIT 1000)")
        t0 = time.perf_counter()
        done = rollup.refresh()
        print(f"roll-up incremental refresh: {done} in {time.perf_counter() - t0:.1f} s")
        from django.db.models import Count

        for model in (DailyCaseStats, DailyDurationBucket):
            sizes = dict(model.objects.values_list("grain").annotate(n=Count("pk")).order_by())
            print(f"roll-up {model.__name__} rows per grain: "
                  + ", ".join(f"{g} {rollup.GRAINS[g]}: {n:,}" for g, n in sorted(sizes.items())))
    today = timezone.localdate()
    modes = ["live", "rollup"] if args.mode == "both" else [args.mode]
    print("| panel | period | mode | median ms | p95 ms |\n|---|---|---|---|---|")
    for days in (30, 365):
        f = reports.Filters.from_params({"start": (today - timezone.timedelta(days=days - 1)).isoformat(),
                                         "end": today.isoformat(), "granularity": "week"})
        for name in reports.DASHBOARD_TABLES:
            for mode in modes:
                times = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    if mode == "live":
                        with reports.live_only():
                            list(reports.build(name, user, f).rows)
                    else:
                        list(reports.build(name, user, f).rows)
                    times.append((time.perf_counter() - t0) * 1000)
                times.sort()
                p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
                print(f"| {name} | {days} d | {mode} | {statistics.median(times):.0f} | {p95:.0f} |",
                      flush=True)


if __name__ == "__main__":
    main()
