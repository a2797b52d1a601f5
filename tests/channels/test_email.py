"""E-mail in over IMAP (a real dovecot) and out over SMTP (a real aiosmtpd server)."""

from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from complaintdesk.cases import services
from complaintdesk.cases.models import Attachment, Case, Message, Outbox
from complaintdesk.cases.worker import run_pass
from complaintdesk.channels.base import message_id_for, thread_id_for
from complaintdesk.channels.imap import handle_mail, poll_mailboxes
from complaintdesk.channels.models import InboundRecord, Mailbox


@pytest.fixture
def mailbox(dovecot, queues):
    return Mailbox.objects.create(
        name="Complaints", address="complaints@complaintdesk.local", queue=queues["first-line"],
        imap_host="127.0.0.1", imap_port=dovecot.port, imap_ssl=False,
        username=dovecot.user, password=dovecot.password,
    )


def mail(*, subject="Torn bags", body="The courier brought paper bags; they tore.",
         sender="Ivan Petrov <ivan@example.com>", html=None, headers=None, attachments=(),
         message_id=None) -> tuple[bytes, str]:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "complaints@complaintdesk.local"
    msg["Subject"] = subject
    mid = message_id or make_msgid(domain="example.com")
    msg["Message-ID"] = mid
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, ctype, data in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(), mid


def test_a_new_mail_thread_becomes_a_case_with_the_sender_as_customer(dovecot, mailbox):
    raw, _ = mail()
    dovecot.append(raw)

    report = poll_mailboxes()

    assert report.created == 1 and not report.errors
    case = Case.objects.get()
    assert case.channel == "email"
    assert case.customer.email == "ivan@example.com"
    assert case.customer.name == "Ivan Petrov"
    assert case.subject == "Torn bags"
    assert "paper bags" in case.text
    assert case.queue == mailbox.queue
    assert dovecot.unseen() == 0
    ack = Outbox.objects.get(case=case, purpose=Outbox.Purpose.ACKNOWLEDGEMENT)
    assert (ack.channel, ack.recipient) == ("email", "ivan@example.com")


def test_polling_twice_creates_no_duplicates_even_if_the_mail_was_never_marked_seen(
        dovecot, mailbox):
    raw, _ = mail()
    dovecot.append(raw)
    poll_mailboxes()
    # The worker "died" after committing but before \Seen: make the mail unseen again.
    conn = dovecot.imap()
    conn.select("INBOX")
    conn.uid("STORE", conn.uid("SEARCH", None, "ALL")[1][0], "-FLAGS", "(\\Seen)")
    conn.logout()

    report = poll_mailboxes()

    assert report.created == 0 and report.skipped == 1
    assert Case.objects.count() == 1
    assert InboundRecord.objects.count() == 1
    assert dovecot.unseen() == 0


def test_a_reply_to_our_acknowledgement_continues_the_same_case(dovecot, mailbox):
    first, first_id = mail()
    dovecot.append(first)
    poll_mailboxes()
    case = Case.objects.get()
    ack = Outbox.objects.get(case=case)
    reply, _ = mail(subject=f"Re: [{case.reference}] We have received your request",
                    body="Here is the order number: 12345.\n\nOn Tue, Mar 3 2026 you wrote:\n> old",
                    headers={"In-Reply-To": message_id_for(ack),
                             "References": f"{thread_id_for(case)} {message_id_for(ack)}"})
    dovecot.append(reply)

    report = poll_mailboxes()

    assert report.continued == 1 and report.created == 0
    assert Case.objects.count() == 1
    message = Message.objects.get(case=case, direction="in")
    assert message.body == "Here is the order number: 12345."
    assert message.channel == "email"


def test_a_reply_threads_by_our_thread_root_or_by_the_customers_own_earlier_message_id(
        dovecot, mailbox):
    first, first_id = mail()
    dovecot.append(first)
    poll_mailboxes()
    case = Case.objects.get()
    # The customer answers their own first mail (e.g. adds something), no reference anywhere.
    follow_up, _ = mail(subject="Re: Torn bags", body="Also the eggs broke.",
                        headers={"In-Reply-To": first_id, "References": first_id})
    dovecot.append(follow_up)
    poll_mailboxes()
    assert Case.objects.count() == 1
    assert case.messages.filter(direction="in").count() == 1


