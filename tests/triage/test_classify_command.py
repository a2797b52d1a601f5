"""`triage classify|train|eval` commands: the JSON-lines contract and file handling."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

REQUIRED = {
    "id", "kind", "kind_confidence", "topic", "topic_confidence", "amount", "currency",
    "remedy", "resonance", "language",
}


def run_classify(lines: str, *args: str) -> list[dict]:
    out = io.StringIO()
    call_command("triage", "classify", *args, stdin=io.StringIO(lines), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_each_input_line_gets_one_output_line_with_the_contract_fields() -> None:
    lines = "\n".join(
        json.dumps(record, ensure_ascii=False)
        for record in [
            {"id": 1, "text": "Списали 600 рублей, верните деньги"},
            {"id": "b", "text": "Thank you for the great service!"},
        ]
    )
    results = run_classify(lines)
    assert [r["id"] for r in results] == [1, "b"]
    assert all(REQUIRED <= set(r) for r in results)
    assert results[0]["kind"] == "claim" and results[0]["amount"] == "600"
    assert results[1]["language"] == "en"


def test_bad_lines_give_an_error_line_with_the_line_number_and_others_continue() -> None:
    lines = "\n".join(
        [
            '{"id": 1, "text": "Где мой возврат?"}',
            "not json",
            '{"id": 3}',
            '["a list"]',
            '{"id": 5, "text": "Please refund $10"}',
        ]
    )
    results = run_classify(lines)
    assert [r.get("line") for r in results if "error" in r] == [2, 3, 4]
    assert results[2]["id"] == 3
    assert [r["id"] for r in results if "error" not in r] == [1, 5]


def write_csv(path: Path) -> None:
    rows = [("приложение не работает", "app"), ("ошибка в приложении", "app"),
            ("приложение вылетает", "app"), ("кредит неверно рассчитан", "loan"),
            ("ставка по кредиту выросла", "loan"), ("кредит не погашен вовремя", "loan")]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)


def test_train_saves_a_model_that_classify_can_use(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    write_csv(data)
    out = io.StringIO()
    call_command("triage", "train", "--input", str(data), "--text-col", "text",
                 "--label-col", "label", "--name", "bank", "--out", str(tmp_path), "--no-register",
                 stdout=out)
    saved = json.loads(out.getvalue())
    assert Path(saved["saved"]).exists() and (tmp_path / "bank.json").exists()
    results = run_classify('{"id": 1, "text": "приложение снова не работает"}',
                           "--topic-model", saved["saved"])
    assert results[0]["topic"] == "app"


def test_eval_prints_json_with_model_and_baseline(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    write_csv(data)
    out = io.StringIO()
    call_command("triage", "eval", str(data), "--text-col", "text", "--label-col", "label",
                 "--folds", "3", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert {"accuracy", "macro_f1", "per_class", "confusion"} <= set(report["model"])
    assert "macro_f1" in report["baseline_tfidf_linearsvc"]


def test_eval_prints_readable_tables_by_default(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    write_csv(data)
    out = io.StringIO()
    call_command("triage", "eval", str(data), "--text-col", "text", "--label-col", "label",
                 "--folds", "3", stdout=out)
    text = out.getvalue()
    assert "macro-F1" in text and "baseline" in text and "confusion" in text


def test_eval_rejects_a_missing_column(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    data = tmp_path / "data.csv"
    write_csv(data)
    with pytest.raises(CommandError, match="nope"):
        call_command("triage", "eval", str(data), "--text-col", "nope", "--label-col", "label")


@pytest.mark.django_db
def test_train_from_a_file_registers_a_version_with_cv_metrics(tmp_path: Path) -> None:
    from complaintdesk.triage.models import TriageModel

    data = tmp_path / "data.csv"
    write_csv(data)
    out = io.StringIO()
    call_command("triage", "train", "--input", str(data), "--text-col", "text",
                 "--label-col", "label", "--name", "bank", "--folds", "3", stdout=out)
    row = TriageModel.objects.get(pk=json.loads(out.getvalue())["registry_id"])
    assert row.name == "bank" and not row.active and row.source == str(data)
    assert row.metrics["baseline_tfidf_linearsvc"]["n"] == 6
    assert row.load().predict(["приложение не работает"])[0].topic == "app"
