"""The desk's search (cases/search.py) on PostgreSQL with 1,000,000 cases.

    PYTHONPATH=. python bench/search_bench.py [--repeat 40]

Uses the database cd_search_bench. When it is missing it is copied from cd_watchlist_bench
(bench/insights_watchlist_bench.py fills that one: 1,009,000 cases, 250,000 customers; run it
first) with CREATE DATABASE … TEMPLATE. That fill writes "bench text" into every case, so this
script then gives every case a subject of 4 and a text of 30 words drawn from 152 Russian and
English complaint words (a skewed draw: the commonest words are in a third of all cases, as
«карта» is in real complaints) plus a made-up rare token per four words, and every customer a
name and a phone in one of three formats (+7 (916) …, 8 916 …, 7916…). Then `migrate` builds the
search index (cases.0013_search_index: the tsvector column, its triggers and GIN index).

Times `search.search(user, q)` — every SQL query of the search page's results, plus Python —
for an administrator (all queues) and a supervisor of three of the four queues, for: a phone
typed as «8 (916) NNN NN NN», a reference number, a common Russian word in another form
(«банкоматы»), two Russian words («списали комиссию»), an English word («charged»), and a rare
word. Each case is run `--repeat` times with a different phone / reference / rare word each time,
after one warm-up. Prints p50 / p95 / max in ms, SQL queries per search, and EXPLAIN (ANALYZE,
BUFFERS) of the candidates query for the common Russian word and a rare one. Goal: p95 < 150 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = "cd_search_bench"
SOURCE = "cd_watchlist_bench"

WORDS = (
    "банкомат банкомата банкоматы банкомате карта карты карту картой списали списал списание "
    "списания деньги денег деньгами перевод перевода переводу кредит кредита кредиту вклад вклада "
    "проценты процентов комиссия комиссию комиссии приложение приложении отделение отделении "
    "сотрудник сотрудника звонок звонила звонил ответ ответа жалоба жалобу претензия претензию "
    "возврат возврата вернуть верните заблокировали блокировка счёт счета счету платёж платежа "
    "оплата оплату ипотека ипотеки страховка страховку навязали досрочно погашение задолженность "
    "долг коллекторы обслуживание очередь кэшбэк бонусы мошенники мошенничество смс код пароль "
    "доступ личный кабинет ошибка сбой терминал наличные снять сняли выдал не выдал зачислили "
    "зачисление лимит тариф договор документы справка заявление срок сроки просрочка штраф пени "
    "card charged charge fee fees transfer loan account mortgage refund dispute atm cash "
    "withdrawal deposit interest payment late overdraft fraud unauthorized blocked closed credit "
    "report debt collector bank branch app login password statement balance limit rate insurance "
    "escrow servicer foreclosure complaint problem error billing delay customer service phone "
    "call email letter manager").split()

WORD_FUNCTION = """
CREATE OR REPLACE FUNCTION pg_temp.w() RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT (%(words)s)[1 + floor(power(random(), 2.0) * %(n)s)::int] $$
"""
TEXTS = """
UPDATE cases_case c SET
  subject = (SELECT string_agg(pg_temp.w(), ' ') FROM generate_series(1, 4) g WHERE g > c.id * 0),
  text = (SELECT string_agg(CASE WHEN g %% 4 = 0 THEN 'z' || floor(random() * 20000)::int::text
                                 ELSE pg_temp.w() END, ' ')
          FROM generate_series(1, 30) g WHERE g > c.id * 0)
"""
CUSTOMERS = """
UPDATE cases_customer SET
  phone = CASE id %% 3
    WHEN 0 THEN '+7 (916) ' || substr(lpad(id::text, 7, '0'), 1, 3) || '-'
                || substr(lpad(id::text, 7, '0'), 4, 2) || '-' || substr(lpad(id::text, 7, '0'), 6, 2)
    WHEN 1 THEN '8 916 ' || lpad(id::text, 7, '0')
    ELSE '7916' || lpad(id::text, 7, '0') END,
  name = (ARRAY['Иванов','Петрова','Smith','Johnson','Кузнецов','Сидорова','Brown','Волков'])
         [1 + id %% 8] || ' ' || id,
  external_id = 'EXT-' || id
