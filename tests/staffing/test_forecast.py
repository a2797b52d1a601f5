"""Daily and intra-day arrival forecasts, holidays, and the rolling-origin backtest."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from complaintdesk.staffing import forecast

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
WEEKLY = np.array([120, 110, 100, 100, 90, 40, 20], dtype=float)


def synthetic_days(weeks: int = 10, noise: float = 0.0, start: str = "2024-01-01") -> pd.Series:
    rng = np.random.default_rng(7)
    values = np.tile(WEEKLY, weeks) * (1 + noise * rng.standard_normal(7 * weeks))
    index = pd.date_range(start, periods=7 * weeks, freq="D")  # starts on a Monday
    return pd.Series(np.maximum(values, 0), index=index)


def test_recovers_a_clean_weekly_pattern_exactly():
    out = forecast.forecast_daily(synthetic_days(), horizon=14)
    assert out.index[0] == pd.Timestamp("2024-03-11")
    np.testing.assert_allclose(out.to_numpy(), np.tile(WEEKLY, 2), rtol=1e-9)


def test_seasonal_naive_repeats_last_week():
    history = synthetic_days(noise=0.1)
    out = forecast.seasonal_naive(history, 7)
    np.testing.assert_array_equal(out.to_numpy(), history.to_numpy()[-7:])


def test_holiday_is_forecast_with_the_dip_seen_on_past_holidays():
    history = synthetic_days(weeks=10)
    holiday_past = pd.Timestamp("2024-02-14")  # a Wednesday: 100 calls normally
    history[holiday_past] = 30.0
    holiday_future = pd.Timestamp("2024-03-13")  # also a Wednesday
    out = forecast.forecast_daily(
        history, horizon=7, holidays=[holiday_past.date(), holiday_future.date()]
    )
    assert out[holiday_future] == pytest.approx(30.0, rel=1e-6)
    assert out[pd.Timestamp("2024-03-12")] == pytest.approx(110.0, rel=1e-6)


def test_holiday_without_history_is_forecast_like_the_quietest_day():
    out = forecast.forecast_daily(
        synthetic_days(), horizon=7, holidays=[pd.Timestamp("2024-03-12").date()]
    )
    assert out[pd.Timestamp("2024-03-12")] == pytest.approx(20.0, rel=1e-6)


def test_intraday_forecast_splits_each_day_by_its_weekday_shape():
    days = synthetic_days(weeks=4)
    stamps = []
    for day, calls in days.items():
        # Three quarters of the calls in the 09:00 slot, a quarter at 14:30.
        stamps += [day + pd.Timedelta(hours=9)] * int(calls * 0.75)
        stamps += [day + pd.Timedelta(hours=14, minutes=30)] * int(calls * 0.25)
    slots = forecast.interval_counts(pd.Series(stamps), freq="30min")
    out = forecast.forecast_intraday(slots, horizon_days=1)
    assert len(out) == 48 and out.index.freqstr == "30min"
    assert out.sum() == pytest.approx(120, rel=0.02)
    assert out[pd.Timestamp("2024-01-29 09:00")] == pytest.approx(90, rel=0.02)


def test_backtest_beats_naive_when_weeks_are_noisy():
    result = forecast.backtest(synthetic_days(weeks=12, noise=0.15), horizon=7)
    assert result.origins == 12 * 7 - 28 - 7 + 1
    assert result.wape < result.baseline_wape


def test_rejects_short_or_gappy_history():
    with pytest.raises(ValueError, match="at least"):
        forecast.forecast_daily(synthetic_days().iloc[:5], horizon=3)
    gappy = synthetic_days()
    gappy.iloc[3] = np.nan
    with pytest.raises(ValueError, match="gaps"):
        forecast.forecast_daily(gappy, horizon=3)
    with pytest.raises(ValueError, match="unknown method"):
        forecast.forecast_daily(synthetic_days(), horizon=3, method="prophet")


@pytest.mark.skipif(not (DATA / "comcast_fcc_complaints_2015.csv").exists(), reason="no data")
def test_beats_seasonal_naive_on_real_comcast_complaint_volumes():
    frame = pd.read_csv(DATA / "comcast_fcc_complaints_2015.csv", usecols=["Date"])
    parts = frame["Date"].str.split("-", expand=True).astype(int)
    # Dates with a day ≤ 12 were written month-first upstream; see docs/staffing.md.
    day = parts[0].where(parts[0] > 12, parts[1])
    month = parts[1].where(parts[0] > 12, parts[0])
    stamps = pd.to_datetime(dict(year=2015, month=month, day=day))
    days = forecast.daily_counts(stamps)["2015-04-01":"2015-06-30"]
    result = forecast.backtest(days, horizon=7, step=7)
    assert result.wape < result.baseline_wape
