"""Deadlines for a case: pick the policy, run the pure clock maths, store the columns."""

import functools
from datetime import datetime, timedelta

from complaintdesk.lib import configcache
from complaintdesk.sla import business_time as bt
from complaintdesk.sla.models import Calendar, Holiday, Policy

configcache.watch(Calendar, Holiday, Policy)


def work_calendar(calendar: Calendar) -> bt.WorkCalendar:
    return configcache.cached(f"calendar:{calendar.pk}", calendar.to_work_calendar)


def _active_policies() -> list[Policy]:
    return list(Policy.objects.filter(active=True).select_related("calendar", "topic"))


def select_policy(case) -> Policy | None:
    """The most specific active policy matching the case (blank fields match anything)."""
    topic_ids = {case.topic_id, case.topic.parent_id if case.topic_id else None} - {None}
    best = None
    for policy in configcache.cached("policies", _active_policies):
        if not (
            policy.kind in ("", case.kind) and policy.channel in ("", case.channel)
            and policy.priority in ("", case.priority)
            and (policy.topic_id is None or policy.topic_id in topic_ids)
        ):
            continue
        # A level-2 topic match beats its level-1 parent's.
        key = (policy.specificity, policy.topic_id == case.topic_id, -policy.pk)
        if best is None or key > best[0]:
            best = (key, policy)
    return best[1] if best else None


def _calendar_for(case, policy: Policy | None) -> bt.WorkCalendar:
    if policy is not None:
        return work_calendar(policy.calendar)
    if case.queue.calendar_id:
        return work_calendar(case.queue.calendar)
    return bt.WorkCalendar.standard("Europe/Moscow")


def pauses_of(case) -> list[tuple[datetime, datetime | None]]:
    """The case's pause spans; a list page prefetches them into `case.pause_spans`."""
    spans = getattr(case, "pause_spans", None)
    if spans is not None:
        return [(p.started_at, p.ended_at) for p in spans]
    if case.pk is None:
        return []
    return list(case.pauses.values_list("started_at", "ended_at"))


def _clock(case, policy: Policy | None) -> tuple[bt.WorkCalendar, bt.Measure, float]:
    """Calendar, measure and length of the resolution clock under `policy`."""
    cal = _calendar_for(case, policy)
    measure = bt.Measure(policy.resolve_measure) if policy else bt.Measure.BUSINESS
    duration = policy.resolve_seconds(cal) if policy else 10.0 * cal.standard_day_seconds
    return cal, measure, duration


def apply_deadlines(case, *, now: datetime) -> list[str]:
    """Recompute the case's clock columns in memory; return the names of changed fields."""
    policy = select_policy(case)
    cal, measure, duration = _clock(case, policy)
    warn_share = policy.warn_share if policy else 0.75
    ack_seconds = (policy.acknowledge_minutes if policy else 60) * 60.0

    # While a pause is open the clock stands; keep the deadline as it stood and stop checks.
    closed_pauses = tuple((s, e) for s, e in pauses_of(case) if e is not None)
    before = {f: getattr(case, f) for f in _CLOCK_FIELDS}
    case.policy = policy
    case.acknowledge_by, case.resolve_by, case.warn_at = _deadlines(
        cal, measure, case.received_at, duration, warn_share, ack_seconds, closed_pauses)
    case.next_sla_check_at = next_check(case, policy=policy)
    return [f for f in _CLOCK_FIELDS if getattr(case, f) != before[f]]


@functools.lru_cache(maxsize=4096)
def _deadlines(cal: bt.WorkCalendar, measure: bt.Measure, received_at: datetime, duration: float,
               warn_share: float, ack_seconds: float, pauses: tuple[bt.Pause, ...],
               ) -> tuple[datetime, datetime | None, datetime | None]:
    """Acknowledge-by, resolve-by and warn-at. Remembered: an import brings thousands of cases
    received at the same moments (registers often carry only the date) under one policy."""
    return (
        bt.add_business_seconds(cal, received_at, ack_seconds),
        bt.deadline(cal, measure=measure, start=received_at, duration_seconds=duration,
                    pauses=pauses),
        bt.deadline(cal, measure=measure, start=received_at,
                    duration_seconds=duration * warn_share, pauses=pauses),
    )


_CLOCK_FIELDS = ["policy_id", "acknowledge_by", "resolve_by", "warn_at", "next_sla_check_at"]


def second_escalation_at(case, *, policy: Policy | None) -> datetime | None:
    if case.resolve_by is None:
        return None
    hours = policy.second_escalation_hours if policy else 24
    return case.resolve_by + timedelta(hours=hours)


def next_check(case, *, policy: Policy | None) -> datetime | None:
    """The next moment a worker must look at this case, or None when nothing is pending."""
    from complaintdesk.cases.lifecycle import FINISHED, Status

    if case.clock_paused_since is not None or Status(case.status) in FINISHED:
        pending = []
    else:
        pending = [
            case.warn_at if case.sla_stage < 1 else None,
            case.resolve_by if case.sla_stage < 2 else None,
            second_escalation_at(case, policy=policy) if case.sla_stage < 3 else None,
        ]
    if case.acknowledged_at is None and not case.ack_escalated and Status(case.status) == Status.RECEIVED:
        pending.append(case.acknowledge_by)
    due = [p for p in pending if p is not None]
    return min(due) if due else None


def clock_share_used(case, *, now: datetime) -> float | None:
    """Share of the resolution clock used (for badges); None when there is no clock."""
    if case.resolve_by is None:
        return None
    cal, measure, duration = _clock(case, case.policy)
    if duration <= 0:
        return 1.0
    used = bt.elapsed(cal, measure=measure, start=case.received_at, now=now, pauses=pauses_of(case))
    return used / duration
