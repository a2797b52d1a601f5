""""Is it cheaper to just pay?": replay past claims through candidate auto-approve rules.

For every topic we try rules of the form ``amount <= T and prior claims <= k [and factor == v]``
and measure, on claims whose investigation outcome we know, what paying them automatically
would have cost (money paid on unfounded claims) against what it saves (investigations).
Pure numpy/pandas; no Django.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from complaintdesk.claims.matrix import EVIDENCE_PREFIX, validate_matrix

REQUIRED_COLUMNS = ("claim_id", "customer_id", "received_at", "topic", "amount", "upheld")
OPTIONAL_COLUMNS = ("investigation_cost", "resolved_at")
CATEGORY_FACTORS = ("segment", "channel", "product")
FLAG_FACTORS = ("serial_claimant",)  # plus every "evidence.<flag>" column
PRIOR_WINDOWS_DAYS = (90, 365)
PRIOR_LIMITS = (0, 1, 2, 3)
AUTO_DECISION_HOURS = 5 / 60  # an automatic refund reaches the customer in about 5 minutes
QUANTILES = tuple(np.round(np.linspace(0.05, 1.0, 20), 2))
MAX_CATEGORY_VALUES = 8  # rarer categories make rules that fit noise, not behaviour

_TRUE = {"true", "1", "yes", "y", "t", "1.0"}
_FALSE = {"false", "0", "no", "n", "f", "0.0"}


class HistoryError(ValueError):
    """Bad claim history; each problem names the column and the (1-based) data rows."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid claim history:\n" + "\n".join(f"  - {p}" for p in problems))


def _rows(mask: np.ndarray | pd.Series, *, limit: int = 10) -> str:
    positions = np.flatnonzero(np.asarray(mask)) + 1
    shown = ", ".join(str(p) for p in positions[:limit])
    more = f" and {len(positions) - limit} more" if len(positions) > limit else ""
    return f"rows {shown}{more}"


