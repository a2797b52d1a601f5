"""Support-structure model: routing, FTE, cost, and the move-to-first-line what-if."""

import copy
import json
from pathlib import Path

import pytest

from complaintdesk.staffing import structure

EXAMPLE = Path(structure.__file__).parent / "examples" / "structure_example.json"

SMALL = {
    "productive_hours_per_fte_month": 100,
    "lines": [
        {"key": "l1", "cost_per_fte_month": 1000},
        {"key": "l2", "cost_per_fte_month": 2000},
    ],
    "topics": [
        {
            "name": "refund",
            "monthly_volume": 6000,
            "aht_minutes": {"l1": 5, "l2": 20},
            "transfer_rates": {"l1": 0.5},
            "skills": ["refunds"],
        }
    ],
    "moves": [
        {
            "topic": "refund",
            "first_line_aht_minutes": 8,
            "first_line_transfer_rate": 0.1,
            "training_cost": 1200,
        }
    ],
}


def test_workload_flows_down_the_lines_with_transfer_rates():
    report = structure.evaluate(structure.structure_from_dict(SMALL))
    l1, l2 = report["lines"]
    assert l1["contacts_per_month"] == 6000 and l2["contacts_per_month"] == 3000
    assert l1["fte"] == pytest.approx(6000 * 5 / 60 / 100)  # 5 FTE
    assert l2["fte"] == pytest.approx(3000 * 20 / 60 / 100)  # 10 FTE
    assert report["total_cost_per_month"] == pytest.approx(5 * 1000 + 10 * 2000)
    assert l2["skills"] == ["refunds"]


def test_moving_a_topic_to_first_line_prices_fte_and_money_saved():
    report = structure.what_if(structure.structure_from_dict(SMALL), move=["refund"])
    # After: L1 6000×8 min = 8 FTE, L2 600×20 min = 2 FTE → 12,000 a month instead of 25,000.
    assert report["after"]["total_cost_per_month"] == pytest.approx(8 * 1000 + 2 * 2000)
    assert report["saving_per_month"] == pytest.approx(13_000)
    assert report["saving_first_year"] == pytest.approx(12 * 13_000 - 1200)
    assert report["fte_saved"] == pytest.approx(5)


def test_shipped_example_saves_a_plausible_amount():
    report = structure.what_if(structure.load_structure(EXAMPLE))
    assert 5e6 < report["saving_first_year"] < 5e7  # roubles: millions, not billions
    assert report["payback_months"] < 12
    assert report["after"]["lines"][0]["fte"] > report["before"]["lines"][0]["fte"]


def test_csv_output_has_one_row_per_line():
    report = structure.what_if(structure.load_structure(EXAMPLE))
    rows = structure.lines_csv(report).strip().splitlines()
    assert rows[0].startswith("line,name,fte_before") and len(rows) == 4


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["topics"][0]["transfer_rates"].update(l1=1.5), "outside"),
        (lambda d: d["topics"][0]["aht_minutes"].update(l9=3), "unknown line"),
        (lambda d: d.pop("lines"), "missing"),
        (lambda d: d["moves"][0].update(topic="nope"), "unknown topic"),
    ],
)
def test_rejects_inconsistent_structures_with_a_clear_message(mutate, message):
    data = copy.deepcopy(SMALL)
    mutate(data)
    with pytest.raises(ValueError, match=message):
        structure.structure_from_dict(data)


def test_unknown_move_is_reported(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(SMALL))
    with pytest.raises(ValueError, match="no move defined"):
        structure.what_if(structure.load_structure(path), move=["billing"])
