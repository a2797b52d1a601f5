"""`complaintdesk serve`: the production server answers, and a SIGTERM stops all of it."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_serve_answers_and_sigterm_stops_gunicorn_too(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(COMPLAINTDESK_VAR_DIR=str(tmp_path), COMPLAINTDESK_WARM_MODELS="0")
    server = subprocess.Popen(
        [sys.executable, "-m", "complaintdesk", "serve", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not _listening(port):
            assert server.poll() is None, "serve exited before listening"
            assert time.monotonic() < deadline, "serve did not start listening"
            time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=30) as r:
            assert r.status == 200
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) is not None
        deadline = time.monotonic() + 30
        while _listening(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _listening(port), "gunicorn kept the port after serve was stopped"
    finally:
        if server.poll() is None:
            server.kill()
