"""Expected wait time (EWT) for a caller already in the queue, and what to tell them.

Practitioners' polls favour an honest EWT over "more than ten minutes" or a busy signal, and a
callback offer when the wait is long. Pure functions, no Django import.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

DEFAULT_CALLBACK_THRESHOLD_SECONDS = 600.0


def _check(agents: int, aht_seconds: float, ahead: int) -> None:
    if ahead < 0:
        raise ValueError(f"callers ahead must be ≥ 0, got {ahead}")
    if agents < 1:
        raise ValueError(f"agents must be ≥ 1, got {agents}")
    if not aht_seconds > 0:
        raise ValueError(f"AHT must be > 0 seconds, got {aht_seconds}")


def ewt_erlang_c(*, ahead: int, agents: int, aht_seconds: float) -> float:
    """Mean wait with `ahead` callers queued in front and all agents busy: (k+1)·AHT/N."""
    _check(agents, aht_seconds, ahead)
    return (ahead + 1) * aht_seconds / agents


def ewt_erlang_a(*, ahead: int, agents: int, aht_seconds: float, patience_seconds: float) -> float:
    """Mean wait with abandonment: Σ_{j=0..k} 1/(Nμ + jθ), since callers ahead may hang up."""
    _check(agents, aht_seconds, ahead)
    if not patience_seconds > 0:
        raise ValueError(f"patience must be > 0 seconds, got {patience_seconds}")
    service_rate = agents / aht_seconds
    abandon_rate = 1.0 / patience_seconds
    return math.fsum(1.0 / (service_rate + j * abandon_rate) for j in range(ahead + 1))


def ewt_last_to_enter_service(*, answered_waits_seconds: Sequence[float], window: int = 1) -> float:
    """Delay-history estimate: the mean wait of the last `window` callers to reach an agent.

    window=1 is the LES estimator of Ibrahim & Whitt; a small window trades lag for less noise.
    """
    if window < 1:
        raise ValueError(f"window must be ≥ 1, got {window}")
    recent = list(answered_waits_seconds)[-window:]
    if not recent:
        raise ValueError("no answered waits yet: use the queueing estimate instead")
    if any(w < 0 for w in recent):
        raise ValueError("waits cannot be negative")
    return math.fsum(recent) / len(recent)


def ewt_head_of_line(*, head_of_line_waited_seconds: float) -> float:
    """Delay-history estimate: how long the caller at the head of the queue has waited so far."""
    if head_of_line_waited_seconds < 0:
        raise ValueError("the head-of-line wait cannot be negative")
    return float(head_of_line_waited_seconds)


@dataclass(frozen=True)
class EwtAdvice:
    """What the IVR should say: an honest wait, rounded up, and whether to offer a callback."""

    ewt_seconds: float
    announce_minutes: int
    offer_callback: bool
    message: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def ewt_advice(
    *, ewt_seconds: float, callback_threshold_seconds: float = DEFAULT_CALLBACK_THRESHOLD_SECONDS
) -> EwtAdvice:
    """Announce the EWT rounded up to whole minutes (never promise less) and offer a callback
    when it exceeds the threshold."""
    if ewt_seconds < 0 or math.isnan(ewt_seconds):
        raise ValueError(f"EWT must be ≥ 0 seconds, got {ewt_seconds}")
    minutes = max(1, math.ceil(ewt_seconds / 60.0)) if math.isfinite(ewt_seconds) else 0
    offer = ewt_seconds > callback_threshold_seconds
    if not math.isfinite(ewt_seconds):
        said = "All our agents are busy and we cannot estimate the wait."
    elif minutes == 1:
        said = "Your expected wait is under a minute."
    else:
        said = f"Your expected wait is about {minutes} minutes."
    if offer:
        said += " We can call you back instead: press 1 and keep your place in the queue."
    return EwtAdvice(
        ewt_seconds=float(ewt_seconds),
        announce_minutes=minutes,
        offer_callback=offer,
        message=said,
    )