def test_a_case_reference_in_the_subject_continues_the_customers_case_only(dovecot, mailbox):
    dovecot.append(mail()[0])
    poll_mailboxes()
    case = Case.objects.get()
    dovecot.append(mail(subject=f"About {case.reference}", body="Any news?")[0])
    dovecot.append(mail(subject=f"About {case.reference}", body="I am someone else",
                        sender="mallory@example.org")[0])

    report = poll_mailboxes()

    assert report.continued == 1 and report.created == 1
    assert case.messages.filter(direction="in").get().body == "Any news?"
    other = Case.objects.exclude(pk=case.pk).get()
    assert other.customer.email == "mallory@example.org"


@pytest.mark.parametrize("headers,sender,expected", [
    ({"Auto-Submitted": "auto-replied"}, "ivan@example.com", "autoreply"),
    ({"X-Autoreply": "yes"}, "ivan@example.com", "autoreply"),
    ({"Precedence": "bulk"}, "ivan@example.com", "autoreply"),
    ({}, "MAILER-DAEMON@mx.example.com", "bounce"),
    ({"X-Loop": "complaints@complaintdesk.local"}, "ivan@example.com", "loop"),
    ({}, "complaints@complaintdesk.local", "loop"),
])
def test_auto_replies_bounces_and_loops_create_nothing(dovecot, mailbox, headers, sender,
                                                       expected):
    dovecot.append(mail(headers=headers, sender=sender)[0])

    report = poll_mailboxes()

    assert report.ignored == 1
    assert Case.objects.count() == 0
    assert InboundRecord.objects.get().outcome == expected
    assert dovecot.unseen() == 0


def test_a_delivery_status_report_is_a_bounce(queues):
    raw = (b"From: Mail Delivery System <postmaster@mx.example.com>\r\n"
           b"To: complaints@complaintdesk.local\r\nSubject: Undelivered Mail\r\n"
           b"Message-ID: <b1@mx.example.com>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=XX\r\n\r\n"
           b"--XX\r\nContent-Type: text/plain\r\n\r\nfailed\r\n"
           b"--XX\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n\r\n--XX--\r\n")
    assert handle_mail(raw).outcome == "bounce"
    assert Case.objects.count() == 0


def test_a_mail_carrying_our_own_message_id_domain_is_a_loop(queues):
    raw, _ = mail(message_id="<outbox-99@complaintdesk.local>")
    assert handle_mail(raw).outcome == "loop"


def test_html_only_mail_becomes_safe_text(dovecot, mailbox):
    msg = EmailMessage()
    msg["From"] = "ivan@example.com"
    msg["Subject"] = "HTML"
    msg["Message-ID"] = make_msgid(domain="example.com")
    msg.set_content("<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
                    "<body><p>Hello,</p><p>the <b>ATM</b> took my cash &amp; kept it.</p>"
                    "<ul><li>one</li><li>two</li></ul><img src=x onerror=alert(1)></body></html>",
                    subtype="html")
    dovecot.append(msg.as_bytes())

    poll_mailboxes()

    text = Case.objects.get().text
    assert "the ATM took my cash & kept it." in text
    assert "- one" in text and "- two" in text
    assert "<" not in text and "alert" not in text and "color" not in text


