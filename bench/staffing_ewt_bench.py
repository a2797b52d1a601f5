"""Latency of GET /api/v1/queues/{queue}/ewt: 1,000 requests through the full Django stack.

    python bench/staffing_ewt_bench.py [--requests 1000] [--waits 100000]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--live --port 8766]

Creates a fresh database (a temporary SQLite file, or a new PostgreSQL database when
--database-url points at a server), a configured queue and --waits answered waits spread over
the last week, then times --requests GETs with the bearer token and positions 0..49: in-process
with the Django test client (middleware, token check, queries, JSON), or with --live against
gunicorn on 127.0.0.1 (sync worker: a new TCP connection per request). Prints JSON with
mean/p50/p95/p99 in milliseconds. Not a test: no thresholds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(ms: list[float]) -> dict[str, float]:
    return {"requests": len(ms), "mean_ms": round(statistics.fmean(ms), 3),
            "p50_ms": round(percentile(ms, 0.50), 3), "p95_ms": round(percentile(ms, 0.95), 3),
            "p99_ms": round(percentile(ms, 0.99), 3), "max_ms": round(max(ms), 3)}


def prepare(waits: int) -> str:
    """Migrate, create the queue settings and answered waits; return a raw bearer token."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from complaintdesk.accounts.models import ApiToken, QueueMembership, Role, User
    from complaintdesk.cases.models import Queue
    from complaintdesk.staffing.models import AnsweredWait, QueueStaffing

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the rate limiter's counters (DB cache)
    queue = Queue.objects.get_or_create(code="first-line", defaults={"name": "1st line"})[0]
    QueueStaffing.objects.update_or_create(
        queue=queue, channel="phone",
        defaults={"agents_on_duty": 40, "aht_seconds": 300, "patience_seconds": 180,
                  "model": "erlang_a", "history_window": 5, "history_max_age_seconds": 1800})
    now = timezone.now()
    AnsweredWait.objects.bulk_create(
        [AnsweredWait(queue=queue, channel="phone", waited_seconds=float(i % 240),
                      answered_at=now - timedelta(seconds=7 * 86400 * i / waits))
         for i in range(waits)], batch_size=5000)
    user = User.objects.create_user(username=f"ivr-{os.getpid()}", role=Role.OPERATOR)
    QueueMembership.objects.create(user=user, queue=queue)
    return ApiToken.issue(user=user, name="bench")[1]


def in_process(token: str, requests: int) -> list[float]:
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    for k in range(20):  # warm-up: imports, connection, caches
        client.get("/api/v1/queues/first-line/ewt", {"position": k, "channel": "phone"})
    ms = []
    for i in range(requests):
        started = time.perf_counter()
        response = client.get("/api/v1/queues/first-line/ewt",
                              {"position": i % 50, "channel": "phone"})
        ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
    return ms


def live(token: str, requests: int, port: int, env: dict[str, str]) -> list[float]:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "complaintdesk.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--threads", "1", "--log-level", "warning"],
        cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
                break
            except OSError:
                time.sleep(0.1)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        headers = {"Authorization": f"Bearer {token}", "Connection": "keep-alive"}
        ms = []
        for i in range(requests + 20):
            started = time.perf_counter()
            conn.request("GET", f"/api/v1/queues/first-line/ewt?position={i % 50}&channel=phone",
                         headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status == 200
            if i >= 20:
                ms.append(elapsed)
        return ms
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--waits", type=int, default=100_000)
    parser.add_argument("--database-url", help="PostgreSQL server URL; default: temporary SQLite")
    parser.add_argument("--live", action="store_true", help="through gunicorn over HTTP")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--no-rate-limit", action="store_true",
                        help="STAFFING_API_PER_MINUTE=0: no cache round trip per request")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="cd-ewt-bench-")
    created_db = None
    if args.database_url:
        import psycopg

        created_db = f"cd_ewt_bench_{os.getpid()}"
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {created_db}")
        url = args.database_url.rsplit("/", 1)[0] + "/" + created_db
    else:
        url = f"sqlite:///{tmp}/bench.sqlite3"
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "COMPLAINTDESK_LANGUAGE": "en",
           "DJANGO_SETTINGS_MODULE": "complaintdesk.settings"}
    os.environ.update(env)
    import django
    from django.conf import settings

    django.setup()
    if args.no_rate_limit:
        settings.STAFFING_API_PER_MINUTE = 0
        env["STAFFING_API_PER_MINUTE"] = "0"
    try:
        token = prepare(args.waits)
        ms = live(token, args.requests, args.port, env) if args.live else in_process(
            token, args.requests)
    finally:
        if created_db:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(args.database_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE {created_db}")
    print(json.dumps({
        "endpoint": "GET /api/v1/queues/first-line/ewt?position=k&channel=phone",
        "mode": "gunicorn, 1 sync worker, new connection per request" if args.live
        else "Django test client",
        "database": "postgresql" if created_db else "sqlite",
        "answered_waits_in_table": args.waits,
        "rate_limit": "off" if args.no_rate_limit else "on (database cache)",
        **summary(ms),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
    }, indent=2))


if __name__ == "__main__":
    main()
