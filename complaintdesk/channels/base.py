"""The channel port: one interface to deliver an outbound message, whatever the channel."""

from typing import Protocol

from django.conf import settings


class DeliveryError(Exception):
    """Delivery failed; the worker retries later with backoff."""


class Sender(Protocol):
    def send(self, *, row, message_id: str) -> str:
        """Deliver the outbox row; return the channel's id for it. `message_id` is stable across
        retries so the receiving side can drop a duplicate."""


def message_id_for(row) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.partition("@")[2] or "complaintdesk.local"
    return f"<outbox-{row.pk}@{domain}>"


def thread_id_for(case) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.partition("@")[2] or "complaintdesk.local"
    return f"<case-{case.reference}@{domain}>"


def sender_for(channel: str) -> Sender:
    from complaintdesk.channels.email import EmailSender

    senders: dict[str, Sender] = {"email": EmailSender()}
    try:
        return senders[channel]
    except KeyError:
        raise DeliveryError(f"No sender is configured for channel '{channel}'") from None
