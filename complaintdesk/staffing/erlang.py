"""Erlang C (M/M/n) and Erlang A (M/M/n+M, Palm) queueing formulas for contact-centre staffing.

Everything is computed in the log domain from the Poisson probability and the regularised
incomplete gamma function, so it stays exact (about 1e-12 relative) and overflow-free from a
tenth of an Erlang to hundreds of thousands. No Django import: this module is pure maths.
All public functions take keyword-only arguments and accept scalars or numpy arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray = NDArray[np.float64]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
# Below this a regularised incomplete gamma value is too close to underflow to take its log.
_TINY = 1e-280


# --------------------------------------------------------------------------------------------
# Numerical building blocks
# --------------------------------------------------------------------------------------------


def _stirling_error(x: FloatArray) -> FloatArray:
    """log Γ(x+1) − [(x+½)·log x − x + ½·log 2π] (Loader 2000), for x ≥ 1."""
    nn = x * x
    series = (
        1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - 1.0 / (1188 * nn)) / nn) / nn) / nn
    ) / x
    # gammaln minus the Stirling terms is exact enough for small x, where the series is not.
    with np.errstate(divide="ignore", invalid="ignore"):
        direct = special.gammaln(x + 1.0) - (x + 0.5) * np.log(x) + x - _HALF_LOG_2PI
    return np.where(x > 15.0, series, direct)


def _deviance(x: FloatArray, m: FloatArray) -> FloatArray:
    """x·log(x/m) + m − x without cancellation when x ≈ m (Loader's bd0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        far = special.xlogy(x, x / m) + m - x
        d = x - m
        v = d / (x + m)
        total = d * v
        term = 2.0 * x * v
        v2 = v * v
        for j in range(1, 12):
            term = term * v2
            total = total + term / (2 * j + 1)
    return np.where(np.abs(d) < 0.1 * (x + m), total, far)


def _log_poisson(x: FloatArray, mean: FloatArray) -> FloatArray:
    """log(e^−mean · mean^x / Γ(x+1)) for real x ≥ 0, accurate to ~1e-14 absolute."""
    x = np.asarray(x, dtype=float)
    mean = np.asarray(mean, dtype=float)
    small = special.xlogy(x, mean) - mean - special.gammaln(x + 1.0)
    xs = np.maximum(x, 1.0)
    large = -_stirling_error(xs) - _deviance(xs, mean) - 0.5 * np.log(xs) - _HALF_LOG_2PI
    return np.where(x >= 1.0, large, small)


def _logsumexp_of_cumulative(log_ratios: FloatArray) -> FloatArray:
    """log Σ_j exp(Σ_{i<j} r_i) over the last axis, j starting at 0 (empty product = 1)."""
    cumulative = np.concatenate(
        [np.zeros(log_ratios.shape[:-1] + (1,)), np.cumsum(log_ratios, axis=-1)], axis=-1
    )
    return special.logsumexp(cumulative, axis=-1)


def _log_tail_sum(x: FloatArray, y: FloatArray) -> FloatArray:
    """log S(x, y), S = Σ_{j≥0} y^j·Γ(x+1)/Γ(x+j+1) = P(x, y)/poisson(x; y).

    S is the M/M/n+M queue-tail sum with x = nμ/θ and y = λ/θ; P is the regularised lower
    incomplete gamma function.
    """
    x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    lower = special.gammainc(x, y)
    with np.errstate(divide="ignore"):
        out = np.log(lower) - _log_poisson(x, y)
    # When P(x, y) underflows, y is far below x: the series then converges geometrically.
    bad = lower < _TINY
    if np.any(bad):
        xb, yb = x[bad], y[bad]
        terms = int(min(200_000, 60 * math.sqrt(float(np.max(xb))) + 200))
        i = np.arange(1, terms + 1, dtype=float)
        log_ratios = np.log(yb)[:, None] - np.log(xb[:, None] + i[None, :])
        out = np.array(out, dtype=float)
        out[bad] = _logsumexp_of_cumulative(log_ratios)
    return out


def _log_inverse_erlang_b(n: FloatArray, a: FloatArray) -> FloatArray:
    """log(1/B(n, a)) = log(Σ_{k≤n} a^k/k! ÷ a^n/n!) via the upper incomplete gamma Q(n+1, a)."""
    n, a = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(a, dtype=float))
    upper = special.gammaincc(n + 1.0, a)
    with np.errstate(divide="ignore"):
        out = np.log(upper) - _log_poisson(n, a)
    # Q underflows only when n is far below a; then Σ_j Π_{i<j}(n−i)/a converges fast.
    bad = upper < _TINY
    if np.any(bad):
        nb, ab = n[bad], a[bad]
        terms = int(min(200_000, 60 * math.sqrt(float(np.max(ab))) + 200))
        i = np.arange(terms, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratios = np.log(np.maximum(nb[:, None] - i[None, :], 0.0)) - np.log(ab)[:, None]
        out = np.array(out, dtype=float)
        out[bad] = _logsumexp_of_cumulative(log_ratios)
    return out


def _as_result(value: FloatArray) -> FloatArray | float:
    return float(value) if np.ndim(value) == 0 else value


def _check_positive(**values: ArrayLike) -> None:
    for name, value in values.items():
        arr = np.asarray(value, dtype=float)
        if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
            raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


def _check_agents(agents: ArrayLike) -> FloatArray:
    n = np.asarray(agents, dtype=float)
    if np.any(n < 1) or np.any(n != np.floor(n)):
        raise ValueError(f"agents must be whole numbers ≥ 1, got {agents!r}")
    return n


def offered_load(
    *, calls: ArrayLike, interval_seconds: float, aht_seconds: ArrayLike
) -> FloatArray:
    """Traffic intensity in Erlangs: calls per interval × AHT ÷ interval length."""
    return np.asarray(calls, dtype=float) * np.asarray(aht_seconds, dtype=float) / interval_seconds


# --------------------------------------------------------------------------------------------
# Erlang B and C
# --------------------------------------------------------------------------------------------


def erlang_b(*, agents: ArrayLike, erlangs: ArrayLike) -> FloatArray | float:
    """Blocking probability of M/M/n/n (Erlang B)."""
    _check_positive(erlangs=erlangs)
    n = _check_agents(agents)
    return _as_result(np.exp(-_log_inverse_erlang_b(n, np.asarray(erlangs, dtype=float))))


def _log_wait_probability_c(n: FloatArray, a: FloatArray) -> FloatArray:
    # C = n / ((n − a)/B + a), written as a log-sum to survive 1/B overflowing.
    with np.errstate(divide="ignore", invalid="ignore"):
        log_denominator = np.logaddexp(np.log(n - a) + _log_inverse_erlang_b(n, a), np.log(a))
        out = np.log(n) - log_denominator
    return np.where(n > a, out, 0.0)


def erlang_c_wait_probability(*, agents: ArrayLike, erlangs: ArrayLike) -> FloatArray | float:
    """Probability that a call waits (Erlang C); 1 when agents ≤ Erlangs (unstable queue)."""
    _check_positive(erlangs=erlangs)
    n = _check_agents(agents)
    return _as_result(np.exp(_log_wait_probability_c(n, np.asarray(erlangs, dtype=float))))


def erlang_c_service_level(
    *, agents: ArrayLike, erlangs: ArrayLike, aht_seconds: ArrayLike, answer_seconds: ArrayLike
) -> FloatArray | float:
    """Share of calls answered within answer_seconds (Erlang C)."""
    _check_positive(erlangs=erlangs, aht_seconds=aht_seconds)
    n = _check_agents(agents)
    a = np.asarray(erlangs, dtype=float)
    decay = (n - a) * np.asarray(answer_seconds, dtype=float) / np.asarray(aht_seconds, dtype=float)
    sl = 1.0 - np.exp(_log_wait_probability_c(n, a) - decay)
    return _as_result(np.where(n > a, sl, 0.0))


def erlang_c_asa(
    *, agents: ArrayLike, erlangs: ArrayLike, aht_seconds: ArrayLike
) -> FloatArray | float:
    """Average speed of answer in seconds (Erlang C); inf when agents ≤ Erlangs."""
    _check_positive(erlangs=erlangs, aht_seconds=aht_seconds)
    n = _check_agents(agents)
    a = np.asarray(erlangs, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = np.exp(_log_wait_probability_c(n, a)) * np.asarray(aht_seconds, dtype=float) / (n - a)
    return _as_result(np.where(n > a, asa, np.inf))


@dataclass(frozen=True)
class ErlangCResult:
    """Performance of one interval under Erlang C."""

    agents: int
    wait_probability: float
    service_level: float
    asa_seconds: float
    occupancy: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def erlang_c(
    *, agents: int, erlangs: float, aht_seconds: float, answer_seconds: float
) -> ErlangCResult:
    """All Erlang C measures for a given number of agents on the phones."""
    return ErlangCResult(
        agents=int(agents),
        wait_probability=float(erlang_c_wait_probability(agents=agents, erlangs=erlangs)),
        service_level=float(
            erlang_c_service_level(
                agents=agents,
                erlangs=erlangs,
                aht_seconds=aht_seconds,
                answer_seconds=answer_seconds,
            )
        ),
        asa_seconds=float(erlang_c_asa(agents=agents, erlangs=erlangs, aht_seconds=aht_seconds)),
        occupancy=float(min(1.0, erlangs / agents)),
    )


def _smallest_meeting(
    meets: Callable[[FloatArray, NDArray[np.bool_]], NDArray[np.bool_]],
    lowest: FloatArray,
    guess: FloatArray,
) -> FloatArray:
    """Smallest integer n ≥ lowest with meets(n) true, for a predicate monotone in n.

    Gallops upward from max(lowest, guess) until the target is met, then bisects, so the answer
    is the true minimum whatever the starting guess. meets(n, mask) evaluates where mask is true.
    """
    lowest = np.asarray(lowest, dtype=float)
    everywhere = np.ones(lowest.shape, dtype=bool)
    answer = np.where(meets(lowest, everywhere), lowest, np.nan)
    todo = np.isnan(answer)
    lo = lowest.copy()  # invariant where todo: meets(lo) is false
    hi = np.maximum(np.asarray(guess, dtype=float), lowest + 1)
    step = np.maximum(hi - lowest, 1.0)
    for _ in range(64):
        ok = np.zeros(lowest.shape, dtype=bool)
        ok[todo] = meets(hi, todo)[todo]
        failing = todo & ~ok
        if not failing.any():
            break
        lo = np.where(failing, hi, lo)
        step = np.where(failing, step * 2, step)
        hi = np.where(failing, hi + step, hi)
    else:
        raise ValueError("target cannot be reached with any number of agents")
    while True:
        open_ = todo & (hi - lo > 1)
        if not open_.any():
            break
        mid = np.floor((lo + hi) / 2)
        ok = np.zeros(lowest.shape, dtype=bool)
        ok[open_] = meets(mid, open_)[open_]
        hi = np.where(open_ & ok, mid, hi)
        lo = np.where(open_ & ~ok, mid, lo)
    return np.where(todo, hi, answer)


def _check_target(target_sl: float) -> None:
    if not 0.0 < target_sl < 1.0:
        raise ValueError(f"target service level must be strictly between 0 and 1, got {target_sl}")


def _occupancy_floor(a: FloatArray, max_occupancy: float | None) -> FloatArray:
    if max_occupancy is None:
        return np.ones_like(a)
    if not 0.0 < max_occupancy <= 1.0:
        raise ValueError(f"max occupancy must be in (0, 1], got {max_occupancy}")
    # The small tolerance keeps 8.5/0.85 = 10.000000000000002 from becoming 11 agents.
    return np.maximum(1.0, np.ceil(a / max_occupancy - 1e-9))


def erlang_c_min_agents(
    *,
    erlangs: ArrayLike,
    aht_seconds: ArrayLike,
    answer_seconds: ArrayLike,
    target_sl: float,
    max_occupancy: float | None = None,
) -> FloatArray | int:
    """Fewest agents reaching target_sl within answer_seconds (and at most max_occupancy).

    Vectorised: pass arrays to staff many intervals at once; returns ints for scalars.
    """
    _check_positive(erlangs=erlangs, aht_seconds=aht_seconds)
    _check_target(target_sl)
    a, aht, t = np.broadcast_arrays(
        np.asarray(erlangs, dtype=float),
        np.asarray(aht_seconds, dtype=float),
        np.asarray(answer_seconds, dtype=float),
    )
    a, aht, t = (np.atleast_1d(v).astype(float) for v in (a, aht, t))
    # A stable queue needs n > a; the square-root rule gives a close first guess.
    lowest = np.maximum(np.floor(a) + 1.0, _occupancy_floor(a, max_occupancy))
    guess = np.ceil(a + 1.5 * np.sqrt(a) + 1)

    def meets(n: FloatArray, mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
        out = np.zeros(n.shape, dtype=bool)
        log_c = _log_wait_probability_c(n[mask], a[mask])
        sl = 1.0 - np.exp(log_c - (n[mask] - a[mask]) * t[mask] / aht[mask])
        out[mask] = sl >= target_sl
        return out

    result = _smallest_meeting(meets, lowest, guess)
    return int(result[0]) if np.ndim(erlangs) == 0 else result.astype(int)


# --------------------------------------------------------------------------------------------
# Erlang A (M/M/n+M)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErlangAResult:
    """Performance of one interval under Erlang A (callers abandon after exponential patience)."""

    agents: int
    wait_probability: float
    abandon_probability: float
    service_level: float  # answered within t, over all offered calls
    service_level_answered: float  # answered within t, over answered calls
    asa_seconds: float  # average wait of answered calls
    occupancy: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _erlang_a_core(
    n: FloatArray, a: FloatArray, aht: FloatArray, patience: FloatArray, t: FloatArray
) -> dict[str, FloatArray]:
    """P(wait), P(abandon) and P(answered within t) for M/M/n+M (Mandelbaum & Zeltyn)."""
    ratio = aht / patience  # θ/μ
    x = n / ratio  # nμ/θ
    y = a / ratio  # λ/θ
    log_s = _log_tail_sum(x, y)
    log_r = _log_inverse_erlang_b(n, a)
    # P(wait) = S / (1/B + S − 1); both terms are ≥ 1, so scale by the larger before exp.
    top = np.maximum(log_r, log_s)
    log_wait = log_s - top - np.log(np.exp(log_r - top) + np.exp(log_s - top) - np.exp(-top))
    wait = np.exp(log_wait)
    inv_s = np.exp(-log_s)
    inv_rho = x / y
    abandon_given_wait = 1.0 - inv_rho + inv_rho * inv_s
    # Served within t given a wait: (x/y)·[(1 − 1/S(y)) − e^{−xθt + y(1−u)}·(S(yu) − 1)/S(y)].
    theta_t = t / patience
    u = np.exp(-theta_t)
    log_s_u = _log_tail_sum(x, y * u)
    log_shift = -x * theta_t - y * np.expm1(-theta_t)
    late = np.exp(log_shift + log_s_u - log_s) - np.exp(log_shift - log_s)
    served_fast_given_wait = inv_rho * ((1.0 - inv_s) - late)
    return {
        "wait": wait,
        "abandon": wait * abandon_given_wait,
        "answered_within": (1.0 - wait) + wait * served_fast_given_wait,
        "x": x,
        "y": y,
    }


def _answered_wait_given_wait(x: float, y: float, patience: float) -> float:
    """E[wait · 1{answered} | caller waits], from the law of the number j already queued.

    With j ahead, the wait V is a sum of exponentials of rates θ(x+i+1)… and E[V·e^{−θV}] is
    x/(x+j+1)·(ψ(x+j+2) − ψ(x+1))/θ; j given a wait is weighted by y^j/Γ(x+j+1).
    """
    spread = 40.0 * math.sqrt(max(x, y)) + 100.0
    first = max(0, math.floor(y - x - spread))
    last = math.ceil(max(y - x, 0.0) + spread)
    j = np.arange(first, last + 1, dtype=float)
    log_weights = j * math.log(y) - special.gammaln(x + j + 1.0)
    weights = np.exp(log_weights - log_weights.max())
    value = x / (x + j + 1.0) * (special.digamma(x + j + 2.0) - special.digamma(x + 1.0))
    return float(np.dot(weights, value) / weights.sum()) * patience


def erlang_a(
    *,
    agents: int,
    erlangs: float,
    aht_seconds: float,
    patience_seconds: float,
    answer_seconds: float,
) -> ErlangAResult:
    """All Erlang A measures for a given number of agents; patience is the callers' mean."""
    _check_positive(erlangs=erlangs, aht_seconds=aht_seconds, patience_seconds=patience_seconds)
    n = _check_agents(agents)
    core = _erlang_a_core(
        np.atleast_1d(n),
        np.atleast_1d(float(erlangs)),
        np.atleast_1d(float(aht_seconds)),
        np.atleast_1d(float(patience_seconds)),
        np.atleast_1d(float(answer_seconds)),
    )
    wait = float(core["wait"][0])
    abandon = float(core["abandon"][0])
    answered = 1.0 - abandon
    within = float(core["answered_within"][0])
    asa = (
        wait
        * _answered_wait_given_wait(float(core["x"][0]), float(core["y"][0]), patience_seconds)
        / answered
    )
    return ErlangAResult(
        agents=int(agents),
        wait_probability=wait,
        abandon_probability=abandon,
        service_level=within,
        service_level_answered=within / answered,
        asa_seconds=asa,
        occupancy=float(erlangs * answered / agents),
    )


def erlang_a_min_agents(
    *,
    erlangs: ArrayLike,
    aht_seconds: ArrayLike,
    patience_seconds: ArrayLike,
    answer_seconds: ArrayLike,
    target_sl: float,
    max_abandon: float | None = None,
    max_occupancy: float | None = None,
) -> FloatArray | int:
    """Fewest agents answering target_sl of offered calls within answer_seconds (Erlang A).

    With abandonment the answer may be below the offered load. Optionally also caps the
    abandonment probability and the occupancy. Vectorised like erlang_c_min_agents.
    """
    _check_positive(erlangs=erlangs, aht_seconds=aht_seconds, patience_seconds=patience_seconds)
    _check_target(target_sl)
    if max_abandon is not None and not 0.0 < max_abandon < 1.0:
        raise ValueError(f"max abandonment must be strictly between 0 and 1, got {max_abandon}")
    a, aht, patience, t = (
        np.atleast_1d(v).astype(float)
        for v in np.broadcast_arrays(
            np.asarray(erlangs, dtype=float),
            np.asarray(aht_seconds, dtype=float),
            np.asarray(patience_seconds, dtype=float),
            np.asarray(answer_seconds, dtype=float),
        )
    )

    def meets(n: FloatArray, mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
        out = np.zeros(n.shape, dtype=bool)
        core = _erlang_a_core(n[mask], a[mask], aht[mask], patience[mask], t[mask])
        ok = core["answered_within"] >= target_sl
        if max_abandon is not None:
            ok &= core["abandon"] <= max_abandon
        if max_occupancy is not None:
            ok &= a[mask] * (1.0 - core["abandon"]) / n[mask] <= max_occupancy + 1e-12
        out[mask] = ok
        return out

    guess = np.maximum(1.0, np.ceil(a + np.sqrt(a)))
    result = _smallest_meeting(meets, np.ones_like(a), guess)
    return int(result[0]) if np.ndim(erlangs) == 0 else result.astype(int)


# --------------------------------------------------------------------------------------------
# Staffing one interval from calls, with shrinkage and maximum occupancy
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Staffing:
    """Agents needed for one interval: on the phones (raw) and scheduled (after shrinkage)."""

    agents: int
    raw_agents: int
    erlangs: float
    service_level: float
    wait_probability: float
    asa_seconds: float
    occupancy: float
    abandon_probability: float | None = None
    service_level_answered: float | None = None

    def as_dict(self) -> dict[str, float | int | None]:
        out = asdict(self)
        if self.abandon_probability is None:
            out.pop("abandon_probability")
            out.pop("service_level_answered")
        return out


def scheduled_agents(*, raw_agents: ArrayLike, shrinkage: float) -> FloatArray | int:
    """Agents to schedule so that raw_agents remain after shrinkage (breaks, training, absence)."""
    if not 0.0 <= shrinkage < 1.0:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage}")
    out = np.ceil(np.asarray(raw_agents, dtype=float) / (1.0 - shrinkage) - 1e-9)
    return int(out) if np.ndim(out) == 0 else out.astype(int)


def _check_plan_inputs(
    calls: float, interval_seconds: float, target_sl: float | None, agents: int | None
) -> None:
    if calls < 0 or not math.isfinite(calls):
        raise ValueError(f"calls must be ≥ 0, got {calls}")
    _check_positive(interval_seconds=interval_seconds)
    if (target_sl is None) == (agents is None):
        raise ValueError("give exactly one of a target service level or a number of agents")


def erlang_c_staffing(
    *,
    calls: float,
    interval_seconds: float,
    aht_seconds: float,
    answer_seconds: float,
    target_sl: float | None = None,
    agents: int | None = None,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
) -> Staffing:
    """Erlang C staffing of one interval: either find agents for target_sl or rate given agents."""
    _check_plan_inputs(calls, interval_seconds, target_sl, agents)
    _check_positive(aht_seconds=aht_seconds)
    a = float(offered_load(calls=calls, interval_seconds=interval_seconds, aht_seconds=aht_seconds))
    if agents is None:
        raw = (
            erlang_c_min_agents(
                erlangs=a,
                aht_seconds=aht_seconds,
                answer_seconds=answer_seconds,
                target_sl=target_sl,
                max_occupancy=max_occupancy,
            )
            if a > 0
            else 0
        )
    else:
        raw = int(agents)
        if max_occupancy is not None and a > 0:
            raw = max(raw, int(_occupancy_floor(np.asarray(a), max_occupancy)))
    if a == 0:
        return Staffing(
            raw_agents=raw,
            agents=scheduled_agents(raw_agents=raw, shrinkage=shrinkage),
            erlangs=0.0,
            service_level=1.0,
            wait_probability=0.0,
            asa_seconds=0.0,
            occupancy=0.0,
        )
    result = erlang_c(agents=raw, erlangs=a, aht_seconds=aht_seconds, answer_seconds=answer_seconds)
    return Staffing(
        agents=int(scheduled_agents(raw_agents=raw, shrinkage=shrinkage)),
        raw_agents=raw,
        erlangs=a,
        service_level=result.service_level,
        wait_probability=result.wait_probability,
        asa_seconds=result.asa_seconds,
        occupancy=result.occupancy,
    )


def erlang_a_staffing(
    *,
    calls: float,
    interval_seconds: float,
    aht_seconds: float,
    patience_seconds: float,
    answer_seconds: float,
    target_sl: float | None = None,
    agents: int | None = None,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
    max_abandon: float | None = None,
) -> Staffing:
    """Erlang A staffing of one interval: either find agents for target_sl or rate given agents."""
    _check_plan_inputs(calls, interval_seconds, target_sl, agents)
    _check_positive(aht_seconds=aht_seconds, patience_seconds=patience_seconds)
    a = float(offered_load(calls=calls, interval_seconds=interval_seconds, aht_seconds=aht_seconds))
    if a == 0:
        raw = 0 if agents is None else int(agents)
        return Staffing(
            raw_agents=raw,
            agents=scheduled_agents(raw_agents=raw, shrinkage=shrinkage),
            erlangs=0.0,
            service_level=1.0,
            wait_probability=0.0,
            asa_seconds=0.0,
            occupancy=0.0,
            abandon_probability=0.0,
            service_level_answered=1.0,
        )
    if agents is None:
        raw = erlang_a_min_agents(
            erlangs=a,
            aht_seconds=aht_seconds,
            patience_seconds=patience_seconds,
            answer_seconds=answer_seconds,
            target_sl=target_sl,
            max_abandon=max_abandon,
            max_occupancy=max_occupancy,
        )
    else:
        raw = int(agents)
        if max_occupancy is not None:
            raw = max(raw, int(_occupancy_floor(np.asarray(a), max_occupancy)))
    result = erlang_a(
        agents=raw,
        erlangs=a,
        aht_seconds=aht_seconds,
        patience_seconds=patience_seconds,
        answer_seconds=answer_seconds,
    )
    return Staffing(
        agents=int(scheduled_agents(raw_agents=raw, shrinkage=shrinkage)),
        raw_agents=int(raw),
        erlangs=a,
        service_level=result.service_level,
        wait_probability=result.wait_probability,
        asa_seconds=result.asa_seconds,
        occupancy=result.occupancy,
        abandon_probability=result.abandon_probability,
        service_level_answered=result.service_level_answered,
    )
