"""Spike detection: injected spikes found on the right dates, quiet series stay quiet."""

import numpy as np
import pandas as pd
import pytest

from complaintdesk.insights.spikes import (
    alarms_per_100_days,
    counts_from_timestamps,
    detect_spikes,
    detect_spikes_by_group,
)

WEEKLY = np.array([1.2, 1.1, 1.1, 1.0, 1.0, 0.5, 0.4])
# The stated false-alarm rate in docs/insights.md for the defaults.
STATED_ALARMS_PER_100_DAYS = 1.0


def seasonal_daily(n_days: int, mean: float, seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    lam = mean * WEEKLY[np.arange(n_days) % 7] / WEEKLY.mean()
    idx = pd.date_range("2024-01-01", periods=n_days, freq="D")  # a Monday
    return pd.Series(rng.poisson(lam), index=idx)


def test_injected_daily_spike_is_found_on_its_dates():
    s = seasonal_daily(120, 20, seed=1)
    s.loc["2024-03-20":"2024-03-21"] += 60
    spikes = detect_spikes(s, freq="D")
    hit = [sp for sp in spikes if sp.start <= pd.Timestamp("2024-03-20") < sp.end]
    assert len(hit) == 1
    assert hit[0].start == pd.Timestamp("2024-03-20")
    assert hit[0].end == pd.Timestamp("2024-03-22")
    assert hit[0].observed > hit[0].expected + 100
    assert hit[0].score > 4


def test_consecutive_flagged_days_merge_into_one_spike():
    s = seasonal_daily(70, 10, seed=2)
    s.iloc[50:54] += 80
    spikes = [sp for sp in detect_spikes(s, freq="D") if sp.start >= s.index[45]]
    assert len(spikes) == 1
    assert (spikes[0].start, spikes[0].end) == (s.index[50], s.index[54])


def test_quiet_seasonal_series_stays_within_stated_false_alarm_rate():
    s = seasonal_daily(1500, 15, seed=3)
    spikes = detect_spikes(s, freq="D")
    assert alarms_per_100_days(spikes, n_periods=len(s), freq="D") <= STATED_ALARMS_PER_100_DAYS


def test_quiet_hourly_series_stays_within_stated_false_alarm_rate():
    rng = np.random.default_rng(4)
    n = 24 * 7 * 30
    hour = np.arange(n) % 24
    prof = (np.exp(-(((hour - 14) / 4.0) ** 2)) + 0.05) * WEEKLY[(np.arange(n) // 24) % 7]
    s = pd.Series(rng.poisson(2.0 * prof / prof.mean()), index=pd.date_range(
        "2024-01-01", periods=n, freq="h"))
    spikes = detect_spikes(s, freq="H")
    assert alarms_per_100_days(spikes, n_periods=n, freq="H") <= STATED_ALARMS_PER_100_DAYS


def test_hourly_spike_is_found_at_its_hour():
    rng = np.random.default_rng(5)
    n = 24 * 7 * 6
    s = pd.Series(rng.poisson(3.0, n), index=pd.date_range("2024-01-01", periods=n, freq="h"))
    s.loc["2024-02-05 10:00"] += 40
    spikes = detect_spikes(s, freq="H")
    hit = [sp for sp in spikes if sp.start <= pd.Timestamp("2024-02-05 10:00") < sp.end]
    assert [(sp.start, sp.end) for sp in hit] == [
        (pd.Timestamp("2024-02-05 10:00"), pd.Timestamp("2024-02-05 11:00"))
    ]


def test_empty_series_gives_no_spikes():
    assert detect_spikes(pd.Series(dtype=float), freq="D") == []


def test_all_zero_series_gives_no_spikes():
    s = pd.Series(0, index=pd.date_range("2024-01-01", periods=100, freq="D"))
    assert detect_spikes(s, freq="D") == []


def test_short_history_cannot_flag_anything():
    s = pd.Series([1, 2, 1, 2, 1, 2, 1, 500], index=pd.date_range("2024-01-01", periods=8))
    assert detect_spikes(s, freq="D") == []


def test_small_counts_below_min_count_are_not_spikes():
    s = pd.Series(0, index=pd.date_range("2024-01-01", periods=60, freq="D"))
    s.iloc[40] = 5  # far above a zero baseline, but five cases are not a mass incident
    assert detect_spikes(s, freq="D", min_count=6) == []
    assert len(detect_spikes(s, freq="D", min_count=3)) == 1


def test_missing_days_count_as_zero():
    s = seasonal_daily(60, 10, seed=6)
    sparse = s[s.index.day_of_week < 5]  # weekends absent from the index entirely
    assert detect_spikes(sparse, freq="D") == detect_spikes(
        s.where(s.index.day_of_week < 5, 0), freq="D")


def test_unknown_freq_is_rejected():
    with pytest.raises(ValueError, match="freq"):
        detect_spikes(pd.Series([1]), freq="W")


def test_by_group_flags_only_the_group_with_the_incident():
    rng = np.random.default_rng(7)
    days = pd.date_range("2024-01-01", periods=70, freq="D")
    rows = []
    for day in days:
        for key, mean in (("cards", 8), ("loans", 8)):
            n = rng.poisson(mean) + (60 if key == "cards" and day == days[60] else 0)
            rows += [(day + pd.Timedelta(hours=10), key)] * n
    result = detect_spikes_by_group(rows, freq="D", include_total=True)
    assert [sp.start for sp in result["cards"]] == [days[60]]
    assert result["loans"] == []
    assert [sp.start for sp in result["(all)"]] == [days[60]]
    assert result["cards"][0].group == "cards"


def test_counts_from_timestamps_fills_gaps_with_zeros():
    c = counts_from_timestamps(
        [pd.Timestamp("2024-01-01 10:00"), pd.Timestamp("2024-01-03 09:00")] * 2, freq="D")
    assert c.tolist() == [2.0, 0.0, 2.0]


def test_spike_as_dict_is_json_friendly():
    s = seasonal_daily(60, 10, seed=8)
    s.iloc[45] += 80
    d = detect_spikes(s, freq="D")[-1].as_dict()
    assert d["start"] == s.index[45].isoformat() and isinstance(d["observed"], int)
