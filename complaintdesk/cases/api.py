"""REST endpoints for cases, incidents and the customer's public status."""

import hmac
import html
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema

from complaintdesk.accounts import permissions
from complaintdesk.accounts.models import ReadAccess, User
from complaintdesk.accounts.read_audit import record_read
from complaintdesk.cases import batching, notifications, search, services
from complaintdesk.cases.lifecycle import OPEN
from complaintdesk.cases.models import Case, Incident, Message, Queue, Topic
from complaintdesk.lib.errors import InvalidInput
from complaintdesk.lib.moments import Moment
from complaintdesk.lib.ratelimit import rate_limited

router = Router(tags=["cases"])

ChannelName = Literal["phone", "email", "web", "chat", "social", "sms", "regulator", "letter", "api"]
KindName = Literal["complaint", "claim", "question", "suggestion", "gratitude", "unclassified"]
StatusName = Literal["received", "acknowledged", "assessment", "investigation",
                     "waiting_customer", "decided", "closed"]
RemedyName = Literal["apology", "fix", "money_back", "compensation", "other", ""]
PriorityName = Literal["low", "normal", "high", "urgent"]
ResonanceName = Literal["regulator", "media", "social", "executive", "court", ""]
OutcomeName = Literal["upheld", "partly", "rejected"]
AcceptedName = Literal["yes", "no", "unknown"]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# Database ids are 64-bit; a larger number is refused as input, not left to overflow the query.
MAX_ID = 2**63 - 1
# Money travels as a decimal string ("600.00"), never a binary float that cannot hold cents.
MONEY_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"


def _money_text(value: object) -> object:
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str) or not re.fullmatch(MONEY_PATTERN, value):
        raise ValueError(_("an amount is a string of digits with at most two decimals, "
                           "such as \"600.00\""))
    return value


Money = Annotated[Decimal, BeforeValidator(_money_text),
                  WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN})]
# Some character that no engine (Python's str.strip, pydantic's and the JSON Schema's regexes)
# counts as white space: the customer's words cannot be blank.
NOT_BLANK = r"[^\s\x1c-\x1f\x85\ufeff]"
# What Django's e-mail validator accepts and a JSON Schema generator can produce: plain
# dot-atom local parts and host names with a letter TLD (services checks the same on every path).
EMAIL_PATTERN = (r"^([A-Za-z0-9_%+-]+(\.[A-Za-z0-9_%+-]+)*"
                 r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})?$")


def _one_of_required(*names: str) -> dict:
    return {"anyOf": [{"required": [n], "properties": {n: {"minLength": 1}}} for n in names]}


class CustomerIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_one_of_required(
        "name", "email", "phone", "external_id"))

    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254, pattern=EMAIL_PATTERN)
    phone: str = Field("", max_length=32)
    external_id: str = Field("", max_length=100)


class CaseIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"allOf": [
        # An amount needs its currency.
        {"if": {"required": ["amount_claimed"], "properties": {"amount_claimed": {"type": "string"}}},
         "then": {"required": ["currency"], "properties": {"currency": {"minLength": 3}}}},
        # Call details only come with the phone channel.
        {"if": {"anyOf": [
            {"required": ["call_id"], "properties": {"call_id": {"minLength": 1}}},
            {"required": ["call_duration_seconds"],
             "properties": {"call_duration_seconds": {"type": "integer"}}}]},
         "then": {"required": ["channel"], "properties": {"channel": {"const": "phone"}}}},
    ]})

    channel: ChannelName = "api"
    text: str = Field(..., min_length=1, max_length=50_000, pattern=NOT_BLANK)
    subject: str = Field("", max_length=300)
    received_at: Moment | None = Field(
        None, description="default: now; not before 1900 and at most one day ahead of the "
                          "server's clock")
    customer: CustomerIn
    kind: KindName = "unclassified"
    topic: str = ""
    product: str = Field("", max_length=100)
    remedy_sought: RemedyName = ""
    remedy_text: str = Field("", max_length=5_000)
    amount_claimed: Money | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str = Field("", pattern=r"^([A-Za-z]{3})?$")
    resonance_source: ResonanceName = ""
    priority: PriorityName = "normal"
    queue: str = ""
    language: str = Field("", max_length=8)
    call_id: str = Field("", max_length=100, description="phone channel: the telephony's call id")
    call_duration_seconds: int | None = Field(None, ge=0, le=86_400)


class CustomerOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    external_id: str


class DecisionOut(Schema):
    outcome: str
    amount_paid: Decimal | None
    text: str
    decided_at: datetime | None


class CaseOut(Schema):
    reference: str
    public_token: str
    kind: str
    status: str
    queue: str
    topic: str | None
    channel: str
    subject: str
    text: str
    language: str
    received_at: datetime
    acknowledged_at: datetime | None
    acknowledge_by: datetime | None
    resolve_by: datetime | None
    clock_paused: bool
    overdue: bool
    remedy_sought: str
    amount_claimed: Decimal | None
    currency: str
    resonance: bool
    resonance_source: str
    priority: str
    assignee: str | None
    incident: int | None
    customer: CustomerOut
    decision: DecisionOut | None
    customer_accepted: str
    external_options_given: str
    handling_cost: Decimal


class CasePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CaseOut]


def case_out(case: Case, user: User, *, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    customer = case.customer
    show = permissions.sees_personal_data(user)
    return {
        "reference": case.reference,
        "public_token": case.public_token if show else "",
        "kind": case.kind,
        "status": case.status,
        "queue": case.queue.code,
        "topic": case.topic.code if case.topic_id else None,
        "channel": case.channel,
        "subject": case.subject,
        "text": case.text,
        "language": case.language,
        "received_at": case.received_at,
        "acknowledged_at": case.acknowledged_at,
        "acknowledge_by": case.acknowledge_by,
        "resolve_by": case.resolve_by,
        "clock_paused": case.clock_paused_since is not None,
        "overdue": bool(case.status in OPEN and case.status != "decided"
                        and case.clock_paused_since is None
                        and case.resolve_by and case.resolve_by < now),
        "remedy_sought": case.remedy_sought,
        "amount_claimed": case.amount_claimed,
        "currency": case.currency,
        "resonance": case.resonance,
        "resonance_source": case.resonance_source,
        "priority": case.priority,
        "assignee": case.assignee.get_username() if case.assignee_id else None,
        "incident": case.incident_id,
        "customer": {
            "id": customer.pk,
            "name": customer.name if show else permissions.mask_text(customer.name),
            "email": customer.email if show else permissions.mask_email(customer.email),
            "phone": customer.phone if show else permissions.mask_phone(customer.phone),
            # The bank's own customer number identifies the person as surely as a phone does.
            "external_id": customer.external_id if show else permissions.mask_text(
                customer.external_id),
        },
        "decision": {
            "outcome": case.decision, "amount_paid": case.decision_amount,
            "text": case.decision_text, "decided_at": case.decided_at,
        } if case.decision else None,
        "customer_accepted": case.customer_accepted,
        "external_options_given": case.external_options_given,
        "handling_cost": case.handling_cost,
    }


def _user(request: HttpRequest) -> User:
    from complaintdesk.api.main import current_user

    return current_user(request)


def _case_for(request: HttpRequest, reference: str, capability: str = "view") -> Case:
    case = Case.objects.select_related("queue", "customer", "topic", "assignee").filter(
        reference=reference
    ).first()
    if case is None:
        raise Http404(f"No case {reference}.")
    permissions.require_case(_user(request), case, capability)
    return case


_CASE_RELATED = ("queue", "customer", "topic", "assignee")


def _audited(request: HttpRequest, case: Case, what: str) -> Case:
    """Record in the read audit that this user read this case through the API."""
    record_read(request=request, user=_user(request), channel=ReadAccess.Channel.API,
                kind=ReadAccess.Kind.CASE, object_ref=case.reference,
                customer_id=case.customer_id, what=what)
    return case


@router.post("/cases", response={200: CaseOut, 201: CaseOut}, summary="Register a case")
def create_case(request: HttpRequest, payload: CaseIn):
    """Idempotent with an `Idempotency-Key` header: a retry returns the first case (200)."""
    user = _user(request)
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 200:
        raise InvalidInput(_("Idempotency-Key: at most 200 characters"))
    data = services.NewCase(
        channel=payload.channel, text=payload.text, subject=payload.subject,
        received_at=payload.received_at, customer_name=payload.customer.name,
        customer_email=payload.customer.email, customer_phone=payload.customer.phone,
        customer_external_id=payload.customer.external_id, kind=payload.kind,
        topic=payload.topic, product=payload.product, remedy_sought=payload.remedy_sought,
        remedy_text=payload.remedy_text, amount_claimed=payload.amount_claimed,
        currency=payload.currency.upper(), resonance_source=payload.resonance_source,
        priority=payload.priority, queue=payload.queue, language=payload.language,
        call_id=payload.call_id, call_duration_seconds=payload.call_duration_seconds,
    )
    case, created = batching.create(
        services.CaseRequest(data=data, actor=user, idempotency_key=key))
    if not created:  # a replay: the stored case, with its related rows
        case = _reload(case)
    return Status(201 if created else 200, case_out(case, user))


@router.get("/cases", response=CasePage, summary="List cases you can see")
def list_cases(
    request: HttpRequest,
    kind: KindName | None = None,
    status: StatusName | None = None,
    queue: str | None = None,
    topic: str | None = None,
    customer: int | None = Query(None, ge=1, le=MAX_ID),
    assignee: str | None = None,
    overdue: bool | None = None,
    resonance: bool | None = None,
    q: str | None = Query(None, max_length=200, description="text search"),
    received_from: Moment | None = None,
    received_to: Moment | None = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    user = _user(request)
    qs = permissions.cases_visible_to(user).select_related(*_CASE_RELATED)
    now = timezone.now()
    filters = Q()
    if kind:
        filters &= Q(kind=kind)
    if status:
        filters &= Q(status=status)
    if queue:
        filters &= Q(queue__code=queue)
    if topic:
        filters &= Q(topic__code=topic) | Q(topic__parent__code=topic)
    if customer:
        filters &= Q(customer_id=customer)
    if assignee:
        filters &= Q(assignee__username=assignee)
    if resonance is not None:
        filters &= Q(resonance=resonance)
    if overdue is not None:
        late = overdue_q(now)
        filters &= late if overdue else ~late
    if received_from:
        filters &= Q(received_at__gte=received_from)
    if received_to:
        filters &= Q(received_at__lt=received_to)
    qs = qs.filter(filters).order_by("resolve_by", "pk")
    if q and q.strip():
        # The search box's matching (cases/search.py): references, phones, e-mails, customer
        # numbers and words in any form, case-insensitive.
        qs = search.filter_cases(qs, user, q)
    return {
        "count": qs.count(), "limit": limit, "offset": offset,
        "items": [case_out(c, user, now=now) for c in qs[offset: offset + limit]],
    }


class SearchCustomerOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    matched: str = Field(description="phone, email, external_id or text")
    cases: int = Field(description="how many of the found cases are this customer's")


class SearchHitOut(Schema):
    matched: str = Field(description="reference, phone, email, external_id or text")
    snippet: str = Field(description="the matching passage, plain text")
    snippet_html: str = Field(description="the same, HTML-escaped, matches in <mark>")
    case: CaseOut


class SearchPage(Schema):
    q: str
    count: int = Field(description="cases found (at most the newest 500 are ranked)")
    capped: bool
    limit: int
    offset: int
    customers: list[SearchCustomerOut]
    items: list[SearchHitOut]


@router.get("/search", response=SearchPage, summary="Find cases and customers",
            description="One query over every case you may see, open and closed: a reference "
                        "(whole or its number), a phone in any format, an e-mail, a customer "
                        "number, a name, or words (Russian and English word forms). Best match "
                        "first; customers grouped.")
def search_cases(
    request: HttpRequest,
    q: str = Query(..., min_length=1, max_length=200),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=search.CANDIDATES),
):
    user = _user(request)
    permissions.require(user, "view")
    found = search.search(user, q, offset=offset, limit=limit)
    now = timezone.now()
    show = permissions.sees_personal_data(user)
    return {
        "q": found.query, "count": found.count, "capped": found.capped,
        "limit": limit, "offset": offset,
        "customers": [{
            "id": c.customer.pk,
            "name": c.customer.name if show else permissions.mask_text(c.customer.name),
            "email": c.customer.email if show else permissions.mask_email(c.customer.email),
            "phone": c.customer.phone if show else permissions.mask_phone(c.customer.phone),
            "matched": c.matched, "cases": c.cases,
        } for c in found.customers],
        "items": [{"matched": hit.matched, "snippet": _plain(hit.snippet),
                   "snippet_html": str(hit.snippet), "case": case_out(hit.case, user, now=now)}
                  for hit in found.hits],
    }


def _plain(snippet: str) -> str:
    """The rendered snippet back to plain text (the API's clients escape it themselves)."""
    return html.unescape(str(snippet).replace("<mark>", "").replace("</mark>", ""))


def overdue_q(now: datetime) -> Q:
    return Q(resolve_by__lt=now, clock_paused_since__isnull=True) & ~Q(
        status__in=["decided", "closed"]
    )


@router.get("/cases/{reference}", response=CaseOut, summary="One case")
def get_case(request: HttpRequest, reference: str):
    return case_out(_audited(request, _case_for(request, reference), "case"), _user(request))


class EventOut(Schema):
    at: datetime
    type: str
    actor: str
    before: dict | None
    after: dict | None
    data: dict


@router.get("/cases/{reference}/timeline", response=list[EventOut], summary="The case timeline")
def timeline(request: HttpRequest, reference: str):
    case = _audited(request, _case_for(request, reference), "timeline")
    return [
        {"at": e.at, "type": e.type, "actor": e.actor_label, "before": e.before,
         "after": e.after, "data": e.data}
        for e in case.events.order_by("at", "id")
    ]


class TransitionIn(Strict):
    to: StatusName
    note: str = Field("", max_length=5_000)
    customer_accepted: AcceptedName = "unknown"
    external_options: str = Field("", max_length=5_000)


@router.post("/cases/{reference}/transitions", response=CaseOut, summary="Change status")
def post_transition(request: HttpRequest, reference: str, payload: TransitionIn):
    case = _case_for(request, reference)
    services.transition(case=case, to=payload.to, actor=_user(request), note=payload.note,
                        customer_accepted=payload.customer_accepted,
                        external_options=payload.external_options)
    return case_out(_reload(case), _user(request))


def _reload(case: Case) -> Case:
    return Case.objects.select_related(*_CASE_RELATED).get(pk=case.pk)


class AssignIn(Strict):
    assignee: str | None


@router.post("/cases/{reference}/assign", response=CaseOut, summary="Assign or unassign")
def post_assign(request: HttpRequest, reference: str, payload: AssignIn):
    case = _case_for(request, reference)
    assignee = None
    if payload.assignee:
        assignee = User.objects.filter(username=payload.assignee, is_active=True).first()
        if assignee is None:
            raise InvalidInput(_("assignee: no active user '%(user)s'") % {"user": payload.assignee})
    services.assign(case=case, assignee=assignee, actor=_user(request))
    return case_out(_reload(case), _user(request))


class MessageIn(Strict):
    body: str = Field(..., min_length=1, max_length=50_000, pattern=NOT_BLANK)
    direction: Literal["out", "note", "in"] = "out"


class MessageOut(Schema):
    id: int
    direction: str
    channel: str
    author: str
    body: str
    created_at: datetime


@router.post("/cases/{reference}/messages", response={201: MessageOut},
             summary="Reply to the customer, log their message, or add an internal note")
def post_message(request: HttpRequest, reference: str, payload: MessageIn):
    case = _case_for(request, reference)
    message = services.add_message(case=case, body=payload.body, direction=payload.direction,
                                   actor=_user(request))
    return Status(201, _message_out(message, case))


def _message_out(m: Message, case: Case) -> dict:
    return {"id": m.pk, "direction": m.direction, "channel": m.channel,
            "author": m.author_label, "body": notifications.for_staff(case, m.body),
            "created_at": m.created_at}


@router.get("/cases/{reference}/messages", response=list[MessageOut], summary="Messages")
def get_messages(request: HttpRequest, reference: str):
    case = _audited(request, _case_for(request, reference), "messages")
    return [_message_out(m, case) for m in case.messages.all()]


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


# An empty part is no file to Django's multipart parser: the document says a file has bytes.
NonEmptyFile = Annotated[UploadedFile, WithJsonSchema(
    {"type": "string", "format": "binary", "minLength": 1})]


@router.post("/cases/{reference}/attachments", response={201: AttachmentOut},
             summary="Attach a file (multipart field 'file'; size and type limits apply)")
def post_attachment(request: HttpRequest, reference: str,
                    file: NonEmptyFile = File(...)):  # noqa: B008
    case = _case_for(request, reference)
    item = services.add_attachment(case=case, upload=file, actor=_user(request))
    return Status(201, {"id": item.pk, "filename": item.filename,
                        "content_type": item.content_type, "size": item.size,
                        "sha256": item.sha256, "uploaded_at": item.uploaded_at})


class DecisionIn(Strict):
    outcome: OutcomeName
    amount_paid: Money | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    text: str = Field("", max_length=20_000)


@router.post("/cases/{reference}/decision", response=CaseOut, summary="Record the decision")
def post_decision(request: HttpRequest, reference: str, payload: DecisionIn):
    case = _case_for(request, reference)
    services.decide(case=case, outcome=payload.outcome, amount_paid=payload.amount_paid,
                    text=payload.text, actor=_user(request))
    return case_out(_reload(case), _user(request))


class ClassificationIn(Strict):
    kind: KindName | None = None
    topic: str | None = None


@router.post("/cases/{reference}/classification", response=CaseOut,
             summary="Correct kind or topic (deadlines are recomputed)")
def post_classification(request: HttpRequest, reference: str, payload: ClassificationIn):
    case = _case_for(request, reference)
    topic = None
    if payload.topic:
        topic = Topic.objects.filter(code=payload.topic).first()
        if topic is None:
            raise services.no_such_topic(payload.topic)
    services.reclassify(case=case, kind=payload.kind, topic=topic, actor=_user(request),
                        clear_topic=payload.topic == "")
    return case_out(_reload(case), _user(request))


class EscalationIn(Strict):
    reason: str = Field(..., min_length=1, max_length=2_000, pattern=NOT_BLANK)
    to_queue: str | None = None


@router.post("/cases/{reference}/escalations", response=CaseOut, summary="Escalate by hand")
def post_escalation(request: HttpRequest, reference: str, payload: EscalationIn):
    case = _case_for(request, reference)
    target = None
    if payload.to_queue:
        target = Queue.objects.filter(code=payload.to_queue).first()
        if target is None:
            raise services.no_such_queue(payload.to_queue, "to_queue")
    services.escalate(case=case, actor=_user(request), reason=payload.reason, to_queue=target)
    return case_out(_reload(case), _user(request))


class QueueMoveIn(Strict):
    queue: str
    reason: str = ""


@router.post("/cases/{reference}/queue", response=CaseOut, summary="Move to another queue")
def post_queue(request: HttpRequest, reference: str, payload: QueueMoveIn):
    case = _case_for(request, reference)
    queue = Queue.objects.filter(code=payload.queue).first()
    if queue is None:
        raise services.no_such_queue(payload.queue)
    services.move_to_queue(case=case, queue=queue, actor=_user(request), reason=payload.reason)
    return case_out(_reload(case), _user(request))


class ResonanceIn(Strict):
    source: Literal["regulator", "media", "social", "executive", "court"]


@router.post("/cases/{reference}/resonance", response=CaseOut, summary="Flag resonance")
def post_resonance(request: HttpRequest, reference: str, payload: ResonanceIn):
    case = _case_for(request, reference)
    services.flag_resonance(case=case, source=payload.source, actor=_user(request))
    return case_out(_reload(case), _user(request))


# ---------------------------------------------------------------- customers


class CustomerProfileOut(Schema):
    customer: CustomerOut
    cases: list[CaseOut]


class MergeIn(Strict):
    merge: int = Field(..., ge=1, le=MAX_ID,
                       description="id of the customer record to fold into this one")


@router.post("/customers/{customer_id}/merge", response=CustomerProfileOut,
             summary="Merge another customer record into this one (same person)")
def post_merge(request: HttpRequest, payload: MergeIn,
               customer_id: int = Path(..., ge=1, le=MAX_ID)):
    from complaintdesk.cases.models import Customer

    keep = get_object_or_404(Customer, pk=customer_id)
    merge = get_object_or_404(Customer, pk=payload.merge)
    services.merge_customers(keep=keep, merge=merge, actor=_user(request))
    return get_customer(request, customer_id)


@router.get("/customers/{customer_id}", response=CustomerProfileOut, summary="Customer profile")
def get_customer(request: HttpRequest, customer_id: int = Path(..., ge=1, le=MAX_ID)):
    user = _user(request)
    cases = list(
        permissions.cases_visible_to(user).filter(customer_id=customer_id)
        .select_related(*_CASE_RELATED).order_by("-received_at")
    )
    if not cases:
        raise Http404("No such customer among the cases you can see.")
    record_read(request=request, user=user, channel=ReadAccess.Channel.API,
                kind=ReadAccess.Kind.CUSTOMER, object_ref=str(customer_id),
                customer_id=customer_id, what="profile")
    out = [case_out(c, user) for c in cases]
    return {"customer": out[0]["customer"], "cases": out}


ProductStatusName = Literal["active", "blocked", "closed"]


class ProductIn(Strict):
    code: str = Field(..., min_length=1, max_length=50)
    name: str = Field("", max_length=200)
    account_number: str = Field("", max_length=64,
                                description="personal data: masked for roles that see it masked")
    opened_on: date | None = None
    status: ProductStatusName = "active"


class ProductOut(Schema):
    code: str
    name: str
    account_number: str
    opened_on: date | None
    status: str


class ProductsIn(Strict):
    products: list[ProductIn] = Field(..., max_length=1000)


class ProductsOut(Schema):
    customer_id: int
    products: list[ProductOut]


def _products_out(customer_id: int, products, user: User) -> dict:
    show = permissions.sees_personal_data(user)
    return {"customer_id": customer_id, "products": [
        {"code": p.code, "name": p.name, "opened_on": p.opened_on, "status": p.status,
         "account_number": p.account_number if show else permissions.mask_account(p.account_number)}
        for p in products]}


@router.get("/customers/{customer_id}/products", response=ProductsOut,
            summary="The customer's products (cards, accounts, loans…)")
def get_products(request: HttpRequest, customer_id: int):
    from complaintdesk.desk.common import customer_for

    user = _user(request)
    permissions.require(user, "view")
    customer = customer_for(user, customer_id)
    record_read(request=request, user=user, channel=ReadAccess.Channel.API,
                kind=ReadAccess.Kind.CUSTOMER, object_ref=str(customer_id),
                customer_id=customer_id, what="products")
    return _products_out(customer.pk, customer.products.all(), user)


@router.put("/customers/{customer_id}/products", response=ProductsOut,
            summary="Replace the customer's product list (administrators: the CRM's sync)")
def put_products(request: HttpRequest, customer_id: int, payload: ProductsIn):
    from complaintdesk.desk.common import customer_for

    user = _user(request)
    permissions.require(user, "import")
    customer = customer_for(user, customer_id)
    products = services.set_customer_products(customer=customer, actor=user, products=[
        services.ProductData(code=p.code, name=p.name, account_number=p.account_number,
                             opened_on=p.opened_on, status=p.status)
        for p in payload.products])
    return _products_out(customer.pk, products, user)


# ---------------------------------------------------------------- incidents


class IncidentIn(Strict):
    title: str = Field(..., min_length=1, max_length=200, pattern=NOT_BLANK)
    description: str = Field("", max_length=10_000)


class IncidentOut(Schema):
    id: int
    title: str
    description: str
    state: str
    created_at: datetime
    cases: list[str]


def _incident_out(incident: Incident, user: User,
                  references: dict[int, list[str]] | None = None) -> dict:
    """The incident with the references of only the linked cases `user` may see."""
    if references is None:
        references = _visible_references(user, [incident.pk])
    return {"id": incident.pk, "title": incident.title, "description": incident.description,
            "state": incident.state, "created_at": incident.created_at,
            "cases": references.get(incident.pk, [])}


def _visible_references(user: User, incident_ids: list[int]) -> dict[int, list[str]]:
    rows = (permissions.cases_visible_to(user, Case.objects.filter(incident_id__in=incident_ids))
            .order_by("pk").values_list("incident_id", "reference"))
    found: dict[int, list[str]] = {}
    for incident_id, reference in rows:
        found.setdefault(incident_id, []).append(reference)
    return found


@router.post("/incidents", response={201: IncidentOut}, tags=["incidents"])
def post_incident(request: HttpRequest, payload: IncidentIn):
    incident = services.create_incident(title=payload.title, description=payload.description,
                                        actor=_user(request))
    return Status(201, _incident_out(incident, _user(request)))


@router.get("/incidents", response=list[IncidentOut], tags=["incidents"])
def list_incidents(request: HttpRequest, state: Literal["open", "resolved"] | None = None):
    user = _user(request)
    permissions.require_incident_reader(user)
    qs = Incident.objects.order_by("-created_at")
    if state:
        qs = qs.filter(state=state)
    incidents = list(qs[:200])
    references = _visible_references(user, [i.pk for i in incidents])
    return [_incident_out(i, user, references) for i in incidents]


@router.get("/incidents/{incident_id}", response=IncidentOut, tags=["incidents"])
def get_incident(request: HttpRequest, incident_id: int = Path(..., ge=1, le=MAX_ID)):
    user = _user(request)
    permissions.require_incident_reader(user)
    return _incident_out(get_object_or_404(Incident, pk=incident_id), user)


class LinkIn(Strict):
    references: list[str] = Field(..., min_length=1, max_length=1000)


class BulkResult(Schema):
    done: list[str]
    failed: dict[str, str]


@router.post("/incidents/{incident_id}/cases", response=BulkResult, tags=["incidents"],
             summary="Link cases to the incident")
def link_cases(request: HttpRequest, payload: LinkIn,
               incident_id: int = Path(..., ge=1, le=MAX_ID)):
    from complaintdesk.cases.bulk import run_bulk

    incident = get_object_or_404(Incident, pk=incident_id)
    user = _user(request)
    return run_bulk(user=user, references=payload.references, capability="link",
                    action=lambda case: services.link_to_incident(case=case, incident=incident,
                                                                  actor=user))


class IncidentAnswerIn(Strict):
    body: str = Field(..., min_length=1, max_length=20_000, pattern=NOT_BLANK)
    resolve: bool = False
    outcome: OutcomeName = "upheld"
    amounts: dict[Annotated[str, Field(max_length=40)], Money] = Field(
        default_factory=dict, max_length=1000,
        description="reference → amount paid back, when resolving; an upheld claim otherwise "
                    "gets the amount it claimed, a partly upheld claim needs one")


class IncidentCaseResult(Schema):
    reference: str
    result: Literal["answered", "decided", "already_decided"]
    outcome: str | None
    amount_paid: Decimal | None
    currency: str | None


class IncidentAnswerOut(Schema):
    answered: list[str]
    decided: list[str]
    already_decided: list[str]
    cases: list[IncidentCaseResult]


@router.post("/incidents/{incident_id}/answer", response=IncidentAnswerOut, tags=["incidents"],
             summary="Answer every open linked case, or resolve: decide each (all or nothing)")
def answer_incident(request: HttpRequest, payload: IncidentAnswerIn,
                    incident_id: int = Path(..., ge=1, le=MAX_ID)):
    """Every open linked case must be one you may change, else 403 and nothing changes.
    Resolving records the decision on each case; its customer then accepts or disputes it."""
    incident = get_object_or_404(Incident, pk=incident_id)
    return services.answer_incident(incident=incident, body=payload.body, actor=_user(request),
                                    resolve=payload.resolve, outcome=payload.outcome,
                                    amounts=payload.amounts)


# ---------------------------------------------------------------- public


class PublicMessageOut(Schema):
    direction: str
    body: str
    created_at: datetime


class PublicCaseOut(Schema):
    reference: str
    stage: str
    stage_label: str
    received_at: datetime
    acknowledge_by: datetime | None
    resolve_by: datetime | None
    clock_paused: bool
    decision: DecisionOut | None
    customer_accepted: str
    external_options: str
    messages: list[PublicMessageOut]


def public_case(reference: str, token: str) -> Case:
    """The customer's own case; a wrong token and an unknown reference look the same."""
    case = Case.objects.filter(reference=reference).first()
    # Compared as bytes: compare_digest refuses non-ASCII text (a 500 that told a real reference
    # from an unknown one), and an unknown reference still pays for one comparison.
    expected = (case.public_token if case is not None else "-").encode()
    matches = hmac.compare_digest(expected, token.encode("utf-8", "surrogatepass"))
    if case is None or not token or not matches:
        raise Http404("No case with this reference and token.")
    return case


@router.get("/public/cases/{reference}", response=PublicCaseOut, auth=None, tags=["public"],
            summary="The customer's status page data (no account; token from the acknowledgement)")
@rate_limited(scope="public-status", per_minute=30)
def get_public_case(request: HttpRequest, reference: str, token: str = ""):
    case = public_case(reference, token)
    return {
        "reference": case.reference,
        "stage": case.status,
        "stage_label": str(case.get_status_display()),
        "received_at": case.received_at,
        "acknowledge_by": case.acknowledge_by,
        "resolve_by": case.resolve_by,
        "clock_paused": case.clock_paused_since is not None,
        "decision": {"outcome": case.decision, "amount_paid": case.decision_amount,
                     "text": case.decision_text, "decided_at": case.decided_at}
        if case.decision else None,
        "customer_accepted": case.customer_accepted,
        "external_options": case.external_options_given,
        "messages": [
            {"direction": m.direction, "body": notifications.for_customer(case, m.body),
             "created_at": m.created_at}
            for m in case.messages.exclude(direction=Message.Direction.NOTE)
        ],
    }
