"""The ISO 10002 case lifecycle: which status may follow which. No Django here."""

from enum import StrEnum


class Status(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    ASSESSMENT = "assessment"
    INVESTIGATION = "investigation"
    WAITING_CUSTOMER = "waiting_customer"
    DECIDED = "decided"
    CLOSED = "closed"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    # A phone complaint logged by the operator is acknowledged in the call itself,
    # so assessment may follow receipt directly.
    Status.RECEIVED: frozenset({Status.ACKNOWLEDGED, Status.ASSESSMENT}),
    Status.ACKNOWLEDGED: frozenset({Status.ASSESSMENT, Status.WAITING_CUSTOMER}),
    Status.ASSESSMENT: frozenset(
        {Status.INVESTIGATION, Status.WAITING_CUSTOMER, Status.DECIDED}
    ),
    Status.INVESTIGATION: frozenset({Status.WAITING_CUSTOMER, Status.DECIDED}),
    Status.WAITING_CUSTOMER: frozenset({Status.ASSESSMENT, Status.INVESTIGATION}),
    Status.DECIDED: frozenset({Status.CLOSED, Status.INVESTIGATION}),
    Status.CLOSED: frozenset({Status.INVESTIGATION}),  # reopen
}

# Reaching these needs more than a status: a decision, or the customer's answer.
NEEDS_DECISION = frozenset({Status.DECIDED})
CLOCK_PAUSED = frozenset({Status.WAITING_CUSTOMER})
FINISHED = frozenset({Status.DECIDED, Status.CLOSED})
OPEN = frozenset(Status) - {Status.CLOSED}


class IllegalTransition(Exception):
    def __init__(self, current: Status, target: Status) -> None:
        self.current = current
        self.target = target
        self.allowed = allowed_targets(current)
        names = ", ".join(self.allowed) or "none"
        super().__init__(
            f"A case cannot move from '{current}' to '{target}'. Allowed from '{current}': {names}."
        )


def allowed_targets(current: Status) -> list[Status]:
    return sorted(TRANSITIONS[current], key=list(Status).index)


def check_transition(current: Status, target: Status) -> None:
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)


def is_reopen(current: Status, target: Status) -> bool:
    return current == Status.CLOSED and target != Status.CLOSED
