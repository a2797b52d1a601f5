"""The worker SIGKILLed between receive and acknowledge: nothing received is lost and nothing is
sent twice. Real processes against a real dovecot / aiosmtpd and PostgreSQL (other processes
must see the test's rows, and row locks must be real)."""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.db import connection

from complaintdesk.cases.models import Case, Message, Outbox
from complaintdesk.channels.base import message_id_for
from complaintdesk.channels.models import InboundRecord, Mailbox
from tests.channels.conftest import DOVECOT, fill_maildir, free_port, start_dovecot, stop_dovecot

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="killing worker processes needs PostgreSQL"),
]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _run(*args: str, **env: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url(), "COMPLAINTDESK_LANGUAGE": "en",
           "MEDIA_ROOT": tempfile.mkdtemp(prefix="cd-kill-media-"), **env}
    return subprocess.Popen([sys.executable, "-m", "complaintdesk", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _wait_for(predicate, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


# ---------------------------------------------------------------- inbound

N_MAILS = 300


def _mails(n: int):
    for i in range(n):
        msg = EmailMessage()
        msg["From"] = f"Customer {i} <kill{i}@example.com>"
        msg["To"] = "complaints@complaintdesk.local"
        msg["Subject"] = f"Complaint number {i}"
        msg["Message-ID"] = f"<kill-{i}@example.com>"
        msg.set_content(f"My order {1000 + i} arrived broken, please refund it.")
        yield msg.as_bytes()


@pytest.fixture
def full_mailbox(queues):
    if DOVECOT is None:
        pytest.skip("dovecot is not installed")
    root = Path(tempfile.mkdtemp(prefix="cd-dovecot-kill-"))
    fill_maildir(root, _mails(N_MAILS))
    server = start_dovecot(root)
    Mailbox.objects.create(
        name="Complaints", address="complaints@complaintdesk.local", queue=queues["first-line"],
        imap_host="127.0.0.1", imap_port=server.port, imap_ssl=False,
        username=server.user, password=server.password)
    yield server
    stop_dovecot(server)


def test_a_poller_killed_mid_mailbox_loses_no_mail_and_doubles_none(full_mailbox):
    victim = _run("channels", "poll-mail")
    started = _wait_for(lambda: InboundRecord.objects.exists() or victim.poll() is not None)
    victim.send_signal(signal.SIGKILL)
    out = victim.communicate(timeout=30)[0].decode(errors="replace")
    assert started and victim.returncode == -signal.SIGKILL, out
    recorded = InboundRecord.objects.count()
    unseen = full_mailbox.unseen()
    assert 0 < recorded < N_MAILS, "the kill came too late to test anything"
    # Some mail was recorded but never marked seen: the window between receive and acknowledge.
    assert recorded + unseen > N_MAILS, (recorded, unseen)

    survivor = _run("channels", "poll-mail")
    out = survivor.communicate(timeout=300)[0].decode(errors="replace")
    assert survivor.returncode == 0, out
    assert re.search(r"skipped [1-9]", out), out  # recorded before the kill: skipped, not redone

    assert full_mailbox.unseen() == 0
    assert InboundRecord.objects.count() == N_MAILS
    assert set(InboundRecord.objects.values_list("outcome", flat=True)) == {"created"}
    cases = Counter(Case.objects.values_list("customer__email", flat=True))
    assert len(cases) == N_MAILS and set(cases.values()) == {1}, "a mail became two cases"
    assert Message.objects.filter(direction="in").count() == 0
    acks = Counter(Outbox.objects.filter(purpose="ack").values_list("case_id", flat=True))
    assert len(acks) == N_MAILS and set(acks.values()) == {1}


# ---------------------------------------------------------------- outbound

N_ROWS = 60
KILL_AT = 20


class _KillingSMTP:
    """Records the Message-ID of every accepted mail; on the KILL_AT-th DATA it SIGKILLs the
    worker before answering, so that mail is never accepted (the worker died mid-delivery)."""

    def __init__(self):
        self.accepted: list[str] = []
        self.victim: subprocess.Popen | None = None
        self.datas = 0

    async def handle_DATA(self, server, session, envelope):
        self.datas += 1
        if self.victim is not None and self.datas == KILL_AT:
            self.victim.send_signal(signal.SIGKILL)
            self.victim.wait(timeout=30)
            return "451 4.3.0 try again later"
        text = envelope.content.decode(errors="replace")
        self.accepted += re.findall(r"^Message-ID: (<[^>]+>)", text, re.M | re.I)
        return "250 OK"


def test_a_worker_killed_while_delivering_sends_each_mail_exactly_once(queues):
    from aiosmtpd.controller import Controller

    for i in range(N_ROWS):
        Outbox.objects.create(purpose="reply", channel="email", recipient=f"c{i}@example.com",
                              subject=f"Reply {i}", body="Your case is being handled.",
                              dedupe_key=f"kill-out-{i}")
    handler = _KillingSMTP()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    smtp = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}
    try:
        victim = _run("worker", "--once", "--batch", "500", **smtp)
        handler.victim = victim
        out = victim.communicate(timeout=300)[0].decode(errors="replace")
        assert victim.returncode == -signal.SIGKILL, out
        assert len(handler.accepted) == KILL_AT - 1
        assert Outbox.objects.filter(state="sending").count() == 1  # the one being delivered
        assert Outbox.objects.filter(state="sent").count() == KILL_AT - 1

        handler.victim = None
        survivor = _run("worker", "--once", "--batch", "500", OUTBOX_LEASE_SECONDS="0", **smtp)
        out = survivor.communicate(timeout=300)[0].decode(errors="replace")
        assert survivor.returncode == 0, out
    finally:
        controller.stop()

    assert Outbox.objects.exclude(state="sent").count() == 0
    delivered = Counter(handler.accepted)
    assert set(delivered.values()) == {1}, "a mail was delivered twice"
    assert set(delivered) == {message_id_for(row) for row in Outbox.objects.all()}