def _parse_flags(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """true/false/1/0/yes/no -> nullable boolean; also returns the mask of unparseable cells."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean"), np.zeros(len(values), dtype=bool)
    text = values.astype("string").str.strip().str.lower()
    parsed = pd.Series(pd.NA, index=values.index, dtype="boolean")
    parsed[text.isin(_TRUE).fillna(False).to_numpy()] = True
    parsed[text.isin(_FALSE).fillna(False).to_numpy()] = False
    blank = values.isna().to_numpy() | (text.fillna("") == "").to_numpy()
    bad = parsed.isna().to_numpy() & ~blank
    return parsed, bad


def _parse_times(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.tz_localize("UTC") if values.dt.tz is None else values.dt.tz_convert("UTC")
    return pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")


def factor_columns(columns: list[str] | pd.Index) -> list[str]:
    """History columns the simulator searches over: known categorical and flag factors."""
    return [c for c in columns
            if c in CATEGORY_FACTORS or c in FLAG_FACTORS or c.startswith(EVIDENCE_PREFIX)]


def prepare_history(history: pd.DataFrame, *, investigation_cost: float = 300.0) -> pd.DataFrame:
    """Validate and normalise a claim history, adding prior-claim counts; raises HistoryError."""
    problems: list[str] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in history.columns]
    if missing:
        raise HistoryError([f"missing required columns: {', '.join(missing)}"])
    df = history.reset_index(drop=True).copy()
    for column in ("claim_id", "customer_id", "topic"):
        blank = df[column].isna().to_numpy() | (df[column].astype("string").str.strip() == "")
        if blank.any():
            problems.append(f"column {column!r}: empty in {_rows(blank)}")
        df[column] = df[column].astype("string")
    df["received_at"] = _parse_times(df["received_at"])
    if df["received_at"].isna().any():
        problems.append(f"column 'received_at': not a date/time in "
                        f"{_rows(df['received_at'].isna())}")
    amount = pd.to_numeric(df["amount"], errors="coerce")
    bad = amount.isna() | (amount < 0) | ~np.isfinite(amount.fillna(0))
    if bad.any():
        problems.append(f"column 'amount': not a non-negative number in {_rows(bad)}")
    df["amount"] = amount.astype("float64")
    upheld, bad = _parse_flags(df["upheld"])
    bad |= upheld.isna().to_numpy()
    if bad.any():
        problems.append(f"column 'upheld': not true/false in {_rows(bad)}")
    df["upheld"] = upheld.fillna(False).astype(bool)
    if "investigation_cost" in df.columns:
        cost = pd.to_numeric(df["investigation_cost"], errors="coerce")
        given = df["investigation_cost"].notna() & (df["investigation_cost"].astype("string") != "")
        bad = (given & cost.isna()) | (cost < 0)
        if bad.any():
            problems.append(f"column 'investigation_cost': not a non-negative number in "
                            f"{_rows(bad)}")
        df["investigation_cost"] = cost.fillna(investigation_cost).astype("float64")
    else:
        df["investigation_cost"] = float(investigation_cost)
    if "resolved_at" in df.columns:
        given = df["resolved_at"].notna() & (df["resolved_at"].astype("string") != "")
        df["resolved_at"] = _parse_times(df["resolved_at"])
        bad = given & df["resolved_at"].isna()
        if bad.any():
            problems.append(f"column 'resolved_at': not a date/time in {_rows(bad)}")
        early = (df["resolved_at"] < df["received_at"]).fillna(False)
        if early.any():
            problems.append(f"column 'resolved_at': earlier than received_at in {_rows(early)}")
    for column in factor_columns(df.columns):
        if column in CATEGORY_FACTORS:
            df[column] = df[column].astype("string").str.strip().replace("", pd.NA)
        else:
            flags, bad = _parse_flags(df[column])
            if bad.any():
                problems.append(f"column {column!r}: not true/false in {_rows(bad)}")
            df[column] = flags
    if problems:
        raise HistoryError(problems)
    for window in PRIOR_WINDOWS_DAYS:
        df[f"claims_{window}d"] = prior_claim_counts(
            customer_ids=df["customer_id"].to_numpy(),
            received_at=df["received_at"],
            window_days=window,
        )
    return df


def prior_claim_counts(
    *, customer_ids: Sequence[Any] | np.ndarray, received_at: pd.Series, window_days: int
) -> np.ndarray:
    """Per claim, the same customer's claims received in [t - window, t), to the second.

    A claim exactly `window_days` earlier counts; claims at the same second do not (neither was
    "before" the other when decided).
    """
    n = len(customer_ids)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    codes, _ = pd.factorize(np.asarray(customer_ids))
    seconds = pd.Series(received_at).to_numpy(dtype="datetime64[s]").astype(np.int64)
    seconds -= seconds.min()
    window = window_days * 86_400
    # One sorted key for (customer, time): each customer gets its own non-overlapping time band,
    # so a single searchsorted answers every customer at once.
    band = int(seconds.max()) + window + 1
    if (int(codes.max()) + 1) * band >= 2**62:
        raise ValueError("history spans too many customers x seconds for int64 keys")
    keys = codes.astype(np.int64) * band + seconds
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    first_in_window = np.searchsorted(sorted_keys, sorted_keys - window, side="left")
    first_same_second = np.searchsorted(sorted_keys, sorted_keys, side="left")
    counts = np.empty(n, dtype=np.int64)
    counts[order] = first_same_second - first_in_window
    return counts


@dataclass(frozen=True)
class CandidateRule:
    """Auto-approve when amount <= max_amount, prior claims <= limit and factor == value."""

    topic: str
    max_amount: float
    prior_window_days: int | None = None  # None: any number of prior claims
    max_prior_claims: int | None = None
    factor: str | None = None
    factor_value: str | bool | None = None

    def describe(self) -> str:
        parts = [f"amount <= {self.max_amount:g}"]
        if self.prior_window_days is not None:
            parts.append(f"claims in last {self.prior_window_days} days <= {self.max_prior_claims}")
        if self.factor is not None:
            parts.append(f"{self.factor} == {self.factor_value}")
        return " and ".join(parts)

    def row_mask(self, history: pd.DataFrame) -> np.ndarray:
        """Which rows of a prepared history this rule would auto-approve."""
        mask = (history["topic"] == self.topic).to_numpy(dtype=bool)
        mask &= history["amount"].to_numpy() <= self.max_amount
        if self.prior_window_days is not None:
            mask &= history[f"claims_{self.prior_window_days}d"].to_numpy() <= self.max_prior_claims
        if self.factor is not None:
            mask &= (history[self.factor] == self.factor_value).fillna(False).to_numpy(dtype=bool)
        return mask


@dataclass(frozen=True)
class CandidateResult:
    rule: CandidateRule
    description: str
    claims: int
    auto_decided: int
    share_auto_decided: float
    auto_paid: float  # all money the rule pays out automatically
    loss: float  # of which: claims investigation would have refused
    loss_rate: float  # loss / auto_paid
    investigation_cost_saved: float
    net_saving: float  # investigation_cost_saved - loss
    time_to_money_before_hours: float | None  # median over auto-decided claims, if resolved_at
    time_to_money_after_hours: float = AUTO_DECISION_HOURS


@dataclass(frozen=True)
class TopicResult:
    topic: str
    claims: int
    amount_claimed: float
    upheld_share: float
    baseline_investigation_cost: float  # "investigate everything"
    candidates_evaluated: int
    recommended: CandidateResult | None
    frontier: list[CandidateResult]  # best net saving reachable at each loss rate
    candidates: pd.DataFrame = field(repr=False, compare=False)  # every candidate's metrics


@dataclass(frozen=True)
class SimulationResult:
    accepted_risk: float
    investigation_cost: float
    factors_searched: list[str]
    topics: list[TopicResult]

    def to_dict(self) -> dict[str, Any]:
        def clean(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items() if k != "candidates"}
            if isinstance(value, list):
                return [clean(v) for v in value]
            if isinstance(value, float):
                return None if math.isnan(value) else round(value, 6)
            if isinstance(value, np.generic):
                return clean(value.item())
            return value

        return clean(asdict(self))


def _amount_thresholds(amounts: np.ndarray) -> np.ndarray:
    """Candidate amount limits: quantiles plus round 1-2-5 values inside the observed range."""
    low, high = float(amounts.min()), float(amounts.max())
    grid = set(np.quantile(amounts, QUANTILES).round(2).tolist())
    if high > 0:
        for power in range(int(math.floor(math.log10(max(low, 1)))), int(math.log10(high)) + 1):
            for step in (1, 2, 5):
                value = step * 10.0**power
                if low <= value <= high:
                    grid.add(value)
    grid.add(high)  # "any amount" is a candidate too
    return np.array(sorted(grid))


def _factor_options(df: pd.DataFrame, columns: list[str]) -> list[tuple[str, list[Any]]]:
    options = []
    for column in columns:
        if column in CATEGORY_FACTORS:
            values = df[column].value_counts(dropna=True).index[:MAX_CATEGORY_VALUES].tolist()
        else:
            values = [v for v in (True, False) if (df[column] == v).any()]
        if values:
            options.append((column, values))
    return options


def _evaluate_topic(
    df: pd.DataFrame, *, topic: str, factors: list[str], accepted_risk: float,
    max_factor_conditions: int,
) -> TopicResult:
    amount = df["amount"].to_numpy()
    unfounded = ~df["upheld"].to_numpy()
    cost = df["investigation_cost"].to_numpy()
    thresholds = _amount_thresholds(amount)
    # Collapse claims into cells that every candidate treats alike; candidates then sum cells.
    bucket = np.searchsorted(thresholds, amount, side="left")
    key_parts = [bucket]
    radix = [len(thresholds)]
    for window in PRIOR_WINDOWS_DAYS:
        key_parts.append(np.minimum(df[f"claims_{window}d"].to_numpy(), PRIOR_LIMITS[-1] + 1))
        radix.append(PRIOR_LIMITS[-1] + 2)
    options = _factor_options(df, factors)
    for column, values in options:
        codes = np.full(len(df), len(values), dtype=np.int64)  # "other or missing"
        for i, value in enumerate(values):
            codes[(df[column] == value).fillna(False).to_numpy(dtype=bool)] = i
        key_parts.append(codes)
        radix.append(len(values) + 1)
    key = np.zeros(len(df), dtype=np.int64)
    for part, base in zip(key_parts, radix, strict=True):
        key = key * base + part
    cells, cell_of_row = np.unique(key, return_inverse=True)
    cell_parts = []
    remainder = cells.copy()
    for base in reversed(radix):
        cell_parts.append(remainder % base)
        remainder //= base
    cell_parts.reverse()
    cell_bucket = cell_parts[0]
    cell_prior = dict(zip(PRIOR_WINDOWS_DAYS, cell_parts[1:3], strict=True))
    cell_factor = cell_parts[3:]
    weights = {
        "n": np.bincount(cell_of_row, minlength=len(cells)).astype(float),
        "paid": np.bincount(cell_of_row, weights=amount, minlength=len(cells)),
        "loss": np.bincount(cell_of_row, weights=amount * unfounded, minlength=len(cells)),
        "cost": np.bincount(cell_of_row, weights=cost, minlength=len(cells)),
    }

    prior_options: list[tuple[int | None, int | None]] = [(None, None)]
    prior_options += [(w, k) for w in PRIOR_WINDOWS_DAYS for k in PRIOR_LIMITS]
    factor_options: list[tuple[tuple[int, int], ...]] = [()]
    for size in range(1, max_factor_conditions + 1):
        for chosen in itertools.combinations(range(len(options)), size):
            for value_idx in itertools.product(*(range(len(options[c][1])) for c in chosen)):
                factor_options.append(tuple(zip(chosen, value_idx, strict=True)))

    frames = []
    for (window, limit), conditions in itertools.product(prior_options, factor_options):
        mask = np.ones(len(cells), dtype=bool)
        if window is not None:
            mask &= cell_prior[window] <= limit
        for column_idx, value_idx in conditions:
            mask &= cell_factor[column_idx] == value_idx
        sums = {name: np.cumsum(np.bincount(cell_bucket[mask], weights=w[mask],
                                            minlength=len(thresholds)))
                for name, w in weights.items()}
        frame = pd.DataFrame({"max_amount": thresholds, **sums})
        frame["prior_window_days"] = window
        frame["max_prior_claims"] = limit
        # Candidate rules carry at most one factor condition into CandidateRule; deeper
        # combinations are encoded as a tuple for the matrix export.
        frame["factor_conditions"] = [tuple((options[c][0], options[c][1][v])
                                            for c, v in conditions)] * len(frame)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    total_claims = len(df)
    table = table.rename(columns={"n": "auto_decided", "paid": "auto_paid",
                                  "cost": "investigation_cost_saved"})
    table["auto_decided"] = table["auto_decided"].round().astype(np.int64)
    table["share_auto_decided"] = table["auto_decided"] / total_claims
    with np.errstate(divide="ignore", invalid="ignore"):
        table["loss_rate"] = np.where(table["auto_paid"] > 0,
                                      table["loss"] / table["auto_paid"], 0.0)
    table["net_saving"] = table["investigation_cost_saved"] - table["loss"]
    table["conditions"] = (1 + table["prior_window_days"].notna()
                           + table["factor_conditions"].map(len))
    table = table[table["auto_decided"] > 0].drop_duplicates(
        subset=["auto_decided", "auto_paid", "loss"], keep="first"
    )  # the same claim set reached by several rules: keep the first (simplest) one
    table = table.reset_index(drop=True)

    eligible = table[(table["loss_rate"] <= accepted_risk + 1e-12) & (table["net_saving"] > 0)]
    recommended = None
    if len(eligible):
        best = eligible.sort_values(
            ["net_saving", "share_auto_decided", "conditions", "max_amount"],
            ascending=[False, False, True, True], kind="stable").iloc[0]
        recommended = _result(df, best, topic=topic, total_claims=total_claims)
    ordered = table.sort_values(["loss_rate", "net_saving"], ascending=[True, False],
                                kind="stable")
    on_frontier = ordered["net_saving"] > ordered["net_saving"].cummax().shift(fill_value=-np.inf)
    frontier = [_result(df, row, topic=topic, total_claims=total_claims)
                for _, row in ordered[on_frontier & (ordered["net_saving"] > 0)].iterrows()]
    return TopicResult(
        topic=topic,
        claims=total_claims,
        amount_claimed=float(amount.sum()),
        upheld_share=float(1 - unfounded.mean()),
        baseline_investigation_cost=float(cost.sum()),
        candidates_evaluated=len(frames) * len(thresholds),
        recommended=recommended,
        frontier=frontier,
        candidates=table,
    )


def rule_from_row(row: pd.Series, *, topic: str) -> CandidateRule:
    conditions = row["factor_conditions"]
    if len(conditions) > 1:
        raise ValueError("CandidateRule holds one factor condition; search with fewer")
    factor, value = conditions[0] if conditions else (None, None)
    window = row["prior_window_days"]
    has_window = window is not None and not pd.isna(window)
    return CandidateRule(
        topic=topic,
        max_amount=float(row["max_amount"]),
        prior_window_days=int(window) if has_window else None,
        max_prior_claims=int(row["max_prior_claims"]) if has_window else None,
        factor=factor,
        factor_value=bool(value) if isinstance(value, bool | np.bool_) else value,
    )


def _result(df: pd.DataFrame, row: pd.Series, *, topic: str, total_claims: int) -> CandidateResult:
    rule = rule_from_row(row, topic=topic)
    before = None
    if "resolved_at" in df.columns:
        mask = rule.row_mask(df)
        waited = (df["resolved_at"][mask] - df["received_at"][mask]).dropna()
        if len(waited):
            before = waited.median().total_seconds() / 3600
    return CandidateResult(
        rule=rule,
        description=rule.describe(),
        claims=total_claims,
        auto_decided=int(row["auto_decided"]),
        share_auto_decided=float(row["share_auto_decided"]),
        auto_paid=float(row["auto_paid"]),
        loss=float(row["loss"]),
        loss_rate=float(row["loss_rate"]),
        investigation_cost_saved=float(row["investigation_cost_saved"]),
        net_saving=float(row["net_saving"]),
        time_to_money_before_hours=before,
    )


def simulate(
    history: pd.DataFrame,
    *,
    investigation_cost: float = 300.0,
    accepted_risk: float = 0.01,
    max_factor_conditions: int = 1,
) -> SimulationResult:
    """Search auto-approve rules per topic; recommend the best net saving within the risk."""
    if not 0 <= accepted_risk <= 1:
        raise ValueError(f"accepted_risk must be between 0 and 1, got {accepted_risk}")
    if max_factor_conditions not in (0, 1):
        raise ValueError("max_factor_conditions must be 0 or 1")
    df = prepare_history(history, investigation_cost=investigation_cost)
    factors = factor_columns(df.columns)
    topics = [
        _evaluate_topic(group, topic=str(topic), factors=factors, accepted_risk=accepted_risk,
                        max_factor_conditions=max_factor_conditions)
        for topic, group in df.groupby("topic", sort=True)
    ]
    return SimulationResult(
        accepted_risk=accepted_risk,
        investigation_cost=investigation_cost,
        factors_searched=factors,
        topics=topics,
    )


def rule_to_matrix(
    rule: CandidateRule,
    *,
    version: int = 1,
    accepted_loss_rate: float | None = 0.01,
    monthly_cap: float | None = None,
) -> dict[str, Any]:
    """A valid decision-matrix dict that auto-approves what `rule` approves; the rest is
    investigated."""
    when: dict[str, dict[str, Any]] = {"amount": {"lte": rule.max_amount}}
    if rule.prior_window_days is not None:
        when[f"claims_{rule.prior_window_days}d"] = {"lte": rule.max_prior_claims}
    if rule.factor is not None:
        if isinstance(rule.factor_value, bool):
            when[rule.factor] = {"is_true" if rule.factor_value else "is_false": True}
        else:
            when[rule.factor] = {"eq": rule.factor_value}
    matrix: dict[str, Any] = {
        "topic": rule.topic,
        "version": version,
        "rules": [{"name": "simulator recommendation", "when": when,
                   "outcome": "auto_approve", "description": rule.describe()}],
        "default": "investigate",
        "monthly_cap": monthly_cap,
        "accepted_loss_rate": accepted_loss_rate,
    }
    problems = validate_matrix(matrix)
    if problems:  # a bug here, not user error: the simulator only proposes valid rules
        raise ValueError("; ".join(problems))
    return matrix
