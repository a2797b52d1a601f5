"""The read audit: one row per view of a person's data (accounts.ReadAccess)."""

import ipaddress

from django.http import HttpRequest

from complaintdesk.accounts.models import ReadAccess, User
from complaintdesk.lib.ratelimit import client_ip


def _ip_or_none(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def record_read(*, request: HttpRequest, user: User, channel: str, kind: str, object_ref: str,
                customer_id: int | None, what: str = "") -> ReadAccess:
    """One INSERT; called after the permission check passed, so refused requests are not
    recorded as reads (their 403 is logged instead)."""
    return ReadAccess.objects.create(
        user=user if user.pk else None, user_label=user.get_username(), channel=channel,
        kind=kind, object_ref=str(object_ref)[:64], customer_id=customer_id, what=what,
        ip=_ip_or_none(client_ip(request)),
    )
