"""Issue #21: `complaintdesk import-products FILE` — customers' products from CSV, UTF-8 or
cp1251, bad rows reported by number, nothing created twice when the file is loaded again."""

import io

import pytest
from django.core.management import CommandError, call_command

from complaintdesk.accounts.models import AuditEntry
from complaintdesk.cases.models import Customer, CustomerProduct

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_case) -> dict[str, Customer]:
    ivan = make_case(customer_name="Иван Петров", customer_email="ivan@example.com",
                     customer_external_id="CIF-1").customer
    olga = make_case(customer_name="Ольга", customer_email="olga@example.com").customer
    return {"ivan": ivan, "olga": olga}


def _run(tmp_path, text: str, encoding: str = "utf-8", name: str = "products.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    out, err = io.StringIO(), io.StringIO()
    call_command("import-products", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


GOOD = ("external_id,email,customer_id,code,name,account_number,opened_on,status\n"
        "CIF-1,,,card,Дебетовая карта,40817810000000000001,2024-02-01,active\n"
        ",OLGA@example.com,,loan,Автокредит,КД-2020/7,15.03.2020,закрыт\n"
        ",,{olga},deposit,Вклад «Надёжный»,42301810000000000002,,Заблокирован\n")


@pytest.mark.parametrize(("encoding", "sep"), [("utf-8", ","), ("utf-8-sig", ";"),
                                               ("cp1251", ";"), ("cp1251", "\t")])
def test_utf8_and_cp1251_files_with_any_separator_are_read(tmp_path, people, encoding, sep):
    text = GOOD.format(olga=people["olga"].pk).replace(",", sep)
    out, err = _run(tmp_path, text, encoding)
    assert out.strip() == "3 created, 0 updated, 0 bad rows (of 3)", err
    ivan_card = CustomerProduct.objects.get(customer=people["ivan"])
    assert (ivan_card.code, ivan_card.name, str(ivan_card.opened_on), ivan_card.status) == \
        ("card", "Дебетовая карта", "2024-02-01", "active")
    loan = CustomerProduct.objects.get(code="loan")
    assert (loan.customer_id, loan.account_number, str(loan.opened_on), loan.status) == \
        (people["olga"].pk, "КД-2020/7", "2020-03-15", "closed")
    deposit = CustomerProduct.objects.get(code="deposit")
    assert (deposit.name, deposit.status, deposit.opened_on) == \
        ("Вклад «Надёжный»", "blocked", None)


def test_a_second_run_creates_nothing_twice_and_updates_what_changed(tmp_path, people):
    text = GOOD.format(olga=people["olga"].pk)
    _run(tmp_path, text)
    ids = set(CustomerProduct.objects.values_list("pk", flat=True))
    out, _ = _run(tmp_path, text.replace("Автокредит", "Автокредит (погашен)"))
    assert out.strip() == "0 created, 3 updated, 0 bad rows (of 3)"
    assert set(CustomerProduct.objects.values_list("pk", flat=True)) == ids
    assert CustomerProduct.objects.get(code="loan").name == "Автокредит (погашен)"


def test_bad_rows_are_reported_by_number_and_the_good_ones_kept(tmp_path, people, make_case):
    # Two records with one e-mail (loaded before intake joined them): the row cannot say which.
    twin = make_case(customer_email="twin@example.com").customer
    Customer.objects.create(email="twin@example.com")
    text = ("email,code,name,account_number,opened_on,status\n"
            "ivan@example.com,card,Card,1,2024-01-01,active\n"        # 2 ok
            "nobody@example.com,card,Card,2,,\n"                      # 3 no such customer
            "ivan@example.com,,No code,3,,\n"                         # 4 no code
            "ivan@example.com,card,Card,4,2024-13-45,\n"              # 5 bad date
            "ivan@example.com,card,Card,5,,lost\n"                    # 6 bad status
            f"ivan@example.com,{'x' * 51},Card,6,,\n"                 # 7 too long
            "twin@example.com,card,Card,7,,\n"                        # 8 two customers
            ",card,Card,8,,\n")                                       # 9 no identifier
    out, err = _run(tmp_path, text)
    assert out.strip() == "1 created, 0 updated, 7 bad rows (of 8)"
    lines = err.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [f"row {n}" for n in range(3, 10)]
    assert "no single customer" in lines[0]
    assert "code" in lines[1] and "opened_on" in lines[2] and "lost" in lines[3]
    assert "longer than 50" in lines[4]
    assert CustomerProduct.objects.count() == 1
    assert not CustomerProduct.objects.filter(customer=twin).exists()
    entry = AuditEntry.objects.get(action="customers.products_imported")
    assert entry.detail == {"file": "products.csv", "created": 1, "updated": 0, "bad_rows": 7}


def test_a_file_without_a_code_or_identifier_column_is_refused(tmp_path, people):
    with pytest.raises(CommandError, match="code column"):
        _run(tmp_path, "email,name\nivan@example.com,Card\n")
    with pytest.raises(CommandError, match="No such file|No file|Errno 2"):
        call_command("import-products", str(tmp_path / "missing.csv"))
    assert not CustomerProduct.objects.exists()


def test_products_move_with_a_customer_merge_and_survive_it(people):
    from complaintdesk.cases import services

    CustomerProduct.objects.create(customer=people["olga"], code="card", account_number="9")
    services.merge_customers(keep=people["ivan"], merge=people["olga"], actor=None)
    assert CustomerProduct.objects.get(code="card").customer_id == people["ivan"].pk
