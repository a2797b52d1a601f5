"""Claim decision matrix: per-topic ordered rules over customer/claim factors, pure Python.

A matrix is plain JSON-able data::

    {"topic": "atm_cash_not_credited", "version": 3,
     "rules": [{"name": "small first claim",
                "when": {"amount": {"lte": 5000}, "claims_90d": {"eq": 0}},
                "outcome": "auto_approve"}],
     "default": "investigate", "monthly_cap": 2000000, "accepted_loss_rate": 0.01}

The matrix can approve, fast-track or send to investigation; it never rejects on its own,
because refusing money needs a person who looked at the evidence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    AUTO_APPROVE = "auto_approve"
    FAST_TRACK = "fast_track"
    INVESTIGATE = "investigate"


class FactorKind(StrEnum):
    COUNT = "count"  # non-negative number: amounts, counts, days
    RATIO = "ratio"  # non-negative number without unit
    CATEGORY = "category"  # short string
    FLAG = "flag"  # boolean


# Counts are of the customer's *earlier* claims (the claim being decided is not included).
FACTORS: dict[str, FactorKind] = {
    "amount": FactorKind.COUNT,
    "limit": FactorKind.COUNT,
    "amount_to_limit": FactorKind.RATIO,  # derived from amount / limit when not given
    "claims_90d": FactorKind.COUNT,
    "claims_365d": FactorKind.COUNT,
    "upheld_claims_90d": FactorKind.COUNT,
    "upheld_claims_365d": FactorKind.COUNT,
    "tenure_days": FactorKind.COUNT,
    "segment": FactorKind.CATEGORY,
    "channel": FactorKind.CATEGORY,
    "product": FactorKind.CATEGORY,
    "serial_claimant": FactorKind.FLAG,
}
# Evidence flags are open-ended (integrations add them), so they are a namespace, not a list.
EVIDENCE_PREFIX = "evidence."
_EVIDENCE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

NUMBER_OPERATORS = frozenset({"lt", "lte", "gt", "gte", "eq", "in", "not_in"})
CATEGORY_OPERATORS = frozenset({"eq", "in", "not_in"})
FLAG_OPERATORS = frozenset({"is_true", "is_false", "eq"})
ALL_OPERATORS = NUMBER_OPERATORS | CATEGORY_OPERATORS | FLAG_OPERATORS
_TOP_LEVEL_KEYS = frozenset(
    {"topic", "version", "rules", "default", "monthly_cap", "accepted_loss_rate", "description"}
)
_RULE_KEYS = frozenset({"name", "when", "outcome", "description"})


class MatrixError(ValueError):
    """Raised for an invalid matrix; `problems` holds "path: message" lines."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid decision matrix:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Condition:
    factor: str
    operator: str
    value: Any


@dataclass(frozen=True)
class Rule:
    name: str
    conditions: tuple[Condition, ...]
    outcome: Outcome

    @property
    def factors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.factor for c in self.conditions))


@dataclass(frozen=True)
class Matrix:
    topic: str
    version: int
    rules: tuple[Rule, ...]
    default: Outcome = Outcome.INVESTIGATE
    monthly_cap: Decimal | None = None
    accepted_loss_rate: float | None = None


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    rule_name: str | None  # None when no rule matched and the default applied
    matrix_version: int
    factors_used: dict[str, Any] = field(default_factory=dict)
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        used = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.factors_used.items()}
        return {
            "outcome": self.outcome.value,
            "rule_name": self.rule_name,
            "matrix_version": self.matrix_version,
            "factors_used": used,
            "reason": self.reason,
        }


def factor_kind(name: str) -> FactorKind | None:
    """Kind of a factor name, or None if the matrix does not know it."""
    if name.startswith(EVIDENCE_PREFIX):
        return FactorKind.FLAG if _EVIDENCE_NAME.match(name[len(EVIDENCE_PREFIX) :]) else None
    return FACTORS.get(name)


def _is_number(value: Any) -> bool:
    # bool is an int subclass, but "amount: true" is a mistake, not a number.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    return not (isinstance(value, float | Decimal) and not math.isfinite(value))


