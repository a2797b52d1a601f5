"""Cases created through the HTTP API by concurrent clients against PostgreSQL and gunicorn.

    python bench/api_create_bench.py [--clients 32] [--seconds 20] [--web-workers 3]
                                     [--threads 12] [--kind claim|""] [--client wrk|python]

Creates a fresh database, serves the app with `complaintdesk serve` (gunicorn, as production
runs it, access log included) on 127.0.0.1, and drives
POST /api/v1/cases from `wrk` (Debian package; a C load generator, so the client takes little of
the two cores) with bench/api_create.lua, or from Python threads with --client python. Then it
times the same number of raw psycopg INSERTs into a plain table as the baseline, and prints JSON
with the CPU seconds the web processes and PostgreSQL spent per request, and the rate of
GET /api/v1/health on the same server (one `SELECT 1`: the ceiling of this stack on this
machine). Nothing is sent off this machine.
"""

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
PG = "postgresql://postgres@127.0.0.1:5432"
TICKS = os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=20)
    # The defaults are `complaintdesk serve`'s.
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=12)
    parser.add_argument("--kind", default="claim", help='kind sent in the body; "" lets triage decide')
    parser.add_argument("--client", choices=["wrk", "python"], default="wrk")
    parser.add_argument("--batching", action=argparse.BooleanOptionalAction, default=True,
                        help="group commit of creations (cases/batching.py), as `serve` runs")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if args.client == "wrk" and shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk, or use --client python")

    db = f"cd_bench_{os.getpid()}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {db}")
    env = {**os.environ, "DATABASE_URL": f"{PG}/{db}", "COMPLAINTDESK_LANGUAGE": "en",
           "DEBUG": "false", "API_CREATE_BATCHING": "true" if args.batching else "false"}
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
            [*run, "serve", "--no-migrate", "--bind", f"127.0.0.1:{args.port}",
             "--workers", str(args.web_workers), "--threads", str(args.threads)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        try:
            _wait_for(args.port)
            web_before, pg_before = _cpu_of_tree(server.pid), _cpu_of_postgres()
            result = _wrk(args, token) if args.client == "wrk" else _python_clients(args, token)
            web_cpu = _cpu_of_tree(server.pid) - web_before
            pg_cpu = _cpu_of_postgres() - pg_before
            if args.client == "wrk":
                # The ceiling of this server on this machine: a request that only asks the
                # database `SELECT 1`, through the same middleware, API framework and workers.
                result["health_requests_per_s"] = _wrk_get(args, "/api/v1/health")
        finally:
            server.terminate()
            server.wait(timeout=30)
        created = _count_cases(db)
        result.update(
            cases_in_database=created,
            web_cpu_ms_per_case=round(web_cpu / max(created, 1) * 1000, 2),
            postgres_cpu_ms_per_case=round(pg_cpu / max(created, 1) * 1000, 2),
        )
        result["baseline_raw_inserts_per_s"] = _baseline(db, max(created, 1000))
        result["ratio_api_vs_raw"] = round(
            result["cases_per_s"] / result["baseline_raw_inserts_per_s"], 4)
        if "health_requests_per_s" in result:
            result["ratio_api_vs_health"] = round(
                result["cases_per_s"] / result["health_requests_per_s"], 4)
        result["load_average"] = os.getloadavg()
        print(json.dumps(result, indent=2))
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


def _wait_for(port: int) -> None:
    """Until every worker answers: a few warm-up requests, not counted."""
    for _ in range(300):
        try:
            for _ in range(20):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/v1/openapi.json")
                conn.getresponse().read()
                conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def _wrk(args, token: str) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{args.clients}", f"-d{int(args.seconds)}s", "--timeout", "10s",
         "-s", str(ROOT / "bench" / "api_create.lua"), f"http://127.0.0.1:{args.port}/"],
        env={**os.environ, "CD_TOKEN": token, "CD_BODY_KIND": args.kind},
        check=True, capture_output=True, text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    stats = json.loads(line.removeprefix("WRKJSON "))
    ok = stats["requests"] - stats["non2xx"]
    return {
        "client": "wrk", "clients": args.clients, "web_workers": args.web_workers,
        "threads": args.threads, "kind": args.kind, "batching": args.batching,
        "seconds": stats["seconds"], "created": ok, "errors": stats["non2xx"],
        "socket_errors": stats["socket_errors"], "cases_per_s": round(ok / stats["seconds"], 1),
        "p50_ms": stats["p50_ms"], "p90_ms": stats["p90_ms"], "p99_ms": stats["p99_ms"],
    }


def _wrk_get(args, path: str) -> float:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{args.clients}", "-d10s", "--timeout", "10s",
         f"http://127.0.0.1:{args.port}{path}"], check=True, capture_output=True, text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("Requests/sec:"))
    return float(line.split()[1])


def _python_clients(args, token: str) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + args.seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        i = 0
        while time.perf_counter() < stop_at:
            i += 1
            payload = {"channel": "api", "text": f"ATM kept 600 RUB ({n}-{i})",
                       "amount_claimed": "600", "currency": "RUB",
                       "customer": {"email": f"c{n}-{i % 50}@example.com"}}
            if args.kind:
                payload["kind"] = args.kind
            started = time.perf_counter()
            conn.request("POST", "/api/v1/cases", body=json.dumps(payload), headers={
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
        "client": "python", "clients": args.clients, "web_workers": args.web_workers,
        "threads": args.threads, "kind": args.kind,
        "seconds": round(wall, 2), "created": len(latencies), "errors": errors[0],
        "cases_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
    }


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # utime, stime, cutime, cstime: the process and its children that have exited.
    return sum(int(f) for f in fields[11:15]) / TICKS


def _cpu_of_tree(root: int) -> float:
    children = Path(f"/proc/{root}/task/{root}/children")
    kids = [int(p) for p in children.read_text().split()] if children.exists() else []
    return _cpu_seconds(root) + sum(_cpu_of_tree(k) for k in kids)


def _cpu_of_postgres() -> float:
    total = 0.0
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if proc.joinpath("comm").read_text().strip() in ("postgres", "postmaster"):
                    total += _cpu_seconds(int(proc.name))
            except OSError:
                continue
    return total


def _count_cases(db: str) -> int:
    with psycopg.connect(f"{PG}/{db}") as conn:
        return conn.execute("SELECT count(*) FROM cases_case").fetchone()[0]


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
