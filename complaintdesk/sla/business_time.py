"""Pure SLA clock maths: working calendars, business seconds, pauses and deadlines.

Standard library only, no Django, so it can be unit-tested and property-tested in isolation.

Conventions (shared by every function below):

* Every datetime argument must be timezone-aware; results are aware datetimes in UTC.
  Arithmetic is done in UTC because Python compares and subtracts two datetimes that share
  one ``ZoneInfo`` object by wall time, which is wrong across a DST change.
* Working intervals are half-open ``[start, end)``: 09:00 is working time, 18:00 is not.
* End of day: ``add_business_seconds`` returns the *earliest* instant at which the requested
  working seconds have elapsed, so adding exactly the seconds left in a day lands on 18:00
  that day, not on 09:00 the next working morning. Adding zero seconds rolls an instant that
  is outside working hours (including 18:00 itself) forward to the next opening.
* Working hours are local wall time of ``WorkCalendar.tz``. An ``end`` of ``time(0)`` means
  24:00 (midnight at the end of the day), so round-the-clock calendars can be expressed.
  A wall time skipped by a spring-forward change maps to the instant of the change; an
  ambiguous wall time of a fall-back change maps to its first occurrence (``fold=0``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "Measure",
    "Pause",
    "WorkCalendar",
    "add_business_seconds",
    "business_seconds_between",
    "deadline",
    "elapsed",
    "is_working_time",
    "share_used",
    "working_intervals",
]

Interval = tuple[time, time]
DayHours = tuple[Interval, ...]
Pause = tuple[datetime, datetime | None]

_ZERO = timedelta(0)
_ONE_DAY = timedelta(days=1)


class Measure(StrEnum):
    """How an SLA clock counts: every wall-clock second, or only working seconds."""

    CALENDAR = "calendar"
    BUSINESS = "business"


def _end_seconds(end: time) -> int:
    """Seconds since local midnight for an interval end; ``time(0)`` stands for 24:00."""
    if end == time(0):
        return 86_400
    return end.hour * 3600 + end.minute * 60 + end.second


def _start_seconds(start: time) -> int:
    return start.hour * 3600 + start.minute * 60 + start.second


def _validate_hours(hours: DayHours, what: str) -> DayHours:
    """Check one day's intervals are naive, non-empty, sorted and non-overlapping."""
    hours = tuple((s, e) for s, e in hours)
    previous_end = -1
    for start, end in hours:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"{what}: working hours are local wall times, drop the tzinfo")
        if start.microsecond or end.microsecond:
            raise ValueError(f"{what}: working hours must be whole seconds")
        s, e = _start_seconds(start), _end_seconds(end)
        if s >= e:
            raise ValueError(f"{what}: interval {start}-{end} is empty or reversed")
        if s < previous_end:
            raise ValueError(f"{what}: intervals must be sorted and must not overlap")
        previous_end = e
    return hours


