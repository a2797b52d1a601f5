"""Arrivals per interval from the case history, and `staffing plan --from-db`."""

import json
from datetime import datetime, timedelta
from io import StringIO

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from complaintdesk.staffing import services
from complaintdesk.staffing.models import QueueStaffing
from tests.conftest import MSK
from tests.staffing.history import clone_cases, pattern_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def four_weeks(frozen, make_case, queues):
    """28 days (3 Feb – 2 Mar 2026) of the daily pattern in the 1st line, plus cases just
    outside the window (today and the evening before it starts) that must not count."""
    template = make_case(channel="phone", queue="first-line")
    template.received_at = datetime(2026, 3, 3, 9, 0, tzinfo=MSK)  # today: not over yet
    template.save()
    stamps = list(pattern_days(datetime(2026, 2, 3, tzinfo=MSK), 28))
    stamps.append((datetime(2026, 2, 2, 23, 50, tzinfo=MSK), "phone"))
    clone_cases(template, stamps)
    return queues["first-line"]


def test_interval_counts_follow_the_pattern_in_local_time(four_weeks):
    start, end = services.history_window(timezone.now(), 28)
    counts = services.interval_arrivals(four_weeks, "phone", start=start, end=end,
                                        interval="30min")
    assert len(counts) == 28 * 48 and counts.index[0] == pd.Timestamp("2026-02-03 00:00")
    assert counts.sum() == 28 * 6
    by_slot = counts.groupby(counts.index.time).sum()
    nonzero = {str(t): n for t, n in by_slot.items() if n}
    assert nonzero == {"09:00:00": 28 * 3, "09:30:00": 28, "14:00:00": 28 * 2}


def test_fifteen_minute_and_hourly_buckets(four_weeks):
    start, end = services.history_window(timezone.now(), 28)
    quarter = services.interval_arrivals(four_weeks, "", start=start, end=end, interval="15min")
    day = quarter["2026-02-10"]
    assert {str(t.time()): n for t, n in day.items() if n} == {
        "09:00:00": 4.0, "09:30:00": 1.0, "14:15:00": 2.0}  # e-mail included: no channel filter
    hourly = services.interval_arrivals(four_weeks, "phone", start=start, end=end,
                                        interval="60min")
    day = hourly["2026-02-10"]
    assert {str(t.time()): n for t, n in day.items() if n} == {"09:00:00": 4.0, "14:00:00": 2.0}


def test_daily_counts_come_from_the_database(four_weeks):
    start, end = services.history_window(timezone.now(), 28)
    daily = services.daily_arrivals(four_weeks, "phone", start=start, end=end)
    assert len(daily) == 28 and set(daily) == {6.0}


def run_plan(*args):
    out = StringIO()
    call_command("staffing", "plan", "--from-db", *args, stdout=out)
    return out.getvalue()


def test_plan_from_db_forecasts_the_pattern_and_staffs_it(four_weeks):
    body = json.loads(run_plan("--queue", "first-line", "--channel", "phone", "--days", "28",
                               "--horizon-days", "7", "--interval", "30min",
                               "--aht-seconds", "300", "--json"))
    assert body["history"]["cases"] == 28 * 6 and body["history"]["intervals"] == 28 * 48
    intervals = pd.DataFrame(body["intervals"]).set_index("interval_start")
    assert len(intervals) == 7 * 48
    assert intervals.index[0] == "2026-03-03 00:00:00"
    assert intervals.loc["2026-03-05 09:00:00", "calls"] == pytest.approx(3.0)
    assert intervals.loc["2026-03-05 09:30:00", "calls"] == pytest.approx(1.0)
    assert intervals.loc["2026-03-05 14:00:00", "calls"] == pytest.approx(2.0)
    assert intervals.loc["2026-03-05 12:00:00", "calls"] == pytest.approx(0.0)
    assert intervals["calls"].sum() == pytest.approx(7 * 6)
    busy = intervals.loc["2026-03-05 09:00:00"]
    assert busy["raw_agents"] >= 1 and busy["service_level"] >= 0.8
    assert len(body["days"]) == 7 and body["days"][0]["fte"] > 0


def test_plan_from_db_takes_the_queue_settings_and_erlang_a(four_weeks, tmp_path):
    QueueStaffing.objects.create(queue=four_weeks, channel="phone", aht_seconds=240,
                                 patience_seconds=120, shrinkage=0.25, target_sl=0.9)
    out = tmp_path / "plan.csv"
    body = json.loads(run_plan("--queue", "first-line", "--channel", "phone", "--model",
                               "erlang_a", "--csv", str(out), "--json"))
    assert body["settings"]["aht_seconds"] == 240 and body["settings"]["model"] == "erlang_a"
    assert body["settings"]["shrinkage"] == 0.25 and body["settings"]["target_sl"] == 0.9
    assert "abandon_probability" in body["intervals"][0]
    written = pd.read_csv(out)
    assert len(written) == 7 * 48 and "agents" in written.columns


@pytest.mark.parametrize("args, message", [
    (["--channel", "phone"], "--queue"),
    (["--queue", "nope"], "no queue 'nope'"),
    (["--queue", "claims"], "no cases"),
    (["--queue", "first-line", "--days", "7"], "at least 14 days"),
])
def test_plan_from_db_explains_what_is_missing(four_weeks, args, message):
    with pytest.raises(CommandError, match=message):
        run_plan(*args)


def test_the_window_is_whole_local_days_before_today(frozen):
    start, end = services.history_window(timezone.now(), 28)
    assert end == datetime(2026, 3, 3, tzinfo=MSK) and end - start == timedelta(days=28)
