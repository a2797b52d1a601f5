"""The queue list: tabs, filters from GET parameters, sorting; all over cases the user may see."""

from datetime import datetime
from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from complaintdesk.accounts import permissions
from complaintdesk.accounts.models import User
from complaintdesk.cases import search
from complaintdesk.cases.api import overdue_q
from complaintdesk.cases.lifecycle import Status
from complaintdesk.cases.models import Case, Message, Topic

TABS = ("mine", "team", "unassigned", "review", "overdue", "resonance")
SORTS = {"deadline": ("resolve_by", "pk"), "-deadline": ("-resolve_by", "-pk"),
         "received": ("received_at", "pk"), "-received": ("-received_at", "-pk")}


# Every tab lists open cases only. The condition is spelled exactly like the partial indexes'
# (case_open_due, case_open_assignee_due) so PostgreSQL can use them; closed cases are most of
# the register and hold the oldest deadlines, which an index on resolve_by alone walks through.
OPEN = ~Q(status=Status.CLOSED)
# A text search counts its matches only up to this many: counting every match of a common
# word means reading the text of every open case, which is what makes the page slow.
SEARCH_COUNT_CAP = 500


def tab_filter(tab: str, user: User, now: datetime, *, open_only: bool = True) -> Q:
    """A tab's condition; `open_only=False` when the status filter asks for closed cases (the
    tabs list open ones, so «Closed» used to find nothing)."""
    state = OPEN if open_only else Q()
    return {
        "mine": Q(assignee=user) & state,
        "team": state,
        "unassigned": Q(assignee__isnull=True) & state,
        # Cases whose kind the model was unsure of: a person confirms or corrects it.
        "review": Q(needs_review=True) & state,
        "overdue": overdue_q(now) & state,
        "resonance": Q(resonance=True) & state,
    }[tab]


def apply_filters(qs: QuerySet, params, *, user: User) -> QuerySet:
    """Filters the queue form sends; unknown or empty values are ignored, never an error."""
    if kind := params.get("kind"):
        qs = qs.filter(kind=kind)
    if status := params.get("status"):
        qs = qs.filter(status=status)
    if topic := params.get("topic"):
        # The topic and its children as a list of ids (one small query): an OR across a join
        # to the topic table made PostgreSQL count the whole register.
        ids = list(Topic.objects.filter(Q(code=topic) | Q(parent__code=topic))
                   .values_list("pk", flat=True))
        qs = qs.filter(topic_id__in=ids)
    if channel := params.get("channel"):
        qs = qs.filter(channel=channel)
    if params.get("review") in ("1", "on"):
        qs = qs.filter(needs_review=True)
    if (customer_id := params.get("customer_id", "").strip()).isdigit():
        # Links from a customer's page name the record by id, explicitly.
        qs = qs.filter(customer_id=int(customer_id))
    if customer := params.get("customer", "").strip():
        if permissions.sees_personal_data(user):
            # Digits typed here are a phone or a customer number, never a row id.
            qs = qs.filter(search.customer_filter(customer))
        else:
            # Searching by name or contact would reveal personal data to masked roles.
            qs = qs.none()
    if q := search_text(params):
        # The header search box's matching (cases/search.py), within the tab.
        qs = search.filter_cases(qs, user, q)
    return qs


def search_text(params) -> str:
    return params.get("q", "").strip()[:200]


class CappedPaginator(Paginator):
    """A paginator whose count stops at `cap` (then `capped` is true: show "500+")."""

    def __init__(self, *args, cap: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        if self.cap is None:
            return super().count
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.cap is not None and self.count > self.cap

    def page(self, number):
        """As Paginator.page, but a capped count never shortens a page: the rows are there."""
        if not self.capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom:bottom + self.per_page], number, self)


def queue_cases(user: User, params, *, now: datetime) -> tuple[QuerySet, str, str]:
    tab = params.get("tab") if params.get("tab") in TABS else "mine"
    sort = params.get("sort") if params.get("sort") in SORTS else "deadline"
    open_only = params.get("status") != Status.CLOSED
    qs = permissions.cases_visible_to(user, Case.objects.all()).filter(
        tab_filter(tab, user, now, open_only=open_only))
    qs = apply_filters(qs, params, user=user).order_by(*SORTS[sort])
    return qs, tab, sort


def tab_counts(user: User, now: datetime) -> dict[str, int]:
    """One aggregate query for the numbers on the tabs, over open cases only (all tabs are
    open cases): PostgreSQL answers it from the covering partial index case_open_due."""
    base = permissions.cases_visible_to(user, Case.objects.filter(OPEN))
    return base.aggregate(**{
        tab: Count("pk", filter=tab_filter(tab, user, now)) for tab in TABS
    })


def _last_message_at(direction: str) -> Subquery:
    return Subquery(Message.objects.filter(case=OuterRef("pk"), direction=direction)
                    .order_by("-created_at", "-pk").values("created_at")[:1])


def with_activity(qs: QuerySet) -> QuerySet:
    """The times of the last inbound and outbound message, in the page's own query (two
    correlated subqueries over the messages' case index, run for the page's rows only)."""
    return qs.annotate(last_in_at=_last_message_at(Message.Direction.IN),
                       last_out_at=_last_message_at(Message.Direction.OUT))


def first_line(case: Case, limit: int = 80) -> str:
    """What the row says the case is about: its subject, else the first line of its text."""
    text = (case.subject or "").strip() or next(
        (line.strip() for line in (case.text or "").splitlines() if line.strip()), "")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def row_activity(case: Case) -> dict:
    """Last activity and whether the customer spoke last (an inbound message newer than the
    last reply): what an operator picks the next case by."""
    last_in, last_out = getattr(case, "last_in_at", None), getattr(case, "last_out_at", None)
    moments = [m for m in (case.updated_at, last_in, last_out) if m is not None]
    return {
        "last_activity": max(moments) if moments else None,
        "customer_replied": last_in is not None and (last_out is None or last_in > last_out),
    }
