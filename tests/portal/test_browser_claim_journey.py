"""End to end in a real browser: a claim from the public form to the customer's acceptance."""

import re

import pytest

from complaintdesk.cases.models import Case
from tests.portal.browser import shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_claim_in_russian_is_decided_by_a_specialist_and_accepted_by_the_customer(
        new_page, specialist):
    # The customer complains in Russian.
    customer = new_page(locale="ru-RU")
    customer.goto("/complain/")
    customer.get_by_role("button", name="RU").click()
    customer.get_by_text("Расскажите, что пошло не так").wait_for()
    customer.get_by_label("Ваше имя").fill("Иван Петров")
    customer.get_by_label("Эл. почта или телефон").fill("ivan@example.ru")
    customer.get_by_label("Что случилось?").fill(
        "Курьер разбил бутылку масла при доставке. Верните, пожалуйста, 600 рублей.")
    customer.get_by_label("Вернуть мои деньги").check()
    customer.get_by_label("Сумма").fill("600")
    customer.get_by_label("Я согласен(на)").check()
    shot(customer, "01-complain-form-ru")
    customer.get_by_role("button", name="Отправить").click()
    customer.get_by_text("Спасибо, мы получили ваше обращение").wait_for()
    reference = customer.locator("#reference").inner_text().strip()
    tracking = customer.locator("#tracking-link").get_attribute("href")
    assert re.fullmatch(r"CD-\d{4}-\d{6}", reference) and "token=" in tracking
    shot(customer, "02-thanks-ru")
    case = Case.objects.get(reference=reference)
    assert case.kind == "claim" and case.channel == "web" and case.language == "ru"

    # A specialist logs in and finds it in the queue with its SLA badge.
    staff = new_page()
    staff.goto("/desk/")
    staff.get_by_label("Username").fill(specialist.username)
    staff.get_by_label("Password").fill("pw-" + specialist.username)
    staff.get_by_role("button", name="Log in").click()
    staff.get_by_role("link", name=re.compile("Unassigned")).click()
    row = staff.locator(f'tr[data-ref="{reference}"]')
    assert row.locator("[data-sla]").get_attribute("data-sla") == "on_track"
    assert "left" in row.locator("[data-sla]").inner_text()
    assert row.locator(".kind-claim").count() == 1
    shot(staff, "03-desk-queue")

    # Takes it, investigates, decides "upheld, 600 RUB".
    row.get_by_role("link", name=reference).click()
    staff.locator("#take").click()
    assert staff.locator("#assignee").inner_text() == specialist.username
    staff.locator('[data-to="assessment"]').click()
    staff.locator('[data-to="investigation"]').click()
    form = staff.locator("#decision-form")
    form.get_by_label("Decision").select_option("upheld")
    form.get_by_label("Amount paid back").fill("600")
    form.get_by_label("Explanation to the customer").fill("Мы вернём 600 рублей на карту.")
    form.get_by_role("button", name="Record the decision").click()
    staff.get_by_text("Decision recorded").wait_for()
    assert "600.00 RUB" in staff.locator("#decision").inner_text()
    shot(staff, "04-desk-case-decided")

    # The customer opens the status page, sees the decision and accepts it.
    customer.goto(tracking)
    decision = customer.locator("#decision").inner_text()
    assert "Удовлетворена" in decision and "600,00 RUB" in decision
    shot(customer, "05-track-decided-ru")
    customer.locator("#accept-yes").click()
    customer.get_by_text("Спасибо, ваш ответ записан").wait_for()
    assert customer.locator("#accepted").inner_text() == "Принято"
    shot(customer, "06-track-accepted-ru")
    case.refresh_from_db()
    assert case.status == "closed" and case.customer_accepted == "yes"
    assert case.decision_amount == 600
