"""The 404 page speaks to whoever is reading it: staff get staff advice, customers the token hint."""

from django.test import Client


def test_a_staff_member_gets_staff_advice_not_the_customers_token_hint(owner):
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(owner)
    response = client.get("/desk/cases/CD-2026-999999/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Найдите обращение по номеру в очередях" in body and 'href="/desk/"' in body
    assert "token=" not in body


def test_a_customer_still_gets_the_hint_about_the_whole_tracking_link(queues):
    response = Client().get("/track/CD-2026-999999/?token=wrong")
    assert response.status_code == 404
    body = response.content.decode()
    assert "token=" in body and 'id="staff-not-found"' not in body
