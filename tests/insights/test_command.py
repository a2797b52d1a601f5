"""`complaintdesk insights spikes|themes` via call_command on small generated files."""

import json
from io import StringIO

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook


def run(*args):
    out = StringIO()
    call_command("insights", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def cases_csv(tmp_path):
    rng = np.random.default_rng(0)
    rows = []
    for day in pd.date_range("2024-01-01", periods=63, freq="D"):
        for channel in ("phone", "web"):
            incident = channel == "web" and day == pd.Timestamp("2024-02-26")
            n = rng.poisson(6) + (50 if incident else 0)
            rows += [(day.strftime("%d.%m.%Y"), "10:15:00", channel)] * n
    path = tmp_path / "cases.csv"
    pd.DataFrame(rows, columns=["Дата", "Time", "Channel"]).to_csv(path, index=False)
    return path


def test_spikes_json_reports_the_incident_per_group(cases_csv):
    out = run("spikes", "--input", str(cases_csv), "--date-col", "Дата", "--time-col", "Time",
              "--group-col", "Channel", "--dayfirst", "--json")
    spikes = json.loads(out)["spikes"]
    assert [(s["group"], s["start"][:10]) for s in spikes] == [("web", "2024-02-26")]


def test_spikes_text_output_and_xlsx_export(cases_csv, tmp_path):
    target = tmp_path / "spikes.xlsx"
    out = run("spikes", "--input", str(cases_csv), "--date-col", "Дата", "--dayfirst",
              "--output", str(target))
    assert "(all)\t2024-02-26T00:00:00 .. 2024-02-27T00:00:00\tobserved 57" in out
    assert load_workbook(target).active.cell(row=2, column=5).value >= 50


def test_missing_column_error_names_the_column(cases_csv):
    with pytest.raises(CommandError, match="'Datum' \\(--date-col\\) not found.*Дата"):
        run("spikes", "--input", str(cases_csv), "--date-col", "Datum")
    with pytest.raises(CommandError, match="'Kanal' \\(--group-col\\)"):
        run("spikes", "--input", str(cases_csv), "--date-col", "Дата", "--group-col", "Kanal")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="not found"):
        run("themes", "--input", str(tmp_path / "nope.csv"), "--text-col", "t")


@pytest.fixture
def texts_xlsx(tmp_path):
    topics = {
        "банкомат": "банкомат съел деньги и не зачислил на счет",
        "очередь": "огромная очередь в отделении банка, ждал час",
        "app": "mobile app crashes on login after update",
    }
    rows = [(f"c-{label}-{i}", f"{text} {i % 3}", label, "2024-03-0" + str(1 + i % 9))
            for label, text in topics.items() for i in range(12)]
    path = tmp_path / "texts.xlsx"
    pd.DataFrame(rows, columns=["id", "text", "tag", "date"]).to_excel(path, index=False)
    return path


def test_themes_json_with_label_column_prints_ami(texts_xlsx):
    out = json.loads(run("themes", "--input", str(texts_xlsx), "--text-col", "text",
                         "--id-col", "id", "--date-col", "date", "--label-col", "tag",
                         "--k", "3", "--json"))
    assert out["ami"] > 0.9
    assert sorted(t["size"] for t in out["themes"]) == [12, 12, 12]
    assert all(c.startswith("c") for t in out["themes"] for c in t["case_ids"])


def test_themes_text_output_and_missing_text_column(texts_xlsx):
    out = run("themes", "--input", str(texts_xlsx), "--text-col", "text", "--label-col", "tag",
              "--k", "3")
    assert "3 theme(s) over 36 text(s)" in out and "AMI vs tag" in out
    with pytest.raises(CommandError, match="'body' \\(--text-col\\)"):
        run("themes", "--input", str(texts_xlsx), "--text-col", "body")
