"""The monthly cap: auto-approval pauses once paying would exceed it, with one alert a month."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections

from complaintdesk.cases.models import Outbox
from complaintdesk.claims.auto import paid_this_month
from complaintdesk.claims.models import ClaimEvaluation, Payout
from tests.claims.conftest import make_matrix
from tests.conftest import new_case


def test_when_the_cap_would_be_exceeded_the_claim_is_investigated_with_one_alert_a_month(
        frozen, queues, owner, atm_claim):
    matrix = make_matrix(cap="1000")
    approved = atm_claim("600", email="a@example.com")
    held = atm_claim("600", email="b@example.com")
    fits = atm_claim("400", email="c@example.com")  # 600 + 400 reaches the cap exactly
    also_held = atm_claim("100", email="d@example.com")

    assert approved.status == "decided" and fits.status == "decided"
    assert held.status != "decided" and also_held.status != "decided"
    assert paid_this_month(matrix, at=held.received_at) == Decimal("1000")
    evaluation = ClaimEvaluation.objects.get(case=held)
    assert evaluation.rule_outcome == "auto_approve" and evaluation.outcome == "investigate"
    assert evaluation.reason == "budget cap reached"
    event = held.events.get(data__kind="claim_matrix")
    assert Decimal(event.data["paid_this_month"]) == 600 and Decimal(event.data["monthly_cap"]) == 1000
    alerts = Outbox.objects.filter(dedupe_key__startswith="claims-cap:")
    assert alerts.count() == 1 and alerts.get().recipient == owner.email
    assert "2026-03" in alerts.get().subject


def test_a_new_month_restores_the_budget_and_may_alert_again(frozen, queues, owner, atm_claim):
    make_matrix(cap="600")
    atm_claim("600", email="a@example.com")
    atm_claim("600", email="b@example.com")
    frozen.shift(timedelta(days=31))
    again = atm_claim("600", email="c@example.com")
    atm_claim("600", email="d@example.com")
    assert again.status == "decided"
    assert Outbox.objects.filter(dedupe_key__startswith="claims-cap:").count() == 2


def test_a_new_version_does_not_reset_the_months_budget(frozen, queues, atm_claim):
    first = make_matrix(cap="600")
    atm_claim("600", email="a@example.com")
    type(first).objects.filter(pk=first.pk).update(active=False)
    make_matrix(cap="600", version=2)
    held = atm_claim("600", email="b@example.com")
    assert held.status != "decided"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_cannot_both_slip_under_the_cap(queues):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL")
    from complaintdesk.cases import services

    make_matrix(cap="1000")
    barrier = threading.Barrier(6)
    errors = []

    def register(i):
        try:
            barrier.wait()
            services.create_case(data=new_case(
                kind="claim", topic="cards-atm-cash", amount_claimed=Decimal("600"),
                currency="RUB", customer_email=f"race{i}@example.com"), actor=None)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Payout.objects.count() == 1
    assert ClaimEvaluation.objects.filter(reason="budget cap reached").count() == 5


def test_the_cap_alert_is_in_the_supervisors_language(frozen, queues, owner, atm_claim, settings):
    settings.LANGUAGE_CODE = "ru"
    make_matrix(cap="600")
    atm_claim("600", email="a@example.com")
    atm_claim("600", email="b@example.com")
    alert = Outbox.objects.get(dedupe_key__startswith="claims-cap:")
    assert alert.subject.startswith("Претензии: автоматические одобрения")
    assert "Первая задержанная претензия" in alert.body
