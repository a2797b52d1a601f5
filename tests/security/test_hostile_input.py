"""Hostile input gets a clear 4xx and writes nothing: NUL characters, huge numbers, extreme dates,
wrong encodings, oversized bodies and path tricks, on the API, the desk, the public form and the
tracking page (issue #20). Then the same for the file import."""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from complaintdesk.accounts.models import ApiToken
from complaintdesk.cases import services
from complaintdesk.cases.importer import import_file, load_mapping
from complaintdesk.cases.models import Attachment, Case, Customer, Event, Message
from complaintdesk.portal.forms import new_nonce
from complaintdesk.staffing.models import AnsweredWait

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
BIG = 3 * 1024 * 1024  # over DATA_UPLOAD_MAX_MEMORY_SIZE (2 MB)
NON_ASCII_TOKEN = "токен-🙂"


def case_body(**overrides) -> dict:
    body = {"channel": "email", "text": "The refund never arrived.",
            "customer": {"name": "Ivan Petrov", "email": "ivan@example.com"}}
    body.update(overrides)
    return body


def public_form(**overrides) -> dict:
    values = {"name": "Anna", "contact": "anna@example.com", "text": "The card was charged twice.",
              "remedy": "apology", "currency": "RUB", "consent": "on", "nonce": new_nonce()}
    values.update(overrides)
    return values


@dataclass
class World:
    """Clients and the one real case the probes aim at."""

    api: Client
    desk: Client
    public: Client
    case: Case
    sent: list = field(default_factory=list)


@dataclass(frozen=True)
class Probe:
    name: str
    send: Callable[[World], object]
    status: int
    says: str = ""  # a word the answer must contain (the field it names)


def api_json(path: str, body: dict | None = None, *, raw: str | bytes | None = None):
    def send(w: World):
        data = raw if raw is not None else json.dumps(body)
        return w.api.post(f"/api/v1{path}", data=data, content_type="application/json")
    return send


def api_get(path: str, **params):
    return lambda w: w.api.get(f"/api/v1{path}", params)


def ref(w: World) -> str:
    return w.case.reference


