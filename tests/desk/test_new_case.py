"""Logging a call from the desk: the operator registers a phone case with its call id."""

import pytest
from django.test import Client

from complaintdesk.cases.models import Case


@pytest.fixture
def operator_client(teammate):
    client = Client()
    client.force_login(teammate)
    return client


def test_an_operator_logs_a_call_as_a_phone_case_with_call_id_and_duration(operator_client):
    response = operator_client.post("/desk/new/", {
        "channel": "phone", "customer_name": "Иван", "customer_phone": "+7 900 111 22 33",
        "text": "Курьер опоздал на два часа и нагрубил", "kind": "complaint",
        "call_id": "pbx-42", "call_duration_seconds": "185", "nonce": "n1",
    })
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/desk/cases/{case.reference}/"
    assert (case.channel, case.call_id, case.call_duration_seconds) == ("phone", "pbx-42", 185)
    assert case.status == "acknowledged"  # acknowledged in the call itself


def test_a_double_submit_registers_one_case(operator_client):
    form = {"channel": "phone", "customer_phone": "+79001112233", "text": "Опоздал курьер",
            "kind": "complaint", "nonce": "same"}
    operator_client.post("/desk/new/", form)
    operator_client.post("/desk/new/", form)
    assert Case.objects.count() == 1


def test_a_case_without_any_customer_detail_is_refused_and_kept_in_the_form(operator_client):
    response = operator_client.post("/desk/new/", {"channel": "phone", "text": "Жалоба",
                                                   "kind": "complaint", "nonce": "n2"})
    assert response.status_code == 200 and Case.objects.count() == 0
    content = response.content.decode()
    assert "name, phone or e-mail" in content and "Жалоба" in content


def test_an_analyst_cannot_register_cases(analyst):
    client = Client()
    client.force_login(analyst)
    assert client.get("/desk/new/").status_code == 403
