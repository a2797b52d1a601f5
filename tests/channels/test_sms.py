"""SMS through an HTTP gateway (a local server): out with a template, in and receipts by webhook."""

import json

import pytest
from django.test import Client

from complaintdesk.cases import services
from complaintdesk.cases.models import Case, Customer, Outbox
from complaintdesk.cases.worker import run_pass
from complaintdesk.channels.base import delivery_for
from complaintdesk.channels.models import InboundRecord, OutboundRecord

TOKEN = "gw-token"


@pytest.fixture
def gateway(http_server, settings):
    settings.SMS_GATEWAY_URL = f"{http_server.url}/send"
    settings.SMS_GATEWAY_AUTH_HEADER = "Authorization: Bearer gw-key"
    settings.SMS_WEBHOOK_SECRET = TOKEN
    settings.SMS_SENDER_ID = "Shop"
    counter = {"n": 0}

    def send(request):
        counter["n"] += 1
        return 200, {"id": f"gw-{counter['n']}", "status": "queued"}

    http_server.routes[("POST", "/send")] = send
    return http_server


def post(path, body, token=TOKEN, content_type="application/json"):
    data = json.dumps(body) if content_type == "application/json" else body
    headers = {"X-Webhook-Token": token} if token else {}
    return Client().post(f"/channels/sms/{path}/", data=data, content_type=content_type,
                         headers=headers)


def test_an_inbound_sms_opens_a_case_for_the_customer_matched_by_phone(gateway, queues):
    known = Customer.objects.create(name="Olga", phone="79161234567")

    response = post("inbound", {"from": "+7 (916) 123-45-67", "text": "No refund yet",
                                "id": "in-1"})

    assert response.status_code == 201
    case = Case.objects.get()
    assert case.customer == known and case.channel == "sms"
    assert delivery_for(case).channel == "sms"
    assert delivery_for(case).recipient == "79161234567"


def test_the_next_sms_continues_the_case_and_a_repeated_webhook_is_ignored(gateway, queues):
    post("inbound", {"from": "89161234567", "text": "No refund yet", "id": "in-1"})
    second = post("inbound", {"from": "+79161234567", "text": "Still nothing", "id": "in-2"})
    again = post("inbound", {"from": "+79161234567", "text": "Still nothing", "id": "in-2"})

    assert second.status_code == 200 and second.json()["outcome"] == "continued"
    assert again.json()["duplicate"] is True
    case = Case.objects.get()
    assert case.messages.get().body == "Still nothing"


def test_acknowledgement_and_replies_go_out_through_the_gateway_template(gateway, queues,
                                                                         teammate):
    post("inbound", {"from": "+79161234567", "text": "The parcel is \"broken\"", "id": "in-1"})
    case = Case.objects.get()
    run_pass(worker_id="t")
    services.add_message(case=case, body='We will send a "new" one.', direction="out",
                         actor=teammate)
    run_pass(worker_id="t")

    ack, reply = gateway.calls("/send")
    assert ack["headers"]["Authorization"] == "Bearer gw-key"
    assert ack["body"]["to"] == "+79161234567" and ack["body"]["sender"] == "Shop"
    assert case.reference in ack["body"]["text"]
    assert reply["body"]["text"].startswith('We will send a "new" one.')
    row = Outbox.objects.get(purpose="reply")
    assert reply["headers"]["Idempotency-Key"] == f"<outbox-{row.pk}@complaintdesk.local>"
    assert OutboundRecord.objects.get(outbox=row).external_id == "gw-2"


def test_a_delivery_receipt_is_recorded_against_the_sent_message(gateway, queues):
    post("inbound", {"from": "+79161234567", "text": "Hello", "id": "in-1"})
    run_pass(worker_id="t")
    record = OutboundRecord.objects.get()

    response = post("receipt", {"id": record.external_id, "status": "DELIVERED"})

    assert response.status_code == 200
    record.refresh_from_db()
    assert record.status == "delivered" and record.receipts[0]["status"] == "delivered"
    assert post("receipt", {"id": "unknown", "status": "delivered"}).status_code == 404


def test_a_form_encoded_gateway_body_is_escaped_for_forms(gateway, queues, settings):
    settings.SMS_GATEWAY_CONTENT_TYPE = "application/x-www-form-urlencoded"
    settings.SMS_GATEWAY_BODY_TEMPLATE = "to={to}&msg={text}"
    post("inbound", {"from": "+79161234567", "text": "a&b", "id": "in-1"})
    run_pass(worker_id="t")
    (call,) = gateway.calls("/send")
    assert call["raw"].startswith(b"to=%2B79161234567&msg=")


def test_a_gateway_error_is_retried_later(gateway, queues):
    gateway.routes[("POST", "/send")] = (503, {"error": "busy"})
    post("inbound", {"from": "+79161234567", "text": "Hello", "id": "in-1"})
    assert run_pass(worker_id="t").failed == 1
    assert "503" in Outbox.objects.get().last_error


@pytest.mark.parametrize("token", [None, "wrong"])
def test_webhooks_without_the_token_are_refused_and_store_nothing(gateway, queues, token):
    response = post("inbound", {"from": "+79161234567", "text": "x", "id": "in-1"}, token=token)
    assert response.status_code == 401
    assert Case.objects.count() == 0 and InboundRecord.objects.count() == 0


def test_an_sms_without_a_phone_or_text_is_a_clear_400(gateway, queues):
    response = post("inbound", {"text": "", "id": "in-1"})
    assert response.status_code == 400
    assert "from:" in response.json()["detail"] and "text:" in response.json()["detail"]
    assert Case.objects.count() == 0
