"""The desk's search page: the header box's results, customers and cases, best match first."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from complaintdesk.accounts import permissions
from complaintdesk.cases import search as engine
from complaintdesk.cases.models import Status
from complaintdesk.desk.common import customer_display

PAGE_SIZE = 20


@login_required
def search(request: HttpRequest) -> HttpResponse:
    user = request.user
    permissions.require(user, "view")
    query = request.GET.get("q", "")
    try:
        page = max(1, min(int(request.GET.get("page", "1")), engine.CANDIDATES))
    except ValueError:
        page = 1
    results = engine.search(user, query, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    hits = [{"hit": hit, "customer": customer_display(user, hit.case.customer),
             "closed": hit.case.status == Status.CLOSED} for hit in results.hits]
    customers = [{"hit": c, "display": customer_display(user, c.customer)}
                 for c in results.customers]
    return render(request, "desk/search.html", {
        "q": results.query, "results": results, "hits": hits, "customers": customers,
        "page": page, "searched": bool(results.query),
    })
