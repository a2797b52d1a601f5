"""The pure lifecycle table, tested exhaustively."""

import itertools

import pytest

from complaintdesk.cases.lifecycle import (
    TRANSITIONS,
    IllegalTransition,
    Status,
    allowed_targets,
    check_transition,
)


@pytest.mark.parametrize(("current", "target"), list(itertools.product(Status, Status)))
def test_every_pair_is_either_allowed_or_refused_with_the_allowed_list(current, target):
    if target in TRANSITIONS[current]:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition) as info:
            check_transition(current, target)
        assert info.value.allowed == allowed_targets(current)
        assert str(current) in str(info.value) and str(target) in str(info.value)


def test_investigation_and_waiting_for_customer_go_both_ways():
    assert Status.WAITING_CUSTOMER in TRANSITIONS[Status.INVESTIGATION]
    assert Status.INVESTIGATION in TRANSITIONS[Status.WAITING_CUSTOMER]


def test_a_closed_case_can_only_be_reopened():
    assert allowed_targets(Status.CLOSED) == [Status.INVESTIGATION]


def test_every_status_can_reach_closed():
    reachable = {Status.RECEIVED}
    frontier = [Status.RECEIVED]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable == set(Status)