@dataclass(frozen=True)
class WorkCalendar:
    """Weekly working hours in a time zone, with holidays, decree workdays and short days."""

    tz: str
    week: tuple[DayHours, ...]
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    short_days: frozenset[date] = frozenset()
    short_day_cut: timedelta = timedelta(hours=1)
    workday_hours: DayHours = ((time(9), time(18)),)
    # Derived once: the last special date, after which the calendar is purely weekly
    # (used to stop searching for working time that can never come).
    _last_special: date = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {self.tz!r}") from exc
        if len(self.week) != 7:
            raise ValueError(f"week must have 7 entries (Mon..Sun), got {len(self.week)}")
        week = tuple(
            _validate_hours(day, f"week[{i}]") for i, day in enumerate(self.week)
        )
        # Coerce sets/lists to frozensets so the calendar stays hashable and immutable.
        object.__setattr__(self, "week", week)
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "extra_workdays", frozenset(self.extra_workdays))
        object.__setattr__(self, "short_days", frozenset(self.short_days))
        object.__setattr__(
            self, "workday_hours", _validate_hours(self.workday_hours, "workday_hours")
        )
        if self.short_day_cut < _ZERO:
            raise ValueError("short_day_cut must not be negative")
        special = self.holidays | self.extra_workdays | self.short_days
        object.__setattr__(self, "_last_special", max(special, default=date.min))

    @property
    def zone(self) -> ZoneInfo:
        """The ``ZoneInfo`` of ``tz`` (ZoneInfo caches instances per key)."""
        return ZoneInfo(self.tz)

    @property
    def standard_day_seconds(self) -> int:
        """Length of the Monday schedule in seconds; turns "N business days" into seconds."""
        return sum(_end_seconds(e) - _start_seconds(s) for s, e in self.week[0])

    @classmethod
    def standard(
        cls,
        tz: str,
        start: time = time(9),
        end: time = time(18),
        weekdays: int = 5,
        holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        short_days: Iterable[date] = (),
        short_day_cut: timedelta = timedelta(hours=1),
    ) -> WorkCalendar:
        """Same hours on the first ``weekdays`` days of the week (5 = Mon-Fri), rest off."""
        if not 0 <= weekdays <= 7:
            raise ValueError("weekdays must be between 0 and 7")
        day: DayHours = ((start, end),)
        empty: DayHours = ()
        week = tuple(day if i < weekdays else empty for i in range(7))
        return cls(
            tz=tz,
            week=week,
            holidays=frozenset(holidays),
            extra_workdays=frozenset(extra_workdays),
            short_days=frozenset(short_days),
            short_day_cut=short_day_cut,
            workday_hours=day,
        )


# --------------------------------------------------------------------------- helpers


