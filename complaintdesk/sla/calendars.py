"""Ready-made work calendars built from bundled production-calendar data (no Django)."""

from __future__ import annotations

import json
from datetime import date, time
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from complaintdesk.sla.business_time import WorkCalendar

__all__ = ["RU_CALENDAR_RESOURCE", "load_production_calendar", "russian_calendar"]

RU_CALENDAR_RESOURCE = "ru_production_calendar.json"
_DATE_KEYS = ("holidays", "extra_workdays", "short_days")


def _parse_dates(values: list[str], year: int, key: str) -> frozenset[date]:
    days = frozenset(date.fromisoformat(v) for v in values)
    stray = sorted(d for d in days if d.year != year)
    if stray:
        # A date filed under the wrong year is almost always a typo in the data.
        raise ValueError(f"{key} of {year} contains dates of another year: {stray}")
    return days


def load_production_calendar(path: str | Path | None = None) -> dict[int, dict[str, Any]]:
    """Parse a production-calendar JSON file into ``{year: {...}}`` with ``date`` sets.

    Each year maps to ``source`` (str), ``from_decree`` (bool) and frozensets of dates under
    ``holidays``, ``extra_workdays`` and ``short_days``. ``path=None`` loads the bundled RU file.
    """
    if path is None:
        # importlib.resources keeps this working from a wheel/zip, not just a source checkout.
        bundled = resources.files("complaintdesk.sla") / "data" / RU_CALENDAR_RESOURCE
        raw = json.loads(bundled.read_text(encoding="utf-8"))
    else:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    years: dict[int, dict[str, Any]] = {}
    for key, entry in raw["years"].items():
        year = int(key)
        parsed: dict[str, Any] = {
            "source": str(entry["source"]),
            "from_decree": bool(entry.get("from_decree", False)),
        }
        for name in _DATE_KEYS:
            parsed[name] = _parse_dates(entry.get(name, []), year, name)
        clash = parsed["holidays"] & parsed["extra_workdays"]
        if clash:
            raise ValueError(f"{year}: dates both holiday and working day: {sorted(clash)}")
        years[year] = parsed
    return years


@lru_cache(maxsize=1)
def _bundled_ru() -> dict[int, dict[str, Any]]:
    return load_production_calendar()


def russian_calendar(tz: str = "Europe/Moscow") -> WorkCalendar:
    """Mon-Fri 09:00-18:00 with the bundled Russian holidays, transfers and short days."""
    data = _bundled_ru()
    merged = {name: frozenset().union(*(y[name] for y in data.values())) for name in _DATE_KEYS}
    return WorkCalendar.standard(
        tz,
        start=time(9),
        end=time(18),
        weekdays=5,
        holidays=merged["holidays"],
        extra_workdays=merged["extra_workdays"],
        short_days=merged["short_days"],
    )
