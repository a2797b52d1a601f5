"""Hand-made cases with exact timestamps for the insight metrics (frozen time: Tue 2026-03-03 10:00 MSK)."""

from datetime import timedelta

import pytest
from django.test import Client

from complaintdesk.cases.models import Case
from tests.conftest import TUESDAY_10AM

NOW = TUESDAY_10AM


@pytest.fixture
def mk(make_case, frozen):
    """Create a case through the services, then set the clock fields the test needs."""

    def make(*, days_ago: float = 1, email: str = "ivan@example.com", name: str = "Ivan Petrov",
             kind: str = "complaint", topic: str = "", channel: str = "email", product: str = "",
             amount_claimed=None, text: str = "The courier brought the groceries in paper bags.",
             **fields):
        received = NOW - timedelta(days=days_ago)
        case = make_case(kind=kind, topic=topic, channel=channel, product=product,
                         customer_email=email, customer_name=name, received_at=received,
                         amount_claimed=amount_claimed, currency="RUB" if amount_claimed else "",
                         text=text)
        updates = {"received_at": received, **fields}
        Case.objects.filter(pk=case.pk).update(**updates)
        case.refresh_from_db()
        return case

    return make


@pytest.fixture
def login():
    def as_user(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return as_user
