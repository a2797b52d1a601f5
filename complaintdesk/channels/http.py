"""A small JSON-over-HTTP client on the standard library, for the Bot API and gateways."""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from complaintdesk.channels import conf
from complaintdesk.channels.base import DeliveryError


@dataclass
class Response:
    status: int
    body: object
    text: str


def request(method: str, url: str, *, json_body=None, data: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float | None = None) -> Response:
    """Any HTTP answer comes back as a Response; only network failures raise DeliveryError."""
    headers = dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body, ensure_ascii=False).encode()
        headers.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout or conf.http_timeout()) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DeliveryError(f"{method} {_safe(url)} failed: {getattr(exc, 'reason', exc)}") from exc
    text = raw.decode("utf-8", errors="replace")
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    return Response(status=status, body=body, text=text)


def _safe(url: str) -> str:
    """The URL without a bot token (…/bot<token>/method)."""
    import re

    return re.sub(r"/bot[^/]+/", "/bot***/", url)
