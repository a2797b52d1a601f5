"""Generic signed JSON webhook for chat widgets and social-network bridges.

In:  POST /channels/webhook/<slug>/ with headers
       X-Webhook-Timestamp: <unix seconds>
       X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
     body {"event_id", "conversation_id", "text", "customer": {"id", "name"?, "email"?,
           "phone"?}, "subject"?, "language"?}
Out: POST <callback_url> with the same signature headers and an Idempotency-Key (the outbox
     Message-ID), body {"conversation_id", "text", "case", "message_id", "purpose"}.
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from complaintdesk.cases.models import Customer
from complaintdesk.channels import http, inbound
from complaintdesk.channels.base import DeliveryError
from complaintdesk.channels.models import WebhookSource

CHANNEL = "webhook"
TOLERANCE_SECONDS = 300


class BadSignature(Exception):
    pass


class BadPayload(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(source: WebhookSource, *, timestamp: str, signature: str, body: bytes,
           now: float | None = None) -> None:
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        raise BadSignature("X-Webhook-Timestamp: unix seconds are required") from None
    if abs((now or time.time()) - ts) > TOLERANCE_SECONDS:
        raise BadSignature("X-Webhook-Timestamp is more than 300 seconds off; "
                           "a replayed or delayed request is refused")
    secret = source.signing_secret()
    if not secret:
        # Never verify against an empty key: anyone could sign with it.
        raise BadSignature("this webhook source has no secret configured")
    expected = sign(secret, timestamp, body)
    if not signature or not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise BadSignature("X-Webhook-Signature does not match the body")


@dataclass
class Event:
    event_id: str
    conversation_id: str
    text: str
    customer_id: str
    customer_name: str
    customer_email: str
    customer_phone: str
    subject: str
    language: str


def parse(body: bytes) -> Event:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadPayload([f"body: not valid JSON ({exc})"]) from None
    if not isinstance(data, dict):
        raise BadPayload(["body: a JSON object is required"])
    problems = []

    def text_field(obj, name, *, required=False, limit=300):
        value = obj.get(name, "")
        if value is None:
            value = ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            problems.append(f"{name}: must be a string")
            return ""
        if required and not value.strip():
            problems.append(f"{name}: required")
        if len(value) > limit:
            problems.append(f"{name}: at most {limit} characters")
        return value.strip()

    customer = data.get("customer")
    if not isinstance(customer, dict):
        problems.append("customer: an object with at least an 'id' is required")
        customer = {}
    event = Event(
        event_id=text_field(data, "event_id", required=True, limit=200),
        conversation_id=text_field(data, "conversation_id", required=True, limit=200),
        text=text_field(data, "text", required=True, limit=20000),
        customer_id=text_field(customer, "id", required=bool(customer), limit=90),
        customer_name=text_field(customer, "name", limit=200),
        customer_email=text_field(customer, "email", limit=254),
        customer_phone=text_field(customer, "phone", limit=32),
        subject=text_field(data, "subject", limit=300),
        language=text_field(data, "language", limit=8),
    )
    if problems:
        raise BadPayload(problems)
    return event


def receive_event(source: WebhookSource, event: Event) -> inbound.Received:
    external_id = f"{source.slug}:{event.customer_id}"
    address = f"{source.slug}:{event.conversation_id}"
    customer = Customer.objects.filter(external_id=external_id).order_by("pk").first()
    case = inbound.case_by_reference(event.text, customer) or inbound.latest_open_case(
        customer=None, channel=CHANNEL, address=address)
    return inbound.receive(inbound.Incoming(
        channel=CHANNEL, key=f"{source.slug}:{event.event_id}", case_channel=source.case_channel,
        text=event.text, reply_address=address, subject=event.subject or event.text[:80],
        customer_name=event.customer_name, customer_email=event.customer_email,
        customer_phone=event.customer_phone, customer_external_id=external_id,
        language=event.language if event.language in {"ru", "en"} else "",
        queue=source.queue, continue_case=case,
        detail={"source": source.slug, "conversation": event.conversation_id},
    ))


class WebhookSender:
    def send(self, *, row, message_id: str) -> str:
        slug, _, conversation = row.recipient.partition(":")
        source = WebhookSource.objects.filter(slug=slug, active=True).first()
        if source is None or not source.callback_url:
            raise DeliveryError(f"webhook source '{slug}' has no active callback URL")
        body = json.dumps({
            "conversation_id": conversation, "text": row.body, "subject": row.subject,
            "case": row.case.reference if row.case_id else None,
            "message_id": message_id, "purpose": row.purpose,
        }, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        resp = http.request("POST", source.callback_url, data=body, headers={
            "Content-Type": "application/json",
            "Idempotency-Key": message_id,
            "X-Webhook-Timestamp": timestamp,
            "X-Webhook-Signature": sign(source.signing_secret(), timestamp, body),
        })
        if not 200 <= resp.status < 300:
            raise DeliveryError(f"callback {source.callback_url} answered {resp.status}: "
                                f"{resp.text[:200]}")
        if isinstance(resp.body, dict) and resp.body.get("id"):
            return str(resp.body["id"])[:200]
        return message_id
