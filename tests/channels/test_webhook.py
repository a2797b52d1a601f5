"""The generic signed JSON webhook for chat widgets and social networks, with callbacks."""

import json
import time

import pytest
from django.test import Client

from complaintdesk.cases import services
from complaintdesk.cases.models import Case, Outbox
from complaintdesk.cases.worker import run_pass
from complaintdesk.channels.models import InboundRecord, WebhookSource
from complaintdesk.channels.webhook import sign

SECRET = "widget-shared-secret"


@pytest.fixture
def source(queues, http_server):
    http_server.routes[("POST", "/callback")] = (200, {"id": "cb-1"})
    return WebhookSource.objects.create(slug="widget", name="Site chat", secret=SECRET,
                                        callback_url=f"{http_server.url}/callback",
                                        case_channel="chat")


def event(event_id="e1", text="My order never arrived", conversation="conv-9", **extra):
    body = {"event_id": event_id, "conversation_id": conversation, "text": text,
            "customer": {"id": "u-77", "name": "Anna", "email": "anna@example.com"}}
    body.update(extra)
    return body


def post(body, *, secret=SECRET, timestamp=None, raw: bytes | None = None, slug="widget"):
    data = raw if raw is not None else json.dumps(body).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return Client().post(f"/channels/webhook/{slug}/", data=data, content_type="application/json",
                         headers={"X-Webhook-Timestamp": ts,
                                  "X-Webhook-Signature": sign(secret, ts, data)})


def test_a_signed_event_opens_a_case_in_the_common_pool(source):
    response = post(event())
    assert response.status_code == 201
    case = Case.objects.get()
    assert response.json()["case"] == case.reference
    assert case.channel == "chat" and case.customer.external_id == "widget:u-77"


def test_the_same_conversation_continues_the_case_and_a_repeated_event_is_ignored(source):
    post(event())
    second = post(event("e2", "Any news?"))
    repeat = post(event("e2", "Any news?"))
    assert second.status_code == 200 and second.json()["outcome"] == "continued"
    assert repeat.json()["duplicate"] is True
    assert Case.objects.get().messages.get().body == "Any news?"


def test_a_bad_signature_is_401_problem_json_and_nothing_is_stored(source):
    response = post(event(), secret="not-the-secret")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert "Signature" in response.json()["detail"]
    assert Case.objects.count() == 0 and InboundRecord.objects.count() == 0


@pytest.mark.parametrize("skew", [-330, 330])  # clear of the ±300 s window on a slow machine
def test_an_old_or_future_timestamp_is_refused_as_a_replay(source, skew):
    response = post(event(), timestamp=int(time.time()) + skew)
    assert response.status_code == 401 and "300 seconds" in response.json()["detail"]
    assert Case.objects.count() == 0


@pytest.mark.parametrize("raw,needle", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (json.dumps({"event_id": "e1", "text": ""}).encode(), "conversation_id: required"),
    (json.dumps({"event_id": "e1", "conversation_id": "c", "text": "hi",
                 "customer": "anna"}).encode(), "customer:"),
])
def test_a_malformed_body_is_400_with_a_clear_message_and_stores_nothing(source, raw, needle):
    response = post(None, raw=raw)
    assert response.status_code == 400
    assert needle in response.json()["detail"]
    assert Case.objects.count() == 0 and InboundRecord.objects.count() == 0


def test_an_unknown_source_is_404(source):
    assert post(event(), slug="nope").status_code == 404


def test_replies_are_posted_to_the_callback_signed_and_with_an_idempotency_key(
        source, http_server, owner):
    post(event())
    case = Case.objects.get()
    run_pass(worker_id="t")  # the acknowledgement
    services.add_message(case=case, body="We are on it.", direction="out", actor=owner)
    run_pass(worker_id="t")

    ack, reply = http_server.calls("/callback")
    row = Outbox.objects.get(purpose="reply")
    assert (row.channel, row.recipient) == ("webhook", "widget:conv-9")
    assert reply["headers"]["Idempotency-Key"] == f"<outbox-{row.pk}@complaintdesk.local>"
    assert reply["body"]["conversation_id"] == "conv-9"
    assert reply["body"]["case"] == case.reference
    assert reply["body"]["text"].startswith("We are on it.")
    ts = reply["headers"]["X-Webhook-Timestamp"]
    assert reply["headers"]["X-Webhook-Signature"] == sign(SECRET, ts, reply["raw"])
    assert case.reference in ack["body"]["text"]


def test_a_failing_callback_is_retried_with_backoff_and_sent_once_when_it_recovers(
        source, http_server, queues):
    http_server.routes[("POST", "/callback")] = (500, {"error": "down"})
    post(event())
    assert run_pass(worker_id="t").failed == 1
    row = Outbox.objects.get()
    assert row.state == "pending" and row.available_at > row.created_at

    http_server.routes[("POST", "/callback")] = (200, {"id": "ok"})
    Outbox.objects.filter(pk=row.pk).update(available_at=row.created_at)
    assert run_pass(worker_id="t").sent == 1
    assert run_pass(worker_id="t").sent == 0
    keys = {c["headers"]["Idempotency-Key"] for c in http_server.calls("/callback")}
    assert len(http_server.calls("/callback")) == 2 and len(keys) == 1