def _check_condition(path: str, factor: str, operator: str, value: Any) -> list[str]:
    kind = factor_kind(factor)
    assert kind is not None
    if operator not in ALL_OPERATORS:
        known = ", ".join(sorted(ALL_OPERATORS))
        return [f"{path}: unknown operator {operator!r} (known: {known})"]
    allowed = {
        FactorKind.COUNT: NUMBER_OPERATORS,
        FactorKind.RATIO: NUMBER_OPERATORS,
        FactorKind.CATEGORY: CATEGORY_OPERATORS,
        FactorKind.FLAG: FLAG_OPERATORS,
    }[kind]
    if operator not in allowed:
        ops = ", ".join(sorted(allowed))
        return [f"{path}: operator {operator!r} does not apply to {kind.value} factor "
                f"{factor!r} (use one of: {ops})"]
    if operator in ("is_true", "is_false"):
        if value is not True:
            return [f"{path}: write {operator!r}: true"]
        return []
    values = value if operator in ("in", "not_in") else [value]
    if operator in ("in", "not_in") and (not isinstance(value, list) or not value):
        return [f"{path}: {operator!r} needs a non-empty list"]
    problems: list[str] = []
    for item in values:
        if kind in (FactorKind.COUNT, FactorKind.RATIO):
            if not _is_number(item):
                problems.append(f"{path}: {item!r} is not a number")
            elif item < 0:
                problems.append(f"{path}: {factor} cannot be negative (got {item})")
        elif kind is FactorKind.CATEGORY:
            if not isinstance(item, str) or not item:
                problems.append(f"{path}: {item!r} is not a non-empty string")
        elif not isinstance(item, bool):
            problems.append(f"{path}: {item!r} is not true/false")
    return problems


def _check_outcome(path: str, value: Any) -> list[str]:
    if isinstance(value, str) and value.lower() in ("reject", "auto_reject", "decline", "deny"):
        return [f"{path}: {value!r} is never a valid outcome: the matrix does not reject "
                f"claims automatically; use 'investigate'"]
    if value not in {o.value for o in Outcome}:
        known = ", ".join(o.value for o in Outcome)
        return [f"{path}: unknown outcome {value!r} (known: {known})"]
    return []


def validate_matrix(data: Any) -> list[str]:
    """Every problem in a matrix as "path: message"; an empty list means valid."""
    if not isinstance(data, Mapping):
        return ["$: a matrix must be a JSON object"]
    problems: list[str] = []
    for key in sorted(set(data) - _TOP_LEVEL_KEYS):
        problems.append(f"$.{key}: unknown key")
    topic = data.get("topic")
    if not isinstance(topic, str) or not topic.strip():
        problems.append("$.topic: required, a non-empty string")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        problems.append("$.version: required, an integer >= 1")
    if "default" in data:
        problems += _check_outcome("$.default", data["default"])
    cap = data.get("monthly_cap")
    if cap is not None and (not _is_number(cap) or cap < 0):
        problems.append(f"$.monthly_cap: must be a non-negative number or null (got {cap!r})")
    rate = data.get("accepted_loss_rate")
    if rate is not None and (not _is_number(rate) or not 0 <= rate <= 1):
        problems.append(f"$.accepted_loss_rate: must be a number from 0 to 1 (got {rate!r})")
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules:
        problems.append("$.rules: required, a non-empty list of rules")
        return problems
    seen_names: set[str] = set()
    for i, rule in enumerate(rules):
        path = f"$.rules[{i}]"
        if not isinstance(rule, Mapping):
            problems.append(f"{path}: a rule must be an object")
            continue
        for key in sorted(set(rule) - _RULE_KEYS):
            problems.append(f"{path}.{key}: unknown key")
        name = rule.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{path}.name: required, a non-empty string")
        elif name in seen_names:
            problems.append(f"{path}.name: duplicate rule name {name!r}")
        else:
            seen_names.add(name)
        if "outcome" not in rule:
            problems.append(f"{path}.outcome: required")
        else:
            problems += _check_outcome(f"{path}.outcome", rule["outcome"])
        when = rule.get("when")
        if not isinstance(when, Mapping):
            problems.append(f"{path}.when: required, an object of factor: {{operator: value}}")
            continue
        for factor, ops in when.items():
            fpath = f"{path}.when.{factor}"
            if factor_kind(factor) is None:
                known = ", ".join(sorted(FACTORS))
                problems.append(f"{fpath}: unknown factor {factor!r} (known: {known}, "
                                f"or {EVIDENCE_PREFIX}<flag>)")
                continue
            if not isinstance(ops, Mapping) or not ops:
                problems.append(f"{fpath}: must be a non-empty object of operator: value")
                continue
            for op, value in ops.items():
                problems += _check_condition(f"{fpath}.{op}", factor, op, value)
    return problems


def _as_decimal(value: Any) -> Any:
    # Decimal keeps money comparisons exact: 0.1 + 0.2 style surprises at a limit would be a bug.
    return Decimal(str(value)) if isinstance(value, float) else value


