"""Who may open a case page, and what they see of the customer."""

import pytest

pytestmark = pytest.mark.django_db


def test_anonymous_user_is_sent_to_the_login_page(client, make_case):
    case = make_case()
    response = client.get(f"/desk/cases/{case.reference}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_outsider_gets_403_on_a_case_of_another_queue(client, outsider, make_case):
    case = make_case()  # routed to the 1st line
    client.force_login(outsider)
    response = client.get(f"/desk/cases/{case.reference}/")
    assert response.status_code == 403
    assert b"No access" in response.content
    assert case.text.encode() not in response.content


def test_outsider_gets_403_on_actions_for_a_case_of_another_queue(client, outsider, make_case):
    case = make_case()
    client.force_login(outsider)
    response = client.post(f"/desk/cases/{case.reference}/message/",
                           {"direction": "note", "body": "sneaky"})
    assert response.status_code == 403
    assert not case.messages.exists()


def test_unknown_reference_is_404(client, owner):
    client.force_login(owner)
    assert client.get("/desk/cases/CD-2026-999999/").status_code == 404


def test_member_sees_the_customer_unmasked(client, teammate, make_case):
    case = make_case(customer_name="Ivan Petrov", customer_email="ivan@example.com")
    client.force_login(teammate)
    body = client.get(f"/desk/cases/{case.reference}/").content.decode()
    assert "Ivan Petrov" in body and "ivan@example.com" in body


def test_analyst_sees_personal_data_masked(client, analyst, make_case):
    case = make_case(customer_name="Ivan Petrov", customer_email="ivan@example.com",
                     customer_phone="+7 916 123-45-67")
    client.force_login(analyst)
    body = client.get(f"/desk/cases/{case.reference}/").content.decode()
    assert "Ivan Petrov" not in body and "ivan@example.com" not in body
    assert "I***" in body and "i***@example.com" in body and "*** 67" in body


def test_analyst_is_offered_no_actions(client, analyst, make_case):
    case = make_case()
    client.force_login(analyst)
    body = client.get(f"/desk/cases/{case.reference}/").content.decode()
    assert 'id="actions"' not in body and "/assign/" not in body


def test_complaint_text_with_a_script_payload_is_escaped(client, owner, make_case):
    case = make_case(text='Hello <script>alert("x")</script> world')
    client.force_login(owner)
    body = client.get(f"/desk/cases/{case.reference}/").content.decode()
    assert '<script>alert("x")</script>' not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_case_page_shows_the_customers_other_cases(client, owner, make_case):
    first = make_case(text="first")
    second = make_case(text="second")
    client.force_login(owner)
    body = client.get(f"/desk/cases/{second.reference}/").content.decode()
    assert first.reference in body


def test_customer_message_with_markup_is_escaped_in_messages_and_timeline(client, owner,
                                                                          make_case):
    from complaintdesk.cases import services

    case = make_case()
    services.add_message(case=case, body="<img src=x onerror=alert(1)>", direction="in",
                         actor=None)
    client.force_login(owner)
    body = client.get(f"/desk/cases/{case.reference}/").content.decode()
    assert "<img src=x" not in body
    assert body.count("&lt;img src=x onerror=alert(1)&gt;") >= 2  # message and timeline excerpt
