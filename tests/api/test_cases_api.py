"""The REST API: creation, idempotency, filters, transitions, problem details, permissions."""

import json

import pytest

from complaintdesk.cases.models import Case

BODY = {
    "channel": "web",
    "text": "Банкомат не зачислил 600 рублей, верните деньги",
    "kind": "claim",
    "amount_claimed": "600.00",
    "currency": "RUB",
    "remedy_sought": "money_back",
    "customer": {"name": "Пётр", "email": "petr@example.com"},
}


def test_create_returns_201_with_reference_deadlines_and_token(api_as, owner):
    response = api_as(owner).post("/cases", BODY)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("CD-") and body["kind"] == "claim"
    assert body["queue"] == "claims" and body["status"] == "received"
    assert body["acknowledge_by"] and body["resolve_by"] and body["public_token"]


def test_retry_with_the_same_idempotency_key_returns_the_same_case(api_as, owner):
    client = api_as(owner)
    first = client.post("/cases", BODY, **{"Idempotency-Key": "abc-1"})
    again = client.post("/cases", BODY, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["reference"] == again.json()["reference"]
    assert Case.objects.count() == 1


@pytest.mark.parametrize(("raw", "fragment"), [
    ('{"text": "x", ', "not valid JSON"),
    (json.dumps({**BODY, "colour": "red"}), "colour: unknown field"),
    (json.dumps({**BODY, "kind": "rant"}), "kind"),
    (json.dumps({**BODY, "received_at": "yesterday"}), "received_at"),
    (json.dumps({**BODY, "amount_claimed": "-5"}), "amount_claimed"),
    (json.dumps({k: v for k, v in BODY.items() if k != "text"}), "text: required"),
])
def test_bad_requests_get_problem_details_and_store_nothing(api_as, owner, raw, fragment):
    response = api_as(owner).post("/cases", raw=raw)
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == response.status_code and fragment in problem["detail"]
    assert Case.objects.count() == 0


def test_oversized_body_is_413(api_as, owner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_as(owner).post("/cases", {**BODY, "text": "x" * 5000})
    assert response.status_code == 413 and Case.objects.count() == 0


def test_missing_token_is_401_problem(client, queues):
    response = client.get("/api/v1/cases")
    assert response.status_code == 401 and "Bearer" in response.json()["detail"]


def test_illegal_transition_is_409_naming_the_allowed_ones(api_as, owner):
    ref = api_as(owner).post("/cases", BODY).json()["reference"]
    response = api_as(owner).post(f"/cases/{ref}/transitions", {"to": "closed"})
    assert response.status_code == 409
    assert response.json()["allowed"] == ["acknowledged", "assessment"]


def test_full_claim_flow_over_the_api(api_as, owner, specialist):
    client = api_as(specialist)
    ref = client.post("/cases", BODY).json()["reference"]
    assert client.post(f"/cases/{ref}/assign", {"assignee": "sofia"}).json()["assignee"] == "sofia"
    for status in ("assessment", "investigation"):
        assert client.post(f"/cases/{ref}/transitions", {"to": status}).status_code == 200
    decided = client.post(f"/cases/{ref}/decision",
                          {"outcome": "upheld", "amount_paid": "600", "text": "Refunded"})
    assert decided.status_code == 200 and decided.json()["decision"]["amount_paid"] == "600.00"
    closed = client.post(f"/cases/{ref}/transitions", {"to": "closed", "customer_accepted": "yes"})
    assert closed.json()["status"] == "closed" and closed.json()["customer_accepted"] == "yes"
    types = [e["type"] for e in client.get(f"/cases/{ref}/timeline").json()]
    assert types[0] == "created" and "decision" in types


def test_list_filters_by_kind_and_text_and_pages(api_as, owner):
    client = api_as(owner)
    for i in range(3):
        client.post("/cases", {**BODY, "text": f"ATM problem {i}"})
    client.post("/cases", {**BODY, "kind": "complaint", "text": "rude staff", "amount_claimed": None,
                           "currency": ""})
    page = client.get("/cases", kind="claim", limit=2).json()
    assert page["count"] == 3 and len(page["items"]) == 2
    assert client.get("/cases", q="rude").json()["count"] == 1


def test_outsider_sees_no_first_line_cases_and_gets_403_on_one(api_as, owner, outsider):
    ref = api_as(owner).post("/cases", BODY).json()["reference"]
    client = api_as(outsider)
    assert client.get("/cases").json()["count"] == 0
    assert client.get(f"/cases/{ref}").status_code == 403


def test_analyst_sees_personal_data_masked(api_as, owner, analyst):
    ref = api_as(owner).post("/cases", BODY).json()["reference"]
    customer = api_as(analyst).get(f"/cases/{ref}").json()["customer"]
    assert customer["email"] == "p***@example.com" and "Пётр" not in customer["name"]


def test_analyst_cannot_change_a_case(api_as, owner, analyst):
    ref = api_as(owner).post("/cases", BODY).json()["reference"]
    assert api_as(analyst).post(f"/cases/{ref}/transitions", {"to": "assessment"}).status_code == 403


def test_public_status_shows_decision_and_no_internal_notes(api_as, owner, client):
    created = api_as(owner).post("/cases", BODY).json()
    ref, token = created["reference"], created["public_token"]
    api_as(owner).post(f"/cases/{ref}/messages", {"body": "internal only", "direction": "note"})
    api_as(owner).post(f"/cases/{ref}/messages", {"body": "We are looking into it"})
    body = client.get(f"/api/v1/public/cases/{ref}", {"token": token}).json()
    assert body["stage"] == "received"
    texts = [m["body"] for m in body["messages"]]
    assert "We are looking into it" in texts and "internal only" not in texts


def test_public_status_wrong_token_and_unknown_reference_look_the_same(api_as, owner, client):
    ref = api_as(owner).post("/cases", BODY).json()["reference"]
    wrong = client.get(f"/api/v1/public/cases/{ref}", {"token": "nope"})
    unknown = client.get("/api/v1/public/cases/CD-2026-999999", {"token": "nope"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()


def test_public_status_is_rate_limited(client, queues):
    codes = [client.get("/api/v1/public/cases/CD-1", {"token": "x"}).status_code
             for _ in range(35)]
    assert codes.count(429) >= 5


def test_incident_links_cases_and_answers_them_all(api_as, owner):
    client = api_as(owner)
    refs = [client.post("/cases", {**BODY, "kind": "complaint", "amount_claimed": None,
                                   "currency": "", "text": f"app down {i}"}).json()["reference"]
            for i in range(2)]
    incident = client.post("/incidents", {"title": "App outage"}).json()
    linked = client.post(f"/incidents/{incident['id']}/cases", {"references": refs + ["CD-0"]})
    assert linked.json()["done"] == refs and "CD-0" in linked.json()["failed"]
    answered = client.post(f"/incidents/{incident['id']}/answer",
                           {"body": "Fixed now", "resolve": True}).json()
    assert sorted(answered["decided"]) == sorted(refs)


def test_openapi_schema_is_served(client, queues):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/cases" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_attachment_is_stored_with_its_hash_and_put_on_the_timeline(api_as, owner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api_as(owner)
    ref = client.post("/cases", BODY).json()["reference"]
    upload = SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 receipt", content_type="application/pdf")
    response = client.client.post(f"/api/v1/cases/{ref}/attachments", {"file": upload})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["size"] == 16 and len(body["sha256"]) == 64
    types = [e["type"] for e in client.get(f"/cases/{ref}/timeline").json()]
    assert "attachment" in types


def test_attachment_of_a_forbidden_type_or_size_is_422_and_not_stored(api_as, owner, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from complaintdesk.cases.models import Attachment

    client = api_as(owner)
    ref = client.post("/cases", BODY).json()["reference"]
    script = SimpleUploadedFile("run.exe", b"MZ...", content_type="application/pdf")
    bad_type = client.client.post(f"/api/v1/cases/{ref}/attachments", {"file": script})
    settings.ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("big.pdf", b"x" * 11, content_type="application/pdf")
    too_big = client.client.post(f"/api/v1/cases/{ref}/attachments", {"file": big})
    assert bad_type.status_code == too_big.status_code == 422
    assert "not accepted" in bad_type.json()["detail"] and "over the limit" in too_big.json()["detail"]
    assert Attachment.objects.count() == 0


def test_a_phone_case_keeps_its_call_id_and_duration(api_as, owner):
    body = {**BODY, "channel": "phone", "call_id": "asterisk-1700000000.42",
            "call_duration_seconds": 312, "customer": {"phone": "+79001234567"}}
    created = api_as(owner).post("/cases", body)
    assert created.status_code == 201
    case = Case.objects.get(reference=created.json()["reference"])
    assert (case.call_id, case.call_duration_seconds) == ("asterisk-1700000000.42", 312)
    email_body = {**BODY, "call_id": "x"}
    assert api_as(owner).post("/cases", email_body).status_code == 422


def test_merging_two_customer_records_moves_their_cases_and_records_it(api_as, owner):
    from complaintdesk.cases.models import Customer

    client = api_as(owner)
    first = client.post("/cases", {**BODY, "customer": {"email": "anna@example.com"}}).json()
    second = client.post("/cases", {**BODY, "text": "ещё раз про банкомат",
                                    "customer": {"phone": "+79005554433"}}).json()
    keep, merge = first["customer"]["id"], second["customer"]["id"]
    merged = client.post(f"/customers/{keep}/merge", {"merge": merge})
    assert merged.status_code == 200, merged.content
    assert {c["reference"] for c in merged.json()["cases"]} == {first["reference"],
                                                                second["reference"]}
    kept = Customer.objects.get(pk=keep)
    assert kept.phone == "79005554433" and not Customer.objects.filter(pk=merge).exists()
    types = [e["type"] for e in client.get(f"/cases/{second['reference']}/timeline").json()]
    assert "customer_merged" in types


def test_an_operator_cannot_merge_customers(api_as, owner, teammate):
    client = api_as(owner)
    a = client.post("/cases", {**BODY, "customer": {"email": "a@example.com"}}).json()
    b = client.post("/cases", {**BODY, "customer": {"email": "b@example.com"}}).json()
    response = api_as(teammate).post(f"/customers/{a['customer']['id']}/merge",
                                     {"merge": b["customer"]["id"]})
    assert response.status_code == 403
