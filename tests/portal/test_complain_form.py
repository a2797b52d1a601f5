"""The public complaint form: validation, consent, bots, rate limit, double submit, files."""

import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaintdesk.cases.models import Attachment, Case, Outbox

pytestmark = pytest.mark.django_db

NONCE = "0123456789abcdef0123456789abcdef"


def form(**overrides):
    data = {"name": "Ivan Petrov", "contact": "ivan@example.com",
            "text": "The bottle broke, refund me its price.", "remedy": "money_back",
            "amount": "600", "currency": "RUB", "consent": "on", "nonce": NONCE, "website": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_form_page_has_a_fresh_nonce_a_honeypot_and_csrf(client, queues):
    body = client.get("/complain/").content.decode()
    assert 'name="nonce"' in body and 'name="website"' in body
    assert "csrfmiddlewaretoken" in body


def test_valid_claim_creates_a_web_case_and_shows_reference_link_and_deadline(client, queues):
    response = client.post("/complain/", form(), follow=True)
    case = Case.objects.get()
    assert case.channel == "web" and case.kind == "claim"
    assert case.amount_claimed == Decimal("600") and case.currency == "RUB"
    assert case.remedy_sought == "money_back" and case.customer.email == "ivan@example.com"
    body = response.content.decode()
    assert case.reference in body
    assert f"/track/{case.reference}/?token={case.public_token}" in body
    assert 'id="deadline"' in body
    assert Outbox.objects.filter(case=case, purpose="ack").exists()


def test_phone_contact_is_stored_as_phone(client, queues):
    client.post("/complain/", form(contact="8 (916) 123-45-67", remedy="apology", amount=""))
    customer = Case.objects.get().customer
    assert customer.phone == "79161234567" and customer.email == ""


def test_missing_consent_gives_a_clear_message_and_keeps_what_was_typed(client, queues):
    response = client.post("/complain/", form(consent=None, text="My words stay here"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "consent to process your personal data" in body
    assert "My words stay here" in body and 'value="Ivan Petrov"' in body
    assert not Case.objects.exists()


def test_money_back_needs_an_amount(client, queues):
    response = client.post("/complain/", form(amount=""))
    assert "Say how much money you want back" in response.content.decode()
    assert not Case.objects.exists()


def test_contact_must_be_an_email_or_a_phone(client, queues):
    response = client.post("/complain/", form(contact="call me maybe"))
    assert response.status_code == 400 and not Case.objects.exists()


def test_honeypot_filled_creates_nothing_but_looks_like_success(client, queues):
    response = client.post("/complain/", form(website="http://spam.example"))
    assert response.status_code == 200
    assert not Case.objects.exists()


def test_rate_limit_per_ip(client, queues, settings):
    settings.COMPLAINTDESK = {**settings.COMPLAINTDESK, "PORTAL_SUBMITS_PER_MINUTE": 2}
    for i in range(2):
        client.post("/complain/", form(nonce=f"{i:032x}", text=f"case {i}"))
    response = client.post("/complain/", form(nonce=f"{9:032x}", text="one too many"))
    assert response.status_code == 429
    assert Case.objects.count() == 2


def test_double_submit_with_the_same_nonce_creates_one_case(client, queues):
    first = client.post("/complain/", form())
    second = client.post("/complain/", form())
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_csrf_is_enforced(queues):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/complain/", form()).status_code == 403


def test_attachment_is_stored_with_its_sha256(client, queues):
    content = b"%PDF-1.4 receipt"
    upload = SimpleUploadedFile("receipt.pdf", content, content_type="application/pdf")
    client.post("/complain/", {**form(), "attachments": [upload]})
    item = Attachment.objects.get()
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.content_type == "application/pdf" and item.size == len(content)
    assert item.case.events.filter(type="attachment").exists()


def test_disallowed_or_oversized_attachment_is_refused(client, queues, settings):
    exe = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/pdf")
    response = client.post("/complain/", {**form(), "attachments": [exe]})
    assert "not accepted" in response.content.decode() and not Case.objects.exists()
    settings.ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("big.pdf", b"x" * 11, content_type="application/pdf")
    response = client.post("/complain/", {**form(), "attachments": [big]})
    assert "larger than" in response.content.decode() and not Case.objects.exists()


def test_customer_text_is_escaped_on_the_thanks_and_desk_pages(client, queues, owner):
    client.post("/complain/", form(text="<script>alert(1)</script>"))
    case = Case.objects.get()
    client.force_login(owner)
    body = client.get(f"/desk/cases/{case.reference}/").content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_no_remedy_is_preselected(client, queues):
    body = client.get("/complain/").content.decode()
    assert 'name="remedy"' in body and "checked" not in body


def test_without_a_chosen_remedy_triage_reads_the_wish_from_the_words(client, queues):
    response = client.post("/complain/", form(
        remedy=None, amount="", text="Списали 600 рублей за доставку, которой не было. "
                                     "Верните деньги."), HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.remedy_sought == "money_back"


def test_a_phone_only_submission_is_acknowledged_by_its_receipt_and_never_escalated_for_it(
        client, owner, frozen):
    from datetime import timedelta

    from complaintdesk.cases.models import EventType
    from complaintdesk.cases.worker import run_pass

    response = client.post("/complain/", form(contact="+7 916 123-45-67", remedy="apology",
                                              amount=""), follow=True)
    case = Case.objects.get()
    assert case.reference in response.content.decode()
    assert case.status == "acknowledged" and case.acknowledged_at is not None
    event = case.events.get(type=EventType.TRANSITIONED)
    assert event.after == {"status": "acknowledged", "acknowledged_via": "web_page"}
    assert not Outbox.objects.filter(case=case, purpose="ack").exists()  # no SMS gateway
    frozen.shift(timedelta(days=3))
    steps = [step for _ref, step in run_pass(worker_id="test-worker").sla_steps]
    assert "ack_overdue" not in steps
