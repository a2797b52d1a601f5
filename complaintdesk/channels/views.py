"""Inbound webhooks of the channels; errors are RFC 9457 problem details, nothing is stored
unless the request is authentic and well-formed."""

import hmac
import json
import logging

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from complaintdesk.channels import conf, sms, telegram, webhook
from complaintdesk.channels.models import WebhookSource
from complaintdesk.lib.errors import DomainError

log = logging.getLogger("complaintdesk.channels")


def problem(status: int, title: str, detail: str, **extra) -> JsonResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JsonResponse(body, status=status, content_type="application/problem+json",
                        json_dumps_params={"ensure_ascii": False})


def _body(request: HttpRequest) -> bytes | JsonResponse:
    try:
        return request.body
    except RequestDataTooBig:
        return problem(413, "Request too large", "The request body is over the size limit.")


def _json(raw: bytes) -> dict | JsonResponse:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return problem(400, "Bad request", f"The body is not valid JSON: {exc}")
    if not isinstance(data, dict):
        return problem(400, "Bad request", "The body must be a JSON object.")
    return data


def _result(result) -> JsonResponse:
    return JsonResponse({
        "outcome": result.outcome, "duplicate": result.duplicate,
        "case": result.case.reference if result.case else None,
        "message": result.message.pk if result.message else None,
    }, status=201 if result.created else 200)


def _domain_problem(exc: DomainError) -> JsonResponse:
    return problem(exc.status_code, exc.title, exc.detail, **exc.extra)


# ---------------------------------------------------------------- Telegram


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest) -> JsonResponse:
    secret = conf.telegram_webhook_secret()
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return problem(401, "Unauthorized",
                       "X-Telegram-Bot-Api-Secret-Token is missing or wrong.")
    raw = _body(request)
    if isinstance(raw, JsonResponse):
        return raw
    data = _json(raw)
    if isinstance(data, JsonResponse):
        return data
    try:
        handled = telegram.handle_update(data)
    except ValueError as exc:
        return problem(400, "Bad request", str(exc))
    except DomainError as exc:
        return _domain_problem(exc)
    return JsonResponse({"ok": True, "outcome": handled.outcome, "case": handled.case_reference,
                         "duplicate": handled.duplicate})


# ---------------------------------------------------------------- SMS gateway


def _sms_data(request: HttpRequest) -> dict | JsonResponse:
    if not sms.authorised(request):
        return problem(401, "Unauthorized", "X-Webhook-Token is missing or wrong.")
    if request.content_type == "application/x-www-form-urlencoded":
        return request.POST.dict()
    raw = _body(request)
    if isinstance(raw, JsonResponse):
        return raw
    return _json(raw)


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> JsonResponse:
    data = _sms_data(request)
    if isinstance(data, JsonResponse):
        return data
    try:
        return _result(sms.receive_sms(data))
    except ValueError as exc:
        return problem(400, "Bad request", str(exc))
    except DomainError as exc:
        return _domain_problem(exc)


@csrf_exempt
@require_POST
def sms_receipt(request: HttpRequest) -> JsonResponse:
    data = _sms_data(request)
    if isinstance(data, JsonResponse):
        return data
    try:
        record = sms.record_receipt(data)
    except ValueError as exc:
        return problem(400, "Bad request", str(exc))
    if record is None:
        return problem(404, "Not found", "No message with this gateway id was sent from here.")
    return JsonResponse({"id": record.external_id, "status": record.status})


# ---------------------------------------------------------------- generic signed webhook


@csrf_exempt
@require_POST
def generic_webhook(request: HttpRequest, slug: str) -> JsonResponse:
    source = WebhookSource.objects.filter(slug=slug, active=True).select_related("queue").first()
    if source is None:
        return problem(404, "Not found", f"There is no active webhook source '{slug}'.")
    raw = _body(request)
    if isinstance(raw, JsonResponse):
        return raw
    try:
        webhook.verify(source, timestamp=request.headers.get("X-Webhook-Timestamp", ""),
                       signature=request.headers.get("X-Webhook-Signature", ""), body=raw)
    except webhook.BadSignature as exc:
        return problem(401, "Unauthorized", str(exc))
    try:
        event = webhook.parse(raw)
    except webhook.BadPayload as exc:
        return problem(400, "Bad request", str(exc), errors=exc.problems)
    try:
        return _result(webhook.receive_event(source, event))
    except DomainError as exc:
        return _domain_problem(exc)
