"""Interim stand-in (replaced by the full implementation on the sla-time branch)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Measure(StrEnum):
    CALENDAR = "calendar"
    BUSINESS = "business"


@dataclass(frozen=True)
class WorkCalendar:
    tz: str
    week: tuple[tuple[tuple[time, time], ...], ...]
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    short_days: frozenset[date] = frozenset()
    short_day_cut: timedelta = timedelta(hours=1)
    workday_hours: tuple[tuple[time, time], ...] = ((time(9), time(18)),)
    _unused: tuple = field(default=())

    @property
    def standard_day_seconds(self) -> int:
        return sum(
            (datetime.combine(date.min, e) - datetime.combine(date.min, s)).seconds
            for s, e in self.week[0]
        )

    @classmethod
    def standard(cls, tz: str, start: time = time(9), end: time = time(18), weekdays: int = 5,
                 holidays: frozenset[date] = frozenset()) -> "WorkCalendar":
        week = tuple(((start, end),) if i < weekdays else () for i in range(7))
        return cls(tz=tz, week=week, holidays=holidays)


def working_intervals(cal: WorkCalendar, day: date) -> list[tuple[datetime, datetime]]:
    zone = ZoneInfo(cal.tz)
    if day in cal.holidays:
        return []
    hours = cal.workday_hours if day in cal.extra_workdays else cal.week[day.weekday()]
    utc = ZoneInfo("UTC")
    return [
        (datetime.combine(day, s, zone).astimezone(utc), datetime.combine(day, e, zone).astimezone(utc))
        for s, e in hours
    ]


def business_seconds_between(cal: WorkCalendar, start: datetime, end: datetime) -> float:
    if end <= start:
        return 0.0
    zone = ZoneInfo(cal.tz)
    day = start.astimezone(zone).date()
    total = 0.0
    while day <= end.astimezone(zone).date():
        for s, e in working_intervals(cal, day):
            lo, hi = max(s, start), min(e, end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return total


def add_business_seconds(cal: WorkCalendar, start: datetime, seconds: float) -> datetime:
    zone = ZoneInfo(cal.tz)
    day = start.astimezone(zone).date()
    remaining = seconds
    for _ in range(3660):
        for s, e in working_intervals(cal, day):
            lo = max(s, start)
            if e <= lo:
                continue
            span = (e - lo).total_seconds()
            if remaining <= span:
                return lo + timedelta(seconds=remaining)
            remaining -= span
        day += timedelta(days=1)
    raise ValueError("calendar has no working time")


def _merged(pauses: Sequence[tuple[datetime, datetime | None]], now: datetime) -> list[tuple[datetime, datetime]]:
    spans = sorted((s, e or now) for s, e in pauses)
    out: list[tuple[datetime, datetime]] = []
    for s, e in spans:
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _span(cal: WorkCalendar, measure: Measure, a: datetime, b: datetime) -> float:
    if measure == Measure.CALENDAR:
        return max(0.0, (b - a).total_seconds())
    return business_seconds_between(cal, a, b)


def elapsed(cal: WorkCalendar, *, measure: Measure, start: datetime, now: datetime,
            pauses: Sequence[tuple[datetime, datetime | None]]) -> float:
    used = _span(cal, measure, start, now)
    for s, e in _merged(pauses, now):
        used -= _span(cal, measure, max(s, start), min(e, now))
    return max(0.0, used)


def deadline(cal: WorkCalendar, *, measure: Measure, start: datetime, duration_seconds: float,
             pauses: Sequence[tuple[datetime, datetime | None]]) -> datetime | None:
    if any(e is None for _, e in pauses):
        return None
    paused = sum(_span(cal, measure, s, e) for s, e in _merged(pauses, start))
    total = duration_seconds + paused
    if measure == Measure.CALENDAR:
        return start + timedelta(seconds=total)
    return add_business_seconds(cal, start, total)
