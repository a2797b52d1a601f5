"""Importing registers from CSV and XLSX: bad rows reported by number, good rows kept, no duplicates."""

from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command

from complaintdesk.cases.importer import import_file, load_mapping
from complaintdesk.cases.models import Case, Outbox

SHARED = Path(settings.COMPLAINTDESK["SHARED_DATA_DIR"])
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is not here")

HEADER = ("Date received,Product,Sub-product,Issue,Sub-issue,Consumer complaint narrative,"
          "Company public response,Company,State,ZIP code,Tags,Consumer consent provided?,"
          "Submitted via,Date sent to company,Company response to consumer,Timely response?,"
          "Consumer disputed?,Complaint ID")


def _cfpb_csv(tmp_path, *rows):
    path = tmp_path / "register.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


GOOD = ('2020/3/18,Mortgage,,Trouble paying,,"They charged me $300 twice",,BANK,FL,330XX,,,'
        'Web,2020/3/18,Closed with monetary relief,Yes,No,111')


def test_bad_rows_are_reported_by_number_and_good_rows_kept(queues, tmp_path):
    path = _cfpb_csv(
        tmp_path,
        GOOD,
        '18 March,Mortgage,,Issue,,text,,BANK,FL,,,,Web,,Closed,Yes,No,112',
        '2020/3/19,Mortgage,,,,,,BANK,FL,,,,Web,,Closed,Yes,No,113',
        GOOD.replace(",111", ","),
    )
    report = import_file(path, mapping=load_mapping("cfpb"))
    assert report.created == 1
    numbers = [n for n, _ in report.errors]
    assert numbers == [3, 4, 5]
    assert "'18 March' is not a date" in report.errors[0][1]
    assert "no text" in report.errors[1][1] and "empty id" in report.errors[2][1]


def test_imported_row_keeps_its_history_and_sends_nothing(queues, tmp_path):
    import_file(_cfpb_csv(tmp_path, GOOD), mapping=load_mapping("cfpb"))
    case = Case.objects.get()
    assert case.kind == "claim" and case.status == "closed" and case.decision == "upheld"
    assert case.customer_accepted == "yes" and case.received_at.year == 2020
    assert case.next_sla_check_at is None and not Outbox.objects.exists()


def test_running_the_same_file_twice_creates_no_duplicates(queues, tmp_path, capsys):
    path = _cfpb_csv(tmp_path, GOOD)
    call_command("import", str(path), "--mapping", "cfpb", "--no-progress")
    call_command("import", str(path), "--mapping", "cfpb", "--no-progress")
    assert Case.objects.count() == 1
    assert "0 created, 1 already imported" in capsys.readouterr().out


def test_xlsx_rows_are_numbered_as_in_the_spreadsheet(queues, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "review_id", "review_date", "bank_name", "user_name", "user_id",
                  "count_stars", "review_text", "review_answer_text", "review_tag"])
    sheet.append([1, 501, "2024-12-04 09:14:20", "Банк", "Сергей", 7, 1,
                  "Списали 35 BYN дважды", "Разберёмся", "Карты"])
    sheet.append([2, 502, "не дата", "Банк", "Анна", 8, 1, "Текст", None, "Карты"])
    path = tmp_path / "reviews.xlsx"
    book.save(path)
    report = import_file(path, mapping=load_mapping("myfin"))
    assert report.created == 1 and [n for n, _ in report.errors] == [3]
    case = Case.objects.get()
    assert case.language == "ru" and case.messages.get().body == "Разберёмся"


@needs_shared
def test_both_shipped_registers_import_fully_and_idempotently(queues):
    cfpb = import_file(SHARED / "cfpb_complaints_2015_2020.csv", mapping=load_mapping("cfpb"))
    assert (cfpb.created, cfpb.errors) == (4680, [])
    myfin = import_file(SHARED / "myfin_bank_reviews_ru.xlsx", mapping=load_mapping("myfin"))
    # The file repeats 14 review ids; each review is imported once.
    assert (myfin.created + myfin.skipped_existing, myfin.errors) == (5599, [])
    assert myfin.created == 5585
    again = import_file(SHARED / "cfpb_complaints_2015_2020.csv", mapping=load_mapping("cfpb"))
    assert again.created == 0 and again.skipped_existing == 4680
    # Repeat authors of myfin reviews are one customer with many cases.
    assert Case.objects.filter(source="myfin").values("customer").distinct().count() < myfin.created


def _myfin_xlsx(tmp_path, *rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "review_id", "review_date", "bank_name", "user_name", "user_id",
                  "count_stars", "review_text", "review_answer_text", "review_tag"])
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / "reviews.xlsx"
    book.save(path)
    return path


