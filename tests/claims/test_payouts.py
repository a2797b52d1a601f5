"""Payout ports against a real local HTTP server that pays once per idempotency key."""

import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from complaintdesk.claims.payouts import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    ManualPayoutPort,
    PayoutPort,
    PayoutStatus,
    WebhookPayoutPort,
    sign,
)

SECRET = b"test-secret"


class PaymentBank:
    """What the receiving side remembers: key -> transfer id, plus every transfer made."""

    def __init__(self):
        self.paid_by_key: dict[str, str] = {}
        self.transfers: list[dict] = []
        self.lock = threading.Lock()
        self.delay_first_response_seconds = 0.0
        self.force_status: int | None = None


@pytest.fixture
def bank_server():
    bank = PaymentBank()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers[SIGNATURE_HEADER] != sign(body, secret=SECRET):
                return self._reply(401, {"error": "bad signature"})
            if bank.force_status:
                return self._reply(bank.force_status, {"error": "forced"})
            key = self.headers[IDEMPOTENCY_HEADER]
            with bank.lock:
                if key in bank.paid_by_key:
                    return self._reply(409, {"external_id": bank.paid_by_key[key]})
                external_id = f"tx-{len(bank.transfers) + 1}"
                bank.paid_by_key[key] = external_id
                bank.transfers.append(json.loads(body))
                delay, bank.delay_first_response_seconds = bank.delay_first_response_seconds, 0
            time.sleep(delay)  # paid, but the answer arrives too late for the caller
            self._reply(201, {"external_id": external_id})

        def _reply(self, status, payload):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield bank, f"http://127.0.0.1:{server.server_address[1]}/payouts"
    server.shutdown()
    server.server_close()


PAYOUT = dict(case_reference="CL-2025-0001", amount=Decimal("4999.90"), currency="RUB",
              customer_ref="cust-42")


def test_webhook_pays_and_sends_a_signed_body_with_exact_amount(bank_server):
    bank, url = bank_server
    port: PayoutPort = WebhookPayoutPort(url=url, secret=SECRET)
    result = port.pay(idempotency_key="claim-1-payout", **PAYOUT)
    assert (result.status, result.external_id) == (PayoutStatus.PAID, "tx-1")
    assert bank.transfers == [{"idempotency_key": "claim-1-payout", "amount": "4999.90",
                               "case_reference": "CL-2025-0001", "currency": "RUB",
                               "customer_ref": "cust-42"}]


def test_retry_with_the_same_key_never_pays_twice_and_returns_the_original_id(bank_server):
    bank, url = bank_server
    port = WebhookPayoutPort(url=url, secret=SECRET)
    first = port.pay(idempotency_key="claim-1-payout", **PAYOUT)
    again = port.pay(idempotency_key="claim-1-payout", **PAYOUT)
    assert again.status is PayoutStatus.PAID and again.message == "already paid"
    assert again.external_id == first.external_id == "tx-1"
    assert len(bank.transfers) == 1


def test_timeout_is_unknown_and_the_retry_reports_the_payment_made_meanwhile(bank_server):
    bank, url = bank_server
    bank.delay_first_response_seconds = 0.6
    port = WebhookPayoutPort(url=url, secret=SECRET, timeout_seconds=0.2)
    lost = port.pay(idempotency_key="claim-7-payout", **PAYOUT)
    assert lost.status is PayoutStatus.UNKNOWN
    retried = port.pay(idempotency_key="claim-7-payout", **PAYOUT)
    assert (retried.status, retried.external_id) == (PayoutStatus.PAID, "tx-1")
    assert len(bank.transfers) == 1


def test_server_errors_are_unknown_and_client_errors_are_failed(bank_server):
    bank, url = bank_server
    port = WebhookPayoutPort(url=url, secret=SECRET)
    bank.force_status = 503
    assert port.pay(idempotency_key="k", **PAYOUT).status is PayoutStatus.UNKNOWN
    bank.force_status = 422
    assert port.pay(idempotency_key="k", **PAYOUT).status is PayoutStatus.FAILED
    wrong_secret = WebhookPayoutPort(url=url, secret=b"other")
    bank.force_status = None
    assert wrong_secret.pay(idempotency_key="k", **PAYOUT).status is PayoutStatus.FAILED
    assert bank.transfers == []


def test_unreachable_receiver_is_unknown_so_the_caller_retries():
    port = WebhookPayoutPort(url="http://127.0.0.1:9/payouts", secret=SECRET, timeout_seconds=1)
    assert port.pay(idempotency_key="k", **PAYOUT).status is PayoutStatus.UNKNOWN


def test_manual_port_only_instructs_a_person():
    result = ManualPayoutPort().pay(idempotency_key="k", **PAYOUT)
    assert result.status is PayoutStatus.INSTRUCTED and result.external_id is None
    assert "4999.90 RUB" in result.message and "CL-2025-0001" in result.message
