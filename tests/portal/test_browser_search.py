"""Issue #21's "done when" for search: in a Russian browser, "/" then a phone typed with spaces
and brackets in the header box finds a CLOSED case, which opens."""

import pytest

from complaintdesk.accounts.models import Role
from complaintdesk.cases import services
from tests.conftest import make_user, new_case
from tests.portal.browser import shot

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, user) -> None:
    page.goto("/accounts/login/?next=/desk/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill("pw-" + user.username)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url("**/desk/**")


def test_a_russian_operator_finds_a_closed_case_by_a_phone_typed_with_brackets(new_page,
                                                                               queues):
    owner = make_user("olga", Role.SUPERVISOR, queues["first-line"], queues["claims"])
    case, _ = services.create_case(data=new_case(
        text="Банкомат не выдал наличные, но деньги списал", customer_name="Мария Соколова",
        customer_email="maria@example.com", customer_phone="+7 916 555-12-34"), actor=None)
    services.create_case(data=new_case(text="Другая жалоба", customer_email="x@example.com",
                                       customer_phone="+7 916 000-00-00"), actor=None)
    services.transition(case=case, to="assessment", actor=owner)
    services.decide(case=case, outcome="rejected", actor=owner, text="Нет.")
    services.transition(case=case, to="closed", actor=owner)

    page = new_page(locale="ru-RU")
    _log_in(page, owner)
    page.locator("body").press("/")  # the shortcut focuses the header box
    box = page.locator("#desk-search")
    assert box.evaluate("el => el === document.activeElement")
    box.type("8 (916) 555 12 34")
    box.press("Enter")
    page.wait_for_url("**/desk/search/**")
    hits = page.locator(".search-hit")
    assert hits.count() == 1
    assert case.reference in hits.first.inner_text()
    assert "Закрыт" in hits.first.inner_text()
    assert "Соколова" in page.locator("#search-customers").locator("..").inner_text()
    assert "Найдено" in page.locator("#search-summary").inner_text()
    shot(page, "desk-search-phone-ru")
    hits.first.get_by_role("link", name=case.reference).click()
    page.wait_for_url(f"**/desk/cases/{case.reference}/")
    assert case.reference in page.locator("h1").inner_text()

    # Words in Russian word forms, lower case, find the same case; the match is marked.
    page.locator("#desk-search").fill("банкоматы")
    page.locator("#desk-search").press("Enter")
    page.wait_for_url("**/desk/search/**")
    assert page.locator(".search-hit mark").first.inner_text().lower() == "банкомат"
    shot(page, "desk-search-words-ru")


def test_an_english_operator_finds_a_case_by_its_number_and_an_english_word(new_page, queues):
    owner = make_user("olga", Role.SUPERVISOR, queues["first-line"], queues["claims"])
    case, _ = services.create_case(data=new_case(
        subject="ATM fee", text="The ATM charged me a fee twice", customer_name="John Smith",
        customer_email="john@example.com"), actor=None)
    page = new_page(locale="en-GB")
    page.goto("/accounts/login/?next=/desk/")
    page.locator("input[name=username]").fill(owner.username)
    page.locator("input[name=password]").fill("pw-" + owner.username)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/desk/**")
    box = page.locator("#desk-search")
    box.fill(case.reference.rsplit("-", 1)[1])  # the number alone, e.g. 000001
    box.press("Enter")
    page.wait_for_url("**/desk/search/**")
    assert "1 case found" in page.locator("#search-summary").inner_text()
    page.locator("#desk-search").fill("CHARGES")
    page.locator("#desk-search").press("Enter")
    page.wait_for_url("**/desk/search/?q=CHARGES")
    assert page.locator(".search-hit mark").first.inner_text().lower() == "charged"
    shot(page, "desk-search-words-en")
    page.get_by_role("link", name=case.reference).click()
    page.wait_for_url(f"**/desk/cases/{case.reference}/")
