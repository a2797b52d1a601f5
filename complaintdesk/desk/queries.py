"""The queue list: tabs, filters from GET parameters, sorting; all over cases the user may see."""

from datetime import datetime

from django.db.models import Q, QuerySet

from complaintdesk.accounts import permissions
from complaintdesk.accounts.models import User
from complaintdesk.cases.api import overdue_q
from complaintdesk.cases.lifecycle import Status
from complaintdesk.cases.models import Case

TABS = ("mine", "team", "unassigned", "overdue", "resonance")
SORTS = {"deadline": ("resolve_by", "pk"), "-deadline": ("-resolve_by", "-pk"),
         "received": ("received_at", "pk"), "-received": ("-received_at", "-pk")}


def tab_filter(tab: str, user: User, now: datetime) -> Q:
    open_cases = ~Q(status=Status.CLOSED)
    return {
        "mine": Q(assignee=user) & open_cases,
        "team": open_cases,
        "unassigned": Q(assignee__isnull=True) & open_cases,
        "overdue": overdue_q(now),
        "resonance": Q(resonance=True) & open_cases,
    }[tab]


def apply_filters(qs: QuerySet, params, *, user: User) -> QuerySet:
    """Filters the queue form sends; unknown or empty values are ignored, never an error."""
    if kind := params.get("kind"):
        qs = qs.filter(kind=kind)
    if status := params.get("status"):
        qs = qs.filter(status=status)
    if topic := params.get("topic"):
        qs = qs.filter(Q(topic__code=topic) | Q(topic__parent__code=topic))
    if channel := params.get("channel"):
        qs = qs.filter(channel=channel)
    if customer := params.get("customer", "").strip():
        if customer.isdigit():
            qs = qs.filter(customer_id=int(customer))
        elif permissions.sees_personal_data(user):
            # Searching by name or contact would reveal personal data to masked roles.
            qs = qs.filter(Q(customer__name__icontains=customer)
                           | Q(customer__email__icontains=customer)
                           | Q(customer__phone__icontains=customer))
        else:
            qs = qs.none()
    if q := params.get("q", "").strip()[:200]:
        qs = qs.filter(Q(text__icontains=q) | Q(subject__icontains=q) | Q(reference__iexact=q))
    return qs


def queue_cases(user: User, params, *, now: datetime) -> tuple[QuerySet, str, str]:
    tab = params.get("tab") if params.get("tab") in TABS else "mine"
    sort = params.get("sort") if params.get("sort") in SORTS else "deadline"
    qs = permissions.cases_visible_to(user, Case.objects.all()).filter(tab_filter(tab, user, now))
    qs = apply_filters(qs, params, user=user).order_by(*SORTS[sort])
    return qs, tab, sort


def tab_counts(user: User, now: datetime) -> dict[str, int]:
    """One aggregate query for the numbers on the tabs."""
    from django.db.models import Count

    base = permissions.cases_visible_to(user, Case.objects.all())
    return base.aggregate(**{
        tab: Count("pk", filter=tab_filter(tab, user, now)) for tab in TABS
    })
