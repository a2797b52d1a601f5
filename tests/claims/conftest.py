"""Claims fixtures: the ATM matrix from PRODUCT.md's story and a claim factory."""

from decimal import Decimal

import pytest

from complaintdesk.cases.models import Topic
from complaintdesk.claims.models import DecisionMatrix

ATM_RULES = {
    "rules": [
        {"name": "surplus found", "when": {"evidence.atm_surplus": {"is_true": True}},
         "outcome": "auto_approve"},
        {"name": "small first claim",
         "when": {"amount": {"lte": 5000}, "claims_365d": {"eq": 0},
                  "serial_claimant": {"is_false": True}},
         "outcome": "auto_approve"},
        {"name": "premium", "when": {"segment": {"in": ["premium"]}}, "outcome": "fast_track"},
    ],
    "default": "investigate",
}


def make_matrix(topic_code="cards-atm-cash", *, rules=None, cap=None, audit_share="0.05",
                version=1, active=True):
    return DecisionMatrix.objects.create(
        topic=Topic.objects.get(code=topic_code), version=version,
        definition=rules or ATM_RULES, monthly_cap=None if cap is None else Decimal(cap),
        audit_share=Decimal(audit_share), active=active,
    )


@pytest.fixture
def atm_matrix(queues):
    return make_matrix()


@pytest.fixture
def atm_claim(make_case):
    """Register an ATM claim (the hook decides it inside create_case)."""

    def make(amount="600", *, email="ivan@example.com", **overrides):
        values = dict(kind="claim", topic="cards-atm-cash", amount_claimed=Decimal(amount),
                      currency="RUB", customer_email=email, channel="web",
                      text="The ATM took my cash and did not credit it.")
        values.update(overrides)
        return make_case(**values)

    return make
