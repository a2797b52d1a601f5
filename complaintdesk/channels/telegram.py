"""Telegram bot channel: webhook or long polling in, Bot API sendMessage out.

A customer is `tg:<user id>`; a message continues the newest open case of that chat, else opens
a case (channel "chat"). /status lists the customer's open cases, /start greets. Each update is
processed once (InboundRecord key "update:<update_id>").
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaintdesk.cases import services
from complaintdesk.cases.lifecycle import Status as S
from complaintdesk.cases.models import Channel, Customer, Outbox
from complaintdesk.channels import conf, http, inbound
from complaintdesk.channels.base import DeliveryError
from complaintdesk.channels.models import ChannelState, InboundRecord

log = logging.getLogger("complaintdesk.channels.telegram")

CHANNEL = "telegram"
MAX_TEXT = 4096
_OFFSET = "telegram:offset"


def api_url(method: str) -> str:
    token = conf.telegram_token()
    if not token:
        raise DeliveryError("TELEGRAM_BOT_TOKEN is not set")
    return f"{conf.telegram_api_base()}/bot{token}/{method}"


def call(method: str, payload: dict, *, timeout: float | None = None) -> object:
    resp = http.request("POST", api_url(method), json_body=payload, timeout=timeout)
    body = resp.body if isinstance(resp.body, dict) else {}
    if resp.status != 200 or not body.get("ok"):
        description = body.get("description") or resp.text[:200]
        raise DeliveryError(f"Telegram {method} answered {resp.status}: {description}")
    return body.get("result")


class TelegramSender:
    def send(self, *, row, message_id: str) -> str:
        text = row.body if len(row.body) <= MAX_TEXT else row.body[: MAX_TEXT - 1] + "…"
        result = call("sendMessage", {"chat_id": row.recipient, "text": text,
                                      "disable_web_page_preview": True})
        return str((result or {}).get("message_id", "")) if isinstance(result, dict) else ""


# ---------------------------------------------------------------- inbound


@dataclass
class Handled:
    outcome: str
    case_reference: str = ""
    duplicate: bool = False


def _lang(user: dict) -> str:
    code = (user.get("language_code") or "")[:2]
    return code if code in {"ru", "en"} else ""


def _say(chat_id: str, text: str, *, key: str, case=None) -> None:
    services.enqueue(case=case, purpose=Outbox.Purpose.REPLY, recipient=chat_id, subject="",
                     body=text, dedupe_key=key, channel=CHANNEL)


def handle_update(update: dict) -> Handled:
    """Process one Bot API Update object; safe to call twice with the same update."""
    update_id = update.get("update_id")
    if not isinstance(update_id, int):
        raise ValueError("update_id: an integer is required")
    key = f"update:{update_id}"
    message = update.get("message") or update.get("edited_message")
    if not isinstance(message, dict) or not isinstance(message.get("from"), dict):
        return _ignore(key, "no message")
    user, chat = message["from"], message.get("chat") or {}
    if user.get("is_bot"):
        return _ignore(key, "from a bot")
    chat_id = str(chat.get("id", user.get("id")))
    external_id = f"tg:{user['id']}"
    text = (message.get("text") or message.get("caption") or "").strip()
    lang = _lang(user)
    name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
    customer = Customer.objects.filter(external_id=external_id).order_by("pk").first()
    command = text.split()[0].split("@")[0].lower() if text.startswith("/") else ""
    if command in ("/start", "/help", "/status"):
        return _command(command, key=key, chat_id=chat_id, customer=customer, lang=lang)
    if not text:
        text = _("(a message without text: %(kind)s)") % {
            "kind": next((k for k in ("photo", "document", "voice", "sticker", "video")
                          if k in message), "other")}
    case = inbound.case_by_reference(text, customer) or inbound.latest_open_case(
        customer=customer, channel=CHANNEL, address=chat_id)
    result = inbound.receive(inbound.Incoming(
        channel=CHANNEL, key=key, case_channel=Channel.CHAT, text=text,
        reply_address=chat_id, subject=text.splitlines()[0][:80],
        customer_name=name or user.get("username", ""), customer_external_id=external_id,
        language=lang, continue_case=case, thread_key=f"{chat_id}:{message.get('message_id')}",
        detail={"chat": chat_id, "message_id": message.get("message_id")},
    ))
    return Handled(outcome=result.outcome,
                   case_reference=result.case.reference if result.case else "",
                   duplicate=result.duplicate)


def _ignore(key: str, why: str) -> Handled:
    result = inbound.ignore(channel=CHANNEL, key=key, outcome=InboundRecord.Outcome.IGNORED,
                            detail={"why": why})
    return Handled(outcome=result.outcome, duplicate=result.duplicate)


def _command(command: str, *, key: str, chat_id: str, customer, lang: str) -> Handled:
    if inbound.already(CHANNEL, key) is not None:
        return Handled(outcome=InboundRecord.Outcome.IGNORED, duplicate=True)
    with translation.override(lang or None), transaction.atomic():
        if command == "/status":
            cases = list(customer.cases.exclude(status=S.CLOSED).order_by("-received_at")[:10]
                         ) if customer else []
            if cases:
                lines = [_("Your open requests:")] + [
                    f"{c.reference} — {c.get_status_display()}"
                    + (f" ({c.subject[:60]})" if c.subject else "") for c in cases]
                text = "\n".join(lines)
            else:
                text = _("You have no open requests. Write your message here to start one.")
        else:
            text = _("Hello! Describe your problem in a message and we will register it. "
                     "Send /status to see your open requests.")
        _say(chat_id, text, key=f"tg:{key}")
        created = inbound.ignore(channel=CHANNEL, key=key, outcome=InboundRecord.Outcome.IGNORED,
                                 detail={"command": command})
    return Handled(outcome=InboundRecord.Outcome.IGNORED, duplicate=created.duplicate)


# ---------------------------------------------------------------- long polling


def _offset() -> int:
    state = ChannelState.objects.filter(name=_OFFSET).first()
    return int(state.value) if state else 0


def poll_once(*, timeout: int = 0, limit: int = 100) -> int:
    """One getUpdates call; returns the number of updates handled. Offset is kept in the DB."""
    offset = _offset()
    updates = call("getUpdates", {"offset": offset, "timeout": timeout, "limit": limit,
                                  "allowed_updates": ["message", "edited_message"]},
                   timeout=timeout + conf.http_timeout())
    handled = 0
    for update in updates or []:
        try:
            handle_update(update)
        except Exception:  # one odd update must not block the queue behind it
            log.exception("telegram update %s failed", update.get("update_id"))
        handled += 1
        new = int(update.get("update_id", 0)) + 1
        if new > offset:
            offset = new
            ChannelState.objects.update_or_create(name=_OFFSET, defaults={"value": str(offset)})
    return handled


def poll_telegram(*, timeout: int = 0) -> int:
    """For the worker pass: poll only when a token is set and no webhook secret (webhook mode).
    The outcome is kept in ChannelState `telegram:poll` for the supervisors' channels page."""
    if not conf.telegram_token() or conf.get("TELEGRAM_MODE", "") != "polling":
        return 0
    error = ""
    handled = 0
    try:
        handled = poll_once(timeout=timeout)
    except DeliveryError as exc:
        error = str(exc)
        log.warning("telegram polling: %s", exc)
    ChannelState.objects.update_or_create(
        name=POLL_STATE, defaults={"value": "error" if error else "ok",
                                   "updated_at": timezone.now(), "last_error": error[:2000]})
    return handled


POLL_STATE = "telegram:poll"
