"""Issue #21: the customer page — contacts, every visible case (open first), totals over the
visible cases only, satisfaction answers, flags, products, merging, and links to it."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaintdesk.accounts.models import AuditEntry, ReadAccess
from complaintdesk.cases import services
from complaintdesk.cases.models import Case, Customer, CustomerProduct
from complaintdesk.insights.models import SurveyInvitation

pytestmark = pytest.mark.django_db

PHONE = "+7 916 555-12-34"


def _close_with_decision(case: Case, *, outcome: str = "upheld",
                         paid: Decimal | None = None) -> Case:
    Case.objects.filter(pk=case.pk).update(status="assessment")
    case = services.decide(case=Case.objects.get(pk=case.pk), outcome=outcome, actor=None,
                           amount_paid=paid, text="Decided.")
    return services.transition(case=case, to="closed", actor=None, customer_accepted="yes")


@pytest.fixture
def ivan(frozen, make_case):
    """Ivan: an open complaint and a closed, upheld claim he was paid 600 of 1000 for (both
    visible to the owner), and a second-line case only second-line staff see."""
    complaint = make_case(customer_name="Ivan Petrov", customer_email="ivan@example.com",
                          customer_phone=PHONE, customer_external_id="CIF-0042",
                          text="The courier was rude.")
    claim = make_case(customer_email="ivan@example.com", kind="claim",
                      amount_claimed=Decimal("1000"), currency="RUB",
                      text="The ATM kept my cash.")
    claim = _close_with_decision(claim, paid=Decimal("600"))
    hidden = make_case(customer_email="ivan@example.com", queue="second-line",
                       kind="claim", amount_claimed=Decimal("50000"), currency="RUB",
                       text="A secret second-line matter.")
    customer = Customer.objects.get(pk=complaint.customer_id)
    assert claim.customer_id == hidden.customer_id == customer.pk
    return {"customer": customer, "complaint": complaint, "claim": claim, "hidden": hidden}


def _page(client, user, customer_id: int):
    client.force_login(user)
    return client.get(f"/desk/customers/{customer_id}/")


def test_owner_sees_contacts_open_cases_before_closed_ones_and_totals(client, owner, ivan):
    response = _page(client, owner, ivan["customer"].pk)
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Ivan Petrov", "ivan@example.com", "79165551234", "CIF-0042"):
        assert text in html
    refs = [c.reference for c in response.context["cases"]]
    assert refs == [ivan["complaint"].reference, ivan["claim"].reference]
    assert html.index('id="open-cases"') < html.index(ivan["complaint"].reference) \
        < html.index('id="closed-cases"') < html.index(ivan["claim"].reference)
    assert "Upheld" in html and "Claim" in html and "Complaint" in html
    money = {m["currency"]: m for m in response.context["money"]}
    assert money["RUB"]["claimed"] == Decimal("1000")
    assert money["RUB"]["paid"] == Decimal("600")
    assert 'data-total="claimed-RUB">1,000.00 RUB' in html
    assert 'data-total="paid-RUB">600.00 RUB' in html
    assert response.context["counts"]["total"] == 2
    assert response.context["counts"]["open"] == 1


def test_cases_and_totals_cover_only_the_queues_the_user_may_see(client, owner, teammate, ivan):
    html = _page(client, owner, ivan["customer"].pk).content.decode()
    assert ivan["hidden"].reference not in html
    assert "50,000" not in html and "secret second-line" not in html
    # The operator of the 1st line sees the complaint only: no claim, no money.
    response = _page(client, teammate, ivan["customer"].pk)
    assert [c.reference for c in response.context["cases"]] == [ivan["complaint"].reference]
    assert ivan["claim"].reference not in response.content.decode()
    assert all(m["claimed"] is None for m in response.context["money"])
    assert response.context["counts"]["total"] == 1


def test_someone_who_sees_none_of_the_customers_cases_gets_404(client, ivan, make_case, queues):
    from tests.conftest import make_user

    only_special = make_user("sam", "operator", queues["special"])
    response = _page(client, only_special, ivan["customer"].pk)
    assert response.status_code == 404
    assert b"Ivan" not in response.content


def test_unknown_customer_is_404_and_anonymous_goes_to_login(client, owner, ivan):
    assert client.get(f"/desk/customers/{ivan['customer'].pk}/").status_code == 302
    assert _page(client, owner, 987654).status_code == 404


def test_analyst_sees_every_case_but_masked_personal_data(client, analyst, ivan):
    CustomerProduct.objects.create(customer=ivan["customer"], code="card", name="Debit card",
                                   account_number="40817810000000009876")
    response = _page(client, analyst, ivan["customer"].pk)
    html = response.content.decode()
    assert response.status_code == 200
    for secret in ("Ivan Petrov", "ivan@example.com", "79165551234", "CIF-0042",
                   "40817810000000009876"):
        assert secret not in html, secret
    assert "I***" in html and "i***@example.com" in html and "*** 34" in html
    assert "*** 9876" in html
    assert len(response.context["cases"]) == 3  # analysts see every queue
    assert 'id="customer-merge"' not in html


def test_each_view_is_recorded_in_the_read_audit(client, owner, ivan):
    _page(client, owner, ivan["customer"].pk)
    _page(client, owner, ivan["customer"].pk)
    reads = ReadAccess.objects.filter(kind="customer", customer_id=ivan["customer"].pk,
                                      channel="desk", user=owner)
    assert reads.count() == 2
    assert set(reads.values_list("object_ref", flat=True)) == {str(ivan["customer"].pk)}


def test_refused_view_is_not_recorded_as_a_read(client, ivan, queues):
    from tests.conftest import make_user

    only_special = make_user("sam", "operator", queues["special"])
    assert _page(client, only_special, ivan["customer"].pk).status_code == 404
    assert not ReadAccess.objects.filter(customer_id=ivan["customer"].pk).exists()


def test_satisfaction_answers_resonance_and_watch_list_flags(client, owner, ivan, make_case):
    SurveyInvitation.objects.create(case=ivan["claim"], customer=ivan["customer"], csat=2, nps=3,
                                    comment="Slow but fair.", answered_at=timezone.now())
    html = _page(client, owner, ivan["customer"].pk).content.decode()
    assert 'id="customer-flags"' in html
    assert 'data-flag="watch"' not in html and 'data-flag="resonance"' not in html
    assert "Slow but fair." in html and "2/5" in html and "NPS 3/10" in html
    loud = make_case(customer_email="ivan@example.com", text="I wrote to the regulator.",
                     queue="first-line")
    # Flagging would hand it to the special group; here it stays in a queue the owner sees.
    Case.objects.filter(pk=loud.pk).update(resonance=True, resonance_source="regulator")
    Customer.objects.filter(pk=ivan["customer"].pk).update(serial_claimant=True)
    html = _page(client, owner, ivan["customer"].pk).content.decode()
    assert 'data-flag="resonance"' in html and 'data-flag="watch"' in html
    assert 'data-flag="serial"' in html


def test_products_are_listed_with_their_account_numbers(client, owner, ivan):
    CustomerProduct.objects.create(customer=ivan["customer"], code="card", name="Debit card",
                                   account_number="40817810000000009876", status="blocked")
    html = _page(client, owner, ivan["customer"].pk).content.decode()
    assert "Debit card" in html and "40817810000000009876" in html and "Blocked" in html


# ---------------------------------------------------------------- merging


def _other(make_case, **overrides) -> Customer:
    values = dict(customer_name="I. Petrov", customer_email="petrov.i@example.net",
                  customer_phone="", text="Second record, same man.")
    values.update(overrides)
    return Customer.objects.get(pk=make_case(**values).customer_id)


@pytest.fixture
def keep(frozen, make_case) -> Customer:
    """A customer whose cases are all in queues the owner may change."""
    return _other(make_case, customer_name="Ivan Petrov", customer_email="keep@example.com",
                  customer_phone="+7 916 555-12-34", text="First record.")


@pytest.mark.parametrize("typed", ["8 (916) 555 00 00", "79165550000", "PETROV.I@example.net",
                                   "reference", "id"])
def test_owner_merges_another_record_found_by_phone_email_reference_or_id(
        client, owner, keep, make_case, typed):
    other = _other(make_case, customer_phone="+7(916)5550000")
    CustomerProduct.objects.create(customer=other, code="loan", account_number="LN-1")
    if typed == "reference":
        typed = other.cases.get().reference
    elif typed == "id":
        typed = str(other.pk)
    client.force_login(owner)
    response = client.post(f"/desk/customers/{keep.pk}/merge/", {"other": typed}, follow=True)
    assert response.status_code == 200
    assert not Customer.objects.filter(pk=other.pk).exists()
    assert Case.objects.get(text="Second record, same man.").customer_id == keep.pk
    assert CustomerProduct.objects.get(code="loan").customer_id == keep.pk
    assert "Merged: 1 case(s) moved to this customer." in response.content.decode()
    assert Customer.objects.get(pk=keep.pk).email == "keep@example.com"


def test_merge_keeps_one_copy_of_a_product_both_records_hold(client, owner, keep, make_case):
    other = _other(make_case)
    for customer in (keep, other):
        CustomerProduct.objects.create(customer=customer, code="card", account_number="4081")
    client.force_login(owner)
    client.post(f"/desk/customers/{keep.pk}/merge/", {"other": str(other.pk)})
    assert list(CustomerProduct.objects.values_list("customer_id", "code")) == [(keep.pk, "card")]


def test_merge_is_refused_when_the_kept_record_has_a_case_one_may_not_change(client, owner, ivan,
                                                                            make_case):
    other = _other(make_case)
    client.force_login(owner)
    response = client.post(f"/desk/customers/{ivan['customer'].pk}/merge/",
                           {"other": str(other.pk)})
    assert response.status_code == 403
    assert Customer.objects.filter(pk=other.pk).exists()


def test_merge_is_refused_when_a_case_of_the_other_record_is_in_a_queue_one_may_not_change(
        client, owner, make_case, frozen):
    keep = _other(make_case, customer_email="keep@example.com")
    other = _other(make_case, customer_email="other@example.com")
    make_case(customer_email="other@example.com", queue="second-line", text="Not yours.")
    client.force_login(owner)
    response = client.post(f"/desk/customers/{keep.pk}/merge/", {"other": "other@example.com"})
    assert response.status_code == 403
    assert Customer.objects.filter(pk=other.pk).exists()
    assert other.cases.count() == 2


def test_merge_only_finds_customers_the_user_may_see(client, owner, keep, make_case):
    stranger = _other(make_case, customer_email="stranger@example.com", queue="second-line")
    client.force_login(owner)
    response = client.post(f"/desk/customers/{keep.pk}/merge/",
                           {"other": "stranger@example.com"}, follow=True)
    assert "No other customer you may see matches this." in response.content.decode()
    assert Customer.objects.filter(pk=stranger.pk).exists()


def test_merge_with_an_ambiguous_or_unreadable_value_changes_nothing(client, owner, keep,
                                                                     make_case):
    _other(make_case, customer_email="a@example.com", customer_phone="+7 900 111-22-33")
    # Intake would join a second record with the same phone to the first; data loaded
    # before that rule can hold two.
    b = _other(make_case, customer_email="b@example.com")
    Customer.objects.filter(pk=b.pk).update(phone="79001112233")
    client.force_login(owner)
    before = Customer.objects.count()
    for typed, says in (("+7 900 111-22-33", "Several customers match this"),
                        ("12-3", "Give a customer id, a case reference"),
                        ("", "This field is required")):
        response = client.post(f"/desk/customers/{keep.pk}/merge/", {"other": typed},
                               follow=True)
        assert response.status_code == 200
        assert says in response.content.decode(), typed
    assert Customer.objects.count() == before
    assert not AuditEntry.objects.filter(action="customers.merged").exists()


def test_operator_may_not_merge(client, teammate, keep, make_case):
    other = _other(make_case)
    client.force_login(teammate)
    response = client.post(f"/desk/customers/{keep.pk}/merge/", {"other": str(other.pk)})
    assert response.status_code == 403
    assert Customer.objects.filter(pk=other.pk).exists()
    assert 'id="customer-merge"' not in _page(client, teammate, keep.pk).content.decode()


# ---------------------------------------------------------------- products upload on the page


def test_admin_uploads_a_products_csv_on_the_page(client, admin_user, ivan):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = ("email;code;name;account_number;opened_on;status\n"
           "ivan@example.com;card;Дебетовая карта;40817810000000001111;01.02.2024;активен\n"
           "nobody@example.com;card;Card;1;;\n").encode("cp1251")
    client.force_login(admin_user)
    response = client.post(f"/desk/customers/{ivan['customer'].pk}/products/",
                           {"file": SimpleUploadedFile("products.csv", csv)}, follow=True)
    html = response.content.decode()
    assert "Products: 1 created, 0 updated, 1 bad rows." in html
    assert "Row 3:" in html
    product = CustomerProduct.objects.get(customer=ivan["customer"])
    assert (product.name, product.status, str(product.opened_on)) == \
        ("Дебетовая карта", "active", "2024-02-01")
    assert "Дебетовая карта" in html


def test_only_administrators_may_upload_products(client, owner, ivan):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(owner)
    response = client.post(f"/desk/customers/{ivan['customer'].pk}/products/",
                           {"file": SimpleUploadedFile("p.csv", b"email,code\nivan@example.com,x\n")})
    assert response.status_code == 403
    assert not CustomerProduct.objects.exists()
    assert 'enctype="multipart/form-data"' not in _page(client, owner, ivan["customer"].pk) \
        .content.decode()


# ---------------------------------------------------------------- links to the page


def test_queue_case_page_and_watch_list_link_to_the_customer_page(client, owner, ivan,
                                                                  make_case):
    link = f'href="/desk/customers/{ivan["customer"].pk}/"'
    client.force_login(owner)
    assert link in client.get("/desk/?tab=team").content.decode()
    assert link in client.get(f"/desk/cases/{ivan['complaint'].reference}/").content.decode()
    for i in range(2):
        make_case(customer_email="ivan@example.com", text=f"Again, number {i}.")
    assert link in client.get("/desk/insights/watchlist/").content.decode()


# ---------------------------------------------------------------- cost


def _grow(make_case, customer_email: str, n: int, start: int) -> None:
    for i in range(start, start + n):
        case = make_case(customer_email=customer_email, kind="claim" if i % 2 else "complaint",
                         amount_claimed=Decimal(100 + i) if i % 2 else None,
                         currency="RUB" if i % 2 else "", text=f"Case {i} of the same man.")
        if i % 3 == 0:
            case = _close_with_decision(case, outcome="partly" if i % 2 else "rejected",
                                        paid=Decimal(50) if i % 2 else None)
            SurveyInvitation.objects.create(case=case, customer=case.customer, csat=4,
                                            answered_at=timezone.now())
        CustomerProduct.objects.create(customer=case.customer, code=f"p{i}",
                                       account_number=f"ACC{i:04d}")


def _count(client, path: str) -> int:
    client.get(path)  # warm per-process caches (calendars, time zones)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["owner", "analyst"])
def test_page_query_count_stays_the_same_with_more_cases_surveys_and_products(
        client, make_case, frozen, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    _grow(make_case, "many@example.com", 3, 0)
    customer = Customer.objects.get(email="many@example.com")
    path = f"/desk/customers/{customer.pk}/"
    small = _count(client, path)
    _grow(make_case, "many@example.com", 21, 3)
    assert _count(client, path) == small
    assert len(client.get(path).context["cases"]) == 24
