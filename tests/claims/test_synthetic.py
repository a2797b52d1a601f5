"""Synthetic claim histories reproduce the ATM story they are documented to tell."""

import pandas as pd
import pytest

from complaintdesk.claims.simulate import REQUIRED_COLUMNS, prepare_history
from complaintdesk.claims.synthetic import ATM_PROFILE, generate


@pytest.fixture(scope="module")
def atm():
    return prepare_history(generate(profile="atm", rows=60_000, seed=11))


def test_same_seed_same_history_and_different_seed_differs():
    first = generate(profile="atm", rows=500, seed=1)
    pd.testing.assert_frame_equal(first, generate(profile="atm", rows=500, seed=1))
    assert not first.equals(generate(profile="atm", rows=500, seed=2))


def test_history_has_the_simulator_columns_and_passes_its_validation(atm):
    assert set(REQUIRED_COLUMNS) <= set(atm.columns)
    assert {"investigation_cost", "resolved_at", "evidence.atm_surplus"} <= set(atm.columns)
    assert (atm["investigation_cost"] == 300).all()
    assert atm["claim_id"].is_unique


def test_unfounded_share_among_small_first_time_claims_is_about_one_percent(atm):
    topic = ATM_PROFILE.topics[0]
    small_first = (atm["amount"] <= topic.small_amount) & (atm["claims_365d"] == 0)
    assert small_first.mean() > 0.5  # most claims are small and from first-time claimants
    # ~30k such claims: the standard error of a 1% share is ~0.06 points.
    assert (~atm["upheld"][small_first]).mean() == pytest.approx(0.01, abs=0.003)


def test_repeat_claimants_and_large_amounts_are_unfounded_more_often(atm):
    unfounded = ~atm["upheld"]
    first_time = atm["claims_365d"] == 0
    assert unfounded[atm["claims_365d"] >= 2].mean() > 5 * unfounded[first_time].mean()
    large = first_time & (atm["amount"] >= 50_000)
    assert large.sum() > 100
    assert unfounded[large].mean() > 0.1


def test_amounts_are_lognormal_roubles_in_whole_notes(atm):
    assert (atm["amount"] % 100 == 0).all() and atm["amount"].min() >= 100
    assert 2500 <= atm["amount"].median() <= 3500
    assert (atm["amount"] <= 30_000).mean() > 0.85  # investigating costs more than the risk


def test_investigations_take_three_to_seven_days(atm):
    days = (atm["resolved_at"] - atm["received_at"]).dt.total_seconds() / 86_400
    assert days.min() >= 3 and days.max() <= 7
    assert days.median() == pytest.approx(5, abs=0.1)


def test_generic_profile_has_several_topics_with_their_own_costs():
    history = generate(profile="generic", rows=5000, seed=0)
    costs = history.groupby("topic")["investigation_cost"].first().to_dict()
    assert costs == {"delivery_not_received": 350, "double_charge": 400, "parcel_damaged": 250}


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="unknown profile"):
        generate(profile="casino", rows=10)
