"""Simulator on small histories whose right answers are worked out by hand."""

import pandas as pd
import pytest

from complaintdesk.claims.matrix import Outcome, evaluate, load_matrix
from complaintdesk.claims.simulate import (
    HistoryError,
    prepare_history,
    prior_claim_counts,
    rule_to_matrix,
    simulate,
)
from complaintdesk.claims.synthetic import generate


def claim(claim_id, customer, received, amount, upheld, resolved_days=5, **extra):
    received_at = pd.Timestamp(received, tz="UTC")
    return {"claim_id": claim_id, "customer_id": customer, "received_at": received_at,
            "topic": "atm", "amount": amount, "upheld": upheld,
            "resolved_at": received_at + pd.Timedelta(days=resolved_days), **extra}


def small_history():
    return pd.DataFrame([
        claim("c1", "A", "2024-01-01", 1000, True, resolved_days=5),
        claim("c2", "B", "2024-01-01", 2000, True, resolved_days=3),
        claim("c3", "C", "2024-01-01", 3000, True, resolved_days=7),
        claim("c4", "A", "2024-02-01", 1000, False),  # A's second claim within 90 days
        claim("c5", "D", "2024-01-01", 50000, False),  # large and unfounded
        claim("c6", "E", "2024-01-01", 100, True, resolved_days=4),
    ])


def test_recommends_small_first_claims_when_repeats_carry_the_loss():
    # Investigation 300 each, accepted risk 1%.
    # "amount <= 3000 and no claim in 90 days" approves c1,c2,c3,c6: paid 6100, loss 0,
    #   saved 4 x 300 = 1200, net 1200.
    # Dropping the prior-claims condition adds c4 (unfounded 1000): loss rate 1000/7100 = 14%.
    # Any larger amount adds c5 (unfounded 50000): net saving negative.
    result = simulate(small_history(), investigation_cost=300, accepted_risk=0.01)
    (topic,) = result.topics
    best = topic.recommended
    assert best.description == "amount <= 3000 and claims in last 90 days <= 0"
    assert (best.auto_decided, best.auto_paid, best.loss) == (4, 6100, 0)
    assert best.share_auto_decided == pytest.approx(4 / 6)
    assert (best.investigation_cost_saved, best.net_saving) == (1200, 1200)
    # Time to money over c1,c2,c3,c6: resolved after 5,3,7,4 days -> median 4.5 days = 108 h.
    assert best.time_to_money_before_hours == pytest.approx(108)
    assert best.time_to_money_after_hours == pytest.approx(5 / 60)
    assert topic.baseline_investigation_cost == 6 * 300


def test_expensive_investigations_justify_accepting_a_repeat_claim_loss():
    # Investigation 1200, accepted risk 20%.
    # No prior-claims condition: c1,c2,c3,c4,c6 -> saved 5 x 1200 = 6000, loss 1000 (c4),
    #   net 5000, loss rate 1000/7100 = 14.1% <= 20%.
    # With "no claim in 90 days": 4 x 1200 = 4800 net, which is less.
    result = simulate(small_history(), investigation_cost=1200, accepted_risk=0.20)
    best = result.topics[0].recommended
    assert best.description == "amount <= 3000"
    assert best.net_saving == 5000
    assert best.loss_rate == pytest.approx(1000 / 7100)


def test_per_claim_investigation_cost_overrides_the_default():
    history = small_history()
    history["investigation_cost"] = [100, 100, 100, 100, 100, None]  # c6 falls back to 300
    best = simulate(history, investigation_cost=300).topics[0].recommended
    # c1,c2,c3 at 100 + c6 at 300 = 600
    assert best.investigation_cost_saved == 600


def test_no_recommendation_when_every_rule_loses_money():
    history = pd.DataFrame([claim(f"c{i}", f"K{i}", "2024-01-01", 1000, False) for i in range(4)])
    topic = simulate(history).topics[0]
    assert topic.recommended is None and topic.frontier == []


def test_frontier_net_saving_rises_with_loss_rate():
    result = simulate(generate(profile="atm", rows=3000, seed=3))
    frontier = result.topics[0].frontier
    assert len(frontier) >= 2
    assert all(a.loss_rate <= b.loss_rate and a.net_saving < b.net_saving
               for a, b in zip(frontier, frontier[1:], strict=False))
    assert result.topics[0].recommended.loss_rate <= 0.01


