"""Channel settings: a Django setting of the same name wins, else the environment variable.

Kept here (not in settings.py) so the channels app stays one folder; see docs/channels.md.
"""

import os

from django.conf import settings


def get(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return str(value)


def telegram_api_base() -> str:
    return get("TELEGRAM_API_BASE", "https://api.telegram.org").rstrip("/")


def telegram_token() -> str:
    if token := get("TELEGRAM_BOT_TOKEN"):
        return token
    if path := get("TELEGRAM_BOT_TOKEN_FILE"):
        with open(path) as fh:
            return fh.read().strip()
    return ""


def telegram_webhook_secret() -> str:
    return get("TELEGRAM_WEBHOOK_SECRET")


def sms_gateway_url() -> str:
    return get("SMS_GATEWAY_URL")


def sms_body_template() -> str:
    return get("SMS_GATEWAY_BODY_TEMPLATE",
               '{"to": "{to}", "text": "{text}", "sender": "{sender}", '
               '"client_ref": "{message_id}"}')


def sms_auth_header() -> str:
    """e.g. 'Authorization: Bearer abc' — a full header line."""
    return get("SMS_GATEWAY_AUTH_HEADER")


def sms_sender_id() -> str:
    return get("SMS_SENDER_ID", "complaintdesk")


def sms_id_field() -> str:
    return get("SMS_GATEWAY_ID_FIELD", "id")


def sms_webhook_secret() -> str:
    return get("SMS_WEBHOOK_SECRET")


def http_timeout() -> float:
    return float(get("CHANNELS_HTTP_TIMEOUT", "15"))
