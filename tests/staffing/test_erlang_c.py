"""Erlang C: published values, agreement with a 40-digit mpmath reference, staffing is minimal."""

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaintdesk.staffing import erlang

mp.mp.dps = 40


def reference_erlang_c(n: int, a: float, aht: float, t: float) -> dict[str, float]:
    """Textbook Erlang C in mpmath: B from the upper incomplete gamma, C, SL and ASA from B."""
    a_mp = mp.mpf(a)
    poisson_n = mp.exp(n * mp.log(a_mp) - a_mp - mp.loggamma(n + 1))
    cdf = mp.gammainc(n + 1, a_mp, mp.inf, regularized=True)
    b = poisson_n / cdf
    c = n * b / (n - a_mp * (1 - b))
    sl = 1 - c * mp.exp(-(n - a_mp) * t / aht)
    asa = c * aht / (n - a_mp)
    return {"b": float(b), "c": float(c), "sl": float(sl), "asa": float(asa)}


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


SAMPLE_LOADS = [0.1, 0.7, 3.3, 10.0, 57.5, 123.0, 999.9, 4321.0, 25_000.0, 100_000.0]


@pytest.mark.parametrize("erlangs", SAMPLE_LOADS)
@pytest.mark.parametrize("extra", [1, 3, "sqrt"])
def test_matches_high_precision_reference_from_tiny_to_huge_loads(erlangs, extra):
    n = math.ceil(erlangs) + (int(2 * math.sqrt(erlangs)) + 1 if extra == "sqrt" else extra)
    ref = reference_erlang_c(n, erlangs, 300.0, 20.0)
    assert rel(erlang.erlang_b(agents=n, erlangs=erlangs), ref["b"]) < 1e-9
    assert rel(erlang.erlang_c_wait_probability(agents=n, erlangs=erlangs), ref["c"]) < 1e-9
    sl = erlang.erlang_c_service_level(
        agents=n, erlangs=erlangs, aht_seconds=300.0, answer_seconds=20.0
    )
    assert rel(sl, ref["sl"]) < 1e-9
    asa = erlang.erlang_c_asa(agents=n, erlangs=erlangs, aht_seconds=300.0)
    assert rel(asa, ref["asa"]) < 1e-9


def test_reproduces_the_classic_100_calls_in_30_minutes_example():
    assert (
        erlang.erlang_c_min_agents(erlangs=10.0, aht_seconds=180, answer_seconds=20, target_sl=0.8)
        == 14
    )
    result = erlang.erlang_c(agents=14, erlangs=10.0, aht_seconds=180, answer_seconds=20)
    assert result.wait_probability == pytest.approx(0.17413, abs=5e-6)
    assert result.service_level == pytest.approx(0.88835, abs=5e-6)
    assert result.asa_seconds == pytest.approx(7.8359, abs=5e-5)
    assert result.occupancy == pytest.approx(10 / 14)


def test_reproduces_published_wait_probability_at_123_erlangs():
    p = erlang.erlang_c_wait_probability(agents=132, erlangs=123.0)
    assert p == pytest.approx(0.3211, abs=5e-5)


def test_reproduces_published_service_level_at_33_erlangs():
    result = erlang.erlang_c(agents=40, erlangs=33.333, aht_seconds=120, answer_seconds=20)
    assert result.service_level == pytest.approx(0.9372, abs=5e-5)
    assert result.asa_seconds == pytest.approx(3.43, abs=5e-3)


def test_unstable_queue_waits_always_and_never_meets_service_level():
    assert erlang.erlang_c_wait_probability(agents=10, erlangs=10.0) == 1.0
    assert (
        erlang.erlang_c_service_level(agents=9, erlangs=10.0, aht_seconds=180, answer_seconds=20)
        == 0.0
    )
    assert erlang.erlang_c_asa(agents=10, erlangs=10.0, aht_seconds=180) == math.inf


