"""Server time of the staff queue page and the case page with 100,000 cases in PostgreSQL.

    PYTHONPATH=. python bench/ui_pages_bench.py [--cases 100000] [--requests 200] [--keep]

Creates a fresh PostgreSQL database (cd_ui_bench_<pid>), migrates it, fills it fast with
bulk_create (customers, cases spread over queues / kinds / statuses / deadlines, a few timeline
events, messages and clock pauses each; a bench-only fast path, not the domain services), then
requests each page N times with the Django test Client logged in as a supervisor and prints
p50 / p95 / max server time and the SQL query count per page as a Markdown table. The database
is dropped at the end unless --keep. Goals: queue page p95 < 150 ms, case page p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
WORDS = ("карта банкомат деньги списание комиссия доставка курьер опоздание приложение ошибка "
         "кредит платёж отделение оператор ожидание возврат товар повреждён пакет заказ "
         "card atm cash charge fee delivery courier late app error loan payment branch refund "
         "parcel order damaged waiting staff").split()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fill(n_cases: int, seed: int) -> dict:
    """Bench-only fast path: bulk_create rows the services would have written one by one."""
    from django.apps import apps as django_apps
    from django.db import connection
    from django.utils import timezone

    from complaintdesk.accounts.models import QueueMembership, Role, User
    from complaintdesk.cases import defaults
    from complaintdesk.cases.models import Case, ClockPause, Customer, Event, Incident, Message, Queue, Topic
    from complaintdesk.sla.models import Policy

    rnd = random.Random(seed)
    defaults.install(django_apps)
    queues = list(Queue.objects.order_by("code"))
    topics = [t for t in Topic.objects.all() if t.parent_id]
    policies = {p.kind: p for p in Policy.objects.filter(topic__isnull=True, channel="")}
    supervisor = User.objects.create_user("boss", password="x", role=Role.SUPERVISOR)
    staff = [User.objects.create_user(f"op{i:02d}", password="x", role=Role.OPERATOR)
             for i in range(30)]
    for q in queues:
        if q.code != "special":  # the supervisor sees three of the four queues
            QueueMembership.objects.create(user=supervisor, queue=q, can_write=True)
        QueueMembership.objects.bulk_create(
            [QueueMembership(user=u, queue=q) for u in staff[:10]] if q.code == "first-line"
            else [])
    incidents = Incident.objects.bulk_create(
        [Incident(title=f"Incident {i}") for i in range(20)])

    n_customers = max(1, n_cases * 3 // 10)
    customers = Customer.objects.bulk_create(
        [Customer(name=f"Клиент {i}", email=f"c{i}@example.com", phone=f"+7900{i:07d}")
         for i in range(n_customers)], batch_size=5000)

    now = timezone.now()
    kinds = (["complaint"] * 45 + ["claim"] * 30 + ["question"] * 15 + ["suggestion"] * 5
             + ["gratitude"] * 3 + ["unclassified"] * 2)
    channels = ["phone"] * 35 + ["email"] * 25 + ["web"] * 20 + ["chat"] * 10 + [
        "social", "sms", "letter", "regulator", "api"] * 2
    open_statuses = (["received"] * 10 + ["acknowledged"] * 15 + ["assessment"] * 15
                     + ["investigation"] * 35 + ["waiting_customer"] * 15 + ["decided"] * 10)
    assignees = [None] * 4 + staff + [supervisor] * 2
    rows = []
    for _ in range(n_cases):
        closed = rnd.random() < 0.7  # most of a register is history
        received = now - timedelta(days=rnd.uniform(30, 365) if closed else rnd.uniform(0, 30),
                                   seconds=rnd.randrange(86400))
        kind = rnd.choice(kinds)
        status = "closed" if closed else rnd.choice(open_statuses)
        policy = policies.get(kind) or policies.get("")
        resolve_by = received + timedelta(days=14 if kind != "question" else 7)
        words = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(15, 60)))
        rows.append(Case(
            customer=customers[rnd.randrange(n_customers)],
            channel=rnd.choice(channels), received_at=received, created_at=received,
            subject=" ".join(rnd.choice(WORDS) for _ in range(4)).capitalize(),
            text=words, language="ru", kind=kind, topic=rnd.choice(topics),
            amount_claimed=rnd.randint(100, 50000) if kind == "claim" else None,
            currency="RUB" if kind == "claim" else "",
            resonance=rnd.random() < 0.01, status=status,
            # A few per cent of open cases wait for a person to confirm the model's kind.
            needs_review=not closed and rnd.random() < 0.03,
            queue=queues[rnd.choices(range(len(queues)), weights=[50, 20, 25, 5])[0]],
            assignee=None if status == "received" else rnd.choice(assignees),
            incident=rnd.choice(incidents) if rnd.random() < 0.02 else None,
            policy=policy, acknowledged_at=None if status == "received" else received,
            acknowledge_by=received + timedelta(hours=1), resolve_by=resolve_by,
            warn_at=received + timedelta(days=10),
            clock_paused_since=(now - timedelta(days=1)) if status == "waiting_customer"
            else None,
            decision="upheld" if status in ("decided", "closed") and kind == "claim" else "",
            closed_at=received + timedelta(days=5) if closed else None,
        ))
    cases = Case.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cur:
        cur.execute("UPDATE cases_case SET reference = 'CD-' || "
                    "extract(year from received_at)::int || '-' || lpad(id::text, 6, '0')")
    events, messages, pauses = [], [], []
    for case in cases:
        events.append(Event(case=case, at=case.received_at, type="created",
                            actor_label="bench", after={"status": "received"}))
        events.append(Event(case=case, at=case.received_at, type="sla_set",
                            actor_label="bench", after={"resolve_by": str(case.resolve_by)}))
        if case.status != "received":
            events.append(Event(case=case, at=case.received_at + timedelta(minutes=30),
                                type="transitioned", actor_label="bench",
                                before={"status": "received"}, after={"status": case.status}))
            messages.append(Message(case=case, direction="in", channel=case.channel,
                                    body=case.text, created_at=case.received_at))
        if case.clock_paused_since:
            pauses.append(ClockPause(case=case, started_at=case.clock_paused_since))
    Event.objects.bulk_create(events, batch_size=10000)
    Message.objects.bulk_create(messages, batch_size=10000)
    ClockPause.objects.bulk_create(pauses, batch_size=10000)
    return {"customers": n_customers, "cases": len(cases), "events": len(events),
            "messages": len(messages), "supervisor": supervisor}


def measure(client, path: str, n: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(path)  # warm caches (calendar, templates)
    assert response.status_code == 200, (path, response.status_code)
    connection.queries_log.clear()  # a full log (maxlen) would make the capture look empty
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    captured = list(ctx.captured_queries)  # a live view of the log: copy before it is reset
    times, cpu = [], []
    for _ in range(n):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200
    times.sort()
    cpu.sort()
    return {"path": path, "p50": statistics.median(times),
            "p95": times[int(round(0.95 * (len(times) - 1)))], "max": times[-1],
            "cpu50": statistics.median(cpu), "cpu95": cpu[int(round(0.95 * (len(cpu) - 1)))],
            "queries": len(captured), "sql_ms": sum(float(q["time"]) for q in captured) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--db", help="reuse this existing, filled database (skip the fill)")
    parser.add_argument("--only", help="measure only pages whose label contains this")
    parser.add_argument("--profile", action="store_true", help="cProfile 20 requests of each "
                        "page and print the top functions")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the "
                        "queue page's queries")
    args = parser.parse_args()

    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                         text=True).stdout.strip()
    db = args.db or f"cd_ui_bench_{os.getpid()}"
    if not args.db:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {db}")
    os.environ["DATABASE_URL"] = f"{PG}/{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complaintdesk.settings")
    os.environ.setdefault("COMPLAINTDESK_LANGUAGE", "ru")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from complaintdesk.accounts.models import User
    from complaintdesk.cases.models import Case

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)  # a reused database gets new indexes too
        if not args.db:
            info = fill(args.cases, args.seed)
            fill_s = time.perf_counter() - started
        else:
            info = {"cases": Case.objects.count()}
            fill_s = 0.0
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")  # what autovacuum does to a live table: visibility map
        supervisor = User.objects.get(username="boss")
        client = Client()
        client.force_login(supervisor)
        visible = Case.objects.exclude(queue__code="special")
        case_open = visible.filter(status="investigation").order_by("pk").first()
        case_closed = visible.filter(status="closed").order_by("-pk").first()
        word = WORDS[3]
        pages = [
            ("queue: default tab (mine)", "/desk/"),
            ("queue: team, sorted by deadline", "/desk/?tab=team"),
            ("queue: team, kind=claim, status=investigation",
             "/desk/?tab=team&kind=claim&status=investigation"),
            ("queue: overdue, channel=phone, topic=cards", "/desk/?tab=overdue&channel=phone"
             "&topic=cards"),
            ("queue: team, page 40", "/desk/?tab=team&page=40"),
            ("queue: needs review", "/desk/?tab=review"),
            (f"queue: team, text search «{word}»", f"/desk/?tab=team&q={word}"),
            ("queue: team, search by reference", f"/desk/?tab=team&q={case_closed.reference}"),
            ("case page (open, investigation)", f"/desk/cases/{case_open.reference}/"),
            ("case page (closed)", f"/desk/cases/{case_closed.reference}/"),
        ]
        if args.only:
            pages = [p for p in pages if args.only in p[0]]
        if args.explain:
            explain(client, pages)
        if args.profile:
            profile(client, pages)
        results = [(label, measure(client, path, args.requests)) for label, path in pages]
        pg_version = connection.cursor().connection.info.server_version
    finally:
        connection.close()
        if not args.keep and not args.db:
            with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    print(f"- commit {git}; {info['cases']:,} cases"
          + (f", {info.get('events', 0):,} events, {info.get('messages', 0):,} messages; "
             f"fill {fill_s:.0f} s" if not args.db else ""))
    print(f"- {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, "
          f"PostgreSQL {pg_version // 10000}.{pg_version % 10000}, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, N={args.requests} requests each")
    print()
    print("| page | p50 ms | p95 ms | max ms | Python CPU p50 / p95 ms | SQL queries "
          "| SQL ms (one request) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, r in results:
        print(f"| {label} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} "
              f"| {r['cpu50']:.1f} / {r['cpu95']:.1f} | {r['queries']} | {r['sql_ms']:.1f} |")


def profile(client, pages) -> None:
    import cProfile
    import pstats

    for label, path in pages:
        client.get(path)
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(20):
            client.get(path)
        prof.disable()
        print(f"## {label}: {path}")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def explain(client, pages) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for label, path in pages:
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            client.get(path)
        slow = sorted(list(ctx.captured_queries), key=lambda q: -float(q["time"]))[:3]
        print(f"## {label}: {path}")
        for q in slow:
            print(f"-- {float(q['time']) * 1000:.1f} ms: {q['sql'][:300]}")
            if q["sql"].lstrip().upper().startswith("SELECT"):
                with connection.cursor() as cur:
                    cur.execute("EXPLAIN ANALYZE " + q["sql"])
                    print("\n".join("   " + r[0] for r in cur.fetchall()))
        print()


if __name__ == "__main__":
    main()
