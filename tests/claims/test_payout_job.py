"""The payout job sends each approved claim's money once, whatever fails in between."""

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from complaintdesk.claims.jobs import payout_port, run_due_payouts
from complaintdesk.claims.models import Payout
from complaintdesk.claims.payouts import ManualPayoutPort, WebhookPayoutPort


class CoreBank:
    """A core system that pays once per Idempotency-Key; it can lose its first answer."""

    def __init__(self):
        self.transfers: dict[str, str] = {}
        self.requests = 0
        self.lose_next_responses = 0
        self.lock = threading.Lock()


@pytest.fixture
def core_bank():
    bank = CoreBank()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            key = self.headers["Idempotency-Key"]
            with bank.lock:
                bank.requests += 1
                status = 201
                if key in bank.transfers:
                    status = 409
                else:
                    bank.transfers[key] = f"T{len(bank.transfers) + 1}:{body['amount']}"
                if bank.lose_next_responses:
                    # The money moved, but the answer is lost on the way back: a 502.
                    bank.lose_next_responses -= 1
                    status = 502
            payload = json.dumps({"external_id": bank.transfers[key]}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    bank.url = f"http://127.0.0.1:{server.server_address[1]}/payouts"
    yield bank
    server.shutdown()
    server.server_close()


def test_without_a_webhook_the_payout_becomes_an_instruction_on_the_timeline(
        frozen, atm_matrix, atm_claim, settings):
    settings.CLAIMS_PAYOUT_WEBHOOK_URL = ""
    case = atm_claim("600")
    assert isinstance(payout_port(), ManualPayoutPort)

    report = run_due_payouts(worker_id="w1")

    payout = Payout.objects.get(case=case)
    assert report.instructed == 1 and payout.status == "instructed" and payout.attempts == 1
    event = case.events.get(data__kind="claim_payout")
    assert event.after["payout"] == "instructed" and "600" in event.data["reason"]
    assert run_due_payouts(worker_id="w1").sent == 0


def test_a_retried_payout_never_pays_twice(frozen, atm_matrix, atm_claim, settings, core_bank):
    settings.CLAIMS_PAYOUT_WEBHOOK_URL = core_bank.url
    settings.CLAIMS_PAYOUT_WEBHOOK_SECRET = "s3cret"
    assert isinstance(payout_port(), WebhookPayoutPort)
    case = atm_claim("600")
    core_bank.lose_next_responses = 1

    first = run_due_payouts(worker_id="w1")
    payout = Payout.objects.get(case=case)
    assert first.unknown == 1 and payout.status == "unknown"
    assert payout.available_at > timezone.now()  # backed off before the retry

    frozen.shift(3600)
    second = run_due_payouts(worker_id="w2")
    payout.refresh_from_db()
    assert second.paid == 1 and payout.status == "paid" and payout.attempts == 2
    assert payout.external_id == "T1:600.00"
    frozen.shift(3600)
    assert run_due_payouts(worker_id="w3").sent == 0
    assert core_bank.requests == 2 and list(core_bank.transfers) == [f"payout:{case.pk}"]
    outcomes = [e.after["payout"] for e in case.events.filter(data__kind="claim_payout")]
    assert outcomes == ["unknown", "paid"]


def test_a_claim_taken_by_one_worker_is_not_sent_by_another(frozen, atm_matrix, atm_claim):
    case = atm_claim("600")
    calls = []

    class SlowPort:
        def pay(self, **kwargs):
            # While we are paying, a second worker runs: it must find nothing to do.
            calls.append(kwargs["idempotency_key"])
            if len(calls) == 1:
                assert run_due_payouts(worker_id="w2", port=SlowPort()).sent == 0
            return ManualPayoutPort().pay(**kwargs)

    report = run_due_payouts(worker_id="w1", port=SlowPort())
    assert report.sent == 1 and calls == [f"payout:{case.pk}"]


def test_a_worker_that_died_mid_call_is_taken_over_after_the_lease(frozen, atm_matrix, atm_claim):
    case = atm_claim("600")
    Payout.objects.filter(case=case).update(status="sending", claimed_by="dead",
                                            claimed_at=timezone.now())
    assert run_due_payouts(worker_id="w1").sent == 0
    frozen.shift(600)
    assert run_due_payouts(worker_id="w1").instructed == 1
    assert Payout.objects.get(case=case).amount == Decimal("600")
