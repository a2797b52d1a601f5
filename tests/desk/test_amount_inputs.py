"""Amounts typed the way people write them («5 000», «5 000,50») are accepted on every form."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from complaintdesk.cases.models import Case
from complaintdesk.lib.forms import AmountField

NONCE = "0123456789abcdef0123456789abcdef"

TYPED = [
    ("5 000", Decimal("5000")),            # plain space
    ("5\u00a0000", Decimal("5000")),       # no-break space, as Russian pages print it
    ("5\u202f000,50", Decimal("5000.50")),  # narrow no-break space (macOS, CLDR)
    ("5 000,50", Decimal("5000.50")),
    ("5000.50", Decimal("5000.50")),
    ("1 234 567,8", Decimal("1234567.8")),
]


@pytest.mark.parametrize(("typed", "amount"), TYPED)
def test_the_public_form_accepts_a_russian_amount(queues, typed, amount):
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    response = client.post("/complain/", {
        "name": "Иван", "contact": "ivan@example.com", "text": "Списали дважды, верните деньги.",
        "remedy": "money_back", "amount": typed, "currency": "RUB", "consent": "on",
        "nonce": NONCE, "website": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Case.objects.get().amount_claimed == amount


def test_a_russian_decision_records_the_amount_as_typed(specialist, make_case):
    case = make_case(kind="claim", amount_claimed=Decimal("5000"), currency="RUB")
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(specialist)
    base = f"/desk/cases/{case.reference}"
    client.post(f"{base}/assign/", {"self": "1"})
    client.post(f"{base}/transition/", {"to": "assessment"})
    response = client.post(f"{base}/decide/", {"outcome": "upheld", "amount_paid": "5 000,50",
                                               "text": "Возвращаем"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.decision_amount == Decimal("5000.50")


def test_an_operator_logs_a_claim_with_a_spaced_amount(teammate):
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(teammate)
    response = client.post("/desk/new/", {
        "channel": "phone", "customer_phone": "+79001112233", "text": "Верните 12 500 рублей",
        "kind": "claim", "remedy_sought": "money_back", "amount_claimed": "12\u00a0500",
        "currency": "RUB", "nonce": "n1"})
    assert response.status_code == 302
    assert Case.objects.get().amount_claimed == Decimal("12500")


@pytest.mark.parametrize(("typed", "amount"), [("5,000.50", Decimal("5000.50")),
                                               ("5 000.50", Decimal("5000.50"))])
def test_english_pages_read_the_comma_as_a_thousands_separator(typed, amount):
    with translation.override("en"):
        assert AmountField(required=False).clean(typed) == amount


@pytest.mark.parametrize("typed", ["пять тысяч", "5 000,50,1", "-"])
def test_what_is_not_an_amount_is_still_refused(typed):
    from django.core.exceptions import ValidationError

    with translation.override("ru"), pytest.raises(ValidationError):
        AmountField(required=False).clean(typed)
