"""The channel port: one interface to deliver an outbound message, whatever the channel.

Every channel is one module: a `Sender` (outbound) registered here under its outbox channel key,
and an inbound entry point that hands an `inbound.Incoming` to `inbound.receive`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings


class DeliveryError(Exception):
    """Delivery failed; the worker retries later with backoff."""


class Sender(Protocol):
    def send(self, *, row, message_id: str) -> str:
        """Deliver the outbox row; return the channel's id for it. `message_id` is stable across
        retries so the receiving side can drop a duplicate."""


def our_domain() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ").lower()
    return domain or "complaintdesk.local"


def message_id_for(row) -> str:
    return f"<outbox-{row.pk}@{our_domain()}>"


def thread_id_for(case) -> str:
    return f"<case-{case.reference}@{our_domain()}>"


# ---------------------------------------------------------------- registry of senders

_FACTORIES: dict[str, Callable[[], Sender]] = {}


def register_sender(channel: str, factory: Callable[[], Sender]) -> None:
    """Make `channel` (the Outbox.channel key, at most 20 characters) deliverable."""
    if len(channel) > 20:
        raise ValueError("an outbox channel key has at most 20 characters")
    _FACTORIES[channel] = factory


def _builtin() -> None:
    if _FACTORIES.get("email") is not None:
        return
    from complaintdesk.channels.email import EmailSender
    from complaintdesk.channels.sms import SmsSender
    from complaintdesk.channels.telegram import TelegramSender
    from complaintdesk.channels.webhook import WebhookSender

    for key, factory in (("email", EmailSender), ("telegram", TelegramSender),
                         ("sms", SmsSender), ("webhook", WebhookSender)):
        _FACTORIES.setdefault(key, factory)


def sender_for(channel: str) -> Sender:
    _builtin()
    try:
        factory = _FACTORIES[channel]
    except KeyError:
        raise DeliveryError(f"No sender is configured for channel '{channel}'") from None
    return factory()


def registered_channels() -> list[str]:
    _builtin()
    return sorted(_FACTORIES)


# ---------------------------------------------------------------- where replies go


@dataclass(frozen=True)
class Delivery:
    channel: str  # Outbox.channel: the sender key ("email", "telegram", "sms", "webhook")
    recipient: str  # Outbox.recipient: address in that channel's terms ("" = nowhere)


def delivery_for(case, *, new_case: bool = False) -> Delivery:
    """Where a message to the customer of `case` goes: back through the channel the customer
    last wrote on (a registered sender), else e-mail, else SMS to the customer's phone.
    A case being created has no channel link yet, so `new_case` skips that lookup."""
    from complaintdesk.channels import conf
    from complaintdesk.channels.models import ChannelLink

    _builtin()
    link = None if new_case else (
        ChannelLink.objects.filter(case=case, channel__in=list(_FACTORIES))
        .order_by("-last_seen_at", "-pk").first())
    if link is not None and link.address:
        return Delivery(link.channel, link.address)
    customer = case.customer
    if customer.email:
        return Delivery("email", customer.email)
    if customer.phone and conf.sms_gateway_url():
        return Delivery("sms", customer.phone)
    return Delivery("email", "")


def recipient_for(case) -> str:
    return delivery_for(case).recipient


def customer_route(case, *, new_case: bool = False) -> dict[str, str]:
    """`enqueue(..., **customer_route(case))`: channel and recipient of a customer message."""
    route = delivery_for(case, new_case=new_case)
    return {"channel": route.channel, "recipient": route.recipient}
