"""Expected wait time estimators and the callback advice."""

import pytest

from complaintdesk.staffing import ewt


def test_erlang_c_ewt_is_position_times_aht_over_agents():
    assert ewt.ewt_erlang_c(ahead=0, agents=10, aht_seconds=300) == 30.0
    assert ewt.ewt_erlang_c(ahead=9, agents=10, aht_seconds=300) == 300.0


def test_erlang_a_ewt_is_shorter_because_callers_ahead_hang_up():
    with_patience = ewt.ewt_erlang_a(ahead=20, agents=10, aht_seconds=300, patience_seconds=120)
    expected = sum(1 / (10 / 300 + j / 120) for j in range(21))
    assert with_patience == pytest.approx(expected, rel=1e-14)
    assert with_patience < ewt.ewt_erlang_c(ahead=20, agents=10, aht_seconds=300)


def test_erlang_a_ewt_tends_to_erlang_c_with_endless_patience():
    a = ewt.ewt_erlang_a(ahead=5, agents=4, aht_seconds=200, patience_seconds=1e12)
    assert a == pytest.approx(ewt.ewt_erlang_c(ahead=5, agents=4, aht_seconds=200), rel=1e-8)


def test_last_to_enter_service_uses_the_latest_answered_waits():
    waits = [10, 20, 30, 400]
    assert ewt.ewt_last_to_enter_service(answered_waits_seconds=waits) == 400
    assert ewt.ewt_last_to_enter_service(answered_waits_seconds=waits, window=2) == 215


def test_head_of_line_estimate_is_the_elapsed_wait_of_the_first_caller():
    assert ewt.ewt_head_of_line(head_of_line_waited_seconds=95.5) == 95.5


def test_long_wait_is_announced_honestly_and_a_callback_is_offered():
    advice = ewt.ewt_advice(ewt_seconds=725)
    assert advice.offer_callback and advice.announce_minutes == 13
    assert "13 minutes" in advice.message and "call you back" in advice.message


def test_short_wait_gets_no_callback_offer_and_is_never_understated():
    advice = ewt.ewt_advice(ewt_seconds=61)
    assert not advice.offer_callback and advice.announce_minutes == 2
    assert ewt.ewt_advice(ewt_seconds=600).offer_callback is False
    assert ewt.ewt_advice(ewt_seconds=300, callback_threshold_seconds=120).offer_callback


@pytest.mark.parametrize(
    "call",
    [
        lambda: ewt.ewt_erlang_c(ahead=-1, agents=1, aht_seconds=1),
        lambda: ewt.ewt_erlang_c(ahead=0, agents=0, aht_seconds=1),
        lambda: ewt.ewt_erlang_a(ahead=0, agents=1, aht_seconds=1, patience_seconds=0),
        lambda: ewt.ewt_last_to_enter_service(answered_waits_seconds=[]),
        lambda: ewt.ewt_advice(ewt_seconds=-3),
    ],
)
def test_rejects_nonsense_inputs(call):
    with pytest.raises(ValueError):
        call()
