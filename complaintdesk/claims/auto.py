"""Automatic claim decisions: factors from the database, the topic's matrix, the risk budget.

Called inside the transaction that registers (or reclassifies) a claim, so a claim is never
visible undecided-but-auto-approvable, and a failure rolls the whole registration back.
The matrix approves, fast-tracks or sends to investigation; it never rejects.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from complaintdesk.cases import services
from complaintdesk.cases.lifecycle import Status as S
from complaintdesk.cases.models import Case, EventType, Kind, Line, Outbox, Priority, Queue
from complaintdesk.cases.models import Outcome as CaseOutcome
from complaintdesk.claims import notifications
from complaintdesk.claims.matrix import (
    BUDGET_CAP_REASON,
    Decision,
    Matrix,
    MatrixError,
    Outcome,
    apply_budget,
    evaluate,
    load_matrix,
)
from complaintdesk.claims.models import ClaimEvaluation, ClaimEvidence, DecisionMatrix, Payout, Trigger

log = logging.getLogger("complaintdesk.claims")

# Timeline events written here carry data["kind"] with one of these, so they can be found again.
EVALUATION_KIND = "claim_matrix"
PAYOUT_KIND = "claim_payout"
UPHELD = (CaseOutcome.UPHELD, CaseOutcome.PARTLY)

# ---------------------------------------------------------------- compiled matrix cache

# Versions are immutable rows, so a compiled matrix never goes stale. The key carries the
# definition text as well as the pk: a test database (or a restored backup) may reuse a pk.
_COMPILED: OrderedDict[tuple[int, str], Matrix] = OrderedDict()
_COMPILED_MAX = 256


def compiled(matrix: DecisionMatrix) -> Matrix:
    definition = matrix.full_definition()
    key = (matrix.pk, json.dumps(definition, sort_keys=True, default=str))
    found = _COMPILED.get(key)
    if found is None:
        found = load_matrix(definition)
        _COMPILED[key] = found
        if len(_COMPILED) > _COMPILED_MAX:
            _COMPILED.popitem(last=False)
    return found


def active_matrix_for(case: Case) -> DecisionMatrix | None:
    """The active matrix of the claim's topic, else of the topic's parent."""
    if case.topic_id is None:
        return None
    topic = case.topic
    ids = [topic.pk] + ([topic.parent_id] if topic.parent_id else [])
    rows = {m.topic_id: m for m in DecisionMatrix.objects.filter(topic_id__in=ids, active=True)
            .select_related("topic")}
    for topic_id in ids:
        if topic_id in rows:
            return rows[topic_id]
    return None


# ---------------------------------------------------------------- factors


def claim_factors(case: Case, *, evidence: dict[str, bool] | None = None) -> dict[str, Any]:
    """The matrix factors for a claim, read from the database in one aggregate query (plus one
    for evidence flags unless the caller knows them). Counts are of the customer's earlier
    claims in [t - N days, t), the same windows the simulator uses."""
    t = case.received_at
    customer = case.customer
    since_365, since_90 = t - timedelta(days=365), t - timedelta(days=90)
    counts = (
        Case.objects.filter(customer_id=case.customer_id, kind=Kind.CLAIM,
                            received_at__gte=since_365, received_at__lt=t)
        .exclude(pk=case.pk)
        .aggregate(
            claims_365d=Count("pk"),
            claims_90d=Count("pk", filter=Q(received_at__gte=since_90)),
            upheld_claims_365d=Count("pk", filter=Q(decision__in=UPHELD)),
            upheld_claims_90d=Count("pk", filter=Q(decision__in=UPHELD, received_at__gte=since_90)),
        )
    )
    if evidence is None:
        evidence = dict(ClaimEvidence.objects.filter(case=case).values_list("flag", "value"))
    tenure = None
    if customer.customer_since is not None:
        tenure = max(0, (timezone.localdate(t) - customer.customer_since).days)
    return {
        "amount": case.amount_claimed,
        "currency": case.currency or None,
        **counts,
        "tenure_days": tenure,
        "segment": customer.segment or None,
        "channel": case.channel or None,
        "product": case.product or None,
        "serial_claimant": customer.serial_claimant,
        "evidence": evidence,
    }


def _jsonable_factors(factors: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in factors.items()}


# ---------------------------------------------------------------- budget


def month_start(at: datetime) -> datetime:
    local = timezone.localtime(at)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(at: datetime) -> datetime:
    start = month_start(at)
    return (start + timedelta(days=32)).replace(day=1)


def paid_this_month(matrix: DecisionMatrix, *, at: datetime) -> Decimal:
    """Money committed automatically this calendar month under any version of this topic's
    matrix (a new version does not reset the month's budget). Failed payouts do not count."""
    total = (
        Payout.objects.filter(matrix__topic_id=matrix.topic_id, created_at__gte=month_start(at),
                              created_at__lt=next_month_start(at))
        .exclude(status=Payout.Status.FAILED)
        .aggregate(total=Sum("amount"))["total"]
    )
    return total or Decimal("0")


# ---------------------------------------------------------------- entry points


@dataclass(frozen=True)
class AutoResult:
    evaluation: ClaimEvaluation
    decision: Decision


def on_claim_registered(case: Case, *, trigger: str = Trigger.REGISTERED,
                        notify: bool = True) -> AutoResult | None:
    """Hook for services.create_case / reclassify: evaluate a new claim and act on it. The
    caller's case object is refreshed, so it shows the decision or queue move made here.
    `notify=False` (a case registered without telling the customer) keeps the decision quiet."""
    result = evaluate_and_act(case, trigger=trigger, notify=notify)
    if result is not None:
        case.refresh_from_db()
    return result


def is_auto_decided(case: Case) -> bool:
    return Payout.objects.filter(case=case).exists()


def evaluate_and_act(case: Case, *, trigger: str, evidence: dict[str, bool] | None = None,
                     notify: bool = True) -> AutoResult | None:
    """Evaluate the topic's active matrix on the claim and carry the outcome out."""
    if case.kind != Kind.CLAIM or case.status in (S.DECIDED, S.CLOSED):
        return None
    matrix_row = active_matrix_for(case)
    if matrix_row is None:
        return None
    with transaction.atomic():
        if is_auto_decided(case):
            return None
        if trigger == Trigger.REGISTERED:
            evidence = {}  # a claim being registered has no evidence rows yet: skip the query
        try:
            matrix = compiled(matrix_row)
        except MatrixError:
            # A broken matrix (saved around the admin's validation) must never block
            # registering a claim: people decide it, and the log says why.
            log.exception("claims matrix %s is invalid; claim %s left to people",
                          matrix_row.pk, case.pk)
            return None
        factors = claim_factors(case, evidence=evidence)
        decision = evaluate(matrix, factors)
        rule_outcome = decision.outcome
        paid = None
        if decision.outcome is Outcome.AUTO_APPROVE:
            decision, matrix_row, paid = _check_payable(case, matrix_row, decision)
        evaluation = _record_evaluation(case, matrix_row, decision, rule_outcome, factors,
                                        trigger=trigger, paid_this_month=paid)
        if decision.outcome is Outcome.AUTO_APPROVE:
            _approve(case, matrix_row, decision, factors, notify=notify)
        elif decision.outcome is Outcome.FAST_TRACK:
            _fast_track(case, decision)
        if decision.reason == BUDGET_CAP_REASON:
            _alert_cap_reached(case, matrix_row)
    return AutoResult(evaluation, decision)


def _check_payable(case: Case, matrix_row: DecisionMatrix,
                   decision: Decision) -> tuple[Decision, DecisionMatrix, Decimal | None]:
    """Auto-approval needs an amount in the matrix currency within the month's cap. The cap is
    checked under a row lock on the matrix, so two claims at once cannot both slip under it."""
    from dataclasses import replace

    if not case.amount_claimed:
        return replace(decision, outcome=Outcome.INVESTIGATE,
                       reason="no amount claimed: nothing to pay automatically"), matrix_row, None
    if case.currency != matrix_row.currency:
        return replace(decision, outcome=Outcome.INVESTIGATE,
                       reason=f"claim in {case.currency or '—'}, matrix pays "
                              f"{matrix_row.currency}"), matrix_row, None
    locked = DecisionMatrix.objects.select_for_update().select_related("topic").get(pk=matrix_row.pk)
    if not locked.active:  # replaced while we were evaluating: let a person decide
        return replace(decision, outcome=Outcome.INVESTIGATE,
                       reason="matrix version replaced during evaluation"), locked, None
    paid = paid_this_month(locked, at=timezone.now())
    return apply_budget(decision, amount=case.amount_claimed, paid_this_month=paid,
                        monthly_cap=locked.monthly_cap), locked, paid


def _record_evaluation(case, matrix_row, decision, rule_outcome, factors, *, trigger,
                       paid_this_month) -> ClaimEvaluation:
    used = _jsonable_factors(factors)
    evaluation = ClaimEvaluation.objects.create(
        case=case, matrix=matrix_row, outcome=decision.outcome.value,
        rule_outcome=rule_outcome.value, rule_name=decision.rule_name or "",
        factors=used, reason=decision.reason[:300], trigger=trigger,
    )
    services.record(
        case, EventType.CLAIM_EVALUATED, actor=None,
        after={"matrix": f"{matrix_row.topic.code} v{matrix_row.version}",
               "rule": decision.rule_name or "default", "outcome": decision.outcome.value},
        kind=EVALUATION_KIND, matrix_id=matrix_row.pk, matrix_topic=matrix_row.topic.code,
        matrix_version=matrix_row.version, rule=decision.rule_name,
        rule_outcome=rule_outcome.value, factors=used, reason=decision.reason,
        trigger=trigger, evaluation_id=evaluation.pk,
        paid_this_month=paid_this_month, monthly_cap=matrix_row.monthly_cap,
    )
    return evaluation


def _audit_selected(case: Case, share: Decimal) -> bool:
    """Deterministic sample: the same case is always in or out, and no one can steer it."""
    digest = hashlib.sha256(f"claims-audit:{case.pk}:{case.public_token}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < float(share)


def _approve(case: Case, matrix_row: DecisionMatrix, decision: Decision, factors: dict, *,
             notify: bool) -> None:
    current = services._locked(case)
    for step in _path_to_decision(S(current.status)):
        services.transition(case=current, to=step, actor=None,
                            note=f"claims matrix {matrix_row.topic.code} v{matrix_row.version}")
    amount = case.amount_claimed
    services.decide(
        case=case, outcome=CaseOutcome.UPHELD, actor=None, amount_paid=amount, notify=notify,
        text=notifications.auto_approved_text(case, amount),
        data={"automatic": True, "matrix_id": matrix_row.pk, "matrix_topic": matrix_row.topic.code,
              "matrix_version": matrix_row.version, "rule": decision.rule_name,
              "factors": _jsonable_factors(factors)},
    )
    Payout.objects.create(
        case=case, matrix=matrix_row, idempotency_key=f"payout:{case.pk}", amount=amount,
        currency=case.currency, audit_selected=_audit_selected(case, matrix_row.audit_share),
    )


def _path_to_decision(status: S) -> list[str]:
    return {
        S.RECEIVED: [S.ASSESSMENT],
        S.ACKNOWLEDGED: [S.ASSESSMENT],
        S.WAITING_CUSTOMER: [S.INVESTIGATION],
    }.get(status, [])


def claims_queue() -> Queue | None:
    return Queue.objects.filter(line=Line.CLAIMS).select_related("supervisor").order_by("pk").first()


def _fast_track(case: Case, decision: Decision) -> None:
    queue = claims_queue()
    if queue is not None and queue.pk != case.queue_id:
        services.move_to_queue(case=case, queue=queue, actor=None,
                               reason=f"claims matrix fast track: {decision.rule_name}")
    services.set_priority(case=case, priority=Priority.URGENT, actor=None,
                          reason=f"claims matrix fast track: rule {decision.rule_name!r}")


def _alert_cap_reached(case: Case, matrix_row: DecisionMatrix) -> None:
    """Once per topic matrix and month: tell the claims supervisor auto-approval has paused."""
    queue = claims_queue()
    supervisor = queue.supervisor if queue is not None else None
    month = f"{month_start(timezone.now()):%Y-%m}"
    if supervisor is None or not supervisor.email:
        return
    subject, body = notifications.cap_reached(matrix_row, month=month, case=case,
                                               recipient=supervisor)
    services.enqueue(case=case, purpose=Outbox.Purpose.ESCALATION, recipient=supervisor.email,
                     subject=subject, body=body,
                     dedupe_key=f"claims-cap:{matrix_row.topic_id}:{month}")


# ---------------------------------------------------------------- evidence


def set_evidence(*, case: Case, flag: str, value: bool, actor) -> tuple[ClaimEvidence, AutoResult | None]:
    """An integration states a fact; an undecided, not auto-decided claim is re-evaluated."""
    from complaintdesk.claims.matrix import EVIDENCE_PREFIX, factor_kind
    from complaintdesk.lib.errors import InvalidInput

    if factor_kind(EVIDENCE_PREFIX + flag) is None:
        raise InvalidInput(_("flag: lower-case letters, digits and _; starts with a letter "
                             "(e.g. atm_surplus)"))
    with transaction.atomic():
        locked = services._locked(case)
        row = ClaimEvidence.objects.filter(case=locked, flag=flag).first()
        before = None if row is None else row.value
        if row is None:
            row = ClaimEvidence.objects.create(case=locked, flag=flag, value=value, set_by=actor)
        elif row.value != value:
            row.value, row.set_by, row.at = value, actor, timezone.now()
            row.save(update_fields=["value", "set_by", "at"])
        if before == value:
            return row, None
        services.record(locked, EventType.EVIDENCE, actor=actor, before={f"evidence.{flag}": before},
                        after={f"evidence.{flag}": value}, kind="claim_evidence")
        result = None
        if locked.kind == Kind.CLAIM and locked.decided_at is None:
            result = evaluate_and_act(locked, trigger=Trigger.EVIDENCE)
    return row, result