PROBES = [
    # NUL in every place a request carries text
    Probe("api body text", api_json("/cases", case_body(text="refund\u0000please")), 400, "text"),
    Probe("api nested field", api_json("/cases", case_body(customer={"name": "Iv\u0000an"})),
          400, "customer.name"),
    Probe("api message body", lambda w: w.api.post(
        f"/api/v1/cases/{ref(w)}/messages", json.dumps({"body": "hi\u0000"}),
        content_type="application/json"), 400, "body"),
    Probe("api query parameter", api_get("/cases", q="a\u0000b"), 400, "q"),
    Probe("api path segment", lambda w: w.api.get("/api/v1/cases/CD-2026-\u0000/"), 400, "path"),
    Probe("public api token", lambda w: w.public.get(
        f"/api/v1/public/cases/{ref(w)}", {"token": "\u0000"}), 400, "token"),
    Probe("tracking page token", lambda w: w.public.get(
        f"/track/{ref(w)}/", {"token": "x\u0000"}), 400, "token"),
    Probe("tracking page path", lambda w: w.public.get("/track/CD-\u0000/"), 400, "path"),
    Probe("tracking page message", lambda w: w.public.post(
        f"/track/{ref(w)}/?token={w.case.public_token}", {"body": "more\u0000info"}), 400, "body"),
    Probe("public form text", lambda w: w.public.post(
        "/complain/", public_form(text="charged\u0000twice")), 400, "text"),
    Probe("desk note", lambda w: w.desk.post(
        f"/desk/cases/{ref(w)}/message/", {"direction": "note", "body": "x\u0000"}), 400, "body"),
    Probe("desk search", lambda w: w.desk.get("/desk/", {"q": "\u0000"}), 400, "q"),
    Probe("desk new case", lambda w: w.desk.post(
        "/desk/new/", {"channel": "phone", "customer_name": "N\u0000", "text": "t",
                       "kind": "unclassified"}), 400, "customer_name"),
    # huge numbers and extreme dates
    Probe("offset 2**70", api_get("/cases", offset=2**70), 422, "offset"),
    Probe("customer id 2**70", api_get("/cases", customer=2**70), 422, "customer"),
    Probe("customer path id 2**70", api_get(f"/customers/{2**70}"), 422, "customer_id"),
    Probe("received_from year 376 at +16:12",
          api_get("/cases", received_from="0376-05-01T00:00:00+16:12"), 422, "received_from"),
    Probe("received_to as a bare number", api_get("/cases", received_to="0.5"), 422,
          "received_to"),
    Probe("answered_at year 1", api_json("/queues/first-line/answered-waits", {
        "waits": [{"waited_seconds": 5, "answered_at": "0001-01-01T00:00:00+05:00"}]}), 422,
        "answered_at"),
    Probe("received_at in 2099", api_json("/cases", case_body(
        received_at="2099-01-01T10:00:00+03:00")), 422, "received_at"),
    Probe("amount as a float", api_json("/cases", case_body(
        kind="claim", amount_claimed=10.5, currency="RUB")), 422, "amount_claimed"),
    Probe("amount of 1e300", api_json("/cases", case_body(
        kind="claim", amount_claimed="1e300", currency="RUB")), 422, "amount_claimed"),
    Probe("e-mail that is not one", api_json("/cases", case_body(
        customer={"email": "not an e-mail"})), 422, "email"),
    Probe("dashboard table from year 1", lambda w: w.api.get(
        "/api/v1/insights/tables/volumes", {"start": "0001-01-01", "end": "9999-12-31"}), 200),
    # wrong encodings
    Probe("body in latin-1", api_json("/cases", raw=json.dumps(
        case_body(text="café"), ensure_ascii=False).encode("latin-1")), 400, "JSON"),
    Probe("body in cp1251", api_json("/cases", raw=json.dumps(
        case_body(text="деньги"), ensure_ascii=False).encode("cp1251")), 400, "JSON"),
    Probe("non-ASCII token on the public API", lambda w: w.public.get(
        f"/api/v1/public/cases/{ref(w)}", {"token": NON_ASCII_TOKEN}), 404),
    Probe("non-ASCII token on the tracking page", lambda w: w.public.get(
        f"/track/{ref(w)}/", {"token": NON_ASCII_TOKEN}), 404),
    Probe("non-ASCII token on the thanks page", lambda w: w.public.get(
        f"/complain/thanks/{ref(w)}/", {"token": NON_ASCII_TOKEN}), 404),
    # oversized bodies
    Probe("oversized API body", api_json("/cases", case_body(text="x" * BIG)), 413),
    Probe("oversized public form", lambda w: w.public.post(
        "/complain/", public_form(text="x" * BIG)), 413),
    Probe("oversized desk form", lambda w: w.desk.post(
        f"/desk/cases/{ref(w)}/message/", {"direction": "note", "body": "x" * BIG}), 413),
    # files that are not what they say
    Probe("program renamed .pdf on the API", lambda w: w.api.post(
        f"/api/v1/cases/{ref(w)}/attachments",
        {"file": SimpleUploadedFile("receipt.pdf", EXE, content_type="application/pdf")}),
        422, "receipt.pdf"),
    Probe("program renamed .pdf on the public form", lambda w: w.public.post(
        "/complain/", {**public_form(), "attachments": SimpleUploadedFile(
            "receipt.pdf", EXE, content_type="application/pdf")}), 400, "receipt.pdf"),
    Probe("program renamed .txt on the API", lambda w: w.api.post(
        f"/api/v1/cases/{ref(w)}/attachments",
        {"file": SimpleUploadedFile("notes.txt", EXE, content_type="text/plain")}), 422),
    # authentication
    # CSRF checks on, as in production: the session fallback used to answer a wrong token
    # with 403 "CSRF check Failed".
    Probe("wrong bearer token", lambda w: Client(
        enforce_csrf_checks=True, HTTP_AUTHORIZATION="Bearer cd_wrong").post(
        "/api/v1/cases", json.dumps(case_body()), content_type="application/json"), 401,
        "Bearer"),
    Probe("no credentials", lambda w: Client(enforce_csrf_checks=True).post(
        "/api/v1/cases", json.dumps(case_body()), content_type="application/json"), 401,
        "Bearer"),
]


def _counts() -> dict:
    return {model.__name__: model.objects.count()
            for model in (Case, Customer, Message, Attachment, Event, AnsweredWait)}


@pytest.fixture
def world(owner, make_case, frozen, client):
    case = make_case(actor=owner)
    _, raw = ApiToken.issue(user=owner)
    desk = Client()
    desk.force_login(owner)
    return World(api=Client(HTTP_AUTHORIZATION=f"Bearer {raw}"), desk=desk, public=Client(),
                 case=case)


@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
def test_hostile_input_is_refused_with_a_clear_4xx_and_nothing_is_written(world, probe):
    before = _counts()
    response = probe.send(world)
    assert response.status_code == probe.status, response.content[:300]
    assert probe.says.lower() in response.content.decode("utf-8", "replace").lower()
    assert _counts() == before


def test_api_errors_are_problem_details_naming_the_field(world):
    response = api_json("/cases", case_body(text="a\u0000"))(world)
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 400 and "text" in response.json()["detail"]
    unauthorised = Client(HTTP_AUTHORIZATION="Bearer cd_wrong").post(
        "/api/v1/cases", "{}", content_type="application/json")
    assert unauthorised.json()["title"] == "Unauthorized"


@pytest.mark.parametrize("path", ["/api/v1/public/cases/{ref}", "/track/{ref}/",
                                  "/complain/thanks/{ref}/"])
