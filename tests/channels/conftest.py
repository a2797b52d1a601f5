"""Real servers for the channel tests: Debian's dovecot (IMAP), aiosmtpd (SMTP) and a small
HTTP server speaking the Bot API / gateway protocols, all on 127.0.0.1 with free ports."""

import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists()
                                      else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class Dovecot:
    def __init__(self, root: Path, port: int, user: str, password: str, proc):
        self.root, self.port, self.user, self.password, self.proc = root, port, user, password, proc

    def imap(self):
        import imaplib

        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        conn.login(self.user, self.password)
        return conn

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        import imaplib

        conn = self.imap()
        try:
            typ, data = conn.append(folder, None, imaplib.Time2Internaldate(time.time()), raw)
            assert typ == "OK", data
        finally:
            conn.logout()

    def unseen(self, folder: str = "INBOX") -> int:
        conn = self.imap()
        try:
            conn.select(folder)
            typ, data = conn.uid("SEARCH", None, "UNSEEN")
            return len((data[0] or b"").split())
        finally:
            conn.logout()


def start_dovecot(root: Path | None = None) -> Dovecot:
    """Start a private dovecot on a free loopback port; `root/mail/desk/Maildir` is the INBOX
    (files may be put there before the start). Stop it with `stop_dovecot`."""
    if DOVECOT is None:
        raise RuntimeError("dovecot is not installed: apt-get install dovecot-imapd")
    # Mail processes may not run as root, and pytest's tmp_path is private to root: use a
    # world-traversable folder and, as root, the unprivileged 'nobody' for mail.
    root = root or Path(tempfile.mkdtemp(prefix="cd-dovecot-"))
    root.chmod(0o755)
    is_root = os.geteuid() == 0
    me = pwd.getpwuid(os.geteuid()).pw_name
    mail_user = "nobody" if is_root else me
    mail = root / "mail"
    mail.mkdir(exist_ok=True)
    if is_root:
        gid = pwd.getpwnam("nobody").pw_gid
        for path in [mail, *mail.rglob("*")]:
            os.chown(path, pwd.getpwnam("nobody").pw_uid, gid)
    port = free_port()
    user, password = "desk", "s3cret-pw"
    pw = pwd.getpwnam(mail_user)
    (root / "passwd").write_text(
        f"{user}:{{PLAIN}}{password}:{pw.pw_uid}:{pw.pw_gid}::{mail}/{user}::\n"
    )
    login_users = "" if is_root else (
        f"default_login_user = {me}\ndefault_internal_user = {me}\n"
    )
    (root / "dovecot.conf").write_text(f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {min(pw.pw_uid, 500)}
mail_location = maildir:~/Maildir
{login_users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
""")
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_port(port)
    except RuntimeError as exc:
        proc.kill()
        out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
        log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"dovecot did not start:\n{out}\n{log}") from exc
    return Dovecot(root, port, user, password, proc)


def stop_dovecot(server: Dovecot) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def dovecot():
    if DOVECOT is None:
        pytest.skip("dovecot is not installed: run scripts/ensure-dovecot (apt dovecot-imapd)")
    try:
        server = start_dovecot()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield server
    stop_dovecot(server)


# ---------------------------------------------------------------- SMTP


class _Collect:
    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller

    handler = _Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield handler
    finally:
        controller.stop()


# ---------------------------------------------------------------- HTTP (Bot API, gateways)


class FakeHTTP:
    """Records every request; `routes[(method, path)]` answers with (status, json) or a callable."""

    def __init__(self):
        self.requests: list[dict] = []
        self.routes: dict[tuple[str, str], object] = {}
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def calls(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"].split("?")[0] == path]


@pytest.fixture
def http_server():
    fake = FakeHTTP()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            path = self.path.split("?")[0]
            request = {"method": method, "path": self.path, "headers": dict(self.headers),
                       "body": body, "raw": raw}
            with fake.lock:
                fake.requests.append(request)
                answer = fake.routes.get((method, path), (404, {"ok": False,
                                                               "description": "Not Found"}))
            if callable(answer):
                answer = answer(request)
            status, payload = answer
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            self._serve("POST")

        def do_GET(self):
            self._serve("GET")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()




def fill_maildir(root: Path, mails) -> int:
    """Put raw mails straight into the INBOX maildir of a dovecot not yet started (fast: no
    IMAP APPEND); dovecot assigns UIDs when it first scans the folder."""
    maildir = root / "mail" / "desk" / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    n = 0
    stamp = int(time.time())
    for n, raw in enumerate(mails, 1):
        (maildir / "new" / f"{stamp}.M{n}P{os.getpid()}.complaintdesk").write_bytes(raw)
    return n
