"""Issue #21 in a real browser, in Russian: a supervisor opens a case, picks a canned answer,
its placeholders are filled (name, reference, deadline in the case's local time), sends it; the
customer's e-mail carries the text."""

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.utils import translation

from complaintdesk.cases.models import Case, Message
from complaintdesk.cases.times import case_time
from complaintdesk.cases.worker import run_pass
from complaintdesk.replies import defaults
from complaintdesk.replies.models import CannedAnswer
from tests.portal.browser import shot

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Обращение принято, срок ответа"


def _log_in(page, user) -> None:
    page.goto("/accounts/login/?next=/desk/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill("pw-" + user.username)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url("**/desk/**")


def test_a_canned_answer_is_filled_for_the_case_and_reaches_the_customer(new_page, owner,
                                                                          make_case):
    defaults.install(django_apps)  # a transactional test's flush empties the migration's rows
    case = make_case(queue="first-line", language="ru", customer_name="Иван Петров",
                     customer_email="ivan@example.ru",
                     text="Курьер опоздал на три часа, заказ привезли холодным.")
    run_pass(worker_id="test", periodic=False)  # the acknowledgement of intake goes first
    mail.outbox.clear()
    with translation.override("ru"):
        deadline = case_time(case, Case.objects.get(pk=case.pk).resolve_by)
    assert "(МСК)" in deadline

    page = new_page(locale="ru-RU")
    _log_in(page, owner)
    page.goto(f"/desk/cases/{case.reference}/")
    assert page.locator("#send-reply").inner_text() == "Ответить клиенту"
    assert page.locator("#save-note").inner_text() == "Внутренняя заметка"
    fitting = page.locator('#answer-pick optgroup[label="Подходят к обращению"] option')
    assert TITLE in fitting.all_inner_texts()
    page.locator("#reply-body").fill("Добрый день!")
    page.locator("#answer-pick").select_option(label=TITLE)
    page.wait_for_function(
        "ref => document.getElementById('reply-body').value.includes(ref)", arg=case.reference)
    text = page.locator("#reply-body").input_value()
    assert text.startswith("Добрый день!\n\nЗдравствуйте, Иван Петров!")
    assert case.reference in text and f"не позднее {deadline}." in text
    assert "{" not in text
    assert page.locator("#answer-status").count() == 0  # acknowledged already: no hint
    shot(page, "21-canned-answer-filled-ru")

    page.locator("#send-reply").click()
    page.get_by_text("Ответ отправлен клиенту.").wait_for()
    shot(page, "22-canned-answer-sent-ru")
    sent = Message.objects.get(case=case, direction="out")
    assert sent.body.replace("\r\n", "\n") == text
    assert CannedAnswer.objects.get(title=TITLE).uses == 1
    assert Case.objects.get(pk=case.pk).status == "acknowledged"

    # The supervisor's list of answers shows the use.
    page.get_by_role("link", name="Шаблоны ответов").click()
    row = page.locator("tr", has=page.get_by_role("link", name=TITLE))
    assert row.locator("td.num").inner_text() == "1"
    shot(page, "23-canned-answers-list-ru")
    page.get_by_role("link", name=TITLE).click()
    page.locator("#answer-form").wait_for()
    shot(page, "24-canned-answer-edit-ru")

    run_pass(worker_id="test", periodic=False)
    to_customer = [m for m in mail.outbox if m.to == ["ivan@example.ru"]]
    assert len(to_customer) == 1
    assert f"не позднее {deadline}." in to_customer[0].body
    assert "Здравствуйте, Иван Петров!" in to_customer[0].body
