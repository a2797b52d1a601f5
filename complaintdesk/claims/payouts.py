"""Payout port: how an approved claim's money leaves the building. No Django here.

Retries must reuse the same idempotency key: the receiver pays once per key, so a payout whose
outcome is "unknown" (timeout, 5xx) is safe to send again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_HEADER = "X-Complaintdesk-Signature"


class PayoutStatus(StrEnum):
    PAID = "paid"  # money sent; external_id identifies the transfer
    INSTRUCTED = "instructed"  # a person has been told to pay; not yet confirmed
    UNKNOWN = "unknown"  # we do not know whether it went through: retry with the same key
    FAILED = "failed"  # the receiver refused the request; retrying the same request won't help


@dataclass(frozen=True)
class PayoutResult:
    status: PayoutStatus
    external_id: str | None = None
    message: str = ""


class PayoutPort(Protocol):
    def pay(
        self,
        *,
        idempotency_key: str,
        case_reference: str,
        amount: Decimal,
        currency: str,
        customer_ref: str,
    ) -> PayoutResult: ...


def sign(body: bytes, *, secret: bytes) -> str:
    """HMAC-SHA256 of the raw request body, as the receiver should recompute it."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class WebhookPayoutPort:
    """POSTs a signed JSON payout request; 2xx and 409 (already paid) both mean paid."""

    def __init__(self, *, url: str, secret: str | bytes, timeout_seconds: float = 10.0):
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"payout webhook URL must be http(s): {url!r}")
        self.url = url
        self.secret = secret.encode() if isinstance(secret, str) else secret
        self.timeout_seconds = timeout_seconds

    def pay(
        self,
        *,
        idempotency_key: str,
        case_reference: str,
        amount: Decimal,
        currency: str,
        customer_ref: str,
    ) -> PayoutResult:
        if not idempotency_key:
            raise ValueError("idempotency_key is required: without it a retry could pay twice")
        body = json.dumps(
            {
                "idempotency_key": idempotency_key,
                "case_reference": case_reference,
                # A string keeps kopecks exact; floats would not.
                "amount": str(amount),
                "currency": currency,
                "customer_ref": customer_ref,
            },
            sort_keys=True,
        ).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                IDEMPOTENCY_HEADER: idempotency_key,
                SIGNATURE_HEADER: sign(body, secret=self.secret),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                return PayoutResult(PayoutStatus.PAID, _external_id(response.read()), "paid")
        except urllib.error.HTTPError as error:
            payload = error.read()
            if error.code == 409:
                # The receiver already paid this key: report the original transfer, not a new one.
                return PayoutResult(PayoutStatus.PAID, _external_id(payload), "already paid")
            if error.code >= 500 or error.code == 429:
                return PayoutResult(PayoutStatus.UNKNOWN, None, f"HTTP {error.code}; retry")
            return PayoutResult(PayoutStatus.FAILED, None, f"HTTP {error.code}: "
                                f"{payload[:200].decode(errors='replace')}")
        except TimeoutError as error:
            return PayoutResult(PayoutStatus.UNKNOWN, None, f"timeout: {error}; retry")
        except (urllib.error.URLError, ConnectionError) as error:
            # The request may or may not have reached the receiver; the key makes a retry safe.
            return PayoutResult(PayoutStatus.UNKNOWN, None, f"connection failed: {error}; retry")


def _external_id(payload: bytes) -> str | None:
    try:
        data = json.loads(payload or b"{}")
    except ValueError:
        return None
    value = data.get("external_id") if isinstance(data, dict) else None
    return None if value is None else str(value)


class ManualPayoutPort:
    """No integration: a person executes the payout, so the result is "instructed"."""

    def pay(
        self,
        *,
        idempotency_key: str,
        case_reference: str,
        amount: Decimal,
        currency: str,
        customer_ref: str,
    ) -> PayoutResult:
        return PayoutResult(
            PayoutStatus.INSTRUCTED,
            None,
            f"pay {amount} {currency} to {customer_ref} for {case_reference} "
            f"(key {idempotency_key})",
        )