"""


def ensure_db() -> bool:
    """True when the database was just copied and still needs its words and phones."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [DB]).fetchone():
            return False
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [SOURCE]).fetchone():
            sys.exit(f"{SOURCE} is missing: run bench/insights_watchlist_bench.py first")
        conn.execute(f"CREATE DATABASE {DB} TEMPLATE {SOURCE}")
        return True


def prepare() -> None:
    import psycopg

    words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        conn.execute(CUSTOMERS)
        conn.execute(WORD_FUNCTION % {"words": words, "n": len(WORDS)})
        conn.execute(TEXTS)
        conn.execute("VACUUM ANALYZE cases_case")
        conn.execute("VACUUM ANALYZE cases_customer")


def explain(user, query: str) -> str:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from complaintdesk.cases import search

    with CaptureQueriesContext(connection) as ctx:
        search.search(user, query)
    out = []
    for sql in ctx.captured_queries:
        if "@@" not in sql["sql"] or "ORDER BY" not in sql["sql"]:
            continue  # the candidates: the only query that reads the full-text index
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql["sql"])
            out.append(sql["sql"] + "\n\n" + "\n".join(row[0] for row in cur.fetchall()))
    return "\n\n".join(out)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    if ensure_db():
        t0 = time.perf_counter()
        prepare()
        print(f"words and phones: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    os.environ["DATABASE_URL"] = f"{PG}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complaintdesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from complaintdesk.accounts.models import QueueMembership, Role, User
    from complaintdesk.cases import search
    from complaintdesk.cases.models import Case, Customer, Queue

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate (search index): {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    import psycopg

    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE cases_case")  # what autovacuum keeps on a live database
    admin = User.objects.filter(username="bench-admin").first() or User.objects.create_user(
        "bench-admin", role=Role.ADMIN)
    boss = User.objects.filter(username="bench-boss").first()
    if boss is None:
        boss = User.objects.create_user("bench-boss", role=Role.SUPERVISOR)
        for queue in Queue.objects.exclude(code="special"):
            QueueMembership.objects.create(user=boss, queue=queue)

    sys.path.insert(0, str(ROOT / "bench"))
    from insights_dashboard_bench import machine

    rng = random.Random(21)
    last_customer = Customer.objects.order_by("-pk").values_list("pk", flat=True).first()
    last_case = Case.objects.order_by("-pk").values_list("pk", flat=True).first()

    def phone() -> str:
        n = f"{rng.randint(1, last_customer):07d}"
        return f"8 (916) {n[:3]} {n[3:5]} {n[5:]}"

    def reference() -> str:
        return Case.objects.filter(pk__lte=rng.randint(1, last_case)).order_by("-pk").values_list(
            "reference", flat=True).first().rsplit("-", 1)[1]

    queries = {
        "phone «8 (916) NNN NN NN»": phone,
        "reference number": reference,
        "Russian word «банкоматы»": lambda: "банкоматы",
        "two Russian words «списали комиссию»": lambda: "списали комиссию",
        "English word «charged»": lambda: "charged",
        "rare word": lambda: f"z{rng.randint(0, 19999)}",
    }
    print(machine())
    print(f"cases: {Case.objects.count():,}; customers: {Customer.objects.count():,}")
    print("| user | query | found (capped at 500) | SQL queries | p50 ms | p95 ms | max ms |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, user in (("admin (all queues)", admin), ("supervisor (3 of 4 queues)", boss)):
        for name, make in queries.items():
            search.search(user, make())  # warm-up
            times, found, sql = [], [], 0
            for _ in range(args.repeat):
                q = make()
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    result = search.search(user, q)
                    times.append((time.perf_counter() - started) * 1000)
                sql = max(sql, len(ctx.captured_queries))
                found.append(result.count)
            print(f"| {label} | {name} | {statistics.median(found):.0f} | {sql} | "
                  f"{statistics.median(times):.0f} | {p95(times):.0f} | {max(times):.0f} |",
                  flush=True)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the candidates query, supervisor, «банкоматы» and a "
          "rare word:\n")
    print(explain(boss, "банкоматы"))
    print(explain(boss, "z1234"))


if __name__ == "__main__":
    main()