def test_result_is_json_ready_and_leaves_out_the_candidate_table():
    import json

    data = simulate(small_history()).to_dict()
    assert "candidates" not in data["topics"][0]
    assert json.loads(json.dumps(data))["topics"][0]["recommended"]["net_saving"] == 1200


def test_prior_claims_window_includes_exactly_90_and_365_days_back_but_not_the_same_second():
    t0 = pd.Timestamp("2024-01-01T12:00:00", tz="UTC")
    day, second = pd.Timedelta(days=1), pd.Timedelta(seconds=1)
    rows = [("X", t0), ("X", t0 + 90 * day), ("X", t0 + 90 * day + second),
            ("X", t0 + 365 * day), ("X", t0 + 365 * day + second), ("Y", t0 + 90 * day),
            ("X", t0 + 90 * day)]  # last: same second as the second row
    customers = [c for c, _ in rows]
    times = pd.Series([t for _, t in rows])
    in_90 = prior_claim_counts(customer_ids=customers, received_at=times, window_days=90)
    in_365 = prior_claim_counts(customer_ids=customers, received_at=times, window_days=365)
    # Row by row (X's claims at 0, 90d, 90d+1s, 365d, 365d+1s, 90d again; Y alone):
    #   0:     nothing before                          -> 0 / 0
    #   90d:   t0 is exactly 90 days back (counts)     -> 1 / 1
    #   90d+1s: t0 now 90d+1s back (out); both 90d rows in -> 2 / 3
    #   365d:  90d-window holds none; 365d holds all 4 earlier incl. t0 exactly -> 0 / 4
    #   365d+1s: 365d row in 90d; t0 dropped from 365d  -> 1 / 4
    #   Y:     other customer                           -> 0 / 0
    #   90d (dup second): only t0                       -> 1 / 1
    assert in_90.tolist() == [0, 1, 2, 0, 1, 0, 1]
    assert in_365.tolist() == [0, 1, 3, 4, 4, 0, 1]


def test_bad_history_names_columns_and_rows():
    history = small_history()
    history["amount"] = history["amount"].astype(object)
    history.loc[1, "amount"] = "lots"
    history.loc[3, "amount"] = -5
    history["upheld"] = history["upheld"].astype(object)
    history.loc[4, "upheld"] = "maybe"
    with pytest.raises(HistoryError) as error:
        prepare_history(history)
    problems = error.value.problems
    assert "column 'amount': not a non-negative number in rows 2, 4" in problems
    assert "column 'upheld': not true/false in rows 5" in problems
    with pytest.raises(HistoryError, match="missing required columns: topic, upheld"):
        prepare_history(history.drop(columns=["topic", "upheld"]))


def test_factor_condition_is_searched_and_recommended_when_it_pays():
    # Evidence flag set only on founded claims: "evidence.atm_surplus is true" approves
    # c1 and c2 at any amount, including the large founded c3 (no loss).
    history = pd.DataFrame([
        claim("c1", "A", "2024-01-01", 1000, True, **{"evidence.atm_surplus": "true"}),
        claim("c2", "B", "2024-01-01", 90000, True, **{"evidence.atm_surplus": "true"}),
        claim("c3", "C", "2024-01-01", 900, False, **{"evidence.atm_surplus": "false"}),
        claim("c4", "D", "2024-01-01", 80000, False, **{"evidence.atm_surplus": ""}),
    ])
    best = simulate(history).topics[0].recommended
    assert best.rule.factor == "evidence.atm_surplus" and best.rule.factor_value is True
    assert (best.auto_decided, best.loss, best.net_saving) == (2, 0, 600)


def test_recommended_rule_as_matrix_decides_exactly_the_claims_the_simulator_counted():
    history = prepare_history(generate(profile="atm", rows=2000, seed=5))
    result = simulate(history)
    rule = result.topics[0].recommended.rule
    matrix = load_matrix(rule_to_matrix(rule, version=2, monthly_cap=1_000_000))
    expected = rule.row_mask(history)
    for i, row in history.iterrows():
        factors = {"amount": row["amount"], "claims_90d": int(row["claims_90d"]),
                   "claims_365d": int(row["claims_365d"]), "segment": row["segment"],
                   "channel": row["channel"],
                   "evidence": {"atm_surplus": bool(row["evidence.atm_surplus"])}}
        approved = evaluate(matrix, factors).outcome is Outcome.AUTO_APPROVE
        assert approved == expected[i], (i, rule.describe())
    assert expected.sum() == result.topics[0].recommended.auto_decided
