"""Claims page in the desk: metrics, matrices and versions, the audit sample, the simulator."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaintdesk.accounts import permissions
from complaintdesk.cases.models import Topic
from complaintdesk.claims import access, metrics
from complaintdesk.claims.history import claims_history
from complaintdesk.claims.models import DecisionMatrix, Payout
from complaintdesk.claims.services import record_audit
from complaintdesk.lib.charts import with_nonce
from complaintdesk.lib.errors import DomainError


def _float(text: str | None, default: float, *, low: float, high: float) -> float:
    try:
        value = float(text) if text not in (None, "") else default
    except ValueError:
        return default
    return min(max(value, low), high)


@login_required
def overview(request):
    access.require_view_claims(request.user)
    try:
        days = int(request.GET.get("days", 90))
    except ValueError:
        days = 90
    days = min(max(days, 1), 3660)
    matrices = list(DecisionMatrix.objects.select_related("topic", "created_by")
                    .order_by("topic__code", "-version"))
    can_audit = access.can_audit(request.user)
    to_audit = []
    if can_audit:
        # Only payouts of cases in queues the auditor may change: the list names cases.
        sample = Payout.objects.filter(audit_selected=True, audit_result="")
        writable = permissions.writable_queue_ids(request.user)
        if writable is not None:
            sample = sample.filter(case__queue_id__in=writable)
        to_audit = list(sample.select_related("case", "matrix__topic").order_by("created_at")[:50])
    topics = Topic.objects.filter(claim_matrices__isnull=False).distinct().order_by("code")
    return render(request, "claims/overview.html", {
        **metrics.all_metrics(days=days), "matrices": matrices, "to_audit": to_audit,
        "can_audit": can_audit, "topics": topics,
    })


@login_required
def simulate(request):
    """The simulator over the database's decided claims: the trade-off charts inside the desk,
    plotly.js loaded once from the static files (cached for years), never inlined."""
    access.require_view_claims(request.user)
    from complaintdesk.claims.report import EXPLANATION, summary_rows, topic_charts
    from complaintdesk.claims.simulate import HistoryError
    from complaintdesk.claims.simulate import simulate as run

    topic = request.GET.get("topic", "")
    cost = _float(request.GET.get("investigation_cost"), 300.0, low=0, high=1e9)
    risk = _float(request.GET.get("accepted_risk"), 0.01, low=0, high=1)
    history = claims_history(topic=topic)
    if history.empty:
        messages.info(request, _("No decided claims with an amount to simulate on yet."))
        return redirect("claims:overview")
    try:
        result = run(history, investigation_cost=cost, accepted_risk=risk)
    except HistoryError as error:
        messages.error(request, str(error))
        return redirect("claims:overview")
    names = dict(Topic.objects.values_list("code", "name"))
    # plotly's inline scripts carry the request's nonce: the page's CSP runs no other inline script.
    sections = [{"topic": t, "name": names.get(t.topic, t.topic), "rows": summary_rows(t),
                 "chart": with_nonce(chart, request.csp_nonce)}
                for t, chart in topic_charts(result, inline_plotlyjs=False)]
    return render(request, "claims/simulate.html", {
        "sections": sections, "topic": topic, "topic_name": names.get(topic, topic),
        "investigation_cost": cost, "accepted_risk": risk,
        "explanation": EXPLANATION % {"risk": f"{result.accepted_risk:.2%}"},
    })


@login_required
@require_POST
def audit(request, pk: int):
    access.require_audit(request.user)
    payout = get_object_or_404(Payout, pk=pk)
    try:
        record_audit(payout=payout, result=request.POST.get("result", ""), actor=request.user,
                     note=request.POST.get("note", "")[:2000])
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Audit recorded for %(ref)s.") % {"ref": payout.case.reference})
    return redirect("claims:overview")
