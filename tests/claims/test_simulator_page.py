"""The claims simulator is a desk page: header and menu, plotly.js linked once, never inlined."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from complaintdesk.cases import services
from tests.conftest import new_case


@pytest.fixture
def decided_claims(queues):
    start = timezone.now() - timedelta(days=200)
    for i in range(40):
        small = i < 30
        received = start + timedelta(days=i)
        services.create_case(data=new_case(
            kind="claim", topic="cards-atm-cash", amount_claimed=Decimal(500 if small else 50000),
            currency="RUB", customer_email=f"s{i}@example.com", received_at=received,
            history=services.HistoricalOutcome(
                status="closed", decision="upheld" if small else "rejected",
                decision_amount=Decimal(500) if small else None,
                decided_at=received + timedelta(days=5), closed_at=received + timedelta(days=6))),
            actor=None)


def test_the_simulator_page_has_the_desk_menu_and_links_plotly_once(frozen, decided_claims, owner):
    client = Client()
    client.force_login(owner)
    response = client.get("/desk/claims/simulate/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="cd-nav"' in page and 'href="/desk/claims/" aria-current="page"' in page
    scripts = re.findall(r'<script src="([^"]*plotly[^"]*)"', page)
    assert len(scripts) == 1 and scripts[0].startswith("/static/vendor/plotly.min")
    assert "plotly.js v" not in page  # the 4.8 MB library is not inlined
    assert len(page) < 200_000
    assert "amount &lt;= 500" in page


def test_the_report_file_still_carries_plotly_inline_for_offline_reading(frozen, decided_claims):
    from complaintdesk.claims.history import claims_history
    from complaintdesk.claims.report import render_html
    from complaintdesk.claims.simulate import simulate

    page = render_html(simulate(claims_history(), investigation_cost=300, accepted_risk=0.01))
    assert page.count("plotly.js v") == 1