def load_matrix(data: Mapping[str, Any]) -> Matrix:
    """Validate and compile a matrix dict; raises MatrixError listing every problem."""
    problems = validate_matrix(data)
    if problems:
        raise MatrixError(problems)
    rules = []
    for rule in data["rules"]:
        conditions = []
        for factor, ops in rule["when"].items():
            for op, value in ops.items():
                if isinstance(value, list):
                    value = frozenset(_as_decimal(v) for v in value)
                conditions.append(Condition(factor, op, _as_decimal(value)))
        rules.append(Rule(rule["name"], tuple(conditions), Outcome(rule["outcome"])))
    cap = data.get("monthly_cap")
    return Matrix(
        topic=data["topic"],
        version=data["version"],
        rules=tuple(rules),
        default=Outcome(data.get("default", Outcome.INVESTIGATE)),
        monthly_cap=None if cap is None else Decimal(str(cap)),
        accepted_loss_rate=data.get("accepted_loss_rate"),
    )


def _lookup(factors: Mapping[str, Any], name: str) -> Any:
    """A factor's value, None when absent; evidence may come as a dict or a set of raised flags."""
    if name in factors:
        return factors[name]
    if name.startswith(EVIDENCE_PREFIX):
        evidence = factors.get("evidence")
        flag = name[len(EVIDENCE_PREFIX) :]
        if isinstance(evidence, Mapping):
            return evidence.get(flag)
        if isinstance(evidence, set | frozenset | list | tuple):
            # A set lists raised flags; absence is "not raised" only because the caller said so.
            return flag in evidence
        return None
    if name == "amount_to_limit":
        amount, limit = factors.get("amount"), factors.get("limit")
        if _is_number(amount) and _is_number(limit) and limit > 0:
            return Decimal(str(amount)) / Decimal(str(limit))
    return None


def _holds(condition: Condition, value: Any) -> bool:
    op, expected = condition.operator, condition.value
    kind = factor_kind(condition.factor)
    if kind is FactorKind.FLAG:
        if not isinstance(value, bool):
            return False
        if op == "is_true":
            return value
        if op == "is_false":
            return not value
        return value is expected
    if kind in (FactorKind.COUNT, FactorKind.RATIO):
        if not _is_number(value):
            return False
        value = _as_decimal(value)
    elif not isinstance(value, str):
        return False
    if op == "eq":
        return value == expected
    if op == "in":
        return value in expected
    if op == "not_in":
        return value not in expected
    if op == "lt":
        return value < expected
    if op == "lte":
        return value <= expected
    if op == "gt":
        return value > expected
    return value >= expected  # gte; validation admits no other operator


def _matches(rule: Rule, factors: Mapping[str, Any]) -> bool:
    for condition in rule.conditions:
        value = _lookup(factors, condition.factor)
        # A factor nobody supplied cannot vouch for the customer: the rule simply does not match.
        if value is None or not _holds(condition, value):
            return False
    return True


def evaluate(matrix: Matrix | Mapping[str, Any], factors: Mapping[str, Any]) -> Decision:
    """First matching rule wins; no match gives the matrix default. Never raises on bad factors."""
    compiled = matrix if isinstance(matrix, Matrix) else load_matrix(matrix)
    for rule in compiled.rules:
        if _matches(rule, factors):
            used = {name: _lookup(factors, name) for name in rule.factors}
            return Decision(rule.outcome, rule.name, compiled.version, used,
                            reason=f"rule {rule.name!r} matched")
    examined = dict.fromkeys(name for rule in compiled.rules for name in rule.factors)
    used = {name: _lookup(factors, name) for name in examined}
    return Decision(compiled.default, None, compiled.version, used,
                    reason="no rule matched; matrix default")


BUDGET_CAP_REASON = "budget cap reached"


def apply_budget(
    decision: Decision,
    *,
    amount: Decimal | int | float,
    paid_this_month: Decimal | int | float,
    monthly_cap: Decimal | int | float | None,
) -> Decision:
    """Downgrade AUTO_APPROVE to INVESTIGATE when paying `amount` would exceed the monthly cap."""
    if decision.outcome is not Outcome.AUTO_APPROVE or monthly_cap is None:
        return decision
    total = Decimal(str(paid_this_month)) + Decimal(str(amount))
    if total <= Decimal(str(monthly_cap)):
        return decision
    return replace(decision, outcome=Outcome.INVESTIGATE, reason=BUDGET_CAP_REASON)
