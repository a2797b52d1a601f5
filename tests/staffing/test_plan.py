"""Interval staffing plans and FTE per day."""

import numpy as np
import pandas as pd
import pytest

from complaintdesk.staffing import erlang, plan


def half_hours(calls):
    index = pd.date_range("2025-03-03 08:00", periods=len(calls), freq="30min")
    return pd.Series(calls, index=index, dtype=float)


def test_each_interval_gets_the_erlang_c_minimum():
    calls = half_hours([100, 0, 250, 40])
    out = plan.plan_intervals(calls, aht_seconds=180, target_sl=0.8, answer_seconds=20)
    assert out.loc[calls.index[0], "raw_agents"] == 14
    assert out.loc[calls.index[1], "raw_agents"] == 0
    for _, row in out.iterrows():
        if row.calls:
            expected = erlang.erlang_c_min_agents(
                erlangs=row.erlangs, aht_seconds=180, answer_seconds=20, target_sl=0.8
            )
            assert row.raw_agents == expected and row.service_level >= 0.8


def test_erlang_a_plan_reports_abandonment_and_needs_no_more_agents_than_erlang_c():
    calls = half_hours([100, 300, 600])
    c = plan.plan_intervals(calls, aht_seconds=300)
    a = plan.plan_intervals(calls, aht_seconds=300, model="erlang_a", patience_seconds=180)
    assert (a.raw_agents <= c.raw_agents).all()
    assert a.abandon_probability.between(0, 1).all()


def test_per_interval_aht_and_shrinkage_are_applied():
    calls = half_hours([100, 100])
    aht = pd.Series([180.0, 360.0], index=calls.index)
    out = plan.plan_intervals(calls, aht_seconds=aht, shrinkage=0.25)
    assert out.raw_agents.iloc[1] > out.raw_agents.iloc[0]
    assert (out.agents == np.ceil(out.raw_agents / 0.75 - 1e-9)).all()


def test_daily_fte_counts_agent_hours_over_paid_hours_after_shrinkage():
    calls = half_hours([100] * 16)  # 8 hours at 14 agents on the phones
    out = plan.plan_intervals(calls, aht_seconds=180)
    days = plan.daily_fte(out, shrinkage=0.3, paid_hours_per_fte_day=8)
    assert days.agent_hours.iloc[0] == pytest.approx(14 * 8)
    assert days.fte.iloc[0] == pytest.approx(14 / 0.7)


def test_plan_from_history_staffs_forecast_intervals():
    index = pd.date_range("2025-01-06", periods=28 * 48, freq="30min")
    busy_hours = (index.hour >= 9) & (index.hour < 17)
    history = pd.Series(np.where(busy_hours, 50.0, 0.0), index=index)
    out = plan.plan_from_history(history, horizon_days=2, aht_seconds=240)
    assert len(out) == 96
    assert (out.raw_agents[out.calls == 0] == 0).all()
    assert (out.raw_agents[out.calls > 40] > 0).all()


def test_rejects_erlang_a_without_patience_and_negative_calls():
    with pytest.raises(ValueError, match="patience"):
        plan.plan_intervals(half_hours([10, 10]), aht_seconds=180, model="erlang_a")
    with pytest.raises(ValueError, match="non-negative"):
        plan.plan_intervals(half_hours([10, -1]), aht_seconds=180)
