"""Channel settings: a Django setting of the same name wins, else the environment variable.

Kept here (not in settings.py) so the channels app stays one folder; see docs/channels.md.
"""

import logging
import os
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)


def get(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return str(value)


def telegram_api_base() -> str:
    return get("TELEGRAM_API_BASE", "https://api.telegram.org").rstrip("/")


def read_secret_file(path: str) -> str:
    """A secret kept in a file (e.g. a mounted Docker/Kubernetes secret); "" when unreadable,
    which every caller treats as "not configured" (requests are refused), never as an empty
    password that anyone could match."""
    try:
        return Path(path).read_text().strip()
    except OSError as exc:
        log.error("cannot read the secret file %s: %s", path, exc.strerror)
        return ""


def secret(name: str) -> str:
    """A secret setting: NAME itself, else the contents of the file NAME_FILE, so no secret has
    to sit in the environment or the database."""
    if value := get(name):
        return value
    if path := get(f"{name}_FILE"):
        return read_secret_file(path)
    return ""


def telegram_token() -> str:
    return secret("TELEGRAM_BOT_TOKEN")


def telegram_webhook_secret() -> str:
    return secret("TELEGRAM_WEBHOOK_SECRET")


def sms_gateway_url() -> str:
    return get("SMS_GATEWAY_URL")


def sms_body_template() -> str:
    return get("SMS_GATEWAY_BODY_TEMPLATE",
               '{"to": "{to}", "text": "{text}", "sender": "{sender}", '
               '"client_ref": "{message_id}"}')


def sms_auth_header() -> str:
    """e.g. 'Authorization: Bearer abc' — a full header line."""
    return secret("SMS_GATEWAY_AUTH_HEADER")


def sms_sender_id() -> str:
    return get("SMS_SENDER_ID", "complaintdesk")


def sms_id_field() -> str:
    return get("SMS_GATEWAY_ID_FIELD", "id")


def sms_webhook_secret() -> str:
    return secret("SMS_WEBHOOK_SECRET")


def http_timeout() -> float:
    return float(get("CHANNELS_HTTP_TIMEOUT", "15"))