def test_no_overflow_or_nan_at_100000_erlangs_with_many_agents():
    n = np.arange(100_001, 102_001, 50)
    sl = erlang.erlang_c_service_level(
        agents=n, erlangs=100_000.0, aht_seconds=300, answer_seconds=20
    )
    assert np.all(np.isfinite(sl)) and np.all(np.diff(sl) >= 0) and sl[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("erlangs", [0.1, 0.9, 10.0, 500.0, 9_999.5, 100_000.0])
def test_minimum_agents_is_never_one_too_many(erlangs):
    n = erlang.erlang_c_min_agents(
        erlangs=erlangs, aht_seconds=300, answer_seconds=20, target_sl=0.8
    )
    sl = erlang.erlang_c_service_level(
        agents=n, erlangs=erlangs, aht_seconds=300, answer_seconds=20
    )
    assert sl >= 0.8
    if n - 1 >= 1:
        below = erlang.erlang_c_service_level(
            agents=n - 1, erlangs=erlangs, aht_seconds=300, answer_seconds=20
        )
        assert below < 0.8


def test_vectorised_staffing_equals_interval_by_interval():
    loads = np.array([0.3, 4.0, 17.2, 250.0, 3000.0])
    together = erlang.erlang_c_min_agents(
        erlangs=loads, aht_seconds=240, answer_seconds=30, target_sl=0.9
    )
    one_by_one = [
        erlang.erlang_c_min_agents(erlangs=a, aht_seconds=240, answer_seconds=30, target_sl=0.9)
        for a in loads
    ]
    assert together.tolist() == one_by_one


def test_max_occupancy_raises_agents_only_when_it_binds():
    free = erlang.erlang_c_min_agents(
        erlangs=1000, aht_seconds=300, answer_seconds=20, target_sl=0.8
    )
    capped = erlang.erlang_c_min_agents(
        erlangs=1000, aht_seconds=300, answer_seconds=20, target_sl=0.8, max_occupancy=0.85
    )
    assert free < 1000 / 0.85 and capped == math.ceil(1000 / 0.85)
    assert (
        erlang.erlang_c_min_agents(
            erlangs=8.5, aht_seconds=300, answer_seconds=20, target_sl=0.5, max_occupancy=0.85
        )
        >= 10
    )


def test_shrinkage_schedules_more_agents_than_are_on_the_phones():
    plan = erlang.erlang_c_staffing(
        calls=100,
        interval_seconds=1800,
        aht_seconds=180,
        answer_seconds=20,
        target_sl=0.8,
        shrinkage=0.3,
    )
    assert plan.raw_agents == 14 and plan.agents == 20


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.2, -0.1])
def test_rejects_impossible_targets(bad):
    with pytest.raises(ValueError, match="target"):
        erlang.erlang_c_min_agents(erlangs=10, aht_seconds=180, answer_seconds=20, target_sl=bad)


@settings(max_examples=40, deadline=None)
@given(
    erlangs=st.floats(min_value=0.1, max_value=5000.0),
    t=st.floats(min_value=0.0, max_value=120.0),
    aht=st.floats(min_value=30.0, max_value=900.0),
)
def test_service_level_never_falls_when_an_agent_is_added(erlangs, t, aht):
    start = math.floor(erlangs) + 1
    n = np.arange(start, start + 60)
    sl = erlang.erlang_c_service_level(agents=n, erlangs=erlangs, aht_seconds=aht, answer_seconds=t)
    assert np.all(np.diff(sl) >= -1e-15)


@settings(max_examples=40, deadline=None)
@given(
    erlangs=st.floats(min_value=0.1, max_value=20000.0),
    target=st.floats(min_value=0.05, max_value=0.99),
    t=st.floats(min_value=0.0, max_value=60.0),
)
def test_one_agent_fewer_always_misses_the_target(erlangs, target, t):
    n = erlang.erlang_c_min_agents(
        erlangs=erlangs, aht_seconds=300, answer_seconds=t, target_sl=target
    )
    assert (
        erlang.erlang_c_service_level(agents=n, erlangs=erlangs, aht_seconds=300, answer_seconds=t)
        >= target
    )
    assert (
        n - 1 < 1
        or erlang.erlang_c_service_level(
            agents=n - 1, erlangs=erlangs, aht_seconds=300, answer_seconds=t
        )
        < target
    )