def _classified(case):
    return case.events.get(type="classified").data


def test_a_repeat_within_the_same_file_names_the_earlier_case(queues, tmp_path):
    text = "Списали 35 BYN дважды за одну покупку, верните деньги"
    path = _myfin_xlsx(
        tmp_path,
        (1, 601, "2024-12-01 09:00:00", "Банк", "Сергей", 7, 1, text, None, "Карты"),
        (2, 602, "2024-12-05 09:00:00", "Банк", "Сергей", 7, 1, text + "!", None, "Карты"),
        (3, 603, "2024-12-06 09:00:00", "Банк", "Анна", 8, 1, text, None, "Карты"),
    )
    assert import_file(path, mapping=load_mapping("myfin")).created == 3
    first, again, other = (Case.objects.get(source_id=str(i)) for i in (601, 602, 603))
    assert first.customer_id == again.customer_id != other.customer_id
    assert _classified(again)["repeat_of"] == first.reference
    assert f"repeat: similar to {first.reference} (4 d earlier)" in _classified(again)["explanation"]
    assert "repeat_of" not in _classified(first) and "repeat_of" not in _classified(other)


def test_a_repeat_of_a_case_imported_earlier_is_found_in_the_database(queues, tmp_path):
    text = "Банкомат не выдал 200 BYN, а с карты списал"
    row = (1, 701, "2024-12-01 09:00:00", "Банк", "Олег", 9, 1, text, None, "Карты")
    import_file(_myfin_xlsx(tmp_path, row), mapping=load_mapping("myfin"))
    later = (2, 702, "2024-12-03 09:00:00", "Банк", "Олег", 9, 1, text, None, "Карты")
    import_file(_myfin_xlsx(tmp_path, later), mapping=load_mapping("myfin"))
    first = Case.objects.get(source_id="701")
    assert _classified(Case.objects.get(source_id="702"))["repeat_of"] == first.reference


def test_an_id_twice_in_one_file_is_imported_once_and_its_twin_reported(queues, tmp_path):
    bad_first = GOOD.replace("2020/3/18,", "someday,", 1).replace(",111", ",222")
    path = _cfpb_csv(tmp_path, GOOD, GOOD, bad_first, GOOD.replace(",111", ",222"))
    report = import_file(path, mapping=load_mapping("cfpb"))
    assert report.created == 2 and report.skipped_existing == 1
    assert [n for n, _ in report.errors] == [4]
    assert Case.objects.filter(source_id="111").count() == 1


def test_an_overlong_name_is_reported_by_row_and_the_rest_of_the_batch_kept(queues, tmp_path):
    path = _myfin_xlsx(
        tmp_path,
        (1, 801, "2024-12-01 09:00:00", "Банк", "Ира", 10, 5, "Спасибо за помощь", None, "Карты"),
        (2, 802, "2024-12-01 10:00:00", "Банк", "x" * 300, 11, 1, "Очередь час", None, "Карты"),
        (3, 803, "2024-12-01 11:00:00", "Банк", "Петр", 12, 1, "Хамство в отделении", None,
         "Карты"),
    )
    report = import_file(path, mapping=load_mapping("myfin"))
    assert report.created == 2 and [n for n, _ in report.errors] == [3]
    assert "customer name: at most 200 characters, got 300" in report.errors[0][1]
    assert set(Case.objects.values_list("source_id", flat=True)) == {"801", "803"}


def test_imported_cases_get_the_same_timeline_and_deadlines_as_created_ones(queues, tmp_path):
    from complaintdesk.cases import services
    from complaintdesk.cases.importer import row_to_case

    import_file(_cfpb_csv(tmp_path, GOOD), mapping=load_mapping("cfpb"))
    imported = Case.objects.get()
    data, _ = row_to_case(load_mapping("cfpb"), {**_row_dict(GOOD), "Complaint ID": "999"})
    created, _ = services.create_case(data=data, actor=None, notify=False)
    for field in ("kind", "status", "queue_id", "policy_id", "acknowledge_by", "resolve_by",
                  "warn_at", "next_sla_check_at", "language", "amount_claimed", "currency",
                  "remedy_sought", "handling_cost"):
        assert getattr(imported, field) == getattr(created, field), field
    assert imported.reference == f"CD-2020-{imported.pk:06d}"
    types = lambda case: sorted(case.events.values_list("type", flat=True))  # noqa: E731
    assert types(imported) == types(created) == ["classified", "created"]


def _row_dict(line: str) -> dict:
    import csv

    return dict(zip(HEADER.split(","), next(csv.reader([line])), strict=True))
