"""Issue #21: a reply and an internal note are two separate, unmistakable actions; a note never
reaches the customer, and a refused message loses nothing."""

import re

import pytest
from django.core import mail
from django.test import Client

from complaintdesk.cases.models import EventType, Message, Outbox
from complaintdesk.cases.worker import run_pass


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_html(page: str, form_id: str) -> str:
    match = re.search(rf'<form[^>]*id="{form_id}".*?</form>', page, re.S)
    assert match, f"no form #{form_id}"
    return match.group(0)


@pytest.fixture
def case(make_case, frozen):
    return make_case(queue="first-line", customer_email="ivan@example.com")


def test_the_case_page_has_a_reply_box_and_a_separate_note_box(case, teammate):
    page = login(teammate).get(f"/desk/cases/{case.reference}/").content.decode()
    reply, note = form_html(page, "reply-form"), form_html(page, "note-form")
    assert 'name="direction" value="out"' in reply and 'value="note"' not in reply
    assert 'name="direction" value="note"' in note and 'value="out"' not in note
    assert "<select" not in note  # nothing to switch: the note box can only save a note
    assert 'class="btn reply"' in reply and ">Reply to customer</button>" in reply
    assert 'class="btn note"' in note and ">Internal note</button>" in note
    assert 'class="card reply-box"' in page and 'class="card note-box"' in page


def test_in_russian_the_buttons_say_reply_to_the_customer_and_internal_note(case, teammate,
                                                                             settings):
    settings.LANGUAGE_CODE = "ru"
    page = login(teammate).get(f"/desk/cases/{case.reference}/",
                               headers={"accept-language": "ru"}).content.decode()
    assert ">Ответить клиенту</button>" in form_html(page, "reply-form")
    assert ">Внутренняя заметка</button>" in form_html(page, "note-form")


def test_a_note_is_kept_on_the_case_and_never_sent(case, teammate):
    run_pass(worker_id="test", periodic=False)  # the acknowledgement goes first
    mail.outbox.clear()
    before = Outbox.objects.count()
    response = login(teammate).post(f"/desk/cases/{case.reference}/message/",
                                    {"direction": "note", "body": "Customer sounds upset."})
    assert response.status_code == 302
    note = Message.objects.get(case=case, body="Customer sounds upset.")
    assert note.direction == "note" and not note.visible_to_customer
    assert case.events.filter(type=EventType.NOTE).exists()
    assert Outbox.objects.count() == before
    run_pass(worker_id="test", periodic=False)
    assert not any("Customer sounds upset." in m.body for m in mail.outbox)
    assert "Customer sounds upset." not in Client().get(
        f"/track/{case.reference}/", {"token": case.public_token}).content.decode()


def test_a_reply_reaches_the_customer_by_email(case, teammate):
    response = login(teammate).post(f"/desk/cases/{case.reference}/message/",
                                    {"direction": "out", "body": "We refunded you today."})
    assert response.status_code == 302
    assert Outbox.objects.filter(case=case, purpose="reply").count() == 1
    run_pass(worker_id="test", periodic=False)
    sent = [m for m in mail.outbox if "We refunded you today." in m.body]
    assert len(sent) == 1 and sent[0].to == ["ivan@example.com"]


def test_a_message_without_its_direction_is_refused_not_sent_as_a_reply(case, teammate):
    client = login(teammate)
    response = client.post(f"/desk/cases/{case.reference}/message/", {"body": "Which one?"},
                           follow=True)
    assert response.status_code == 200
    assert not Message.objects.filter(case=case, body="Which one?").exists()
    assert "Type" in response.content.decode()  # the error names the missing field


def test_a_refused_reply_keeps_its_text_in_the_reply_box(case, teammate, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(teammate)
    response = client.post(f"/desk/cases/{case.reference}/message/", {
        "direction": "out", "body": "A long, careful answer.",
        "attachments": [SimpleUploadedFile("statement.pdf", b"%PDF-1.4 " + b"x" * 50)]},
        follow=True)
    page = response.content.decode()
    assert "over the limit" in page
    assert "A long, careful answer.</textarea>" in form_html(page, "reply-form")
    assert not Message.objects.filter(case=case, direction="out").exists()
    # Shown once: the next visit starts empty again.
    again = client.get(f"/desk/cases/{case.reference}/").content.decode()
    assert "A long, careful answer." not in again


def test_people_who_may_not_write_get_no_boxes_and_cannot_post(case, analyst, outsider):
    page = login(analyst).get(f"/desk/cases/{case.reference}/").content.decode()
    assert 'id="reply-form"' not in page and 'id="note-form"' not in page
    for user, status in ((analyst, 403), (outsider, 403)):
        response = login(user).post(f"/desk/cases/{case.reference}/message/",
                                    {"direction": "note", "body": "sneaky"})
        assert response.status_code == status
    assert not Message.objects.filter(body="sneaky").exists()
