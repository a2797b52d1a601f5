"""E-mail ingest end to end: a local dovecot with N generated mails → poll_mailboxes → cases.

    python bench/channels_imap_ingest_bench.py [--mails 10000] [--limit 1000] [--sqlite]

Generates N distinct customer mails (a tenth of them replies that continue an earlier case by
In-Reply-To, a few auto-replies that must be screened out) straight into the maildir of a
private dovecot on 127.0.0.1, creates a fresh PostgreSQL database (dropped at the end), then
times worker-style passes of `poll_mailboxes` until the mailbox is empty, and checks that every
mail became exactly one InboundRecord. Prints JSON with messages/s and the machine. Nothing
leaves this machine.
"""

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG = "postgresql://postgres@127.0.0.1:5432"

TEXTS = [
    "The courier brought my order two days late and the box was crushed. I want a refund of "
    "{n} RUB for the delivery.",
    "I was charged twice for order {n}. Please return the second payment.",
    "Your operator was rude on the phone yesterday and hung up on me.",
    "The app shows my bonus balance as zero since the update; it was {n} points.",
    "Доставка опоздала на три дня, заказ {n}. Прошу вернуть деньги за доставку.",
    "Списали деньги дважды за заказ {n}, верните, пожалуйста, лишнее списание.",
]


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "loadavg_before": [round(x, 2) for x in os.getloadavg()],
            "platform": platform.platform()}


def generate(n: int, domain: str = "bench.example") -> list[bytes]:
    rng = random.Random(8)
    mails, ids = [], []
    for i in range(n):
        msg = EmailMessage()
        msg["From"] = f"Customer {i} <customer{i}@{domain}>"
        msg["To"] = "complaints@complaintdesk.local"
        mid = f"<bench-{i}@{domain}>"
        msg["Message-ID"] = mid
        if i % 10 == 9 and ids:  # a reply in an earlier customer's thread
            parent, j = ids[rng.randrange(len(ids))]
            msg.replace_header("From", f"Customer {j} <customer{j}@{domain}>")
            msg["Subject"] = "Re: my complaint"
            msg["In-Reply-To"] = parent
            msg["References"] = parent
            msg.set_content("Any news? I am still waiting.\n\nOn Monday you wrote:\n> hello")
        elif i % 100 == 42:  # an out-of-office answer: screened, not a case
            msg["Subject"] = "Out of office"
            msg["Auto-Submitted"] = "auto-replied"
            msg.set_content("I am away until Monday.")
        else:
            msg["Subject"] = f"Complaint {i}"
            msg.set_content(rng.choice(TEXTS).format(n=1000 + i))
            ids.append((mid, i))
        mails.append(msg.as_bytes())
    return mails


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=1000, help="mails per mailbox per pass")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--profile", help="write a cProfile of the ingest here")
    args = parser.parse_args()

    info = machine()
    db = f"cd_channels_bench_{os.getpid()}"
    if args.sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    else:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {db}")
        os.environ["DATABASE_URL"] = f"{PG}/{db}"
    os.environ.setdefault("COMPLAINTDESK_LANGUAGE", "en")
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="cd-bench-media-")
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "complaintdesk.settings"
    from tests.channels.conftest import fill_maildir, start_dovecot, stop_dovecot

    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        root = Path(tempfile.mkdtemp(prefix="cd-dovecot-bench-"))
        t0 = time.perf_counter()
        fill_maildir(root, generate(args.mails))
        server = start_dovecot(root)
        info["generate_seconds"] = round(time.perf_counter() - t0, 2)
        result = run(server, args)
        result["machine"] = info
        result["database"] = "sqlite" if args.sqlite else "postgresql"
        result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        print(json.dumps(result, indent=2, ensure_ascii=False))
    finally:
        if server is not None:
            stop_dovecot(server)
        if not args.sqlite:
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {db}")


def run(server, args) -> dict:
    from django.apps import apps
    from django.db.models import Count

    from complaintdesk.cases import defaults
    from complaintdesk.cases.models import Case, Message
    from complaintdesk.channels.imap import poll_mailboxes
    from complaintdesk.channels.models import InboundRecord, Mailbox
    from complaintdesk.triage.service import triage_many

    defaults.install(apps)
    Mailbox.objects.create(name="Complaints", address="complaints@complaintdesk.local",
                           imap_host="127.0.0.1", imap_port=server.port, imap_ssl=False,
                           username=server.user, password=server.password)
    triage_many(["warm the model up"])  # a worker is long-running: the model is loaded once

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    passes, errors, per_pass = 0, [], []
    cpu0 = time.process_time()
    start = time.perf_counter()
    while True:
        t = time.perf_counter()
        report = poll_mailboxes(limit_per_mailbox=args.limit)
        n = report.created + report.continued + report.ignored + report.skipped
        if n:
            per_pass.append(round(n / (time.perf_counter() - t), 1))
        passes += 1
        errors += report.errors
        if not (report.created or report.continued or report.ignored or report.skipped):
            break
        if passes > args.mails:  # a safety stop
            break
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)

    records = InboundRecord.objects.count()
    outcomes = dict(InboundRecord.objects.values_list("outcome").annotate(n=Count("pk")))
    return {
        "mails": args.mails,
        "per_pass_limit": args.limit,
        "passes": passes,
        "messages_per_second_per_pass": per_pass,
        "seconds": round(elapsed, 2),
        "messages_per_second": round(args.mails / elapsed, 1),
        "python_cpu_seconds": round(cpu, 2),  # this process; PostgreSQL and dovecot apart
        "python_cpu_ms_per_message": round(cpu * 1000 / args.mails, 2),
        "goal_messages_per_second": 100,
        "inbound_records": records,
        "every_mail_once": records == args.mails,
        "outcomes": outcomes,
        "cases": Case.objects.count(),
        "inbound_messages": Message.objects.filter(direction="in").count(),
        "unseen_left": server.unseen(),
        "errors": errors[:5],
    }


if __name__ == "__main__":
    main()
