"""Issue #21 "done when": in a Russian (and an English) browser, from a case page a supervisor
clicks the customer's name and sees the customer page: open and closed cases, totals, products —
in the reader's language (no English left over in Russian), no request to another host."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from complaintdesk.cases import services
from complaintdesk.cases.models import Case, CustomerProduct
from tests.i18n.russian import leftovers
from tests.portal.browser import shot

pytestmark = pytest.mark.django_db(transaction=True)


# What the page says in each language (the browser's Accept-Language picks it).
WORDS = {
    "ru-RU": {"log in": "Войти", "complaint": "Жалоба", "claim": "Претензия", "closed": "Закрыто",
              "upheld": "Удовлетворена", "paid": "1\xa0500,00 RUB", "active": "Активен"},
    "en-GB": {"log in": "Log in", "complaint": "Complaint", "claim": "Claim", "closed": "Closed",
              "upheld": "Upheld", "paid": "1,500.00 RUB", "active": "Active"},
}


def _log_in(page, user, words) -> None:
    page.goto("/accounts/login/?next=/desk/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill("pw-" + user.username)
    page.get_by_role("button", name=words["log in"]).click()
    page.wait_for_url("**/desk/**")


def _ivan(make_case) -> tuple[Case, Case]:
    open_case = make_case(customer_name="Иван Петров", customer_email="ivan@example.com",
                          customer_phone="+7 916 555-12-34", channel="phone", language="ru",
                          kind="complaint", text="Курьер опоздал на три часа.")
    claim = make_case(customer_email="ivan@example.com", kind="claim", language="ru",
                      amount_claimed=Decimal("1500"), currency="RUB",
                      text="Банкомат не выдал 1500 рублей, но списал их.")
    Case.objects.filter(pk=claim.pk).update(status="assessment")
    claim = services.decide(case=Case.objects.get(pk=claim.pk), outcome="upheld", actor=None,
                            amount_paid=Decimal("1500"), text="Вернули деньги.")
    services.transition(case=claim, to="closed", actor=None, customer_accepted="yes")
    CustomerProduct.objects.create(customer=open_case.customer, code="card",
                                   name="Дебетовая карта", account_number="40817810000000001234",
                                   status="active")
    return open_case, claim


@pytest.mark.parametrize("locale", ["ru-RU", "en-GB"])
def test_a_supervisor_opens_the_customer_page_from_a_case(new_page, live_server, owner,
                                                         make_case, locale):
    words = WORDS[locale]
    open_case, claim = _ivan(make_case)
    host = urlsplit(live_server.url).netloc
    foreign: list[str] = []
    page = new_page(locale=locale)
    page.on("request", lambda request: foreign.append(request.url)
            if urlsplit(request.url).netloc != host and urlsplit(request.url).scheme in
            ("http", "https", "ws", "wss") else None)
    _log_in(page, owner, words)
    page.goto(f"/desk/cases/{open_case.reference}/")
    page.locator("#customer-link").click()
    page.wait_for_url(f"**/desk/customers/{open_case.customer_id}/")
    page.wait_for_load_state("networkidle")

    assert page.locator("#customer-title").inner_text() == "Иван Петров"
    open_rows = page.locator("#open-cases tbody tr")
    closed_rows = page.locator("#closed-cases tbody tr")
    assert open_rows.count() == 1 and closed_rows.count() == 1
    assert open_rows.first.get_attribute("data-ref") == open_case.reference
    assert closed_rows.first.get_attribute("data-ref") == claim.reference
    assert words["complaint"] in open_rows.first.inner_text()
    closed_text = closed_rows.first.inner_text()
    for word in ("claim", "closed", "upheld"):
        assert words[word] in closed_text, word
    assert words["paid"] in page.locator("[data-total='paid-RUB']").inner_text()
    products = page.locator("#customer-products").inner_text()
    assert "Дебетовая карта" in products and "40817810000000001234" in products
    assert words["active"] in products
    assert page.locator("#customer-merge").is_visible()
    if locale == "ru-RU":
        assert leftovers(page.locator("body").inner_text()) == []
    assert foreign == []
    assert not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth")
    shot(page, f"21-customer-page-{locale[:2]}")

    # The closed case's reference leads back to that case.
    closed_rows.first.locator("a").first.click()
    page.wait_for_url(f"**/desk/cases/{claim.reference}/")