def _utc(value: datetime, name: str) -> datetime:
    """Return ``value`` in UTC, refusing naive datetimes (their meaning is a guess)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be a timezone-aware datetime, got naive {value!r}; "
            "attach a tzinfo (e.g. datetime.now(UTC))"
        )
    return value.astimezone(UTC)


def _local_to_utc(day: date, seconds: int, zone: ZoneInfo) -> datetime:
    """UTC instant of a local wall time given as seconds since midnight of ``day``."""
    if seconds == 86_400:
        return _local_to_utc(day + _ONE_DAY, 0, zone)
    naive = datetime.combine(day, time(seconds // 3600, seconds % 3600 // 60, seconds % 60))
    first = naive.replace(tzinfo=zone).astimezone(UTC)
    # Round-trip check: a wall time inside a spring-forward gap does not come back unchanged.
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first  # fold=0: for an ambiguous fall-back time this is the first occurrence
    return _gap_transition(naive, zone)


def _gap_transition(naive: datetime, zone: ZoneInfo) -> datetime:
    """The instant the clocks jumped over ``naive`` (the first existing time after it)."""
    later = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    earlier = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    lo, hi = min(earlier, later), max(earlier, later)
    # Binary search for the first instant whose local wall time is >= naive; the gap is
    # at most a few hours, so ~35 halvings reach microsecond precision. Rare path.
    while hi - lo > timedelta(microseconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return hi


def _day_hours(cal: WorkCalendar, day: date) -> DayHours:
    """Local working hours of ``day`` after holidays, decree workdays and short days."""
    if day in cal.holidays:
        return ()
    hours = cal.workday_hours if day in cal.extra_workdays else cal.week[day.weekday()]
    return hours


def _intervals(cal: WorkCalendar, day: date) -> list[tuple[datetime, datetime]]:
    """UTC working intervals of ``day``; the short-day cut is taken off the end of the day."""
    hours = _day_hours(cal, day)
    if not hours:
        return []
    zone = cal.zone
    spans = [[_start_seconds(s), _end_seconds(e)] for s, e in hours]
    if day in cal.short_days and cal.short_day_cut > _ZERO:
        # The cut is in wall time and eats intervals from the end (a lunch-split day loses
        # its afternoon first), which is how a pre-holiday day is shortened in practice.
        cut = cal.short_day_cut.total_seconds()
        while spans and cut > 0:
            length = spans[-1][1] - spans[-1][0]
            if length > cut:
                spans[-1][1] -= int(cut)
                cut = 0
            else:
                cut -= length
                spans.pop()
    result = []
    for s, e in spans:
        a, b = _local_to_utc(day, s, zone), _local_to_utc(day, e, zone)
        if b > a:  # an interval entirely inside a DST gap has no real duration
            result.append((a, b))
    return result


def _local_date(cal: WorkCalendar, at: datetime) -> date:
    return at.astimezone(cal.zone).date()


def _no_more_work(cal: WorkCalendar, day: date) -> bool:
    """True when no working time can exist on ``day`` or after it."""
    if day <= cal._last_special:
        return False
    return not any(cal.week)


def _business_between(cal: WorkCalendar, start: datetime, end: datetime) -> timedelta:
    """Working time in ``[start, end)`` as an exact timedelta (UTC inputs)."""
    total = _ZERO
    if end <= start:
        return total
    day, last = _local_date(cal, start), _local_date(cal, end)
    while day <= last:
        for a, b in _intervals(cal, day):
            lo, hi = max(a, start), min(b, end)
            if hi > lo:
                total += hi - lo
        day += _ONE_DAY
    return total


def _add_business(cal: WorkCalendar, start: datetime, amount: timedelta) -> datetime:
    """Earliest instant at which ``amount`` of working time has elapsed after ``start``."""
    remaining = amount
    day = _local_date(cal, start)
    while True:
        if _no_more_work(cal, day):
            raise ValueError(
                f"calendar {cal.tz!r} has no working time on or after {day.isoformat()}"
            )
        for a, b in _intervals(cal, day):
            if b <= start:
                continue
            begin = max(a, start)
            available = b - begin
            # `<=` (not `<`) implements the end-of-day convention: exactly the seconds
            # left in an interval end at its closing time, not at the next opening.
            if remaining <= available:
                return begin + remaining
            remaining -= available
        day += _ONE_DAY


def _seconds_to_timedelta(seconds: float, name: str) -> timedelta:
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {seconds!r}")
    return timedelta(seconds=seconds)  # rounds to whole microseconds


def _measure_between(
    cal: WorkCalendar, measure: Measure, start: datetime, end: datetime
) -> timedelta:
    if measure is Measure.CALENDAR:
        return max(end - start, _ZERO)
    return _business_between(cal, start, end)


def _measure_add(
    cal: WorkCalendar, measure: Measure, start: datetime, amount: timedelta
) -> datetime:
    if measure is Measure.CALENDAR:
        return start + amount
    return _add_business(cal, start, amount)


def _merge_pauses(
    pauses: Sequence[Pause], floor: datetime, open_end: datetime | None
) -> list[tuple[datetime, datetime | None]]:
    """Pauses in UTC, clipped to start at ``floor``, sorted and merged where they overlap.

    An open pause (end ``None``) ends at ``open_end``; if that is None it stays open and
    swallows every later pause.
    """
    spans: list[tuple[datetime, datetime | None]] = []
    for i, (p_start, p_end) in enumerate(pauses):
        s = _utc(p_start, f"pauses[{i}] start")
        if p_end is not None:
            e: datetime | None = _utc(p_end, f"pauses[{i}] end")
        else:
            # An open pause that began after `open_end` (a future pause) is empty.
            e = None if open_end is None else max(open_end, s)
        if e is not None and e < s:
            raise ValueError(f"pauses[{i}] ends before it starts ({p_end} < {p_start})")
        s = max(s, floor)
        if e is not None and e <= s:
            continue  # entirely before the clock started, or empty
        spans.append((s, e))
    spans.sort(key=lambda span: span[0])
    merged: list[tuple[datetime, datetime | None]] = []
    for s, e in spans:
        if merged:
            last_s, last_e = merged[-1]
            if last_e is None:
                break  # an open pause never ends; later pauses are inside it
            if s <= last_e:  # overlapping or touching: one continuous stop of the clock
                merged[-1] = (last_s, None if e is None else max(last_e, e))
                continue
        merged.append((s, e))
    return merged


# --------------------------------------------------------------------------- public API


def working_intervals(cal: WorkCalendar, day: date) -> list[tuple[datetime, datetime]]:
    """Working intervals of the local date ``day`` as half-open UTC ``(start, end)`` pairs."""
    return _intervals(cal, day)


def is_working_time(cal: WorkCalendar, at: datetime) -> bool:
    """Whether ``at`` falls inside a working interval (opening included, closing excluded)."""
    at = _utc(at, "at")
    return any(a <= at < b for a, b in _intervals(cal, _local_date(cal, at)))


def business_seconds_between(cal: WorkCalendar, start: datetime, end: datetime) -> float:
    """Working seconds in ``[start, end)``; 0 if ``end <= start``."""
    s, e = _utc(start, "start"), _utc(end, "end")
    return _business_between(cal, s, e).total_seconds()


def add_business_seconds(cal: WorkCalendar, start: datetime, seconds: float) -> datetime:
    """Earliest instant at which ``seconds`` working seconds have elapsed after ``start``.

    ``seconds == 0`` rolls ``start`` forward to the next working instant when it is outside
    working hours. Raises ValueError if the calendar never has working time again.
    """
    s = _utc(start, "start")
    return _add_business(cal, s, _seconds_to_timedelta(seconds, "seconds"))


def elapsed(
    cal: WorkCalendar,
    *,
    measure: Measure,
    start: datetime,
    now: datetime,
    pauses: Sequence[Pause],
) -> float:
    """Clock seconds used between ``start`` and ``now``, not counting paused spans.

    An open pause runs to ``now``; overlapping pauses are merged so nothing is subtracted twice.
    """
    measure = Measure(measure)
    s, n = _utc(start, "start"), _utc(now, "now")
    if n <= s:
        _merge_pauses(pauses, s, None)  # still validate the pauses
        return 0.0
    total = _ZERO
    cursor = s
    for p_start, p_end in _merge_pauses(pauses, s, n):
        if p_start >= n or p_end is None:  # p_end is never None here: open pauses end at now
            break
        total += _measure_between(cal, measure, cursor, p_start)
        cursor = max(cursor, p_end)
    if cursor < n:
        total += _measure_between(cal, measure, cursor, n)
    return total.total_seconds()


def deadline(
    cal: WorkCalendar,
    *,
    measure: Measure,
    start: datetime,
    duration_seconds: float,
    pauses: Sequence[Pause],
) -> datetime | None:
    """When the clock reaches ``duration_seconds``: start + duration + paused spans.

    Returns None while a pause is open and the clock had not yet run out when it began
    (the clock is stopped, no deadline exists). A pause that starts after the clock has
    already run out does not move the deadline, so pausing cannot hide a breach.
    """
    measure = Measure(measure)
    remaining = _seconds_to_timedelta(duration_seconds, "duration_seconds")
    cursor = _utc(start, "start")
    for p_start, p_end in _merge_pauses(pauses, cursor, None):
        running = _measure_between(cal, measure, cursor, p_start)
        if remaining <= running:
            break  # runs out before this pause begins
        remaining -= running
        if p_end is None:
            return None
        cursor = p_end
    return _measure_add(cal, measure, cursor, remaining)


def share_used(
    cal: WorkCalendar,
    *,
    measure: Measure,
    start: datetime,
    now: datetime,
    duration_seconds: float,
    pauses: Sequence[Pause],
) -> float:
    """Fraction of the allowed time used so far (may exceed 1.0 once overdue), for the UI."""
    if not math.isfinite(duration_seconds) or duration_seconds <= 0:
        raise ValueError(f"duration_seconds must be > 0, got {duration_seconds!r}")
    used = elapsed(cal, measure=measure, start=start, now=now, pauses=pauses)
    return used / duration_seconds
