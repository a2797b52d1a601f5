"""The public form in a real browser: a missing consent is explained and nothing typed is lost."""

import pytest

from complaintdesk.cases.models import Case
from tests.portal.browser import shot

pytestmark = pytest.mark.django_db(transaction=True)


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
