"""Cases created through the HTTP API by concurrent clients against PostgreSQL and gunicorn.

    python bench/api_create_bench.py [--clients 32] [--seconds 20] [--web-workers 4]

Creates a fresh database, serves the app with gunicorn on 127.0.0.1, hammers POST /api/v1/cases
from client threads (keep-alive connections), then times the same number of raw psycopg INSERTs
into a plain table as the baseline. Prints JSON; nothing is sent off this machine.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
PG = "postgresql://postgres@127.0.0.1:5432"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    db = f"cd_bench_{os.getpid()}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {db}")
    env = {**os.environ, "DATABASE_URL": f"{PG}/{db}", "COMPLAINTDESK_LANGUAGE": "en",
           "DEBUG": "false"}
    run = [sys.executable, "-m", "complaintdesk"]
    try:
        subprocess.run([*run, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*run, "shell", "-c",
                        "from complaintdesk.accounts.models import User; "
                        "User.objects.create_user('bench', role='admin')"],
                       cwd=ROOT, env=env, check=True)
        token = subprocess.run([*run, "token", "bench"], cwd=ROOT, env=env, check=True,
                               capture_output=True, text=True).stdout.strip()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "complaintdesk.wsgi:application", "--bind",
             f"127.0.0.1:{args.port}", "--workers", str(args.web_workers), "--threads", "1",
             "--preload",
             "--worker-class", "sync", "--log-level", "warning"],
            cwd=ROOT, env=env)
        try:
            _wait_for(args.port)
            result = _load(args, token)
        finally:
            server.terminate()
            server.wait(timeout=30)
        result["baseline_raw_inserts_per_s"] = _baseline(db, result["created"])
        result["ratio_api_vs_raw"] = round(
            result["cases_per_s"] / result["baseline_raw_inserts_per_s"], 4)
        result["load_average"] = os.getloadavg()
        print(json.dumps(result, indent=2))
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


def _wait_for(port: int) -> None:
    """Until every worker answers: a few warm-up requests, not counted."""
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            for _ in range(20):
                conn.request("GET", "/api/v1/openapi.json")
                conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def _load(args, token: str) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + args.seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        i = 0
        while time.perf_counter() < stop_at:
            i += 1
            body = json.dumps({
                "channel": "api", "kind": "claim", "text": f"ATM kept 600 RUB ({n}-{i})",
                "amount_claimed": "600", "currency": "RUB",
                "customer": {"email": f"c{n}-{i % 50}@example.com"},
            })
            started = time.perf_counter()
            conn.request("POST", "/api/v1/cases", body=body, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json",
                "Idempotency-Key": f"{n}-{i}"})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                if response.status == 201:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return {
        "clients": args.clients, "web_workers": args.web_workers, "seconds": round(wall, 2),
        "created": len(latencies), "errors": errors[0],
        "cases_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
    }


def _baseline(db: str, rows: int) -> float:
    """The same number of rows as plain INSERTs, one transaction each, as the floor."""
    with psycopg.connect(f"{PG}/{db}", autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_raw (id bigserial primary key, text text, "
                     "amount numeric, created timestamptz default now())")
        started = time.perf_counter()
        for i in range(rows):
            conn.execute("INSERT INTO bench_raw (text, amount) VALUES (%s, %s)",
                         (f"ATM kept 600 RUB {i}", 600))
        return round(rows / (time.perf_counter() - started), 1)


if __name__ == "__main__":
    main()