def test_attachments_are_kept_and_oversize_or_forbidden_ones_are_noted(dovecot, mailbox,
                                                                       settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    raw, _ = mail(attachments=[("receipt.pdf", "application/pdf", b"%PDF-1.4 small"),
                               ("photo.png", "image/png", b"\x89PNG" + b"0" * 2000),
                               ("tool.exe", "application/octet-stream", b"MZ")])
    dovecot.append(raw)

    poll_mailboxes()

    case = Case.objects.get()
    stored = Attachment.objects.get(case=case)
    assert stored.filename == "receipt.pdf" and stored.size == len(b"%PDF-1.4 small")
    assert stored.file.read() == b"%PDF-1.4 small"
    assert "photo.png" in case.text and "limit" in case.text
    assert "tool.exe" in case.text and "not accepted" in case.text


def test_an_unreachable_mailbox_is_reported_not_raised(queues):
    from tests.channels.conftest import free_port

    box = Mailbox.objects.create(name="Down", address="down@complaintdesk.local",
                                 imap_host="127.0.0.1", imap_port=free_port(), imap_ssl=False,
                                 username="x", password="y")
    report = poll_mailboxes()
    assert report.errors and "Down" in report.errors[0]
    box.refresh_from_db()
    assert box.last_error and box.last_polled_at


def test_the_password_can_come_from_a_file(dovecot, mailbox, tmp_path):
    secret = tmp_path / "imap-password"
    secret.write_text(dovecot.password + "\n")
    Mailbox.objects.filter(pk=mailbox.pk).update(password="", password_file=str(secret))
    dovecot.append(mail()[0])
    assert poll_mailboxes().created == 1


# ---------------------------------------------------------------- outbound


def _delivered(smtp_server):
    return [message_from_bytes(content, policy=policy.default)
            for _, _, content in smtp_server.messages]


def test_an_operators_reply_reaches_the_smtp_server_threaded_under_the_customers_mail(
        dovecot, mailbox, smtp_server, teammate):
    raw, customer_mid = mail()
    dovecot.append(raw)
    poll_mailboxes()
    case = Case.objects.get()
    run_pass(worker_id="t")  # delivers the acknowledgement
    services.add_message(case=case, body="We are sorry. We refund <5 EUR> & apologise.",
                         direction="out", actor=teammate)

    run_pass(worker_id="t")

    ack, reply = _delivered(smtp_server)
    assert ack["Auto-Submitted"] == "auto-replied"
    assert smtp_server.messages[1][1] == ["ivan@example.com"]
    row = Outbox.objects.get(purpose="reply")
    assert case.reference in reply["Subject"]
    assert reply["Message-ID"] == message_id_for(row)
    assert reply["In-Reply-To"] == customer_mid
    assert reply["References"].split() == [thread_id_for(case), customer_mid]
    assert reply["From"] == "complaints@complaintdesk.local"
    plain = reply.get_body(preferencelist=("plain",)).get_content()
    html = reply.get_body(preferencelist=("html",)).get_content()
    assert "We refund <5 EUR> & apologise." in plain
    assert "&lt;5 EUR&gt; &amp; apologise" in html and "<5 EUR>" not in html
    assert 'lang="en"' in html
    assert row.state == "sent"


def test_the_customers_answer_to_our_reply_lands_in_the_same_case(dovecot, mailbox, smtp_server,
                                                                  teammate):
    raw, _ = mail()
    dovecot.append(raw)
    poll_mailboxes()
    case = Case.objects.get()
    services.add_message(case=case, body="Which order?", direction="out", actor=teammate)
    run_pass(worker_id="t")
    sent = _delivered(smtp_server)[-1]
    answer, _ = mail(subject="Re: " + sent["Subject"], body="Order 42",
                     headers={"In-Reply-To": sent["Message-ID"],
                              "References": sent["References"] + " " + sent["Message-ID"]})
    dovecot.append(answer)

    poll_mailboxes()

    assert Case.objects.count() == 1
    assert case.messages.filter(direction="in").get().body == "Order 42"


def test_a_russian_case_gets_a_russian_html_part(queues, smtp_server):
    case, _ = services.create_case(data=services.NewCase(
        channel="email", text="Банкомат не зачислил деньги", customer_email="olga@example.ru",
        language="ru"), actor=None)
    run_pass(worker_id="t")
    (ack,) = _delivered(smtp_server)
    assert case.reference in ack["Subject"]
    assert 'lang="ru"' in ack.get_body(preferencelist=("html",)).get_content()
    assert ack["In-Reply-To"] == thread_id_for(case)


def test_an_smtp_failure_is_retried_by_the_worker(queues, settings):
    from tests.channels.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    services.create_case(data=services.NewCase(channel="email", text="x",
                                               customer_email="a@example.com"), actor=None)
    report = run_pass(worker_id="t")
    assert report.failed == 1
    row = Outbox.objects.get()
    assert row.state == "pending" and "SMTP delivery failed" in row.last_error


def test_the_poll_mail_command_polls_every_active_mailbox(dovecot, mailbox):
    from io import StringIO

    from django.core.management import call_command

    dovecot.append(mail()[0])
    out = StringIO()
    call_command("channels", "poll-mail", stdout=out)
    assert "created 1" in out.getvalue()
    assert Case.objects.count() == 1
