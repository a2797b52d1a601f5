"""The claims page and the simulator over the database, for those who own the numbers."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from complaintdesk.cases import services
from complaintdesk.claims.history import claims_history
from complaintdesk.claims.models import Payout
from tests.claims.conftest import make_matrix
from tests.conftest import new_case


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def decided_history(queues):
    """30 small claims that investigation upheld, 10 large ones it refused."""
    start = timezone.now() - timedelta(days=200)
    for i in range(40):
        small = i < 30
        received = start + timedelta(days=i)
        services.create_case(data=new_case(
            kind="claim", topic="cards-atm-cash", amount_claimed=Decimal(500 if small else 50000),
            currency="RUB", customer_email=f"h{i}@example.com", received_at=received,
            history=services.HistoricalOutcome(
                status="closed", decision="upheld" if small else "rejected",
                decision_amount=Decimal(500) if small else None,
                decided_at=received + timedelta(days=5), closed_at=received + timedelta(days=6))),
            actor=None)


def test_operators_and_specialists_get_403_on_every_claims_page(frozen, teammate, specialist):
    for user in (teammate, specialist):
        client = login(user)
        assert client.get("/desk/claims/").status_code == 403
        assert client.get("/desk/claims/simulate/").status_code == 403
        assert client.post("/desk/claims/audits/1/", {"result": "founded"}).status_code == 403


def test_supervisors_analysts_and_admins_see_metrics_matrices_and_the_simulator(
        frozen, owner, analyst, admin_user, atm_matrix, atm_claim):
    atm_claim("600")
    for user in (owner, analyst, admin_user):
        response = login(user).get("/desk/claims/")
        assert response.status_code == 200
        page = response.content.decode()
        assert 'id="budget"' in page and "cards-atm-cash" in page and 'id="simulator"' in page
        assert ('id="audit-queue"' in page) == (user is not analyst)


def test_the_nav_link_shows_only_for_those_who_may_open_the_page(frozen, owner, teammate):
    assert 'href="/desk/claims/"' in login(owner).get("/desk/").content.decode()
    assert 'href="/desk/claims/"' not in login(teammate).get("/desk/").content.decode()


def test_an_auditor_records_a_verdict_from_the_page(frozen, queues, owner, atm_claim):
    make_matrix(audit_share="1")
    payout = Payout.objects.get(case=atm_claim("600"))
    response = login(owner).post(f"/desk/claims/audits/{payout.pk}/", {"result": "unfounded"})
    assert response.status_code == 302
    payout.refresh_from_db()
    assert payout.audit_result == "unfounded" and payout.audited_by == owner


def test_the_database_history_holds_decided_claims_with_known_outcomes(
        frozen, decided_history, atm_matrix, atm_claim):
    atm_claim("600", email="new@example.com")  # auto-approved, never audited: not in history
    history = claims_history()
    assert len(history) == 40 and history["upheld"].sum() == 30
    assert set(history["topic"]) == {"cards-atm-cash"}
    assert len(claims_history(topic="cards")) == 40 and claims_history(topic="loans").empty


def test_the_simulator_page_recommends_paying_the_small_claims(frozen, decided_history, analyst):
    response = login(analyst).get("/desk/claims/simulate/", {"topic": "cards-atm-cash"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "plotly" in page.lower() and "amount &lt;= 500" in page


def test_the_command_simulates_over_the_database(frozen, decided_history):
    out = StringIO()
    call_command("claims", "simulate", "--from-db", "--topic", "cards-atm-cash", stdout=out)
    text = out.getvalue()
    assert "cards-atm-cash: 40 claims" in text and "auto-decided 75.0% (30 claims)" in text
    with pytest.raises(CommandError, match="no decided claims"):
        call_command("claims", "simulate", "--from-db", "--topic", "loans")
