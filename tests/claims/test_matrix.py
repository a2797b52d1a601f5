"""Decision matrix: validation messages with paths, evaluation at boundaries, budget cap."""

import json
from decimal import Decimal

import pytest

from complaintdesk.claims.matrix import (
    BUDGET_CAP_REASON,
    Decision,
    MatrixError,
    Outcome,
    apply_budget,
    evaluate,
    load_matrix,
    validate_matrix,
)


def atm_matrix(**overrides):
    matrix = {
        "topic": "atm_cash_not_credited",
        "version": 3,
        "rules": [
            {"name": "surplus found", "when": {"evidence.atm_surplus": {"is_true": True}},
             "outcome": "auto_approve"},
            {"name": "small first claim",
             "when": {"amount": {"lte": 5000}, "claims_90d": {"eq": 0},
                      "serial_claimant": {"is_false": True}},
             "outcome": "auto_approve"},
            {"name": "premium fast lane", "when": {"segment": {"in": ["premium", "private"]}},
             "outcome": "fast_track"},
        ],
        "default": "investigate",
        "monthly_cap": 100000,
        "accepted_loss_rate": 0.01,
    }
    matrix.update(overrides)
    return matrix


def test_valid_matrix_has_no_problems_and_survives_json_round_trip():
    assert validate_matrix(json.loads(json.dumps(atm_matrix()))) == []


def test_reject_is_never_a_valid_outcome_in_a_rule_or_as_default():
    matrix = atm_matrix(default="reject")
    matrix["rules"][0]["outcome"] = "reject"
    problems = validate_matrix(matrix)
    assert any(p.startswith("$.rules[0].outcome:") and "never" in p for p in problems)
    assert any(p.startswith("$.default:") and "never" in p for p in problems)


def test_validation_names_the_path_of_every_problem():
    matrix = atm_matrix()
    matrix["rules"][1]["when"] = {
        "amount": {"lte": -1},
        "shoe_size": {"eq": 42},
        "claims_90d": {"about": 1},
        "segment": {"lt": "premium"},
    }
    problems = validate_matrix(matrix)
    assert any(p.startswith("$.rules[1].when.amount.lte:") and "negative" in p for p in problems)
    assert any(p.startswith("$.rules[1].when.shoe_size:") and "unknown factor" in p
               for p in problems)
    assert any(p.startswith("$.rules[1].when.claims_90d.about:") and "unknown operator" in p
               for p in problems)
    assert any(p.startswith("$.rules[1].when.segment.lt:") for p in problems)
    assert len(problems) == 4


def test_empty_rules_and_missing_version_are_reported():
    problems = validate_matrix({"topic": "x", "rules": []})
    assert any(p.startswith("$.rules:") for p in problems)
    assert any(p.startswith("$.version:") for p in problems)


def test_load_matrix_raises_with_all_problems_listed():
    with pytest.raises(MatrixError) as error:
        load_matrix(atm_matrix(version=0, accepted_loss_rate=2))
    assert len(error.value.problems) == 2
    assert "$.version" in str(error.value)


def test_duplicate_rule_names_and_bad_in_lists_are_reported():
    matrix = atm_matrix()
    matrix["rules"][2]["name"] = "surplus found"
    matrix["rules"][2]["when"] = {"segment": {"in": []}}
    problems = validate_matrix(matrix)
    assert any("duplicate rule name" in p for p in problems)
    assert any(p.startswith("$.rules[2].when.segment.in:") for p in problems)


def test_amount_equal_to_the_limit_matches_lte_but_not_lt():
    lte = load_matrix(atm_matrix())
    factors = {"amount": 5000, "claims_90d": 0, "serial_claimant": False}
    assert evaluate(lte, factors).outcome is Outcome.AUTO_APPROVE
    assert evaluate(lte, {**factors, "amount": Decimal("5000.01")}).outcome is Outcome.INVESTIGATE
    strict = atm_matrix()
    strict["rules"][1]["when"]["amount"] = {"lt": 5000}
    assert evaluate(strict, factors).outcome is Outcome.INVESTIGATE
    assert evaluate(strict, {**factors, "amount": 4999.99}).outcome is Outcome.AUTO_APPROVE


def test_first_matching_rule_wins_and_decision_records_the_factors_used():
    factors = {"amount": 100, "claims_90d": 0, "serial_claimant": False,
               "evidence": {"atm_surplus": True}, "segment": "premium"}
    decision = evaluate(atm_matrix(), factors)
    assert decision == Decision(Outcome.AUTO_APPROVE, "surplus found", 3,
                                {"evidence.atm_surplus": True}, "rule 'surplus found' matched")


def test_missing_or_wrongly_typed_factor_means_the_rule_does_not_match():
    matrix = load_matrix(atm_matrix())
    # claims_90d missing: "small first claim" cannot match; falls through to the default.
    decision = evaluate(matrix, {"amount": 10, "serial_claimant": False})
    assert decision.outcome is Outcome.INVESTIGATE and decision.rule_name is None
    assert decision.factors_used["claims_90d"] is None
    for junk in ("ten", None, True, float("nan"), [1]):
        assert evaluate(matrix, {"amount": junk, "claims_90d": 0,
                                 "serial_claimant": False}).outcome is Outcome.INVESTIGATE
    assert evaluate(matrix, {"segment": 7}).outcome is Outcome.INVESTIGATE


def test_evidence_flags_accept_a_set_of_raised_flags():
    assert evaluate(atm_matrix(), {"evidence": {"atm_surplus"}}).rule_name == "surplus found"
    assert evaluate(atm_matrix(), {"evidence": set()}).rule_name is None


def test_amount_to_limit_is_derived_from_amount_and_limit():
    matrix = atm_matrix(rules=[{"name": "within half the limit",
                                "when": {"amount_to_limit": {"lte": 0.5}},
                                "outcome": "fast_track"}])
    assert evaluate(matrix, {"amount": 500, "limit": 1000}).outcome is Outcome.FAST_TRACK
    assert evaluate(matrix, {"amount": 501, "limit": 1000}).outcome is Outcome.INVESTIGATE
    assert evaluate(matrix, {"amount": 1, "limit": 0}).outcome is Outcome.INVESTIGATE


def test_not_in_and_fast_track():
    matrix = atm_matrix(rules=[{"name": "not via regulator",
                                "when": {"channel": {"not_in": ["regulator"]}},
                                "outcome": "fast_track"}])
    assert evaluate(matrix, {"channel": "app"}).outcome is Outcome.FAST_TRACK
    assert evaluate(matrix, {"channel": "regulator"}).outcome is Outcome.INVESTIGATE


def test_budget_turns_auto_approve_into_investigate_only_when_the_cap_would_be_exceeded():
    approve = evaluate(atm_matrix(), {"evidence": {"atm_surplus": True}})
    at_cap = apply_budget(approve, amount=Decimal("1000"), paid_this_month=Decimal("99000"),
                          monthly_cap=Decimal("100000"))
    assert at_cap is approve  # exactly reaching the cap is allowed
    over = apply_budget(approve, amount=1000, paid_this_month=Decimal("99000.01"),
                        monthly_cap=100000)
    assert over.outcome is Outcome.INVESTIGATE
    assert over.reason == BUDGET_CAP_REASON and over.rule_name == "surplus found"
    assert apply_budget(approve, amount=10**9, paid_this_month=0, monthly_cap=None) is approve


def test_budget_leaves_non_approvals_alone():
    investigate = evaluate(atm_matrix(), {})
    assert apply_budget(investigate, amount=10**9, paid_this_month=10**9,
                        monthly_cap=1) is investigate
