"""`complaintdesk claims ...` through call_command, on files in a temporary folder."""

import json
from io import StringIO

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from complaintdesk.claims.matrix import validate_matrix


def run(*args):
    out = StringIO()
    call_command("claims", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_generate_then_simulate_prints_a_recommendation_and_writes_html_and_matrix(tmp_path):
    csv = tmp_path / "atm.csv"
    assert "wrote 3000 atm claims" in run("generate", "--profile", "atm", "--rows", 3000,
                                          "--seed", 4, "--out", csv)
    report, matrices = tmp_path / "report.html", tmp_path / "matrices"
    text = run("simulate", "--history", csv, "--html", report, "--matrix-dir", matrices)
    assert "recommended: auto-approve when amount <=" in text
    assert report.read_text(encoding="utf-8").startswith("<!doctype html>")
    matrix = json.loads((matrices / "atm_cash_not_credited.json").read_text())
    assert validate_matrix(matrix) == []
    assert "valid matrix" in run("validate", matrices / "atm_cash_not_credited.json")


def test_simulate_json_output_carries_the_accepted_risk(tmp_path):
    csv = tmp_path / "generic.csv"
    run("generate", "--profile", "generic", "--rows", 2000, "--out", csv)
    data = json.loads(run("simulate", "--history", csv, "--json", "--accepted-risk", "0.02",
                          "--investigation-cost", "500"))
    assert data["accepted_risk"] == 0.02
    assert {t["topic"] for t in data["topics"]} == {"parcel_damaged", "double_charge",
                                                     "delivery_not_received"}


def test_simulate_names_the_bad_rows_and_columns(tmp_path):
    csv = tmp_path / "bad.csv"
    pd.DataFrame({
        "claim_id": ["a", "b", "c"], "customer_id": ["1", "2", "3"],
        "received_at": ["2024-01-01", "yesterday", "2024-01-03"], "topic": ["atm"] * 3,
        "amount": ["100", "-1", "300"], "upheld": ["true", "false", "true"],
    }).to_csv(csv, index=False)
    with pytest.raises(CommandError) as error:
        run("simulate", "--history", csv)
    assert "column 'received_at': not a date/time in rows 2" in str(error.value)
    assert "column 'amount': not a non-negative number in rows 2" in str(error.value)


def test_simulate_names_missing_columns(tmp_path):
    csv = tmp_path / "short.csv"
    csv.write_text("claim_id,amount\n1,100\n")
    with pytest.raises(CommandError, match="missing required columns: customer_id, received_at"):
        run("simulate", "--history", csv)


def test_simulate_refuses_a_missing_file_and_an_out_of_range_risk(tmp_path):
    with pytest.raises(CommandError, match="no such history file"):
        run("simulate", "--history", tmp_path / "nope.csv")
    with pytest.raises(CommandError):
        run("simulate", "--history", tmp_path / "nope.csv", "--accepted-risk", "1.5")


def test_validate_lists_problems_with_paths(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"topic": "atm", "version": 1, "rules": [
        {"name": "r", "when": {"amount": {"lte": -5}}, "outcome": "reject"}]}))
    with pytest.raises(CommandError) as error:
        run("validate", path)
    assert "$.rules[0].when.amount.lte" in str(error.value)
    assert "$.rules[0].outcome" in str(error.value)
    path.write_text("{not json")
    with pytest.raises(CommandError, match="not JSON"):
        run("validate", path)
