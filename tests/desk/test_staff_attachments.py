"""Issue #21: staff attach files to replies under the customer uploads' policy (size, type by
name, and the first bytes must agree with the name); the files go out with the reply's e-mail."""

import hashlib

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from complaintdesk.cases import services
from complaintdesk.cases.models import Attachment, Message
from complaintdesk.cases.worker import run_pass
from complaintdesk.lib.errors import InvalidInput

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
ZIP = b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 60


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def case(make_case, frozen):
    return make_case(queue="first-line", customer_email="ivan@example.com")


def reply(client, case, *files, body="Your statement is attached."):
    return client.post(f"/desk/cases/{case.reference}/message/",
                       {"direction": "out", "body": body, "attachments": list(files)},
                       follow=True)


def test_a_reply_carries_its_files_to_the_customer(case, teammate):
    response = reply(login(teammate), case, SimpleUploadedFile("statement.pdf", PDF),
                     SimpleUploadedFile("photo.png", PNG))
    assert response.status_code == 200
    message = Message.objects.get(case=case, direction="out")
    files = {a.filename: a for a in message.attachments.all()}
    assert set(files) == {"statement.pdf", "photo.png"}
    assert files["statement.pdf"].sha256 == hashlib.sha256(PDF).hexdigest()
    assert files["statement.pdf"].uploaded_by == teammate
    assert case.events.filter(type="attachment", data__message_id=message.pk).count() == 2
    run_pass(worker_id="test", periodic=False)
    sent = [m for m in mail.outbox if "Your statement is attached." in m.body]
    assert len(sent) == 1
    attached = {name: (content, kind) for name, content, kind in sent[0].attachments}
    assert attached["statement.pdf"] == (PDF, "application/pdf")
    assert attached["photo.png"][0] == PNG


@pytest.mark.parametrize(("name", "content", "why"), [
    ("statement.pdf", EXE, "the content is not"),  # a program renamed
    ("photo.png", PDF, "the content is not"),  # a PDF that says it is a picture
    ("notes.txt", EXE, "the content is not"),  # binary in a text file's name
    ("report.docx", EXE, "the content is not"),
    ("setup.exe", EXE, "are not accepted"),
    ("script.html", b"<script>alert(1)</script>", "are not accepted"),
])
def test_a_file_whose_name_or_content_is_not_accepted_stops_the_reply(case, teammate, name,
                                                                      content, why):
    response = reply(login(teammate), case, SimpleUploadedFile("ok.pdf", PDF),
                     SimpleUploadedFile(name, content))
    page = response.content.decode()
    assert why in page and name in page
    assert not Message.objects.filter(case=case, direction="out").exists()
    assert not Attachment.objects.filter(case=case).exists()  # nor the good file
    assert "Your statement is attached.</textarea>" in page  # the text is kept


def test_files_over_the_size_limit_are_refused(case, teammate, settings):
    settings.ATTACHMENT_MAX_BYTES = len(PDF) - 1
    page = reply(login(teammate), case, SimpleUploadedFile("statement.pdf", PDF)) \
        .content.decode()
    assert "over the limit" in page
    assert not Message.objects.filter(case=case, direction="out").exists()


def test_plain_text_and_office_files_pass(case, teammate):
    reply(login(teammate), case, SimpleUploadedFile("notes.txt", "Оплачено 600 ₽".encode()),
          SimpleUploadedFile("table.xlsx", ZIP))
    assert set(Attachment.objects.filter(case=case).values_list("filename", flat=True)) == {
        "notes.txt", "table.xlsx"}


def test_the_same_content_check_guards_customer_uploads(case):
    with pytest.raises(InvalidInput, match="the content is not"):
        services.add_attachment(case=case, upload=SimpleUploadedFile("receipt.jpg", EXE),
                                actor=None)
    assert not Attachment.objects.exists()


def test_a_note_with_a_file_keeps_it_on_the_case_and_sends_nothing(case, teammate):
    run_pass(worker_id="test", periodic=False)
    mail.outbox.clear()
    login(teammate).post(f"/desk/cases/{case.reference}/message/", {
        "direction": "note", "body": "Scan of the letter.",
        "attachments": [SimpleUploadedFile("letter.pdf", PDF)]})
    note = Message.objects.get(case=case, direction="note")
    assert note.attachments.get().filename == "letter.pdf"
    run_pass(worker_id="test", periodic=False)
    assert mail.outbox == []
