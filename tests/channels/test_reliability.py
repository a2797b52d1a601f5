"""Per-channel health for supervisors, and one channel down never blocks the others."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaintdesk.cases import worker
from complaintdesk.cases.models import Case, Outbox
from complaintdesk.cases.worker import run_pass
from complaintdesk.channels.models import ChannelState, InboundRecord, Mailbox
from complaintdesk.channels.stats import channel_stats
from tests.channels.conftest import free_port
from tests.channels.test_email import mail


def _outbox(channel: str, n: int, **fields) -> None:
    for _ in range(n):
        key = f"t-{Outbox.objects.count()}"
        Outbox.objects.create(purpose="reply", channel=channel, recipient=f"{key}@example.com",
                              subject="s", body="b", dedupe_key=key, **fields)


@pytest.fixture
def traffic(queues):
    now = timezone.now()
    for i in range(3):
        InboundRecord.objects.create(channel="email", key=f"<t{i}@x>", outcome="created")
    InboundRecord.objects.create(channel="email", key="<old@x>", outcome="created",
                                 received_at=now - timedelta(days=3))
    InboundRecord.objects.create(channel="email", key="<ooo@x>", outcome="autoreply")
    InboundRecord.objects.create(channel="telegram", key="77", outcome="continued")
    InboundRecord.objects.create(channel="email", key="<ancient@x>", outcome="created",
                                 received_at=now - timedelta(days=30))
    _outbox("email", 4, state="sent", sent_at=now)
    _outbox("email", 1, state="sent", sent_at=now - timedelta(days=2),
            created_at=now - timedelta(days=2))
    _outbox("telegram", 2, state="failed", attempts=8, last_error="HTTP 502 from the Bot API")
    _outbox("telegram", 1, state="pending", attempts=2, last_error="connection refused",
            available_at=now + timedelta(minutes=5))
    _outbox("sms", 1, state="pending")


def test_counts_per_channel_today_and_seven_days(traffic):
    rows = {r.channel: r for r in channel_stats()["channels"]}
    email, tg, sms = rows["email"], rows["telegram"], rows["sms"]
    assert (email.in_today, email.in_week, email.ignored_week) == (3, 4, 1)
    assert (email.sent_today, email.sent_week, email.failed_week) == (4, 5, 0)
    assert (tg.in_today, tg.failed_today, tg.failed_week) == (1, 2, 2)
    assert (tg.pending_now, tg.retrying_now, tg.pending_today) == (1, 1, 1)
    assert (sms.pending_now, sms.retrying_now) == (1, 0)
    assert "webhook" in rows  # every registered channel is listed, even when quiet
    today = timezone.localdate()
    assert rows["email"].days[today]["in"] == 3
    assert rows["telegram"].days[today]["failed"] == 2
    assert sum(d["sent"] for d in rows["email"].days.values()) == 5


def test_the_page_shows_counts_errors_and_mailboxes_to_supervisors_only(
        client, traffic, owner, teammate, analyst, specialist):
    Mailbox.objects.create(name="Broken", address="b@complaintdesk.local", imap_host="127.0.0.1",
                           imap_port=1, username="u", last_polled_at=timezone.now(),
                           last_error="ConnectionRefusedError: [Errno 111] Connection refused")
    client.force_login(owner)
    page = client.get("/desk/channels/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-channel="telegram"' in html
    assert "HTTP 502 from the Bot API" in html and "connection refused" in html
    assert "Connection refused" in html and "Broken" in html
    assert 'href="/desk/channels/"' in html  # the nav link
    for user in (teammate, analyst, specialist):
        client.force_login(user)
        assert client.get("/desk/channels/").status_code == 403
    client.logout()
    assert client.get("/desk/channels/").status_code == 302


def test_a_down_mailbox_and_a_down_telegram_api_block_nothing_else(
        dovecot, queues, smtp_server, settings):
    dead_port = free_port()  # nothing listens there
    broken = Mailbox.objects.create(
        name="Broken", address="broken@complaintdesk.local", imap_host="127.0.0.1",
        imap_port=dead_port, imap_ssl=False, username="x", password="y")
    good = Mailbox.objects.create(
        name="Complaints", address="complaints@complaintdesk.local", queue=queues["first-line"],
        imap_host="127.0.0.1", imap_port=dovecot.port, imap_ssl=False,
        username=dovecot.user, password=dovecot.password)
    settings.TELEGRAM_MODE = "polling"
    settings.TELEGRAM_BOT_TOKEN = "123:abc"
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    settings.TELEGRAM_API_BASE = f"http://127.0.0.1:{free_port()}"
    settings.CHANNELS_HTTP_TIMEOUT = "2"
    raw, _ = mail(subject="Lost parcel", sender="Maria <maria@example.com>")
    dovecot.append(raw)
    Outbox.objects.create(purpose="reply", channel="telegram", recipient="4242", subject="s",
                          body="Your case is being handled.", dedupe_key="tg-1")
    Outbox.objects.create(purpose="reply", channel="email", recipient="someone@example.com",
                          subject="Hello", body="A reply by e-mail.", dedupe_key="mail-1")
    worker._last_run.clear()  # the inbound job is due in this pass

    report = run_pass(worker_id="w1")

    # The good mailbox was read although the one before it is down…
    case = Case.objects.get()
    assert case.customer.email == "maria@example.com" and dovecot.unseen() == 0
    broken.refresh_from_db()
    good.refresh_from_db()
    assert broken.last_polled_at and "refused" in broken.last_error.lower()
    assert good.last_polled_at and good.last_error == ""
    # …Telegram polling failed and says so…
    state = ChannelState.objects.get(name="telegram:poll")
    assert state.value == "error" and state.last_error
    # …the Telegram reply waits for a retry with backoff, and e-mail went out regardless.
    tg = Outbox.objects.get(dedupe_key="tg-1")
    assert tg.state == "pending" and tg.last_error and tg.available_at > timezone.now()
    sent = {r.dedupe_key for r in Outbox.objects.filter(state="sent")}
    assert "mail-1" in sent and f"ack:{case.pk}" in sent
    recipients = sorted(r for _, rcpts, _ in smtp_server.messages for r in rcpts)
    assert recipients == ["maria@example.com", "someone@example.com"]
    assert report.sent == 2 and report.failed == 1
    stats = {r.channel: r for r in channel_stats()["channels"]}
    assert stats["telegram"].retrying_now == 1 and stats["email"].sent_today == 2
