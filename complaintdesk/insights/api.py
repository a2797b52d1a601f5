"""Read-only insight tables over the API: the same filters and numbers as the dashboard."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router

from complaintdesk.insights import reports, services
from complaintdesk.insights.models import Spike

router = Router(tags=["insights"])


def _user(request: HttpRequest):
    from complaintdesk.api.main import current_user

    return current_user(request)


def _json(v: Any) -> Any:
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v


@router.get("/insights/tables/{name}")
def insight_table(request: HttpRequest, name: str):
    """One dashboard table (volumes, timeliness, quality, money, …) for the query's filters."""
    user = _user(request)
    services.require_insights(user)
    if name not in reports.DASHBOARD_TABLES:
        raise Http404(f"No table '{name}'. Tables: {', '.join(reports.DASHBOARD_TABLES)}.")
    f = reports.Filters.from_params(request.GET)
    table = reports.build(name, user, f)
    return {"table": name, "title": table.title, "filters": f.as_params(), "header": table.header,
            "rows": [[_json(v) for v in row] for row in table.rows]}


@router.get("/insights/spikes")
def spike_list(request: HttpRequest, limit: int = 100):
    services.require_insights(_user(request))
    spikes = Spike.objects.order_by("-start", "-score")[: max(1, min(limit, 500))]
    return [{"id": s.pk, "freq": s.freq, "dimension": s.dimension, "group": s.group_key,
             "start": s.start.isoformat(), "end": s.end.isoformat(), "observed": s.observed,
             "expected": round(s.expected, 2), "score": round(s.score, 2),
             "incident": s.incident_id} for s in spikes]
