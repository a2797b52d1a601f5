"""Server time of the desk bell's poll (GET /desk/notifications/count/) in PostgreSQL.

    PYTHONPATH=. python bench/notifications_poll_bench.py [--notifications 1000000]
        [--users 500] [--unread-share 0.05] [--requests 500] [--keep]

Creates a fresh PostgreSQL database (cd_notify_bench_<pid>), migrates it, creates the users and
one case, and fills the notification table with generate_series (a bench-only fast path, not
the services): each user gets an equal share, `--unread-share` of them unread. Then, for
`--requests` polls spread over 20 users, it times the whole request with the Django test Client
(session, login, view, template) and, separately, the COUNT query alone, and prints p50 / p95 /
max, the query count per poll and EXPLAIN (ANALYZE, BUFFERS) of the COUNT as Markdown.
Goal (issue #21): p95 < 20 ms per poll. The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


def pct(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[int(round(share * (len(values) - 1)))]


def fill(*, notifications: int, users: int, unread_share: float) -> list[int]:
    from django.apps import apps as django_apps
    from django.db import connection

    from complaintdesk.accounts.models import QueueMembership, Role, User
    from complaintdesk.cases import defaults, services
    from complaintdesk.cases.models import Queue

    defaults.install(django_apps)
    first = Queue.objects.get(code="first-line")
    people = User.objects.bulk_create([
        User(username=f"op{i}", role=Role.OPERATOR, email=f"op{i}@example.com")
        for i in range(users)])
    QueueMembership.objects.bulk_create([QueueMembership(user=u, queue=first) for u in people])
    case, _ = services.create_case(data=services.NewCase(
        channel="email", text="Bench case", customer_name="Bench", customer_email="b@example.com",
        queue="first-line"), actor=None)
    ids = [u.pk for u in people]
    every = max(1, round(1 / unread_share)) if unread_share > 0 else 0
    with connection.cursor() as cur:
        cur.execute(
            """INSERT INTO notifications_notification (user_id, case_id, kind, actor_label,
                                                       created_at, read_at)
               SELECT %(first)s + (g %% %(n)s), %(case)s, 'assigned', 'bench',
                      now() - g * interval '1 second',
                      CASE WHEN %(every)s > 0 AND (g / %(n)s) %% %(every)s = 0 THEN NULL
                           ELSE now() END
               FROM generate_series(1, %(rows)s) AS g""",
            {"first": min(ids), "n": users, "case": case.pk, "rows": notifications,
             "every": every})
        cur.execute("VACUUM ANALYZE notifications_notification")
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notifications", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--unread-share", type=float, default=0.05)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args()

    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                         text=True).stdout.strip()
    db = f"cd_notify_bench_{os.getpid()}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {db}")
    os.environ["DATABASE_URL"] = f"{PG}/{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complaintdesk.settings")
    os.environ.setdefault("COMPLAINTDESK_WARM_MODELS", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from complaintdesk.accounts.models import User
    from complaintdesk.notifications.models import Notification
    from complaintdesk.notifications.services import unread_count

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        ids = fill(notifications=args.notifications, users=args.users,
                   unread_share=args.unread_share)
        fill_s = time.perf_counter() - started
        sample = [User.objects.get(pk=pk) for pk in ids[:: max(1, len(ids) // 20)][:20]]
        clients = []
        for user in sample:
            client = Client()
            client.force_login(user)
            assert client.get("/desk/notifications/count/").status_code == 200  # warm
            clients.append((user, client))
        with CaptureQueriesContext(connection) as ctx:
            clients[0][1].get("/desk/notifications/count/")
        queries = [q["sql"] for q in ctx.captured_queries]
        poll_ms, poll_cpu, count_ms = [], [], []
        for i in range(args.requests):
            user, client = clients[i % len(clients)]
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get("/desk/notifications/count/")
            poll_ms.append((time.perf_counter() - t0) * 1000)
            poll_cpu.append((time.process_time() - c0) * 1000)
            assert response.status_code == 200
            t0 = time.perf_counter()
            unread_count(user)
            count_ms.append((time.perf_counter() - t0) * 1000)
            reset_queries()
        unread = Notification.objects.filter(user=sample[0], read_at__isnull=True).count()
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) SELECT COUNT(*) FROM notifications_notification"
                        " WHERE user_id = %s AND read_at IS NULL", [sample[0].pk])
            plan = "\n".join(row[0] for row in cur.fetchall())
        load = os.getloadavg()
        print(f"## Notification bell poll — commit {git}\n")
        print(f"{args.notifications:,} notifications, {args.users} users "
              f"({unread} unread for the sampled user), fill + migrate {fill_s:.0f} s, "
              f"load average {load[0]:.1f} / {load[1]:.1f}, N = {args.requests}.\n")
        print("| what | p50 ms | p95 ms | max ms | Python CPU p50 / p95 ms | SQL queries |")
        print("|---|---:|---:|---:|---:|---:|")
        print(f"| GET /desk/notifications/count/ (whole request) | {statistics.median(poll_ms):.2f} "
              f"| {pct(poll_ms, .95):.2f} | {max(poll_ms):.2f} "
              f"| {statistics.median(poll_cpu):.2f} / {pct(poll_cpu, .95):.2f} | {len(queries)} |")
        print(f"| the COUNT query alone | {statistics.median(count_ms):.2f} "
              f"| {pct(count_ms, .95):.2f} | {max(count_ms):.2f} | — | 1 |")
        print("\nQueries of one poll:\n")
        for sql in queries:
            print(f"    {sql[:160]}")
        print("\nEXPLAIN (ANALYZE, BUFFERS) of the COUNT:\n")
        print("\n".join("    " + line for line in plan.splitlines()))
    finally:
        connection.close()
        if not args.keep:
            with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


if __name__ == "__main__":
    main()
