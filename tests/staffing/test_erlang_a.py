"""Erlang A (M/M/n+M): published values, a 40-digit mpmath reference, minimal staffing."""

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaintdesk.staffing import erlang

mp.mp.dps = 40


def reference_erlang_a(n: int, a: float, aht: float, patience: float, t: float) -> dict[str, float]:
    """Palm's model in mpmath: S = x e^y y^-x γ(x, y); SL and ASA by integrating the wait density.

    The density of the virtual wait V of an arrival is p_n·x·θ·e^y·exp(−xθv − y·e^{−θv}).
    """
    a, aht, patience, t = (mp.mpf(v) for v in (a, aht, patience, t))
    mu, theta = 1 / aht, 1 / patience
    lam = a * mu
    x, y = n * mu / theta, lam / theta
    b = mp.exp(n * mp.log(a) - a - mp.loggamma(n + 1)) / mp.gammainc(
        n + 1, a, mp.inf, regularized=True
    )
    s = x * mp.exp(y) * y ** (-x) * mp.gammainc(x, 0, y)
    wait = s / (1 / b + s - 1)
    rho = lam / (n * mu)
    abandon = wait * (1 - 1 / rho + 1 / (rho * s))
    p_n = wait / s

    def density(v):
        return p_n * x * theta * mp.exp(y - x * theta * v - y * mp.exp(-theta * v))

    served_fast = mp.quad(lambda v: mp.exp(-theta * v) * density(v), [0, t]) if t > 0 else 0
    scale = 1 / (x * theta)  # the density decays like exp(−xθv)
    served_wait = mp.quad(
        lambda v: v * mp.exp(-theta * v) * density(v), [0, scale, 10 * scale, mp.inf]
    )
    answered = 1 - abandon
    return {
        "wait": float(wait),
        "abandon": float(abandon),
        "sl": float(1 - wait + served_fast),
        "sl_answered": float((1 - wait + served_fast) / answered),
        "asa": float(served_wait / answered),
    }


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def test_reproduces_the_100_calls_5_minute_patience_example():
    r = erlang.erlang_a(
        agents=14, erlangs=10.0, aht_seconds=180, patience_seconds=300, answer_seconds=20
    )
    assert r.wait_probability == pytest.approx(0.14526, abs=5e-6)
    assert r.abandon_probability == pytest.approx(0.013984, abs=5e-7)
    assert r.service_level == pytest.approx(0.916792, abs=5e-7)


def test_staffs_below_the_offered_load_when_callers_abandon():
    n = erlang.erlang_a_min_agents(
        erlangs=500.0, aht_seconds=300, patience_seconds=180, answer_seconds=20, target_sl=0.8
    )
    assert n == 475


CASES = [
    # (erlangs, agents, aht, patience, t)
    (0.1, 1, 180, 300, 20),
    (0.5, 2, 300, 60, 10),
    (3.0, 3, 240, 120, 30),
    (10.0, 14, 180, 300, 20),
    (10.0, 8, 180, 300, 20),
    (123.0, 124, 300, 180, 20),
    (500.0, 475, 300, 180, 20),
    (2000.0, 2001, 300, 600, 20),
    (5000.0, 4900, 300, 120, 20),
    (30_000.0, 30_001, 300, 180, 15),
    (100_000.0, 100_001, 300, 300, 20),
    (100_000.0, 99_000, 300, 60, 20),
]


@pytest.mark.parametrize(("erlangs", "agents", "aht", "patience", "t"), CASES)
def test_matches_high_precision_reference(erlangs, agents, aht, patience, t):
    ref = reference_erlang_a(agents, erlangs, aht, patience, t)
    got = erlang.erlang_a(
        agents=agents,
        erlangs=erlangs,
        aht_seconds=aht,
        patience_seconds=patience,
        answer_seconds=t,
    )
    assert rel(got.wait_probability, ref["wait"]) < 1e-9
    assert rel(got.abandon_probability, ref["abandon"]) < 1e-9
    assert rel(got.service_level, ref["sl"]) < 1e-9
    assert rel(got.service_level_answered, ref["sl_answered"]) < 1e-9
    assert rel(got.asa_seconds, ref["asa"]) < 1e-9


def test_overloaded_centre_loses_the_excess_to_abandonment():
    # With 5,000 Erlangs on 4,000 agents at least a fifth of callers must give up.
    r = erlang.erlang_a(
        agents=4000, erlangs=5000.0, aht_seconds=300, patience_seconds=120, answer_seconds=20
    )
    assert r.abandon_probability >= 0.2 - 1e-9
    assert r.occupancy <= 1.0
    assert np.isfinite(r.asa_seconds)


@settings(max_examples=30, deadline=None)
@given(
    erlangs=st.floats(min_value=0.1, max_value=3000.0),
    patience=st.floats(min_value=10.0, max_value=1800.0),
    target=st.floats(min_value=0.05, max_value=0.95),
)
def test_one_agent_fewer_always_misses_the_target(erlangs, patience, target):
    n = erlang.erlang_a_min_agents(
        erlangs=erlangs,
        aht_seconds=240,
        patience_seconds=patience,
        answer_seconds=20,
        target_sl=target,
    )

    def sl(k):
        return erlang.erlang_a(
            agents=k,
            erlangs=erlangs,
            aht_seconds=240,
            patience_seconds=patience,
            answer_seconds=20,
        ).service_level

    assert sl(n) >= target
    assert n == 1 or sl(n - 1) < target


@settings(max_examples=30, deadline=None)
@given(
    erlangs=st.floats(min_value=0.1, max_value=5000.0),
    patience=st.floats(min_value=10.0, max_value=1800.0),
)
def test_service_level_and_abandonment_improve_with_every_added_agent(erlangs, patience):
    start = max(1, math.floor(erlangs * 0.8))
    levels = [
        erlang.erlang_a(
            agents=k,
            erlangs=erlangs,
            aht_seconds=240,
            patience_seconds=patience,
            answer_seconds=20,
        )
        for k in range(start, start + 25)
    ]
    sl = np.array([r.service_level for r in levels])
    ab = np.array([r.abandon_probability for r in levels])
    assert np.all(np.diff(sl) >= -1e-10)  # values near 0 carry ~1e-13 noise
    assert np.all(np.diff(ab) <= 1e-10)


def test_max_abandonment_cap_adds_agents():
    plain = erlang.erlang_a_min_agents(
        erlangs=100.0, aht_seconds=300, patience_seconds=60, answer_seconds=20, target_sl=0.5
    )
    capped = erlang.erlang_a_min_agents(
        erlangs=100.0,
        aht_seconds=300,
        patience_seconds=60,
        answer_seconds=20,
        target_sl=0.5,
        max_abandon=0.01,
    )
    assert capped > plain
    r = erlang.erlang_a(
        agents=capped, erlangs=100.0, aht_seconds=300, patience_seconds=60, answer_seconds=20
    )
    assert r.abandon_probability <= 0.01
