"""SMS through an HTTP gateway: out by a configurable request, in and delivery receipts by
the gateway's webhooks (customers matched by phone)."""

import hmac
import json
import urllib.parse

from django.db import transaction
from django.utils import timezone

from complaintdesk.cases.models import Channel, Customer
from complaintdesk.cases.services import normalise_phone
from complaintdesk.channels import conf, http, inbound
from complaintdesk.channels.base import DeliveryError
from complaintdesk.channels.models import OutboundRecord

CHANNEL = "sms"


def render_body(template: str, values: dict[str, str], *, content_type: str) -> bytes:
    """Fill {to} {text} {sender} {message_id} in the gateway's body template, escaped for it."""
    out = template
    for name, value in values.items():
        if "json" in content_type:
            escaped = json.dumps(value, ensure_ascii=False)[1:-1]
        elif "x-www-form-urlencoded" in content_type:
            escaped = urllib.parse.quote_plus(value)
        else:
            escaped = value
        out = out.replace("{" + name + "}", escaped)
    return out.encode()


class SmsSender:
    def send(self, *, row, message_id: str) -> str:
        url = conf.sms_gateway_url()
        if not url:
            raise DeliveryError("SMS_GATEWAY_URL is not set")
        content_type = conf.get("SMS_GATEWAY_CONTENT_TYPE", "application/json")
        to = "+" + normalise_phone(row.recipient)
        data = render_body(conf.sms_body_template(), {
            "to": to, "text": row.body, "sender": conf.sms_sender_id(),
            "message_id": message_id.strip("<>"),
        }, content_type=content_type)
        headers = {"Content-Type": content_type, "Idempotency-Key": message_id}
        if auth := conf.sms_auth_header():
            name, _, value = auth.partition(":")
            headers[name.strip()] = value.strip()
        resp = http.request(conf.get("SMS_GATEWAY_METHOD", "POST").upper(), url, data=data,
                            headers=headers)
        if not 200 <= resp.status < 300:
            raise DeliveryError(f"SMS gateway answered {resp.status}: {resp.text[:200]}")
        external_id = ""
        if isinstance(resp.body, dict):
            external_id = str(resp.body.get(conf.sms_id_field(), "") or "")
        external_id = external_id or message_id.strip("<>")
        OutboundRecord.objects.update_or_create(
            outbox_id=row.pk, defaults={"channel": CHANNEL, "external_id": external_id[:200],
                                        "status": "accepted", "updated_at": timezone.now()})
        return external_id


# ---------------------------------------------------------------- webhooks


def authorised(request) -> bool:
    secret = conf.sms_webhook_secret()
    given = request.headers.get("X-Webhook-Token") or request.GET.get("token", "")
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


def _first(data: dict, *names: str) -> str:
    for name in names:
        if data.get(name) not in (None, ""):
            return str(data[name])
    return ""


def parse_inbound(data: dict) -> tuple[str, str, str]:
    """(phone, text, gateway id) from the common field names gateways use."""
    phone = normalise_phone(_first(data, "from", "phone", "msisdn", "sender"))
    text = _first(data, "text", "message", "body").strip()
    gateway_id = _first(data, "id", "message_id", "sms_id")
    problems = []
    if len(phone) < 7:
        problems.append("from: a phone number is required")
    if not text:
        problems.append("text: the message is empty")
    if not gateway_id:
        problems.append("id: the gateway's message id is required")
    if problems:
        raise ValueError("; ".join(problems))
    return phone, text, gateway_id


def receive_sms(data: dict) -> inbound.Received:
    phone, text, gateway_id = parse_inbound(data)
    customer = Customer.objects.filter(phone=phone).order_by("pk").first()
    case = inbound.case_by_reference(text, customer) or inbound.latest_open_case(
        customer=customer, channel=CHANNEL, address=phone)
    return inbound.receive(inbound.Incoming(
        channel=CHANNEL, key=gateway_id, case_channel=Channel.SMS, text=text,
        reply_address=phone, subject=text[:80], customer_phone=phone, continue_case=case,
    ))


def record_receipt(data: dict) -> OutboundRecord | None:
    """A delivery receipt: {"id": <gateway id>, "status": "delivered"|"failed"|…}."""
    gateway_id = _first(data, "id", "message_id", "sms_id")
    status = _first(data, "status", "state").lower()[:40]
    if not gateway_id or not status:
        raise ValueError("id and status are required")
    with transaction.atomic():
        record = (OutboundRecord.objects.select_for_update()
                  .filter(channel=CHANNEL, external_id=gateway_id).first())
        if record is None:
            return None
        record.status = status
        record.updated_at = timezone.now()
        record.receipts = [*record.receipts, {"status": status, "at": record.updated_at.isoformat(),
                                              "error": _first(data, "error", "reason")[:200]}]
        record.save(update_fields=["status", "updated_at", "receipts"])
    return record
