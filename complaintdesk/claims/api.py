"""Claims endpoints: integrations state evidence about a claim (e.g. ATM reconciliation)."""

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from complaintdesk.accounts import permissions
from complaintdesk.cases.models import Case
from complaintdesk.claims import auto

router = Router(tags=["claims"])


class EvidenceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    flag: str = Field(..., min_length=1, max_length=63, pattern=r"^[a-z][a-z0-9_]*$")
    value: bool


class EvidenceOut(Schema):
    reference: str
    flag: str
    value: bool
    re_evaluated: bool
    outcome: str | None = Field(None, description="auto_approve, fast_track or investigate")
    rule: str | None = None
    matrix_version: int | None = None
    status: str


@router.post("/cases/{reference}/evidence", response=EvidenceOut,
             summary="Set an evidence flag on a claim")
def post_evidence(request: HttpRequest, reference: str, payload: EvidenceIn):
    """An integration states a fact about a claim. A claim that is still undecided and was not
    decided automatically is evaluated again against its topic's matrix. Setting evidence can
    lead to an automatic payout, so it needs the right to decide cases of the claim's queue."""
    from complaintdesk.api.main import current_user

    case = Case.objects.select_related("queue", "customer", "topic").filter(
        reference=reference).first()
    if case is None:
        raise Http404(f"No case {reference}.")
    permissions.require_case(current_user(request), case, "decide")
    row, result = auto.set_evidence(case=case, flag=payload.flag, value=payload.value,
                                    actor=current_user(request))
    case.refresh_from_db(fields=["status"])
    return {
        "reference": case.reference, "flag": row.flag, "value": row.value,
        "re_evaluated": result is not None,
        "outcome": result.decision.outcome.value if result else None,
        "rule": result.decision.rule_name if result else None,
        "matrix_version": result.decision.matrix_version if result else None,
        "status": case.status,
    }
