"""Synthetic claim histories with a known ground truth, for the simulator, demos and benchmarks.

The ATM profile tells the bank's story: most "ATM took my cash" claims are small and honest
(about 1% of small first claims are unfounded), repeat claimants and large amounts are unfounded
far more often, each investigation costs 300 roubles and takes 3-7 days.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from complaintdesk.claims.simulate import prior_claim_counts


@dataclass(frozen=True)
class TopicProfile:
    """How one claim topic behaves. Amounts are roubles; probabilities are per claim."""

    topic: str
    share: float = 1.0  # share of all claims in this topic
    amount_median: float = 3000.0  # lognormal median of the amount asked
    amount_sigma: float = 1.1  # lognormal spread (log-space standard deviation)
    amount_step: float = 100.0  # amounts are rounded to this (ATMs dispense 100-rouble notes)
    amount_max: float = 300_000.0  # e.g. a daily withdrawal limit
    unfounded_base: float = 0.01  # unfounded share among small claims without prior claims
    small_amount: float = 5000.0  # up to this, amount does not raise the unfounded share
    large_amount: float = 50_000.0  # from here on, the full large-amount uplift applies
    unfounded_large_uplift: float = 0.15  # added (log-linearly between small and large)
    unfounded_per_prior_claim: float = 0.08  # added per claim in the previous 365 days (max 5)
    investigation_cost: float = 300.0  # roubles of specialist time per investigation
    evidence_flag: str | None = None  # an integration flag raised mostly on founded claims
    evidence_if_upheld: float = 0.0
    evidence_if_unfounded: float = 0.0


@dataclass(frozen=True)
class Profile:
    """A whole history: topics, customers, time span and categorical factor mixes."""

    name: str
    topics: tuple[TopicProfile, ...]
    start: str = "2024-01-01"
    days: int = 730
    customers_per_claim: float = 3.0  # pool size; most customers never claim, many claim once
    repeater_share: float = 0.005  # share of customers who claim habitually
    repeater_weight: float = 30.0  # how much more often a habitual claimant claims
    resolution_days: tuple[float, float] = (3.0, 7.0)  # investigation takes uniformly this long
    segments: dict[str, float] = field(
        default_factory=lambda: {"mass": 0.85, "premium": 0.12, "private": 0.03})
    channels: dict[str, float] = field(
        default_factory=lambda: {"phone": 0.5, "app": 0.3, "branch": 0.2})


ATM_PROFILE = Profile(
    name="atm",
    topics=(TopicProfile(topic="atm_cash_not_credited", evidence_flag="atm_surplus",
                         # Reconciliation at encashment finds the surplus for some honest claims.
                         evidence_if_upheld=0.3, evidence_if_unfounded=0.002),),
)
GENERIC_PROFILE = Profile(
    name="generic",
    topics=(
        TopicProfile(topic="parcel_damaged", share=0.5, amount_median=1500, amount_sigma=0.9,
                     amount_step=10, unfounded_base=0.03, investigation_cost=250),
        TopicProfile(topic="double_charge", share=0.3, amount_median=2500, amount_sigma=1.0,
                     amount_step=1, unfounded_base=0.02, investigation_cost=400),
        TopicProfile(topic="delivery_not_received", share=0.2, amount_median=3000,
                     amount_sigma=0.8, amount_step=10, unfounded_base=0.06,
                     unfounded_per_prior_claim=0.12, investigation_cost=350),
    ),
)
PROFILES = {p.name: p for p in (ATM_PROFILE, GENERIC_PROFILE)}


def _choice(rng: np.random.Generator, mix: dict[str, float], size: int) -> np.ndarray:
    weights = np.array(list(mix.values()), dtype=float)
    return rng.choice(np.array(list(mix)), size=size, p=weights / weights.sum())


def _iso(times: pd.DatetimeIndex) -> np.ndarray:
    # numpy formats a million timestamps ~10x faster than DatetimeIndex.strftime.
    return np.char.add(np.datetime_as_string(times.tz_convert(None).to_numpy("datetime64[s]")),
                       "Z")


def generate(*, profile: Profile | str = "atm", rows: int, seed: int = 0) -> pd.DataFrame:
    """A claim history with the simulator's columns; identical for the same profile and seed."""
    if isinstance(profile, str):
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
        profile = PROFILES[profile]
    if rows < 1:
        raise ValueError("rows must be at least 1")
    rng = np.random.default_rng(seed)
    customers = max(1, int(rows * profile.customers_per_claim))
    weight = np.where(rng.random(customers) < profile.repeater_share, profile.repeater_weight, 1.0)
    customer = rng.choice(customers, size=rows, p=weight / weight.sum())
    start = pd.Timestamp(profile.start, tz="UTC")
    seconds = np.sort(rng.integers(0, profile.days * 86_400, size=rows))
    received = start + pd.to_timedelta(seconds, unit="s")

    shares = np.array([t.share for t in profile.topics])
    topic_idx = rng.choice(len(profile.topics), size=rows, p=shares / shares.sum())
    pick = {name: np.array([getattr(t, name) for t in profile.topics])[topic_idx]
            for name in ("amount_median", "amount_sigma", "amount_step", "amount_max",
                         "unfounded_base", "small_amount", "large_amount",
                         "unfounded_large_uplift", "unfounded_per_prior_claim",
                         "investigation_cost", "evidence_if_upheld", "evidence_if_unfounded")}
    raw = rng.lognormal(np.log(pick["amount_median"]), pick["amount_sigma"])
    amount = np.clip(np.round(raw / pick["amount_step"]) * pick["amount_step"],
                     pick["amount_step"], pick["amount_max"])

    prior = prior_claim_counts(customer_ids=customer, received_at=pd.Series(received),
                               window_days=365)
    largeness = np.clip(np.log(amount / pick["small_amount"])
                        / np.log(pick["large_amount"] / pick["small_amount"]), 0, 1)
    p_unfounded = np.clip(pick["unfounded_base"]
                          + pick["unfounded_large_uplift"] * largeness
                          + pick["unfounded_per_prior_claim"] * np.minimum(prior, 5), 0, 0.95)
    upheld = rng.random(rows) >= p_unfounded
    low, high = profile.resolution_days
    waited = pd.to_timedelta(rng.uniform(low, high, rows) * 86_400, unit="s").round("s")
    resolved = received + waited

    data = {
        "claim_id": [f"CL{i:08d}" for i in range(1, rows + 1)],
        "customer_id": [f"CU{c:08d}" for c in customer],
        "received_at": _iso(received),
        "topic": np.array([t.topic for t in profile.topics])[topic_idx],
        "amount": amount,
        "upheld": upheld,
        "investigation_cost": pick["investigation_cost"],
        "resolved_at": _iso(resolved),
        "segment": _choice(rng, profile.segments, rows),
        "channel": _choice(rng, profile.channels, rows),
    }
    for flag in sorted({t.evidence_flag for t in profile.topics if t.evidence_flag}):
        has_flag = np.array([t.evidence_flag == flag for t in profile.topics])[topic_idx]
        chance = np.where(upheld, pick["evidence_if_upheld"], pick["evidence_if_unfounded"])
        data[f"evidence.{flag}"] = has_flag & (rng.random(rows) < chance)
    return pd.DataFrame(data)
