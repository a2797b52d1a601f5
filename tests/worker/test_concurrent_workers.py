"""Several worker processes at once, and one killed mid-pass: every message and every
escalation still happens exactly once. Needs PostgreSQL (separate processes, real row locks)."""

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from complaintdesk.cases import services
from complaintdesk.cases.models import Case, Event, EventType, Outbox
from tests.conftest import new_case

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="concurrent worker processes need PostgreSQL"),
]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _worker(mail_dir: Path, *extra: str, lease: int = 300, slow: float = 0.0):
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "EMAIL_BACKEND": "tests.support.slow_mail.SlowFileBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SLOW_MAIL_SECONDS": str(slow),
        "OUTBOX_LEASE_SECONDS": str(lease),
        "COMPLAINTDESK_LANGUAGE": "en",
    }
    return subprocess.Popen([sys.executable, "-m", "complaintdesk", "worker", *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _delivered_ids(mail_dir: Path) -> Counter:
    ids: Counter = Counter()
    for path in mail_dir.glob("*"):
        ids.update(re.findall(r"^Message-ID: (<outbox-\d+@[^>]+>)", path.read_text(),
                              re.MULTILINE))
    return ids


def _assert_each_message_delivered_once(delivered: Counter) -> None:
    """Every outbox row went out once: on its own, or folded into a staff-alert digest (a row
    claimed by "digest:<pk>") whose own row went out once."""
    assert set(delivered.values()) == {1}, "a message was delivered twice"
    sent_ids = {int(re.match(r"<outbox-(\d+)@", mid).group(1)) for mid in delivered}
    folded = Outbox.objects.filter(claimed_by__startswith="digest:")
    assert sent_ids == set(Outbox.objects.exclude(claimed_by__startswith="digest:")
                           .values_list("pk", flat=True))
    digests = {int(c.split(":")[1]) for c in folded.values_list("claimed_by", flat=True)}
    assert digests <= sent_ids


def _make_overdue_cases(count: int) -> None:
    long_ago = timezone.now() - timedelta(days=40)
    for i in range(count):
        services.create_case(
            data=new_case(kind="claim", text=f"claim {i}", customer_email=f"c{i}@example.com",
                          received_at=long_ago),
            actor=None,
        )


def test_two_workers_at_once_send_and_escalate_each_thing_exactly_once(queues, owner, tmp_path):
    _make_overdue_cases(40)
    workers = [_worker(tmp_path, "--once", "--batch", "500") for _ in range(2)]
    outputs = [w.communicate(timeout=180)[0].decode() for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs

    delivered = _delivered_ids(tmp_path)
    assert Outbox.objects.exclude(state="sent").count() == 0
    _assert_each_message_delivered_once(delivered)
    per_case = Counter(
        Event.objects.filter(type=EventType.ESCALATED).values_list("case_id", flat=True)
    )
    # ack overdue + breach + second level, once each, for every case.
    assert set(per_case.values()) == {3} and len(per_case) == 40
    both_worked = sum(1 for out in outputs if "deadline steps" in out)
    assert both_worked >= 1


def test_a_worker_killed_mid_pass_leaves_nothing_lost_or_doubled(queues, owner, tmp_path):
    _make_overdue_cases(12)
    victim = _worker(tmp_path, "--once", "--batch", "500", slow=0.3)
    deadline = time.time() + 60
    while not Outbox.objects.filter(state="sending").exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    assert Outbox.objects.filter(state="sending").exists(), "the kill came too late to test"

    # The dead worker's claims lapse (lease 0 here), and a survivor finishes the job.
    survivor = _worker(tmp_path, "--once", "--batch", "500", lease=0)
    out = survivor.communicate(timeout=180)[0].decode()
    assert survivor.returncode == 0, out

    assert Outbox.objects.exclude(state="sent").count() == 0
    _assert_each_message_delivered_once(_delivered_ids(tmp_path))
    per_case = Counter(
        Event.objects.filter(type=EventType.ESCALATED).values_list("case_id", flat=True)
    )
    assert set(per_case.values()) == {3} and len(per_case) == Case.objects.count()
