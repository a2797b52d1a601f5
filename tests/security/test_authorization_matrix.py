"""Issue #20: the authorisation matrix. Every API operation and every staff page, called by every
role as a member, a read-only member and a non-member of queue A, must be allowed or refused
exactly as the rule book (accounts/permissions.py) says, and no answer may carry queue A's
customer data to someone who may not see queue A (nor unmasked personal data to an analyst).

How a cell is judged (decided here, recorded in docs/security.md):
- allowed  = a 2xx/3xx answer (pages redirect after a POST). Requests carry valid bodies, because
  django-ninja validates a body *before* the view runs, so a 422 proves nothing about
  authorisation. A row may name its own "allowed" statuses when the endpoint answers a 4xx after
  authorisation has passed (the AI-assistant proposal: 404 "not configured"). Rows with an
  `effect` (bulk actions, desk actions that redirect even on a domain error) are allowed only
  when the change really happened, refused only when it did not.
- refused  = 403, or 404 for "cannot see the case"; anonymous: 401 (API) / redirect to the login
  page (desk).
- The expectation of a cell is computed from the row's declared need (a capability of
  CAPABILITIES, "staff" or "admin", or an any-of "a|b" / all-of "a&b" of capabilities) and its
  scope ("case": queue A must be visible, and writable unless the need is "view"; "global").

A new URL pattern or API operation without a row here fails `test_every_endpoint_has_a_row`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from complaintdesk.accounts.models import ApiToken, QueueMembership, Role, User
from complaintdesk.accounts.permissions import CAPABILITIES
from complaintdesk.api.main import api
from complaintdesk.cases import defaults, services
from complaintdesk.cases.models import Case, Customer, CustomerProduct, Queue, Topic
from complaintdesk.claims.models import DecisionMatrix, Payout
from complaintdesk.insights.models import (
    Cause,
    CorrectiveAction,
    RecoveryTask,
    ReportSchedule,
    RootCause,
    Spike,
    SurveyInvitation,
    Theme,
    ThemeRun,
)
from complaintdesk.lib import configcache
from complaintdesk.notifications.models import NotificationPreference, SavedView
from complaintdesk.replies.models import CannedAnswer
from complaintdesk.staffing.models import QueueStaffing
from tests.conftest import TUESDAY_10AM
from tests.security.conftest import SUMMARY

# Every cell builds the middleware stack; its "no static directory" warning says nothing here.
pytestmark = pytest.mark.filterwarnings("ignore:No directory at:UserWarning")

QUEUE_A, QUEUE_B = "first-line", "second-line"
RELATIONS = ("member", "readonly", "nonmember")
ROLES = tuple(Role.values)
# (role, relation); anonymous has no relation.
PRINCIPALS = [("anonymous", "-")] + [(role, rel) for role in ROLES for rel in RELATIONS]

# The canary: queue A's customer, with values found nowhere else in the world.
CANARY = {
    "name": "Canary Quillfeather",
    "email": "canary.quill@example.org",
    "phone": "+7 999 314-15-92",
    "external_id": "EXT-CANARY-7731",
}
CANARY_WORDS = "marmalade-umbrella"  # in the customer's own words (case text, survey comment)

# ---------------------------------------------------------------- the rule book, as a table


def role_has(need: str, role: str) -> bool:
    if need == "staff":
        return True
    if need == "admin":
        return role == Role.ADMIN
    if "|" in need:
        return any(role_has(n, role) for n in need.split("|"))
    if "&" in need:
        return all(role_has(n, role) for n in need.split("&"))
    assert need in {c for caps in CAPABILITIES.values() for c in caps}, need
    return need in CAPABILITIES[role]


def sees_a(role: str, relation: str) -> bool:
    """Analysts and administrators see every queue; others the queues they belong to."""
    return role in (Role.ANALYST, Role.ADMIN) or relation in ("member", "readonly")


def writes_a(role: str, relation: str) -> bool:
    """Administrators change every queue; analysts none; others where they may write."""
    return role == Role.ADMIN or (role != Role.ANALYST and relation == "member")


def masked(role: str) -> bool:
    return role == Role.ANALYST


# ---------------------------------------------------------------- rows


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # template as in the URL resolver / OpenAPI, "{name}" for parameters
    need: str
    scope: str  # "case" (queue A) or "global"
    write: bool | None = None  # default: any need other than "view"/"staff" changes queue A
    body: Callable[[World, User], dict] | None = None
    query: Callable[[World, User], dict] | None = None
    allowed: tuple[int, ...] | None = None  # statuses that mean "authorised"; default 2xx/3xx
    effect: Callable[[World, User], bool] | None = None
    multipart: bool = False
    tag: str = ""  # tells apart two rows of one template (e.g. two export tables)

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}{'#' + self.tag if self.tag else ''}"

    def writes(self) -> bool:
        return self.write if self.write is not None else self.need not in ("view", "staff")


def expected_allowed(row: Row, role: str, relation: str) -> bool:
    if role == "anonymous" or not role_has(row.need, role):
        return False
    if row.scope == "case":
        if not sees_a(role, relation):
            return False
        if row.writes() and not writes_a(role, relation):
            return False
    return True


def _case_status(w, u, status):
    return Case.objects.get(pk=w.case_pk).status == status


ROWS: list[Row] = [
    # ---- API: cases
    Row("POST", "/api/v1/cases", "create", "global",
        body=lambda w, u: {"text": "Card blocked again.",
                           "customer": {"name": "Someone Else", "email": CANARY["email"]}}),
    Row("GET", "/api/v1/cases", "view", "global"),
    Row("GET", "/api/v1/cases", "view", "global", tag="customer",
        query=lambda w, u: {"customer": w.customer_pk, "q": CANARY_WORDS}),
    # Search: whoever may view searches, but only within their queues; masked roles find
    # nobody by name, phone or e-mail (the canary's values must never come back to them).
    Row("GET", "/api/v1/search", "view", "global", query=lambda w, u: {"q": CANARY["phone"]}),
    Row("GET", "/api/v1/search", "view", "global", tag="name",
        query=lambda w, u: {"q": CANARY["name"]}),
    Row("GET", "/api/v1/search", "view", "global", tag="words",
        query=lambda w, u: {"q": CANARY_WORDS}),
    Row("GET", "/api/v1/cases/{reference}", "view", "case"),
    Row("GET", "/api/v1/cases/{reference}/timeline", "view", "case"),
    Row("POST", "/api/v1/cases/{reference}/transitions", "transition", "case",
        body=lambda w, u: {"to": "waiting_customer"},
        effect=lambda w, u: _case_status(w, u, "waiting_customer")),
    Row("POST", "/api/v1/cases/{reference}/assign", "assign_self", "case",
        body=lambda w, u: {"assignee": u.username if u else "nobody"},
        effect=lambda w, u: Case.objects.get(pk=w.case_pk).assignee_id == u.pk),
    Row("POST", "/api/v1/cases/{reference}/messages", "message", "case",
        body=lambda w, u: {"body": "We are looking into it.", "direction": "out"}),
    Row("GET", "/api/v1/cases/{reference}/messages", "view", "case"),
    Row("POST", "/api/v1/cases/{reference}/attachments", "message", "case", multipart=True),
    Row("POST", "/api/v1/cases/{reference}/decision", "decide", "case",
        body=lambda w, u: {"outcome": "upheld", "text": "We apologise."},
        effect=lambda w, u: _case_status(w, u, "decided")),
    Row("POST", "/api/v1/cases/{reference}/classification", "classify", "case",
        body=lambda w, u: {"kind": "question"},
        effect=lambda w, u: Case.objects.get(pk=w.case_pk).kind == "question"),
    Row("POST", "/api/v1/cases/{reference}/escalations", "escalate", "case",
        body=lambda w, u: {"reason": "The customer is very upset."}),
    Row("POST", "/api/v1/cases/{reference}/queue", "move", "case",
        body=lambda w, u: {"queue": "claims", "reason": "money"}),
    Row("POST", "/api/v1/cases/{reference}/resonance", "classify", "case",
        body=lambda w, u: {"source": "media"}),
    Row("POST", "/api/v1/cases/{reference}/evidence", "decide", "case",
        body=lambda w, u: {"flag": "atm_surplus", "value": True}),
    # ---- API: customers (the canary's record; the merged one is a customer of queue B)
    Row("GET", "/api/v1/customers/{customer_id}", "view", "case"),
    Row("POST", "/api/v1/customers/{customer_id}/merge", "assign", "case",
        body=lambda w, u: {"merge": w.other_customer_pk}),
    Row("GET", "/api/v1/customers/{customer_id}/products", "view", "case"),
    # Products come from the bank's systems: administrators (the CRM sync's token) set them.
    Row("PUT", "/api/v1/customers/{customer_id}/products", "import", "case",
        body=lambda w, u: {"products": [{"code": "deposit", "name": "Savings deposit",
                                         "account_number": "42301810000000000077"}]},
        effect=lambda w, u: CustomerProduct.objects.filter(customer_id=w.customer_pk,
                                                           code="deposit").exists()),
    # ---- API: incidents (queue A's case and queue B's case are linked to the incident)
    Row("POST", "/api/v1/incidents", "incident", "global",
        body=lambda w, u: {"title": "Payments outage"}),
    Row("GET", "/api/v1/incidents", "incident|link", "global"),
    Row("GET", "/api/v1/incidents/{incident_id}", "incident|link", "global"),
    Row("POST", "/api/v1/incidents/{incident_id}/cases", "link", "case",
        body=lambda w, u: {"references": [w.fresh_ref]},
        effect=lambda w, u: Case.objects.get(reference=w.fresh_ref).incident_id == w.incident_pk),
    # All or nothing: a supervisor who may not change every open linked case is refused.
    Row("POST", "/api/v1/incidents/{incident_id}/answer", "incident", "case",
        body=lambda w, u: {"body": "The outage is over."}),
    # ---- API: insights and staffing
    Row("GET", "/api/v1/insights/tables/{name}", "move|export", "global"),
    Row("GET", "/api/v1/insights/spikes", "move|export", "global"),
    Row("GET", "/api/v1/queues/{queue}/ewt", "staff", "case", query=lambda w, u: {"position": 2}),
    Row("POST", "/api/v1/queues/{queue}/answered-waits", "staff", "case", write=True,
        body=lambda w, u: {"waits": [{"waited_seconds": 30}]}),
    # ---- desk: queue, board, intake, bulk
    Row("GET", "/desk/", "view", "global"),
    Row("GET", "/desk/", "view", "global", tag="search", query=lambda w, u: {"q": "Quillfeather"}),
    Row("GET", "/desk/search/", "view", "global", query=lambda w, u: {"q": CANARY["phone"]}),
    Row("GET", "/desk/search/", "view", "global", tag="email",
        query=lambda w, u: {"q": CANARY["email"]}),
    Row("GET", "/desk/search/", "view", "global", tag="words",
        query=lambda w, u: {"q": CANARY_WORDS}),
    Row("GET", "/desk/board/", "move|export", "global"),
    Row("GET", "/desk/new/", "create", "global"),
    Row("POST", "/desk/new/", "create", "global",
        body=lambda w, u: {"channel": "phone", "customer_name": "Petr Sidorov",
                           "text": "The app crashes.", "kind": "unclassified", "nonce": "n1"},
        effect=lambda w, u: Case.objects.filter(text="The app crashes.").exists()),
    Row("POST", "/desk/bulk/", "bulk", "case",
        body=lambda w, u: {"action": "transition", "refs": [w.ref], "to": "waiting_customer"},
        effect=lambda w, u: _case_status(w, u, "waiting_customer")),
    # ---- desk: the case page and its actions
    Row("GET", "/desk/cases/{reference}/", "view", "case"),
    Row("POST", "/desk/cases/{reference}/classify/", "classify", "case",
        body=lambda w, u: {"kind": "question", "topic": ""},
        effect=lambda w, u: Case.objects.get(pk=w.case_pk).kind == "question"),
    Row("POST", "/desk/cases/{reference}/message/", "message", "case",
        body=lambda w, u: {"direction": "out", "body": "We are on it."},
        effect=lambda w, u: Case.objects.get(pk=w.case_pk).messages
        .filter(body="We are on it.").exists()),
    Row("POST", "/desk/cases/{reference}/transition/", "transition", "case",
        body=lambda w, u: {"to": "waiting_customer"},
        effect=lambda w, u: _case_status(w, u, "waiting_customer")),
    Row("POST", "/desk/cases/{reference}/close/", "transition", "case",
        body=lambda w, u: {"customer_accepted": "yes", "note": ""}),
    Row("POST", "/desk/cases/{reference}/assign/", "assign_self", "case",
        body=lambda w, u: {"self": "1"},
        effect=lambda w, u: Case.objects.get(pk=w.case_pk).assignee_id == u.pk),
    Row("POST", "/desk/cases/{reference}/escalate/", "escalate", "case",
        body=lambda w, u: {"reason": "Upset customer"},
        effect=lambda w, u: Case.objects.get(pk=w.case_pk).events
        .filter(type="escalated").exists()),
    Row("POST", "/desk/cases/{reference}/link/", "link", "case",
        body=lambda w, u: {"incident": w.incident2_pk},
        effect=lambda w, u: Case.objects.get(pk=w.case_pk).incident_id == w.incident2_pk),
    Row("POST", "/desk/cases/{reference}/decide/", "decide", "case",
        body=lambda w, u: {"outcome": "upheld", "text": "Sorry."},
        effect=lambda w, u: _case_status(w, u, "decided")),
    Row("GET", "/desk/customers/{customer_id}/", "view", "case"),
    Row("POST", "/desk/customers/{customer_id}/merge/", "assign", "case",
        body=lambda w, u: {"other": str(w.other_customer_pk)},
        effect=lambda w, u: not Customer.objects.filter(pk=w.other_customer_pk).exists()),
    Row("POST", "/desk/customers/{customer_id}/products/", "import", "case", multipart=True),
    Row("GET", "/desk/attachments/{pk}/", "view", "case"),
    # The reply box's canned answer filled for the case: only who may reply there.
    Row("POST", "/desk/cases/{reference}/answer-text/", "message", "case",
        body=lambda w, u: {"pick": w.answer_pk, "body": ""}),
    # ---- desk: canned answers (issue #21)
    Row("GET", "/desk/answers/", "answers", "global"),
    Row("GET", "/desk/answers/new/", "answers", "global"),
    Row("POST", "/desk/answers/new/", "answers", "global",
        body=lambda w, u: {"title": "Matrix answer", "language": "en", "body": "Hi {reference}",
                           "active": "on"},
        effect=lambda w, u: CannedAnswer.objects.filter(title="Matrix answer").exists()),
    Row("GET", "/desk/answers/{pk}/", "answers", "global"),
    Row("POST", "/desk/answers/{pk}/", "answers", "global",
        body=lambda w, u: {"title": "Renamed", "language": "en", "body": "Hi"},
        effect=lambda w, u: CannedAnswer.objects.filter(title="Renamed").exists()),
    # ---- desk: notifications and saved views (issue #21); every staff member has their own
    Row("GET", "/desk/notifications/", "view", "global"),
    Row("GET", "/desk/notifications/count/", "view", "global"),
    Row("POST", "/desk/notifications/read/", "view", "global"),
    Row("GET", "/desk/me/notifications/", "view", "global"),
    Row("POST", "/desk/me/notifications/", "view", "global",
        body=lambda w, u: {"email_assigned": "on"},
        effect=lambda w, u: NotificationPreference.objects.filter(user=u).exists()),
    Row("POST", "/desk/views/", "view", "global",
        body=lambda w, u: {"name": "Mine", "scope": "personal", "query": "tab=mine&kind=claim"},
        effect=lambda w, u: SavedView.objects.filter(owner=u, name="Mine").exists()),
    # Team views are a supervisor's: the capability to move cases between queues says who.
    Row("POST", "/desk/views/", "move", "global", tag="team",
        body=lambda w, u: {"name": "Ours", "scope": "team", "query": "tab=team"},
        effect=lambda w, u: SavedView.objects.filter(owner=u, scope="team").exists()),
    # Each person deletes their own view (the world gives everyone one).
    Row("POST", "/desk/views/{pk}/delete/", "view", "global",
        effect=lambda w, u: not SavedView.objects.filter(owner=u).exists()),
    # ---- desk: incidents
    Row("GET", "/desk/incidents/", "incident|link", "global"),
    Row("POST", "/desk/incidents/", "incident", "global",
        body=lambda w, u: {"title": "Outage two", "description": ""}),
    Row("GET", "/desk/incidents/{pk}/", "incident|link", "global"),
    Row("POST", "/desk/incidents/{pk}/answer/", "incident", "case",
        body=lambda w, u: {"body": "Fixed now.", "outcome": "upheld"}),
    # ---- desk: claims
    Row("GET", "/desk/claims/", "move|export", "global"),
    Row("GET", "/desk/claims/simulate/", "move|export", "global"),
    Row("POST", "/desk/claims/audits/{pk}/", "move&decide", "case",
        body=lambda w, u: {"result": "founded", "note": ""},
        effect=lambda w, u: Payout.objects.get(pk=w.payout_pk).audit_result != ""),
    # ---- desk: staffing and channels
    Row("GET", "/desk/staffing/", "move|export", "global"),
    Row("GET", "/desk/staffing/structure/", "move|export", "global"),
    Row("POST", "/desk/staffing/structure/", "move|export", "global",
        body=lambda w, u: {"structure": ""}),
    Row("GET", "/desk/channels/", "move", "global"),
    # ---- desk: insights (supervisors, analysts, administrators)
    Row("GET", "/desk/insights/", "move|export", "global"),
    Row("GET", "/desk/insights/export/{name}.{fmt}", "move|export", "global", tag="volumes"),
    Row("GET", "/desk/insights/export/{name}.{fmt}", "export", "global", tag="cases"),
    Row("GET", "/desk/insights/spikes/", "move|export", "global"),
    Row("GET", "/desk/insights/spikes/{pk}/", "move|export", "global"),
    Row("POST", "/desk/insights/spikes/{pk}/link/", "incident", "global",
        body=lambda w, u: {"title": "Spike incident"}),
    Row("GET", "/desk/insights/watchlist/", "move|export", "global"),
    Row("GET", "/desk/insights/themes/", "move|export", "global"),
    Row("POST", "/desk/insights/themes/", "move|export", "global",
        body=lambda w, u: {"start": "2026-02-01", "end": "2026-03-03"}),
    Row("GET", "/desk/insights/themes/{pk}/", "move|export", "global"),
    Row("GET", "/desk/insights/rootcauses/", "move|export", "global"),
    Row("GET", "/desk/insights/rootcauses/new/", "move|export", "global"),
    Row("POST", "/desk/insights/rootcauses/new/", "move|export", "global",
        body=lambda w, u: {"title": "Why bags tear", "problem": "", "theme": w.theme_pk,
                           "whys": ""}),
    Row("GET", "/desk/insights/rootcauses/{pk}/", "move|export", "global"),
    Row("POST", "/desk/insights/rootcauses/{pk}/", "move|export", "global",
        body=lambda w, u: {"cause-text": "Thin paper", "cause-depth": 1, "cause-priority": 1}),
    Row("GET", "/desk/insights/rootcauses/{pk}/edit/", "move|export", "global"),
    Row("POST", "/desk/insights/rootcauses/{pk}/edit/", "move|export", "global",
        body=lambda w, u: {"title": "Why bags tear (2)", "problem": "", "theme": w.theme_pk,
                           "whys": ""}),
    # The assistant is not configured in tests: authorised callers get its 404.
    Row("POST", "/desk/insights/rootcauses/{pk}/propose/", "move|export", "global",
        allowed=(404,)),
    Row("GET", "/desk/insights/actions/", "move|export", "global"),
    Row("GET", "/desk/insights/actions/{pk}/", "move|export", "global"),
    Row("POST", "/desk/insights/actions/{pk}/", "move|export", "global",
        body=lambda w, u: {"title": "Thicker bags", "status": "planned"}),
    Row("GET", "/desk/insights/recovery/", "move|export", "global"),
    # Closing a recovery task: its owner or a supervisor who may change the case's queue.
    Row("POST", "/desk/insights/recovery/", "assign", "case",
        body=lambda w, u: {"task": w.task_pk, "note": "Called back"},
        effect=lambda w, u: RecoveryTask.objects.get(pk=w.task_pk).state == "done"),
    Row("GET", "/desk/insights/schedules/", "move|export", "global"),
    Row("POST", "/desk/insights/schedules/", "move|export", "global",
        body=lambda w, u: {"name": "Weekly", "dashboard": "all", "recipients": "boss@example.com",
                           "frequency": "weekly", "next_run_at": "2026-03-10 09:00",
                           "active": "on"}),
    Row("GET", "/desk/insights/reports/{pk}/", "move|export", "global"),
    Row("GET", "/desk/insights/base/", "move|export", "global"),
    Row("POST", "/desk/insights/base/", "move|export", "global",
        body=lambda w, u: {"period_start": "2026-01-01", "period_end": "2026-01-31",
                           "customers": 1000, "orders": 5000}),
]
ROW_BY_KEY = {row.key: row for row in ROWS}
assert len(ROW_BY_KEY) == len(ROWS), "two rows share a key; give one a tag"

# Public pages and machine endpoints with their own secrets, covered by their own tests.
NOT_STAFF = {
    "/": "redirect to /desk/",
    "/admin/": "Django admin: staff flag and model permissions (tests/claims/test_matrix_admin.py)",
    "/accounts/login/": "login", "/accounts/logout/": "logout", "/i18n/": "language switch",
    "/channels/telegram/webhook/": "secret token (tests/channels)",
    "/channels/sms/inbound/": "signed (tests/channels)",
    "/channels/sms/receipt/": "signed (tests/channels)",
    "/channels/webhook/{slug}/": "HMAC (tests/channels)",
    "/survey/{token}/": "customer's survey link (tests/insights/test_surveys.py)",
    "/complain/": "public form (tests/portal)",
    "/complain/thanks/{reference}/": "public (tests/portal)",
    "/track/{reference}/": "public, token (tests/portal)",
    "/how-to-complain/": "public (tests/portal)",
    "GET /api/v1/health": "liveness, no data",
    "GET /api/v1/public/cases/{reference}": "public, token (tests/api/test_cases_api.py)",
    "/api/v1/docs": "API reference", "/api/v1/openapi.json": "API schema",
}


# ---------------------------------------------------------------- the world


@dataclass
class World:
    users: dict[tuple[str, str], int] = field(default_factory=dict)
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)
    ref: str = ""
    case_pk: int = 0
    fresh_ref: str = ""
    claim_ref: str = ""
    customer_pk: int = 0
    other_customer_pk: int = 0
    incident_pk: int = 0
    incident2_pk: int = 0
    attachment_pk: int = 0
    payout_pk: int = 0
    spike_pk: int = 0
    theme_run_pk: int = 0
    theme_pk: int = 0
    rootcause_pk: int = 0
    action_pk: int = 0
    task_pk: int = 0
    schedule_pk: int = 0
    answer_pk: int = 0
    view_pks: dict[int, int] = field(default_factory=dict)  # user pk → their saved view
    secrets: dict[str, str] = field(default_factory=dict)  # what a non-member must never get
    personal: dict[str, str] = field(default_factory=dict)  # what an analyst must never get


def _canary_case(**overrides) -> Case:
    values = dict(channel="email", text=f"The courier crushed my {CANARY_WORDS}.",
                  customer_name=CANARY["name"], customer_email=CANARY["email"],
                  customer_phone=CANARY["phone"], customer_external_id=CANARY["external_id"],
                  queue=QUEUE_A)
    values.update(overrides)
    case, _ = services.create_case(data=services.NewCase(**values), actor=None)
    return case


def _build() -> World:
    w = World()
    defaults.install(django_apps)
    queues = {q.code: q for q in Queue.objects.all()}
    for role in ROLES:
        for relation in RELATIONS:
            user = User.objects.create_user(username=f"{role}-{relation}", password="pw",
                                            role=role, email=f"{role}-{relation}@example.com")
            QueueMembership.objects.create(user=user, queue=queues[QUEUE_B])
            if relation != "nonmember":
                QueueMembership.objects.create(user=user, queue=queues[QUEUE_A],
                                               can_write=relation == "member")
            w.users[(role, relation)] = user.pk
            w.view_pks[user.pk] = SavedView.objects.create(owner=user, name="Own",
                                                           query="tab=mine").pk
            w.tokens[(role, relation)] = ApiToken.issue(user=user)[1]

    case = _canary_case()
    # Decided once and reopened: the stored decision message is the one that carries the
    # tracking link, as it does in production.
    Case.objects.filter(pk=case.pk).update(status="assessment")
    case = services.decide(case=case, outcome="partly", actor=None, text="Half refunded.")
    case = services.transition(case=case, to="investigation", actor=None, note="reopened")
    services.add_message(case=case, body="Thank you, we are checking.", direction="out", actor=None)
    attachment = services.add_attachment(
        case=case, upload=SimpleUploadedFile("receipt.txt", b"receipt"), actor=None)
    fresh = _canary_case(text=f"Second letter about the {CANARY_WORDS}.")
    DecisionMatrix.objects.create(
        topic=Topic.objects.get(code="cards-atm-cash"), version=1, audit_share=Decimal("1"),
        definition={"rules": [{"name": "small", "when": {"amount": {"lte": 5000}},
                               "outcome": "auto_approve"}], "default": "investigate"})
    claim = _canary_case(kind="claim", topic="cards-atm-cash", amount_claimed=Decimal("600"),
                         currency="RUB", text=f"The ATM ate my cash, {CANARY_WORDS}.")
    payout = Payout.objects.get(case=claim)
    assert payout.audit_selected
    other, _ = services.create_case(data=services.NewCase(
        channel="email", text="Queue B's own complaint.", customer_name="Bruno Other",
        customer_email="bruno@example.net", queue=QUEUE_B), actor=None)

    incident = services.create_incident(title="Courier outage", actor=None)
    incident2 = services.create_incident(title="Second outage", actor=None)
    for linked in (case, other):
        services.link_to_incident(case=linked, incident=incident, actor=None)

    now = timezone.now()
    spike = Spike.objects.create(freq="D", dimension="channel", group_key="email",
                                 start=now - timedelta(days=1), end=now + timedelta(hours=1),
                                 peak=now, observed=4, expected=1.0, score=3.0)
    run = ThemeRun.objects.create(period_start=now - timedelta(days=30), period_end=now,
                                  n_cases=2)
    theme = Theme.objects.create(run=run, position=1, label="Deliveries", size=2,
                                 example_case_ids=[case.pk, other.pk],
                                 member_case_ids=[case.pk, other.pk])
    root = RootCause.objects.create(title="Bags", theme=theme, sample_case_ids=[case.pk, other.pk])
    action = CorrectiveAction.objects.create(
        cause=Cause.objects.create(root_cause=root, text="Thin paper"), title="Buy better bags")
    survey = SurveyInvitation.objects.create(case=case, customer=case.customer, csat=1,
                                             comment=f"Still angry about the {CANARY_WORDS}.")
    task = RecoveryTask.objects.create(case=case, survey=survey)
    schedule = ReportSchedule.objects.create(name="Monthly", recipients="boss@example.com")
    QueueStaffing.objects.create(queue=queues[QUEUE_A])
    w.answer_pk = CannedAnswer.objects.create(
        title="Matrix starter", language="en", body="Dear {customer_name}, {reference}.").pk

    customer = Customer.objects.get(pk=case.customer_id)
    product = CustomerProduct.objects.create(customer=customer, code="card", name="Debit card",
                                             account_number="40817810099910001234")
    w.ref, w.case_pk, w.fresh_ref, w.claim_ref = case.reference, case.pk, fresh.reference, \
        claim.reference
    w.customer_pk, w.other_customer_pk = customer.pk, other.customer_id
    w.incident_pk, w.incident2_pk, w.attachment_pk = incident.pk, incident2.pk, attachment.pk
    w.payout_pk, w.spike_pk, w.theme_run_pk, w.theme_pk = payout.pk, spike.pk, run.pk, theme.pk
    w.rootcause_pk, w.action_pk, w.task_pk, w.schedule_pk = root.pk, action.pk, task.pk, schedule.pk
    digits = "".join(c for c in customer.phone if c.isdigit())
    w.personal = {"name": customer.name, "email": customer.email, "phone": customer.phone,
                  "phone digits": digits, "external id": customer.external_id,
                  "account number": product.account_number,
                  "tracking token": case.public_token,
                  "tracking token (claim)": claim.public_token,
                  "tracking token (fresh)": fresh.public_token}
    w.secrets = {**w.personal, "surname": "Quillfeather", "external id": customer.external_id,
                 "customer's words": CANARY_WORDS, "reference": case.reference,
                 "reference (claim)": claim.reference, "reference (fresh)": fresh.reference}
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once per module in an outer transaction; every cell runs in a savepoint inside it
    (pytest-django's `db`), so a mutating cell never sees another cell's changes."""
    media = tmp_path_factory.mktemp("matrix-media")
    travel = time_machine.travel(TUESDAY_10AM, tick=False)
    travel.start()
    overrides = override_settings(
        MEDIA_ROOT=media, LANGUAGE_CODE="en", SITE_URL="http://testserver",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
    overrides.enable()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = _build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
        configcache.forget_prefix("")  # nothing cached from the rolled-back world survives
        overrides.disable()
        travel.stop()


@pytest.fixture(autouse=True)
def _english_and_fast(world):
    """Replaces the conftest's: the world's module-wide settings already say English, locmem
    mail and cache, and keep the world's files; a temporary directory per cell would only
    cost time over 1,300 cells. It needs the world, whose settings make the cache in memory."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def w(world, db):
    return world


# ---------------------------------------------------------------- running a cell


PARAMS: dict[str, Callable[[World, Row], object]] = {
    # Evidence is stated about the claim (auto-approved, its payout sampled for audit).
    "reference": lambda w, r: w.claim_ref if r.path.endswith("/evidence") else w.ref,
    "customer_id": lambda w, r: w.customer_pk,
    "incident_id": lambda w, r: w.incident_pk,
    "name": lambda w, r: "cases" if r.tag == "cases" else "volumes",
    "fmt": lambda w, r: "csv",
    "queue": lambda w, r: QUEUE_A,
}
PK_BY_PREFIX = {
    "/desk/attachments/": "attachment_pk", "/desk/incidents/": "incident_pk",
    "/desk/claims/audits/": "payout_pk", "/desk/insights/spikes/": "spike_pk",
    "/desk/insights/themes/": "theme_run_pk", "/desk/insights/rootcauses/": "rootcause_pk",
    "/desk/insights/actions/": "action_pk", "/desk/insights/reports/": "schedule_pk",
    "/desk/answers/": "answer_pk",
}


def fill(row: Row, w: World, user: User | None = None) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "pk" and row.path.startswith("/desk/views/"):
            # A saved view is its owner's: each person is sent to their own.
            return str(w.view_pks[user.pk] if user is not None else min(w.view_pks.values()))
        if name == "pk":
            prefix = next(p for p in PK_BY_PREFIX if row.path.startswith(p))
            return str(getattr(w, PK_BY_PREFIX[prefix]))
        return str(PARAMS[name](w, row))

    return re.sub(r"\{(\w+)\}", value, row.path)


def call(row: Row, w: World, role: str, relation: str):
    user = None
    if role == "anonymous":
        client = Client()
    elif row.api:
        user = User.objects.get(pk=w.users[(role, relation)])
        client = Client(HTTP_AUTHORIZATION=f"Bearer {w.tokens[(role, relation)]}")
    else:
        user = User.objects.get(pk=w.users[(role, relation)])
        client = Client()
        client.force_login(user)
    path = fill(row, w, user)
    sent = path
    query = row.query(w, user) if row.query else {}
    body = row.body(w, user) if row.body else {}
    if row.method == "GET":
        response = client.get(path, query)
        sent += json.dumps(query)
    elif row.multipart:
        response = client.post(path, {"file": SimpleUploadedFile("note.txt", b"hello")})
    elif row.api:
        data = json.dumps(body)
        response = client.generic(row.method, path, data, content_type="application/json")
        sent += data
    else:
        response = client.post(path, body)
        sent += json.dumps(body)
    content = (b"".join(response.streaming_content) if response.streaming
               else response.content).decode("utf-8", "replace")
    return user, response, content, sent


def outcome(row: Row, w: World, user: User | None, response) -> str:
    status = response.status_code
    if status == 302 and response["Location"].startswith("/accounts/login/"):
        return "refused"
    if row.allowed is not None:
        ok = status in row.allowed
    else:
        ok = 200 <= status < 400
    if ok and row.effect is not None and user is not None and not row.effect(w, user):
        return "refused"  # answered politely, but nothing happened
    return "allowed" if ok else "refused"


CELLS = [(row.key, role, relation) for row in ROWS for role, relation in PRINCIPALS]


@pytest.mark.parametrize(("key", "role", "relation"),
                         [pytest.param(*cell, id="|".join(cell)) for cell in CELLS])
def test_cell(w, key, role, relation):
    row = ROW_BY_KEY[key]
    user, response, content, sent = call(row, w, role, relation)
    status = response.status_code
    want = expected_allowed(row, role, relation)
    got = outcome(row, w, user, response)
    assert got == ("allowed" if want else "refused"), (
        f"{key} as {role}/{relation}: expected {'allowed' if want else 'refused'}, "
        f"got {status}: {content[:300]}")
    if not want:
        if role == "anonymous":
            if row.api:
                assert status == 401
            else:
                assert status == 302 and response["Location"].startswith("/accounts/login/")
        elif row.effect is None or status >= 400:
            assert status in (403, 404), f"refused with {status}"
    # What this person must not read: everything of queue A's customer unless they may see
    # queue A, and the unmasked personal data if their role sees it masked. What they sent
    # themselves (a reference in the path, an e-mail in the body) is not a leak.
    if role == "anonymous" or not want or not sees_a(role, relation):
        forbidden = w.secrets
    elif masked(role):
        forbidden = w.personal
    else:
        forbidden = {}
    leaked = [label for label, value in forbidden.items() if value and value in content
              and value not in sent]
    assert not leaked, f"{key} as {role}/{relation} ({status}) shows {leaked}"


# ---------------------------------------------------------------- completeness and size


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _template(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_endpoint_has_a_row(db):
    """A new page or API operation must get a row here (or a reason in NOT_STAFF)."""
    pages = {_template(r) for r in _walk(get_resolver().url_patterns)}
    covered = {row.path for row in ROWS} | set(NOT_STAFF)
    api_prefix = "/api/v1/"
    missing_pages = sorted(
        p for p in pages
        if not p.startswith(api_prefix) and p not in covered
        and not any(p.startswith(n) for n in ("/admin/", "/i18n/") if n in covered)
    )
    operations = {
        f"{method.upper()} {path}"
        for path, item in api.get_openapi_schema()["paths"].items()
        for method in item
    }
    row_ops = {f"{row.method} {row.path}" for row in ROWS if row.api}
    missing_ops = sorted(operations - row_ops - set(NOT_STAFF))
    stale = sorted((row_ops - operations) | {
        row.path for row in ROWS if not row.api and row.path not in pages})
    assert not missing_pages and not missing_ops and not stale, (
        f"pages without a row: {missing_pages}; API operations without a row: {missing_ops}; "
        f"rows for endpoints that no longer exist: {stale}")
    # A route under /api/v1/ that is not a ninja operation (a hand-added view) needs a reason too.
    api_paths = {path for op in operations for path in [op.split(" ", 1)[1]]}
    strays = sorted(p for p in pages if p.startswith(api_prefix) and p != api_prefix
                    and p not in api_paths and p not in NOT_STAFF)
    assert not strays, f"routes under the API that are not API operations: {strays}"


def test_matrix_size(request, db):
    """The numbers for the closing note: every cell is one test of test_cell."""
    allowed = sum(expected_allowed(ROW_BY_KEY[k], role, rel) for k, role, rel in CELLS)
    summary = (f"authorisation matrix: {len(ROWS)} rows x {len(PRINCIPALS)} principals = "
               f"{len(CELLS)} cells; {allowed} allowed, {len(CELLS) - allowed} refused")
    request.config.stash[SUMMARY] = summary
    assert len(CELLS) == len(ROWS) * (1 + len(ROLES) * len(RELATIONS))
    assert 0 < allowed < len(CELLS)


