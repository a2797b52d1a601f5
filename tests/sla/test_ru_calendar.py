"""Tests for the bundled Russian production calendar 2025-2027 and its loader."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from complaintdesk.sla import calendars
from complaintdesk.sla.business_time import (
    WorkCalendar,
    add_business_seconds,
    business_seconds_between,
    is_working_time,
    working_intervals,
)
from complaintdesk.sla.calendars import load_production_calendar, russian_calendar

MOSCOW = ZoneInfo("Europe/Moscow")
RU = russian_calendar()
DATA = load_production_calendar()
DATA_FILE = Path(calendars.__file__).parent / "data" / "ru_production_calendar.json"
DAY = RU.standard_day_seconds  # 9 h: Mon-Fri 09:00-18:00


def msk(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=MOSCOW)


def is_workday(day: date) -> bool:
    return bool(working_intervals(RU, day))


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


def test_bundled_file_covers_2025_to_2027():
    assert sorted(DATA) == [2025, 2026, 2027]


def test_2025_and_2026_come_from_decrees_and_2027_is_derived():
    assert DATA[2025]["from_decree"] and "1335" in DATA[2025]["source"]
    assert DATA[2026]["from_decree"] and "2025" in DATA[2026]["source"]
    assert not DATA[2027]["from_decree"] and "derived" in DATA[2027]["source"]


def test_new_year_holidays_2026_run_from_jan_1_to_jan_11():
    for day in days(date(2026, 1, 1), date(2026, 1, 11)):
        assert not is_workday(day), day
    assert is_workday(date(2026, 1, 12))


def test_2026_jan_9_is_off_by_transfer_of_saturday_jan_3():
    assert date(2026, 1, 9) in RU.holidays


def test_2025_saturday_nov_1_was_a_short_working_day_and_nov_3_a_holiday():
    assert working_intervals(RU, date(2025, 11, 1)) == [(msk(2025, 11, 1, 9), msk(2025, 11, 1, 17))]
    assert not is_workday(date(2025, 11, 3))
    assert not is_workday(date(2025, 11, 4))


@pytest.mark.parametrize(
    "day",
    [date(2025, 5, 2), date(2025, 5, 8), date(2025, 6, 13), date(2025, 12, 31)],
    ids=["jan4->may2", "feb23->may8", "mar8->jun13", "jan5->dec31"],
)
def test_2025_decree_transfers_make_weekdays_non_working(day):
    assert day.weekday() < 5
    assert not is_workday(day)


@pytest.mark.parametrize(
    "day",
    [date(2026, 3, 9), date(2026, 5, 11), date(2026, 12, 31)],
    ids=["mar8-sun->mar9", "may9-sat->may11", "jan4->dec31"],
)
def test_2026_transfers_make_mondays_and_new_years_eve_non_working(day):
    assert not is_workday(day)


def test_2026_pre_holiday_days_close_at_17():
    for day in (date(2026, 4, 30), date(2026, 5, 8), date(2026, 6, 11), date(2026, 11, 3)):
        ((_, closing),) = working_intervals(RU, day)
        assert closing == msk(day.year, day.month, day.day, 17)
    assert not is_working_time(RU, msk(2026, 4, 30, 17, 30))


def test_2027_weekend_holidays_move_to_the_next_monday():
    for day in (date(2027, 5, 3), date(2027, 5, 10), date(2027, 6, 14)):
        assert day.weekday() == 0 and not is_workday(day)


def test_ten_business_days_before_may_2026_holidays_match_a_hand_count():
    # Mon 27 Apr 10:00 -> 90 h. Apr 27: 8, Apr 28: 9, Apr 29: 9, Apr 30 (short): 8 -> 34;
    # May 1-3 off; May 4-7: 4x9 -> 70; May 8 (short): 8 -> 78; May 9-11 off;
    # May 12: 9 -> 87; 3 h more on Wed 13 May -> 12:00.
    result = add_business_seconds(RU, msk(2026, 4, 27, 10), 10 * DAY)
    assert result == msk(2026, 5, 13, 12)


def test_ten_business_days_before_may_2025_holidays_match_a_hand_count():
    # Mon 28 Apr 09:00 -> 90 h. Apr 28-29: 18, Apr 30 (short): 8 -> 26; May 1-4 off;
    # May 5-7: 27 -> 53; May 8-11 off; May 12-15: 36 -> 89; 1 h on Fri 16 May -> 10:00.
    result = add_business_seconds(RU, msk(2025, 4, 28, 9), 10 * DAY)
    assert result == msk(2025, 5, 16, 10)


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_year_totals_match_the_official_norm(year):
    """Working days and the 40-hour-week norm (8 h/day minus 1 h per short day)."""
    workdays = [d for d in days(date(year, 1, 1), date(year, 12, 31)) if is_workday(d)]
    shorts = [d for d in workdays if d in RU.short_days]
    check = json.loads(DATA_FILE.read_text(encoding="utf-8"))["years"][str(year)]["check"]
    assert len(workdays) == check["working_days"]
    assert len(workdays) * 8 - len(shorts) == check["hours_40h_week"]
    # The 9-to-18 business clock agrees: 9 h a day minus the short-day hour.
    total = business_seconds_between(RU, msk(year, 1, 1), msk(year + 1, 1, 1))
    assert total == (len(workdays) * 9 - len(shorts)) * 3600


def test_official_2025_and_2026_norms_are_247_days_and_1972_hours():
    for year in (2025, 2026):
        workdays = [d for d in days(date(year, 1, 1), date(year, 12, 31)) if is_workday(d)]
        shorts = [d for d in workdays if d in RU.short_days]
        assert (len(workdays), len(workdays) * 8 - len(shorts)) == (247, 1972)


def test_data_is_consistent():
    for year, entry in DATA.items():
        assert all(d.weekday() >= 5 for d in entry["extra_workdays"]), year
        for short in entry["short_days"]:
            # A shortened day must be a working day, and the next day must not be.
            assert is_workday(short), short
            assert not is_workday(short + timedelta(1)), short


def test_russian_calendar_accepts_another_zone():
    samara = russian_calendar("Europe/Samara")
    ((opening, _),) = working_intervals(samara, date(2026, 3, 2))
    assert opening == datetime(2026, 3, 2, 5, tzinfo=UTC)
    assert isinstance(samara, WorkCalendar) and samara.holidays == RU.holidays


def test_loader_reads_a_custom_file(tmp_path):
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({"years": {"2030": {
        "source": "test", "holidays": ["2030-01-01"], "short_days": ["2029-12-31"],
    }}}))
    with pytest.raises(ValueError, match="another year"):
        load_production_calendar(path)
    path.write_text(json.dumps({"years": {"2030": {"source": "test", "holidays": ["2030-01-01"]}}}))
    loaded = load_production_calendar(path)
    assert loaded == {2030: {
        "source": "test", "from_decree": False, "holidays": frozenset({date(2030, 1, 1)}),
        "extra_workdays": frozenset(), "short_days": frozenset(),
    }}