def test_a_non_ascii_token_answers_like_an_unknown_reference(world, path):
    real = world.public.get(path.format(ref=world.case.reference), {"token": NON_ASCII_TOKEN})
    unknown = world.public.get(path.format(ref="CD-2026-999999"), {"token": NON_ASCII_TOKEN})
    assert real.status_code == unknown.status_code == 404

    def page(response, reference: str) -> bytes:  # less the reference and the CSRF token
        return re.sub(rb"[A-Za-z0-9]{64}", b"", response.content.replace(reference.encode(), b""))

    assert page(real, world.case.reference) == page(unknown, "CD-2026-999999")


def test_an_upload_larger_than_any_request_may_be_is_refused_before_it_is_read(world, settings):
    settings.REQUEST_MAX_BYTES = 64 * 1024  # files do not count in DATA_UPLOAD_MAX_MEMORY_SIZE
    before = _counts()
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * 100_000, content_type="application/pdf")
    portal = world.public.post("/complain/", {**public_form(), "attachments": big})
    big.seek(0)
    api = world.api.post(f"/api/v1/cases/{world.case.reference}/attachments", {"file": big})
    assert portal.status_code == api.status_code == 413
    assert api["Content-Type"] == "application/problem+json"
    assert _counts() == before


def test_an_attachment_name_with_directories_keeps_only_its_base_name(world):
    response = world.api.post(f"/api/v1/cases/{world.case.reference}/attachments", {
        "file": SimpleUploadedFile("../../etc/receipt.pdf", PDF, content_type="application/pdf")})
    assert response.status_code == 201 and response.json()["filename"] == "receipt.pdf"
    # Django's multipart parser drops directories itself; a caller of the service (inbound
    # e-mail, an integration) may not, and the storage used to refuse the name with an error.
    item = services.add_attachment(
        case=world.case, actor=None,
        upload=SimpleUploadedFile("..\\..\\../statement.pdf", PDF, content_type="application/pdf"))
    assert item.filename == "statement.pdf"
    assert all("/" not in a.filename and ".." not in a.file.name for a in Attachment.objects.all())


# ---------------------------------------------------------------- import

HEADER = ("Date received,Product,Sub-product,Issue,Sub-issue,Consumer complaint narrative,"
          "Company public response,Company,State,ZIP code,Tags,Consumer consent provided?,"
          "Submitted via,Date sent to company,Company response to consumer,Timely response?,"
          "Consumer disputed?,Complaint ID")


def _row(text: str, complaint_id: int) -> str:
    return (f'2020/3/18,Mortgage,,Trouble paying,,"{text}",,BANK,FL,330XX,,,'
            f"Web,2020/3/18,Closed with monetary relief,Yes,No,{complaint_id}")


def _register(tmp_path, rows: list[str], encoding: str):
    path = tmp_path / "register.csv"
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding))
    return path


def test_a_cp1251_csv_from_excel_imports_with_its_cyrillic_intact(queues, tmp_path):
    path = _register(tmp_path, [_row("Списали деньги дважды", 1), _row("Банкомат не выдал", 2)],
                     "cp1251")
    report = import_file(path, mapping=load_mapping("cfpb"))
    assert (report.created, report.errors) == (2, [])
    assert set(Case.objects.values_list("text", flat=True)) >= {"Списали деньги дважды"}


def test_a_forced_wrong_encoding_is_refused_before_anything_is_written(queues, tmp_path):
    path = _register(tmp_path, [_row("Списали деньги дважды", 1)], "cp1251")
    with pytest.raises(CommandError, match="is not utf-8"):
        call_command("import", str(path), "--mapping", "cfpb", "--encoding", "utf-8",
                     "--no-progress")
    assert not Case.objects.exists()


def test_a_row_with_a_nul_is_reported_by_number_and_the_rest_is_imported_once(queues, tmp_path):
    path = _register(tmp_path, [_row("Fine row", 1), _row("Bad\x00row", 2), _row("Also fine", 3)],
                     "utf-8")
    first = import_file(path, mapping=load_mapping("cfpb"))
    assert first.created == 2 and [n for n, _ in first.errors] == [3]
    assert "NUL" in first.errors[0][1]
    again = import_file(path, mapping=load_mapping("cfpb"))
    assert again.created == 0 and again.skipped_existing == 2
    assert Case.objects.count() == 2


def test_a_batch_whose_only_new_row_holds_a_nul_reports_it(queues, tmp_path):
    good = _register(tmp_path, [_row("Fine row", 1)], "utf-8")
    import_file(good, mapping=load_mapping("cfpb"))
    path = _register(tmp_path, [_row("Fine row", 1), _row("Bad\x00row", 2)], "utf-8")
    report = import_file(path, mapping=load_mapping("cfpb"))
    assert report.created == 0 and report.skipped_existing == 1
    assert [n for n, _ in report.errors] == [3]
