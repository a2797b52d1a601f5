"""Issue #21: a customer's products through the API — GET for whoever sees one of the customer's
cases (account numbers masked for masked roles), PUT (replace the list) for administrators."""

import json

import pytest

from complaintdesk.accounts.models import AuditEntry, ReadAccess
from complaintdesk.cases.models import Customer, CustomerProduct

pytestmark = pytest.mark.django_db

PRODUCTS = {"products": [
    {"code": "card", "name": "Debit card", "account_number": "40817810000000001234",
     "opened_on": "2024-02-01", "status": "active"},
    {"code": "loan", "name": "Car loan", "account_number": "KD-77-2020", "status": "closed"},
]}


def _put(api, customer_id: int, body) -> object:
    data = body if isinstance(body, str) else json.dumps(body)
    return api.client.put(f"/api/v1/customers/{customer_id}/products", data=data,
                          content_type="application/json")


@pytest.fixture
def customer(make_case) -> Customer:
    return Customer.objects.get(pk=make_case(customer_email="ivan@example.com").customer_id)


def test_admin_sets_the_list_and_a_member_reads_it(api_as, admin_user, teammate, customer):
    response = _put(api_as(admin_user), customer.pk, PRODUCTS)
    assert response.status_code == 200
    assert [p["code"] for p in response.json()["products"]] == ["card", "loan"]
    got = api_as(teammate).get(f"/customers/{customer.pk}/products")
    assert got.status_code == 200
    body = got.json()
    assert body["customer_id"] == customer.pk
    assert body["products"][0] == {"code": "card", "name": "Debit card",
                                   "account_number": "40817810000000001234",
                                   "opened_on": "2024-02-01", "status": "active"}
    assert body["products"][1]["status"] == "closed" and body["products"][1]["opened_on"] is None
    assert AuditEntry.objects.filter(action="customers.products_set").count() == 1


def test_put_replaces_the_list_and_keeps_unchanged_rows(api_as, admin_user, customer):
    api = api_as(admin_user)
    _put(api, customer.pk, PRODUCTS)
    card = CustomerProduct.objects.get(code="card")
    renamed = {"products": [{**PRODUCTS["products"][0], "name": "Gold card"}]}
    assert _put(api, customer.pk, renamed).status_code == 200
    assert list(customer.products.values_list("pk", "name")) == [(card.pk, "Gold card")]
    assert _put(api, customer.pk, {"products": []}).json()["products"] == []
    assert not customer.products.exists()


def test_analyst_reads_masked_account_numbers(api_as, admin_user, analyst, customer):
    _put(api_as(admin_user), customer.pk, PRODUCTS)
    response = api_as(analyst).get(f"/customers/{customer.pk}/products")
    assert response.status_code == 200
    accounts = [p["account_number"] for p in response.json()["products"]]
    assert accounts == ["*** 1234", "*** 2020"]
    assert "40817810000000001234" not in response.content.decode()


def test_someone_who_sees_none_of_the_customers_cases_gets_404(api_as, admin_user, outsider,
                                                                customer):
    _put(api_as(admin_user), customer.pk, PRODUCTS)
    response = api_as(outsider).get(f"/customers/{customer.pk}/products")
    assert response.status_code == 404
    assert "4081781" not in response.content.decode()
    assert not ReadAccess.objects.filter(customer_id=customer.pk).exists()


def test_each_read_is_recorded(api_as, teammate, customer):
    api = api_as(teammate)
    api.get(f"/customers/{customer.pk}/products")
    api.get(f"/customers/{customer.pk}/products")
    reads = ReadAccess.objects.filter(channel="api", kind="customer", customer_id=customer.pk,
                                      what="products")
    assert reads.count() == 2


@pytest.mark.parametrize("who", ["owner", "teammate", "analyst"])
def test_only_administrators_may_set_products(api_as, request, who, customer):
    response = _put(api_as(request.getfixturevalue(who)), customer.pk, PRODUCTS)
    assert response.status_code == 403
    assert not CustomerProduct.objects.exists()


@pytest.mark.parametrize(("body", "status"), [
    ({"products": [{"name": "no code"}]}, 422),
    ({"products": [{"code": "x", "status": "lost"}]}, 422),
    ({"products": [{"code": "x", "opened_on": "31.02.2024"}]}, 422),
    ({"products": [{"code": "x", "colour": "red"}]}, 422),
    ({"products": [{"code": "x" * 51}]}, 422),
    ({"products": [{"code": "card", "account_number": "1"},
                   {"code": "card", "account_number": "1"}]}, 422),
    ("{not json", 400),
])
def test_bad_input_is_a_clear_4xx_and_changes_nothing(api_as, admin_user, customer, body, status):
    api = api_as(admin_user)
    _put(api, customer.pk, PRODUCTS)
    response = _put(api, customer.pk, body)
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    assert customer.products.count() == 2


def test_unknown_customer_is_404(api_as, admin_user, queues):
    assert _put(api_as(admin_user), 987654, PRODUCTS).status_code == 404
    assert api_as(admin_user).get("/customers/987654/products").status_code == 404
