"""Pages in a real browser: consent error keeps the text; phone layout; board; review tab; Russian."""

import pytest

from complaintdesk.cases.models import Case
from tests.portal.browser import shot

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, user, *, next_path: str) -> None:
    page.goto(f"/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("pw-" + user.username)
    page.get_by_role("button", name="Log in").click()


def one_case_in_review(make_case) -> tuple[Case, Case]:
    """(a claim whose kind awaits a person, a complaint already settled)."""
    waiting = make_case(text="Списали 600 рублей за доставку, которой не было. Верните деньги.")
    settled = make_case(text="Оператор был груб и бросил трубку.")
    Case.objects.filter(pk=waiting.pk).update(needs_review=True)
    Case.objects.filter(pk=settled.pk).update(needs_review=False)
    return waiting, settled


def test_missing_consent_is_rejected_with_a_clear_message_and_keeps_the_text(new_page, queues):
    page = new_page()
    page.goto("/complain/")
    page.get_by_label("Your name").fill("Anna")
    page.get_by_label("E-mail or phone").fill("+7 916 000-11-22")
    page.get_by_label("What happened?").fill("I waited 20 minutes for an operator.")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("consent to process your personal data").first.wait_for()
    assert page.get_by_label("What happened?").input_value() == \
        "I waited 20 minutes for an operator."
    assert page.get_by_label("Your name").input_value() == "Anna"
    shot(page, "07-complain-missing-consent")
    assert not Case.objects.exists()


def test_how_to_complain_and_phone_layout(new_page, queues):
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/how-to-complain/")
    page.locator("#deadlines").wait_for()
    shot(page, "08-how-to-complain-phone")


def test_supervisor_sees_the_board_and_incidents(new_page, owner, make_case):
    from complaintdesk.cases import services

    incident = services.create_incident(title="Courier bags tear", actor=owner)
    for i in range(3):
        case = make_case(kind="claim" if i else "complaint", amount_claimed=100 if i else None,
                         currency="RUB" if i else "")
        services.link_to_incident(case=case, incident=incident, actor=owner)
    page = new_page()
    log_in(page, owner, next_path="/desk/board/")
    page.locator("#board").wait_for()
    assert page.locator("#board tbody tr").count() >= 2
    shot(page, "09-desk-board")
    page.get_by_role("link", name="Incidents").click()
    page.get_by_role("link", name="Courier bags tear").click()
    assert page.locator("#incident-cases tbody tr").count() == 3
    shot(page, "10-desk-incident")


def test_supervisor_filters_cases_in_review_and_confirms_the_kind_in_place(
    new_page, owner, make_case
):
    waiting, settled = one_case_in_review(make_case)
    page = new_page()
    log_in(page, owner, next_path="/desk/%3Ftab%3Dteam")
    page.get_by_role("link", name=settled.reference).wait_for()
    page.get_by_label("Needs review").check()  # htmx reloads the table on change
    page.get_by_role("link", name=settled.reference).wait_for(state="detached")
    page.get_by_role("link", name=waiting.reference).click()
    page.locator("[data-needs-review]").wait_for()
    page.locator("form[action$='/classify/']").get_by_role("button", name="Save").click()
    page.get_by_text("Classification confirmed").first.wait_for()
    assert page.locator("[data-needs-review]").count() == 0
    assert not Case.objects.get(pk=waiting.pk).needs_review


def test_supervisor_goes_from_the_board_to_the_review_tab_and_empties_it(
    new_page, owner, make_case
):
    waiting, settled = one_case_in_review(make_case)
    page = new_page()
    log_in(page, owner, next_path="/desk/board/")
    page.locator("#review-count").click()
    page.get_by_role("link", name=waiting.reference).wait_for()
    assert page.get_by_role("link", name=settled.reference).count() == 0
    assert page.locator('[data-tab="review"] .count').inner_text().strip() == "1"
    shot(page, "12-desk-review-tab")
    page.get_by_role("link", name=waiting.reference).click()
    page.locator("form[action$='/classify/']").get_by_role("button", name="Save").click()
    page.get_by_text("Classification confirmed").first.wait_for()
    page.goto("/desk/?tab=review")
    assert page.locator('[data-tab="review"] .count').inner_text().strip() == "0"
    assert page.get_by_role("link", name=waiting.reference).count() == 0


def test_the_case_page_explains_the_kind_in_russian_for_a_russian_reader(
    new_page, owner, make_case
):
    case = make_case(text="Списали 600 рублей за доставку, которой не было. Верните деньги.")
    page = new_page(locale="ru-RU")
    page.goto(f"/accounts/login/?next=/desk/cases/{case.reference}/")
    page.locator("input[name=username]").fill(owner.username)
    page.locator("input[name=password]").fill("pw-" + owner.username)
    page.get_by_role("button", name="Войти").click()
    explanation = page.locator("#triage-explanation")
    explanation.wait_for()
    assert "просит вернуть деньги" in explanation.inner_text()
    assert "asks for money back" not in explanation.inner_text()
    shot(page, "11-desk-case-explanation-ru")
