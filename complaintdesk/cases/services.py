"""Every state change of a case lives here, once; UI views, the API, imports and workers call it."""

import contextlib
import hashlib
import json
import mimetypes
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import DatabaseError, DataError, IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from complaintdesk.accounts import permissions
from complaintdesk.accounts.models import User
from complaintdesk.cases import lifecycle, notifications
from complaintdesk.cases.lifecycle import Status as S
from complaintdesk.cases.models import (
    Accepted,
    Attachment,
    Case,
    Channel,
    ClockPause,
    Customer,
    CustomerProduct,
    Event,
    EventType,
    HandlingCostRate,
    IdempotencyKey,
    Incident,
    Kind,
    Line,
    Message,
    Outbox,
    Outcome,
    Priority,
    ProductStatus,
    Queue,
    Remedy,
    ResonanceSource,
    Status,
    Topic,
)
from complaintdesk.cases.signals import case_changed
from complaintdesk.channels.base import customer_route
from complaintdesk.lib import configcache, filecheck
from complaintdesk.lib.bulk import insert_all
from complaintdesk.lib.errors import DomainError, InvalidInput
from complaintdesk.lib.ids import reserve_ids
from complaintdesk.sla.services import apply_deadlines

configcache.watch(Queue, Topic, HandlingCostRate)

# ---------------------------------------------------------------- helpers


def actor_label(actor: User | None) -> str:
    return actor.get_username() if actor is not None else "system"


def record(
    case: Case,
    type: str,
    *,
    actor: User | None,
    before: dict | None = None,
    after: dict | None = None,
    at: datetime | None = None,
    **data: object,
) -> Event:
    event = new_event(case, type, actor=actor, before=before, after=after, at=at, **data)
    event.save()
    case_changed.send(sender=Case, case=case, event=event)
    return event


def new_event(
    case: Case,
    type: str,
    *,
    actor: User | None,
    before: dict | None = None,
    after: dict | None = None,
    at: datetime | None = None,
    **data: object,
) -> Event:
    """An unsaved timeline event, for writing several in one INSERT."""
    return Event(
        case=case,
        type=type,
        actor=actor,
        actor_label=actor_label(actor),
        before=_jsonable(before),
        after=_jsonable(after),
        data=_jsonable({k: v for k, v in data.items() if v is not None}),
        at=at or timezone.now(),
    )


def _jsonable(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _authorize(actor: User | None, case: Case, capability: str) -> None:
    # The system itself (worker, import, public portal acting for the customer) has no user.
    if actor is not None:
        permissions.require_case(actor, case, capability)


# ---------------------------------------------------------------- messages
# Built with gettext when raised, so each person reads them in their request's language; field
# names and codes stay as they are, since programs and the API's fields use them.


def _one_of(field_name: str, values: Iterable[str]) -> str:
    return _("%(field)s: one of %(values)s") % {
        "field": field_name, "values": ", ".join(v for v in values if v)}


def _not_one_of(field_name: str, value: str, values: Iterable[str]) -> str:
    return _("%(field)s: '%(value)s' is not one of %(values)s") % {
        "field": field_name, "value": value, "values": ", ".join(v for v in values if v)}


def _negative(field_name: str) -> str:
    return _("%(field)s: must not be negative") % {"field": field_name}


def no_such_queue(code: str, field_name: str = "queue") -> InvalidInput:
    return InvalidInput(_("%(field)s: there is no queue '%(code)s'")
                        % {"field": field_name, "code": code})


def no_such_topic(code: str) -> InvalidInput:
    return InvalidInput(_("topic: there is no topic '%(code)s'") % {"code": code})


def _status_label(status: str) -> str:
    return str(Status(status).label)


def _illegal_transition(exc: lifecycle.IllegalTransition) -> DomainError:
    """The lifecycle's refusal with the desk's status names, translated here because
    lifecycle.py knows no Django; `allowed` keeps the codes for programs."""
    allowed = ", ".join(_status_label(s) for s in exc.allowed) or _("none")
    return DomainError(
        _("A case cannot move from '%(current)s' to '%(target)s'. "
          "Allowed from '%(current)s': %(allowed)s.")
        % {"current": _status_label(exc.current), "target": _status_label(exc.target),
           "allowed": allowed},
        allowed=[s.value for s in exc.allowed],
    )


def _locked(case: Case) -> Case:
    """Re-read the case under a row lock, so two people acting at once serialise."""
    return Case.objects.select_for_update(of=("self",)).select_related("queue", "customer", "policy").get(
        pk=case.pk
    )


def enqueue(
    *,
    case: Case | None,
    purpose: str,
    recipient: str,
    subject: str,
    body: str,
    dedupe_key: str,
    message: Message | None = None,
    channel: str = "email",
) -> bool:
    """Queue a message for the worker; the dedupe key makes a second enqueue a no-op.
    Returns False for an empty recipient or a key already queued, else True."""
    if not recipient:
        return False
    if Outbox.objects.filter(dedupe_key=dedupe_key).exists():
        return False
    # ON CONFLICT DO NOTHING: a concurrent enqueue of the same key still stores one message.
    Outbox.objects.bulk_create([_outbox_row(
        case=case, purpose=purpose, recipient=recipient, subject=subject, body=body,
        dedupe_key=dedupe_key, message=message, channel=channel,
    )], ignore_conflicts=True)
    return True


def _outbox_row(*, case: Case | None, purpose: str, recipient: str, subject: str, body: str,
                dedupe_key: str, message: Message | None = None, channel: str = "email") -> Outbox:
    return Outbox(case=case, purpose=purpose, recipient=recipient, subject=subject[:300],
                  body=body, dedupe_key=dedupe_key, message=message, channel=channel)


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    # Russian numbers are written 8XXXXXXXXXX and +7XXXXXXXXXX interchangeably.
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    return digits


@dataclass(frozen=True, kw_only=True)
class CustomerKeys:
    """What intake knows of a customer; external id, then e-mail, then phone identify them."""

    name: str = ""
    email: str = ""
    phone: str = ""
    external_id: str = ""

    def normalised(self) -> "CustomerKeys":
        return CustomerKeys(name=self.name, email=normalise_email(self.email),
                            phone=normalise_phone(self.phone), external_id=self.external_id)


_MATCH_ORDER = ("external_id", "email", "phone")
# Who a case is registered for decides which existing customer record it may join:
# SYSTEM (imports, inbound channels) joins any. A user joins a record only when they may
# already see every case of it, so matching never shows them another queue's customer.
# NOBODY (the public form: typing an address proves nothing) joins a record only when all we
# would send goes to the very contact typed, i.e. the record's e-mail is the one typed (or it
# has none and the phone typed matched); otherwise the case gets a record of what was typed.
SYSTEM = None
NOBODY = "nobody"
Joiner = User | str | None


def _may_join(joiner: Joiner, customer: Customer, cache: dict, keys: CustomerKeys) -> bool:
    if joiner is SYSTEM:
        return True
    if joiner == NOBODY:
        return normalise_email(customer.email) == keys.email
    if not isinstance(joiner, User):
        return False
    visible = permissions.visible_queue_ids(joiner)
    if visible is None:
        return True
    key = (joiner.pk, customer.pk)
    if key not in cache:
        cache[key] = not Case.objects.filter(customer_id=customer.pk).exclude(
            queue_id__in=visible).exists()
    return cache[key]


def _joiner_key(joiner: Joiner) -> object:
    return joiner.pk if isinstance(joiner, User) else joiner


def match_customers(wanted: list[CustomerKeys], *,
                    joiners: list[Joiner] | None = None) -> tuple[list[Customer], list[Customer]]:
    """One customer per entry: the existing one an identifier matches (fields it lacks are
    filled in), else a new one shared by every later entry with the same identifier; and the
    new ones, with reserved ids but not yet inserted (the caller writes them with its rows).
    `joiners` (one per entry, default SYSTEM) limits which existing records an entry may join
    (see SYSTEM above); an entry that may not join gets a record of only what it gave.
    One query per kind of identifier given, plus one per user and customer to check."""
    wanted = [keys.normalised() for keys in wanted]
    joiners = joiners if joiners is not None else [SYSTEM] * len(wanted)
    known: dict[str, dict[str, Customer]] = {name: {} for name in _MATCH_ORDER}
    for field_name in _MATCH_ORDER:
        values = {getattr(keys, field_name) for keys in wanted} - {""}
        if values:
            # Lowest pk first, so the oldest customer wins a duplicate identifier.
            for customer in Customer.objects.filter(**{f"{field_name}__in": values}).order_by("-pk"):
                known[field_name][getattr(customer, field_name)] = customer
    chosen: list[Customer] = []
    fresh: list[Customer] = []
    # A record made in this batch is shared only by entries of the same joiner.
    made_for: dict[int, object] = {}
    changed: dict[int, set[str]] = {}
    cache: dict = {}

    def joinable(customer: Customer, joiner: Joiner, keys: CustomerKeys) -> bool:
        if id(customer) in made_for:
            return joiner != NOBODY and made_for[id(customer)] == _joiner_key(joiner)
        return _may_join(joiner, customer, cache, keys)

    for keys, joiner in zip(wanted, joiners, strict=True):
        found = next((known[f][getattr(keys, f)] for f in _MATCH_ORDER
                      if getattr(keys, f) and getattr(keys, f) in known[f]
                      and joinable(known[f][getattr(keys, f)], joiner, keys)), None)
        if found is None:
            found = Customer(name=keys.name, email=keys.email, phone=keys.phone,
                             external_id=keys.external_id)
            fresh.append(found)
            made_for[id(found)] = _joiner_key(joiner)
        else:
            for attr in ("name", *_MATCH_ORDER):
                new = getattr(keys, attr)
                if new and not getattr(found, attr):
                    setattr(found, attr, new)
                    if found.pk is not None:
                        changed.setdefault(found.pk, set()).add(attr)
        for field_name in _MATCH_ORDER:
            value = getattr(found, field_name)
            if value:
                known[field_name].setdefault(value, found)
        chosen.append(found)
    for customer, pk in zip(fresh, reserve_ids(Customer, len(fresh)), strict=True):
        customer.pk = pk
    by_pk = {c.pk: c for c in chosen}
    for pk, fields in changed.items():
        by_pk[pk].save(update_fields=sorted(fields))
    return chosen, fresh


# ---------------------------------------------------------------- creation


@dataclass(frozen=True, kw_only=True)
class HistoricalOutcome:
    """How an imported case ended, when the source already knows."""

    status: str
    decision: str = ""
    decision_amount: Decimal | None = None
    decided_at: datetime | None = None
    closed_at: datetime | None = None
    customer_accepted: str = Accepted.UNKNOWN


@dataclass(frozen=True, kw_only=True)
class NewCase:
    channel: str
    text: str
    subject: str = ""
    received_at: datetime | None = None
    customer_name: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    customer_external_id: str = ""
    kind: str = Kind.UNCLASSIFIED
    topic: str = ""
    product: str = ""
    remedy_sought: str = ""
    remedy_text: str = ""
    amount_claimed: Decimal | None = None
    currency: str = ""
    resonance_source: str = ""
    priority: str = Priority.NORMAL
    queue: str = ""
    language: str = ""
    source: str = ""
    source_id: str = ""
    history: HistoricalOutcome | None = None
    call_id: str = ""
    call_duration_seconds: int | None = None
    extra: dict = field(default_factory=dict)

    def fingerprint(self) -> str:
        return hashlib.sha256(
            json.dumps(asdict(self), sort_keys=True, default=str).encode()
        ).hexdigest()


# Django's choices enums rebuild `.values` on every access; a bulk import checks each row.
_CHANNELS = frozenset(Channel.values)
_KINDS = frozenset(Kind.values)
_REMEDIES = frozenset(Remedy.values)
_PRIORITIES = frozenset(Priority.values)
_RESONANCE_SOURCES = frozenset(ResonanceSource.values)


def _length_limited(data: NewCase) -> list[tuple[str, str, int]]:
    """Values whose column has a length limit, with the limit read from the model."""
    def limit(model: type, name: str) -> int:
        return model._meta.get_field(name).max_length

    # Named for people, translated only when one is too long: an import checks every row.
    return [(gettext_noop("customer name"), data.customer_name, limit(Customer, "name")),
            (gettext_noop("customer e-mail"), data.customer_email, limit(Customer, "email")),
            (gettext_noop("customer phone"), data.customer_phone, limit(Customer, "phone")),
            (gettext_noop("customer external id"), data.customer_external_id,
             limit(Customer, "external_id")),
            (gettext_noop("source id"), data.source_id, limit(Case, "source_id"))]


EARLIEST_RECEIVED = datetime(1900, 1, 1, tzinfo=UTC)
# A clock a few hours ahead of ours, or a time zone mix-up, is not an error; a year ahead is.
RECEIVED_AHEAD = timedelta(days=1)


def _plausibly_received(at: datetime) -> bool:
    try:
        return EARLIEST_RECEIVED <= at <= timezone.now() + RECEIVED_AHEAD
    except OverflowError:  # year 1 at a positive offset is before year 1 in UTC
        return False


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _nul_fields(data: NewCase) -> list[str]:
    """Fields holding U+0000, which PostgreSQL refuses in text and JSON (an import, an e-mail
    or a chat message can carry one past the web's input guard)."""
    found = [name for name, value in vars(data).items() if isinstance(value, str) and "\x00" in value]
    if "\\u0000" in json.dumps(data.extra, default=str):
        found.append("extra")
    return found


def _validate_new_case(data: NewCase) -> None:
    problems = []
    if not data.text.strip():
        problems.append(_("text: the customer's words are required"))
    if data.channel not in _CHANNELS:
        problems.append(_not_one_of("channel", data.channel, Channel.values))
    if data.kind not in _KINDS:
        problems.append(_not_one_of("kind", data.kind, Kind.values))
    if data.remedy_sought not in _REMEDIES:
        problems.append(_not_one_of("remedy_sought", data.remedy_sought, Remedy.values))
    if data.priority not in _PRIORITIES:
        problems.append(_not_one_of("priority", data.priority, Priority.values))
    if data.resonance_source not in _RESONANCE_SOURCES:
        problems.append(_not_one_of("resonance_source", data.resonance_source,
                                    ResonanceSource.values))
    if data.amount_claimed is not None and data.amount_claimed < 0:
        problems.append(_negative("amount_claimed"))
    if data.amount_claimed is not None and data.amount_claimed >= 10**12:
        problems.append(_("amount_claimed: at most 999,999,999,999.99"))
    if data.amount_claimed is not None and not data.currency:
        problems.append(_("currency: required with an amount (ISO code such as RUB, USD)"))
    if data.currency and not re.fullmatch(r"[A-Z]{3}", data.currency):
        problems.append(_("currency: '%(currency)s' is not a three-letter ISO code")
                        % {"currency": data.currency})
    if not (data.customer_email or data.customer_phone or data.customer_external_id
            or data.customer_name):
        problems.append(_("customer: give at least a name, e-mail, phone or external id"))
    if (data.call_id or data.call_duration_seconds is not None) and data.channel != Channel.PHONE:
        problems.append(_("call_id, call_duration_seconds: only for the phone channel"))
    if data.call_duration_seconds is not None and data.call_duration_seconds < 0:
        problems.append(_negative("call_duration_seconds"))
    if data.received_at is not None and timezone.is_naive(data.received_at):
        problems.append(_("received_at: needs a time zone (e.g. 2026-03-01T10:00:00+03:00)"))
    elif data.received_at is not None and not _plausibly_received(data.received_at):
        problems.append(_("received_at: %(at)s is not between 1900 and tomorrow")
                        % {"at": data.received_at.isoformat()})
    if data.customer_email and not _is_email(data.customer_email.strip()):
        problems.append(_("customer e-mail: '%(email)s' is not an e-mail address")
                        % {"email": data.customer_email[:100]})
    for name in _nul_fields(data):
        problems.append(_("%(field)s: contains a NUL character (\\u0000), which is not allowed")
                        % {"field": name})
    for name, value, limit in _length_limited(data):
        if len(value) > limit:  # SQLite would keep it; PostgreSQL would refuse the batch
            problems.append(_("%(field)s: at most %(limit)d characters, got %(length)d")
                            % {"field": _(name), "limit": limit, "length": len(value)})
    if problems:
        raise InvalidInput("; ".join(problems), errors=problems)


def route_queue(*, kind: str, resonance: bool, explicit: str = "") -> Queue:
    """Explicit queue, else resonance → special group, claim → claims department, else 1st line."""
    queues = configcache.cached("queues", lambda: list(Queue.objects.order_by("pk")))
    if explicit:
        found = [q for q in queues if q.code == explicit]
        if not found:
            raise no_such_queue(explicit)
        return found[0]
    line = Line.SPECIAL if resonance else Line.CLAIMS if kind == Kind.CLAIM else Line.FIRST
    for wanted in (line, Line.FIRST, None):
        for queue in queues:
            if wanted is None or queue.line == wanted:
                return queue
    raise DomainError(_("No queue is configured yet; an administrator must create one."))


def _topic(code: str) -> Topic | None:
    topics = configcache.cached(
        "topics", lambda: {t.code: t for t in Topic.objects.select_related("parent")}
    )
    return topics.get(code)


def _handling_cost(channel: str) -> Decimal:
    rates = configcache.cached(
        "cost-rates", lambda: dict(HandlingCostRate.objects.values_list("channel", "amount"))
    )
    return rates.get(channel, Decimal("0"))


@dataclass(frozen=True, kw_only=True)
class CaseRequest:
    """One case for create_cases. `triage` may come precomputed (a batch ingest); `reply` is an
    imported row's historical answer, stored as data and never sent."""

    data: NewCase
    actor: User | None = None
    idempotency_key: str = ""
    notify: bool = True
    triage: object = None
    reply: str = ""
    # The public form: whoever typed the contact need not own it, so the case joins an
    # existing customer record only when nothing stored would be shown or sent elsewhere
    # (see NOBODY above match_customers).
    anonymous: bool = False


CreateOutcome = tuple[Case, bool] | DomainError | PermissionDenied


def create_case(
    *,
    data: NewCase,
    actor: User | None,
    idempotency_key: str = "",
    notify: bool = True,
    triage=None,
    anonymous: bool = False,
) -> tuple[Case, bool]:
    """Register a case in one transaction; returns (case, created). A replayed key returns the
    first case and created=False; the same key with a different body is a conflict."""
    outcome = create_cases([CaseRequest(data=data, actor=actor, idempotency_key=idempotency_key,
                                        notify=notify, triage=triage, anonymous=anonymous)])[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def create_cases(requests: list[CaseRequest]) -> list[CreateOutcome]:
    """Register each case as create_case would (validation, permission, triage, routing,
    deadlines, timeline, acknowledgement, claims matrix), the batch in one transaction with a
    few statements in all. Each item's outcome comes back in order: (case, created) or the
    error that refused it; one bad item never takes the others with it."""
    outcomes: dict[int, CreateOutcome] = {}
    ready: list[_Prepared] = []
    for index, request in enumerate(requests):
        try:
            ready.append(_prepare(index, request))
        except (DomainError, PermissionDenied) as exc:
            outcomes[index] = exc
    _triage_all(ready)
    for item in list(ready):
        try:
            item.topic, item.queue = _topic_and_queue(item.data)
        except DomainError as exc:
            outcomes[item.index] = exc
            ready.remove(item)
    if ready:
        try:
            with transaction.atomic():
                for item, case in zip(ready, _write(ready), strict=True):
                    outcomes[item.index] = (case, True)
        except DatabaseError as error:
            if len(ready) > 1:
                # Someone else's row (a replayed key, an id imported meanwhile) or a value only
                # the database refuses: one by one, so each item gets its own answer.
                for item in ready:
                    outcomes[item.index] = _alone(item)
            elif isinstance(error, DataError):
                # A value only the database refuses (PostgreSQL: NUL, an out-of-range number):
                # this item's answer, not a crash of the whole call.
                outcomes[ready[0].index] = InvalidInput(
                    _("the database refused the row: %(error)s") % {"error": error})
            elif not isinstance(error, IntegrityError):
                raise
            else:
                try:
                    outcomes[ready[0].index] = _already_there(ready[0], error)
                except DomainError as conflict:  # the key came with another body
                    outcomes[ready[0].index] = conflict
    return [outcomes[index] for index in range(len(requests))]


@dataclass(kw_only=True)
class _Prepared:
    index: int
    request: CaseRequest
    data: NewCase
    scope: str
    fingerprint: str
    triage: object = None
    topic: Topic | None = None
    queue: Queue | None = None


def _prepare(index: int, request: CaseRequest) -> _Prepared:
    data, actor = request.data, request.actor
    _validate_new_case(data)
    if actor is not None:
        permissions.require(actor, "create")
    # A replayed key is not looked up first: retries are rare, so the unique constraint on the
    # key row finds them (IntegrityError) and first requests save a query.
    return _Prepared(
        index=index, request=request, data=data, triage=request.triage,
        scope=f"user:{actor.pk}" if actor is not None else "system",
        fingerprint=data.fingerprint() if request.idempotency_key else "",
    )


def _triage_all(ready: list["_Prepared"]) -> None:
    """Fill what intake left open: one model run for every item that has no triage yet."""
    if settings.COMPLAINTDESK.get("TRIAGE_ON_CREATE", True):
        from complaintdesk.triage.service import given_kind, triage_many, triage_new_case

        todo = [item for item in ready if item.triage is None]
        results = triage_many([item.data.text for item in todo],
                              known_kinds=[given_kind(item.data) for item in todo]) if todo else []
        for item, result in zip(todo, results, strict=True):
            item.triage = result
        for item in ready:
            item.data, item.triage = triage_new_case(item.data, result=item.triage)


def _alone(item: "_Prepared") -> CreateOutcome:
    """One item of a refused batch on its own, with the triage it already has."""
    request = CaseRequest(data=item.request.data, actor=item.request.actor,
                          idempotency_key=item.request.idempotency_key,
                          notify=item.request.notify, triage=item.triage, reply=item.request.reply,
                          anonymous=item.request.anonymous)
    try:
        return create_cases([request])[0]
    except DatabaseError as exc:
        return DomainError(_("the database refused the row: %(error)s") % {"error": exc})


def _already_there(item: "_Prepared", error: IntegrityError) -> CreateOutcome:
    """After an IntegrityError: the case a replayed key or a re-imported row made before."""
    key = item.request.idempotency_key
    if key:
        replay = _replay(item.scope, key, item.fingerprint)
        if replay is not None:
            return replay, False
    if item.data.source_id:
        existing = Case.objects.filter(source=item.data.source,
                                       source_id=item.data.source_id).first()
        if existing is not None:
            return existing, False
    raise error


def _replay(scope: str, key: str, fingerprint: str) -> Case | None:
    row = IdempotencyKey.objects.filter(scope=scope, key=key).select_related("case").first()
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise DomainError(
            _("This Idempotency-Key was already used with a different request body; "
              "use a new key for a new case."),
            reference=row.case.reference,
        )
    return row.case


def _customer_keys(data: NewCase) -> CustomerKeys:
    return CustomerKeys(name=data.customer_name, email=data.customer_email,
                        phone=data.customer_phone, external_id=data.customer_external_id)


def _topic_and_queue(data: NewCase) -> tuple[Topic | None, Queue]:
    topic = None
    if data.topic:
        topic = _topic(data.topic)
        if topic is None:
            raise no_such_topic(data.topic)
    queue = route_queue(kind=data.kind, resonance=bool(data.resonance_source), explicit=data.queue)
    return topic, queue


def _reference(case: Case) -> str:
    return f"CD-{case.received_at.year}-{case.pk:06d}"


def _new_case_row(*, data: NewCase, customer: Customer, topic: Topic | None, queue: Queue,
                  triage, now: datetime) -> Case:
    """The unsaved case row with its first deadlines; no query (configuration is cached)."""
    case = Case(
        customer=customer, channel=data.channel, received_at=data.received_at or now,
        subject=data.subject[:300], text=data.text, language=data.language, kind=data.kind,
        topic=topic, product=data.product[:100], remedy_sought=data.remedy_sought,
        remedy_text=data.remedy_text, amount_claimed=data.amount_claimed,
        currency=data.currency, resonance=bool(data.resonance_source),
        resonance_source=data.resonance_source,
        priority=data.priority, queue=queue, source=data.source, source_id=data.source_id,
        handling_cost=_handling_cost(data.channel), created_at=now,
        call_id=data.call_id[:100], call_duration_seconds=data.call_duration_seconds,
    )
    if triage is not None and data.kind == triage.kind:
        case.kind_confidence = triage.kind_confidence
        case.needs_review = triage.needs_review
    history = data.history
    if history is not None:
        case.status = history.status
        case.decision = history.decision
        case.decision_amount = history.decision_amount
        case.decided_at = history.decided_at
        case.closed_at = history.closed_at
        case.customer_accepted = history.customer_accepted
        case.acknowledged_at = case.received_at
    elif data.channel == Channel.PHONE:
        # The operator acknowledged it in the call.
        case.acknowledged_at = case.received_at
        case.status = S.ACKNOWLEDGED
    apply_deadlines(case, now=now)
    return case


def _first_events(case: Case, *, data: NewCase, actor: User | None, triage) -> list[Event]:
    """CREATED (carrying the first deadlines), CLASSIFIED when triage ran, RESONANCE."""
    events = [new_event(case, EventType.CREATED, actor=actor, at=case.created_at, after={
        "status": case.status, "kind": case.kind, "queue": case.queue.code,
        "channel": case.channel, "acknowledge_by": case.acknowledge_by,
        "resolve_by": case.resolve_by, "policy": case.policy.name if case.policy else None,
    }, source=data.source or None, **data.extra)]
    if triage is not None:
        events.append(new_event(case, EventType.CLASSIFIED, actor=None, at=case.created_at, after={
            "kind": case.kind, "language": case.language, "amount": case.amount_claimed,
            "currency": case.currency or None, "remedy": case.remedy_sought or None,
            "resonance": case.resonance_source or None,
        }, model_version=triage.model_version, confidence=triage.kind_confidence,
            needs_review=triage.needs_review, explanation=triage.explanation,
            probabilities=triage.kind_probabilities,
            signals=[s.as_dict() for s in triage.resonance], repeat_of=triage.repeat_of,
            by="model"))
    if case.resonance:
        events.append(new_event(case, EventType.RESONANCE, actor=actor, at=case.created_at,
                                after={"source": data.resonance_source}))
    return events


def _write(ready: list["_Prepared"]) -> list[Case]:
    """The rows of a prepared batch: customers, cases, timelines, replies, acknowledgements
    and idempotency keys, written together (COPY on PostgreSQL, lib/bulk.py); then the claims
    matrix on each new claim."""
    now = timezone.now()
    customers, new_customers = match_customers(
        [_customer_keys(i.data) for i in ready],
        joiners=[NOBODY if i.request.anonymous else i.request.actor for i in ready])
    cases = [_new_case_row(data=item.data, customer=customer, topic=item.topic, queue=item.queue,
                           triage=item.triage, now=now)
             for item, customer in zip(ready, customers, strict=True)]
    for case, pk in zip(cases, reserve_ids(Case, len(cases)), strict=True):
        case.pk = pk
        case.reference = _reference(case)
    from complaintdesk.triage.service import mark_repeats

    mark_repeats([(case, item.triage) for item, case in zip(ready, cases, strict=True)
                  if item.triage is not None], new_customer_ids={c.pk for c in new_customers})
    events: list[Event] = []
    replies: list[Message] = []
    acknowledgements: list[Outbox] = []
    keys: list[IdempotencyKey] = []
    for item, case in zip(ready, cases, strict=True):
        request = item.request
        events.extend(_first_events(case, data=item.data, actor=request.actor, triage=item.triage))
        if request.reply:
            replies.append(Message(case=case, direction=Message.Direction.OUT,
                                   channel=case.channel, author_label="imported",
                                   body=request.reply, created_at=case.received_at))
        if request.notify and item.data.history is None and case.acknowledged_at is None:
            subject, body = notifications.acknowledgement(case)
            route = customer_route(case, new_case=True)
            if route["recipient"]:
                acknowledgements.append(_outbox_row(
                    case=case, purpose=Outbox.Purpose.ACKNOWLEDGEMENT, subject=subject,
                    body=body, dedupe_key=f"ack:{case.pk}", **route))
        if request.idempotency_key:
            keys.append(IdempotencyKey(scope=item.scope, key=request.idempotency_key,
                                       request_hash=item.fingerprint, case=case))
    insert_all(new_customers, cases, events, replies, acknowledgements, keys)
    for item, case in zip(ready, cases, strict=True):
        if case.kind == Kind.CLAIM and item.data.history is None:
            from complaintdesk.claims.auto import on_claim_registered

            # Refreshes the case if the matrix acted on it.
            on_claim_registered(case, notify=item.request.notify)
    return cases


# ---------------------------------------------------------------- lifecycle


def _open_pause(case: Case, *, at: datetime) -> None:
    if case.clock_paused_since is None:
        ClockPause.objects.create(case=case, started_at=at)
        case.clock_paused_since = at


def _close_pause(case: Case, *, at: datetime) -> None:
    if case.clock_paused_since is not None:
        ClockPause.objects.filter(case=case, ended_at__isnull=True).update(ended_at=at)
        case.clock_paused_since = None


def transition(
    *,
    case: Case,
    to: str,
    actor: User | None,
    note: str = "",
    customer_accepted: str = Accepted.UNKNOWN,
    external_options: str = "",
    acknowledged_via: str = "",
) -> Case:
    """Move a case along its lifecycle; closing records whether the customer accepted;
    `acknowledged_via` names how the customer got the acknowledgement (a channel, web_page)."""
    try:
        target = S(to)
    except ValueError:
        raise InvalidInput(_("'%(status)s' is not a status. Statuses: %(statuses)s.") % {
            "status": to, "statuses": ", ".join(s.value for s in S)}) from None
    if target in lifecycle.NEEDS_DECISION:
        raise DomainError(
            _("A case reaches 'decided' by recording a decision (POST …/decision)."))
    if customer_accepted not in Accepted.values:
        raise InvalidInput(_one_of("customer_accepted", Accepted.values))
    with transaction.atomic():
        case = _locked(case)
        _authorize(actor, case, "transition")
        current = S(case.status)
        try:
            lifecycle.check_transition(current, target)
        except lifecycle.IllegalTransition as exc:
            raise _illegal_transition(exc) from None
        now = timezone.now()
        updates = {"status": target.value}
        if target == S.WAITING_CUSTOMER:
            _open_pause(case, at=now)
        elif current == S.WAITING_CUSTOMER:
            _close_pause(case, at=now)
        if current in lifecycle.FINISHED and target not in lifecycle.FINISHED:
            # Reopened: the time the case stood decided does not count against the clock.
            ClockPause.objects.create(case=case, started_at=case.decided_at or now, ended_at=now)
            updates.update(decision="", decided_at=None, closed_at=None,
                           customer_accepted=Accepted.UNKNOWN)
        if target == S.ACKNOWLEDGED and case.acknowledged_at is None:
            updates["acknowledged_at"] = now
        if target == S.CLOSED:
            if customer_accepted == Accepted.NO and not external_options:
                external_options = default_external_options(case)
            updates.update(closed_at=now, customer_accepted=customer_accepted,
                           external_options_given=external_options)
        for name, value in updates.items():
            setattr(case, name, value)
        apply_deadlines(case, now=now)
        case.save()
        after = {"status": target.value}
        if target == S.ACKNOWLEDGED and acknowledged_via:
            after["acknowledged_via"] = acknowledged_via
        record(case, EventType.TRANSITIONED, actor=actor, before={"status": current.value},
               after=after, note=note or None,
               customer_accepted=customer_accepted if target == S.CLOSED else None)
        if target == S.CLOSED:
            record(case, EventType.ACCEPTANCE, actor=actor, after={
                "customer_accepted": customer_accepted,
                "external_options_given": external_options or None,
            })
    return case


# How a customer was acknowledged when no message carried it: the portal's receipt page.
WEB_PAGE = "web_page"


def acknowledge_on_screen(*, case: Case) -> Case:
    """The portal showed the customer the reference and the tracking link: that receipt is the
    acknowledgement, whether or not an e-mail or SMS can follow (no SMS gateway, no e-mail)."""
    if case.status != S.RECEIVED or case.acknowledged_at is not None:
        return case
    return transition(case=case, to=S.ACKNOWLEDGED, actor=None, acknowledged_via=WEB_PAGE)


def default_external_options(case: Case | None = None) -> str:
    """Where the customer may turn if they disagree: the deployment's own text when configured,
    else the default one in the case's language (the customer reads it)."""
    configured = settings.COMPLAINTDESK.get("EXTERNAL_OPTIONS")
    if configured:
        return configured
    language = notifications.customer_language(case) if case is not None else None
    with translation.override(language) if language else contextlib.nullcontext():
        return _("If you disagree, you may apply to the financial ombudsman or the regulator "
                 "(for banks in Russia: the Bank of Russia, cbr.ru/reception).")


def decide(
    *,
    case: Case,
    outcome: str,
    actor: User | None,
    amount_paid: Decimal | None = None,
    text: str = "",
    notify: bool = True,
    data: dict | None = None,
) -> Case:
    """Record the decision (upheld / partly / rejected, amount paid back) and tell the customer."""
    if outcome not in Outcome.values:
        raise InvalidInput(_one_of("outcome", Outcome.values))
    if amount_paid is not None and amount_paid < 0:
        raise InvalidInput(_negative("amount_paid"))
    if outcome == Outcome.REJECTED and amount_paid:
        raise InvalidInput(_("amount_paid: a rejected case pays nothing back"))
    with transaction.atomic():
        case = _locked(case)
        _authorize(actor, case, "decide")
        current = S(case.status)
        try:
            lifecycle.check_transition(current, S.DECIDED)
        except lifecycle.IllegalTransition as exc:
            raise _illegal_transition(exc) from None
        if (outcome != Outcome.REJECTED and case.kind == Kind.CLAIM and amount_paid is None
                and case.amount_claimed):
            raise InvalidInput(_("amount_paid: say how much is paid back for an upheld claim"))
        if amount_paid and case.amount_claimed and amount_paid > case.amount_claimed * 10:
            raise InvalidInput(_("amount_paid: more than ten times the amount claimed; check it"))
        now = timezone.now()
        if current == S.WAITING_CUSTOMER:
            _close_pause(case, at=now)
        case.status = S.DECIDED
        case.decision = outcome
        case.decision_amount = amount_paid
        case.decision_text = text
        case.decided_at = now
        case.decided_by = actor
        apply_deadlines(case, now=now)
        case.save()
        record(case, EventType.TRANSITIONED, actor=actor, before={"status": current.value},
               after={"status": S.DECIDED.value})
        record(case, EventType.DECISION, actor=actor, after={
            "outcome": outcome, "amount_paid": amount_paid, "currency": case.currency,
            "text": text, "on_time": case.resolve_by is None or now <= case.resolve_by,
        }, **(data or {}))
        if notify:
            subject, body = notifications.decision(case)
            message = Message.objects.create(
                case=case, direction=Message.Direction.OUT, channel=case.channel, author=actor,
                author_label=actor_label(actor), body=body,
            )
            enqueue(case=case, purpose=Outbox.Purpose.DECISION, **customer_route(case),
                    subject=subject, body=body, dedupe_key=f"decision:{case.pk}:{now.isoformat()}",
                    message=message)
    return case


def record_acceptance(
    *, case: Case, accepted: str, actor: User | None, external_options: str = ""
) -> Case:
    """The customer's answer to the decision; it closes the case (ISO 10002 closing)."""
    if accepted not in (Accepted.YES, Accepted.NO):
        raise InvalidInput(_("accepted: 'yes' or 'no'"))
    if case.status != S.DECIDED:
        raise DomainError(_("The customer can accept or refuse only a decided case."))
    return transition(case=case, to=S.CLOSED, actor=actor, customer_accepted=accepted,
                      external_options=external_options)


def assign(*, case: Case, assignee: User | None, actor: User | None) -> Case:
    with transaction.atomic():
        case = _locked(case)
        if actor is not None:
            capability = "assign_self" if assignee == actor else "assign"
            _authorize(actor, case, capability)
        if assignee is not None and not permissions.can_see_case(assignee, case):
            raise InvalidInput(
                _("%(user)s has no access to queue '%(queue)s'; add them to the queue first.")
                % {"user": assignee.get_username(), "queue": case.queue.code})
        before = case.assignee.get_username() if case.assignee_id else None
        case.assignee = assignee
        case.save(update_fields=["assignee", "updated_at"])
        record(case, EventType.ASSIGNED, actor=actor, before={"assignee": before},
               after={"assignee": assignee.get_username() if assignee else None})
    return case


def set_priority(*, case: Case, priority: str, actor: User | None, reason: str = "") -> Case:
    """Change priority; an urgent policy may shorten the clock, so deadlines are recomputed."""
    if priority not in Priority.values:
        raise InvalidInput(_one_of("priority", Priority.values))
    with transaction.atomic():
        case = _locked(case)
        _authorize(actor, case, "move")
        if case.priority == priority:
            return case
        before = case.priority
        case.priority = priority
        apply_deadlines(case, now=timezone.now())
        case.save()
        record(case, EventType.PRIORITY_CHANGED, actor=actor, before={"priority": before},
               after={"priority": priority}, reason=reason or None)
    return case


def move_to_queue(*, case: Case, queue: Queue, actor: User | None, reason: str = "") -> Case:
    with transaction.atomic():
        case = _locked(case)
        _authorize(actor, case, "move")
        if case.queue_id == queue.pk:
            return case
        _move(case, queue=queue, actor=actor, reason=reason)
        case.save()
    return case


def _move(case: Case, *, queue: Queue, actor: User | None, reason: str) -> None:
    """Put a locked case in another queue (the caller saves it); deadlines follow the queue's
    calendar, and an assignee who cannot see the new queue lets go of the case."""
    before = case.queue.code
    case.queue = queue
    if case.assignee_id and not permissions.can_see_case(case.assignee, case):
        case.assignee = None
    apply_deadlines(case, now=timezone.now())
    record(case, EventType.QUEUE_CHANGED, actor=actor, before={"queue": before},
           after={"queue": queue.code}, reason=reason or None)


def reclassify(
    *,
    case: Case,
    actor: User | None,
    kind: str | None = None,
    topic: Topic | None = None,
    clear_topic: bool = False,
    confidence: float | None = None,
    model_version: str = "",
) -> Case:
    """Change kind and/or topic; deadlines are recomputed. A person's change is training data.

    A person who keeps the kind of a case that needs review confirms it: the case leaves
    review and the timeline says who confirmed what (a label as good as a correction).
    """
    if kind is not None and kind not in Kind.values:
        raise InvalidInput(_one_of("kind", Kind.values))
    with transaction.atomic():
        case = _locked(case)
        _authorize(actor, case, "classify")
        before = {"kind": case.kind, "topic": case.topic.code if case.topic_id else None}
        was_in_review = case.needs_review
        if kind is not None:
            case.kind = kind
            case.kind_confidence = confidence
            case.needs_review = False
        if topic is not None or clear_topic:
            case.topic = topic
        after = {"kind": case.kind, "topic": case.topic.code if case.topic_id else None}
        if after == before:
            if actor is not None and kind is not None and was_in_review:
                case.save(update_fields=["kind_confidence", "needs_review", "updated_at"])
                record(case, EventType.CONFIRMED, actor=actor, before=before, after=after,
                       by="person")
            return case
        apply_deadlines(case, now=timezone.now())
        event_type = EventType.CLASSIFIED if actor is None else EventType.RECLASSIFIED
        record(case, event_type, actor=actor, before=before, after=after,
               confidence=confidence, model_version=model_version or None,
               by="person" if actor is not None else "model")
        if before["kind"] != Kind.CLAIM and case.kind == Kind.CLAIM:
            # The routing rule of intake: a claim belongs to the claims department (a resonance
            # case stays with the special group, which route_queue also says).
            target = route_queue(kind=Kind.CLAIM, resonance=case.resonance)
            if target.pk != case.queue_id and target.line == Line.CLAIMS:
                _move(case, queue=target, actor=actor, reason="reclassified as a claim")
        case.save()
        if before["kind"] != Kind.CLAIM and case.kind == Kind.CLAIM:
            from complaintdesk.claims.auto import on_claim_registered
            on_claim_registered(case, trigger="reclassified")
    return case


def add_message(
    *,
    case: Case,
    body: str,
    direction: str,
    actor: User | None,
    channel: str = "",
    external_id: str = "",
    uploads: Sequence = (),
) -> Message:
    """A reply to the customer, the customer's own message, or an internal note, with its files
    (`uploads`: all are checked before anything is stored; a reply's files go with its e-mail)."""
    if not body.strip():
        raise InvalidInput(_("body: the message is empty"))
    if direction not in Message.Direction.values:
        raise InvalidInput(_one_of("direction", Message.Direction.values))
    for upload in uploads:
        check_upload(upload)
    with transaction.atomic():
        case = _locked(case)
        _authorize(actor, case, "note" if direction == Message.Direction.NOTE else "message")
        message = Message.objects.create(
            case=case, direction=direction, channel=channel or case.channel, author=actor,
            author_label=actor_label(actor) if actor else "customer" if direction == "in" else "system",
            body=body, external_id=external_id,
        )
        event_type = {
            Message.Direction.IN: EventType.MESSAGE_IN,
            Message.Direction.OUT: EventType.MESSAGE_OUT,
            Message.Direction.NOTE: EventType.NOTE,
        }[Message.Direction(direction)]
        record(case, event_type, actor=actor, message_id=message.pk, excerpt=body[:200])
        for upload in uploads:
            add_attachment(case=case, upload=upload, actor=actor, message=message)
        if direction == Message.Direction.OUT:
            subject, text = notifications.reply(case, body)
            enqueue(case=case, purpose=Outbox.Purpose.REPLY, **customer_route(case),
                    subject=subject, body=text, dedupe_key=f"reply:{message.pk}",
                    message=message)
        if direction == Message.Direction.IN and case.status == S.WAITING_CUSTOMER:
            # The customer's answer restarts the clock where the case stood.
            transition(case=case, to=_status_before_waiting(case), actor=None,
                       note="The customer answered")
    return message


def _status_before_waiting(case: Case) -> str:
    last = (
        Event.objects.filter(case=case, type=EventType.TRANSITIONED,
                             after__status=S.WAITING_CUSTOMER.value)
        .order_by("-at", "-id").first()
    )
    previous = (last.before or {}).get("status") if last else None
    return previous if previous in (S.ASSESSMENT, S.INVESTIGATION) else S.INVESTIGATION.value


def flag_resonance(*, case: Case, source: str, actor: User | None) -> Case:
    """Mark a case as resonance (regulator, media…) and hand it to the special group."""
    if source not in ResonanceSource.values or not source:
        raise InvalidInput(_one_of("source", ResonanceSource.values))
    with transaction.atomic():
        case = _locked(case)
        _authorize(actor, case, "classify")
        case.resonance, case.resonance_source = True, source
        case.save(update_fields=["resonance", "resonance_source", "updated_at"])
        record(case, EventType.RESONANCE, actor=actor, after={"source": source})
    special = Queue.objects.filter(line=Line.SPECIAL).order_by("pk").first()
    if special is not None and special.pk != case.queue_id:
        case = move_to_queue(case=case, queue=special, actor=None, reason="resonance")
    return case


def escalate(*, case: Case, actor: User | None, reason: str, to_queue: Queue | None = None) -> Case:
    """A person escalates by hand: alert the supervisor, optionally hand over to another line."""
    if not reason.strip():
        raise InvalidInput(_("reason: say why the case is escalated"))
    with transaction.atomic():
        case = _locked(case)
        _authorize(actor, case, "escalate")
        target = (to_queue or case.queue).supervisor
        record(case, EventType.ESCALATED, actor=actor, after={
            "level": "manual", "to_queue": to_queue.code if to_queue else None,
            "notified": target.get_username() if target is not None else None,
        }, reason=reason)
        if target is not None and target.email:
            subject, body = notifications.staff_alert(
                case, headline=gettext_noop("Escalated"), recipient=target, reason=reason)
            enqueue(case=case, purpose=Outbox.Purpose.ESCALATION, recipient=target.email,
                    subject=subject, body=body,
                    dedupe_key=f"manual-escalation:{case.pk}:{timezone.now().isoformat()}")
    if to_queue is not None and to_queue.pk != case.queue_id:
        case = move_to_queue(case=case, queue=to_queue, actor=None, reason=f"escalated: {reason}")
    return case


def check_upload(upload) -> str:
    """The content type of an acceptable upload; InvalidInput for one over the size limit, of a
    type not accepted, or whose first bytes say it is something else than its name claims."""
    name = filecheck.safe_name(upload.name or "", limit=255)
    # The type comes from the file name, not the sender's claim, which anyone can forge...
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise InvalidInput(_("%(name)s: %(size)d bytes is over the limit of %(limit)d bytes")
                           % {"name": name, "size": upload.size, "limit": limit})
    if content_type not in settings.ATTACHMENT_ALLOWED_TYPES:
        raise InvalidInput(_("%(name)s: files of type %(type)s are not accepted")
                           % {"name": name, "type": content_type})
    # ...and the bytes must be of that type (a program renamed .pdf is not a PDF).
    upload.seek(0)
    head = upload.read(filecheck.HEAD_BYTES)
    upload.seek(0)
    if not filecheck.content_matches(content_type, head):
        raise InvalidInput(_("%(name)s: the content is not a %(type)s file")
                           % {"name": name, "type": content_type})
    return content_type


def add_attachment(*, case: Case, upload, actor: User | None,
                   message: Message | None = None) -> Attachment:
    """Keep a file on the case within the size and type limits, with its SHA-256; `message` is
    the reply or note it goes with (a reply's files go out with its e-mail)."""
    content_type = check_upload(upload)
    # Directories in the name are the sender's, not ours: only the base name is kept.
    name = filecheck.safe_name(upload.name or "", limit=255)
    with transaction.atomic():
        _authorize(actor, case, "message")
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        item = Attachment(case=case, message=message, filename=name, content_type=content_type,
                          size=upload.size, sha256=digest.hexdigest(), uploaded_by=actor)
        item.file.save(name, upload, save=False)
        item.save()
        record(case, EventType.ATTACHMENT, actor=actor, attachment_id=item.pk,
               filename=item.filename, sha256=item.sha256, size=item.size,
               message_id=message.pk if message is not None else None)
    return item


def merge_customers(*, keep: Customer, merge: Customer, actor: User | None) -> Customer:
    """One person found under two customer records: move every case of `merge` to `keep`,
    fill `keep`'s missing identifiers, and record it on each moved case."""
    if keep.pk == merge.pk:
        raise InvalidInput(_("Pick two different customers to merge."))
    if actor is not None:
        permissions.require(actor, "assign")
    with transaction.atomic():
        keep = Customer.objects.select_for_update().get(pk=keep.pk)
        merge = Customer.objects.select_for_update().get(pk=merge.pk)
        # Merging rewrites every case of both records and shows each side's data with the
        # other's cases, so the actor must be allowed to change all of them. The refusal names
        # neither customer nor any case.
        writable = permissions.writable_queue_ids(actor) if actor is not None else None
        if writable is not None and Case.objects.filter(
                customer_id__in=(keep.pk, merge.pk)).exclude(queue_id__in=writable).exists():
            raise PermissionDenied(_("You may merge customers only when every case of both is "
                                     "in a queue you may change."))
        filled = []
        for attr in ("name", "email", "phone", "external_id", "segment", "customer_since"):
            if not getattr(keep, attr) and getattr(merge, attr):
                setattr(keep, attr, getattr(merge, attr))
                filled.append(attr)
        keep.serial_claimant = keep.serial_claimant or merge.serial_claimant
        keep.save()
        moved = list(Case.objects.filter(customer=merge))
        Case.objects.filter(customer=merge).update(customer=keep)
        # Products follow the person; one already on `keep` (same code and account) stays as is,
        # because deleting `merge` below would otherwise take its products with it.
        held = set(keep.products.values_list("code", "account_number"))
        for product in list(merge.products.all()):
            if (product.code, product.account_number) not in held:
                CustomerProduct.objects.filter(pk=product.pk).update(customer=keep)
        Event.objects.bulk_create([
            new_event(case, EventType.CUSTOMER_MERGED, actor=actor,
                      before={"customer": merge.pk}, after={"customer": keep.pk},
                      filled=filled or None)
            for case in moved
        ])
        from complaintdesk.accounts.models import AuditEntry

        AuditEntry.objects.create(actor=actor, action="customers.merged", detail={
            "kept": keep.pk, "merged": merge.pk, "cases": [c.reference for c in moved],
        })
        merge.delete()  # no case points at it any more
    return keep


# ---------------------------------------------------------------- customer products


@dataclass(frozen=True)
class ProductData:
    """One product as the bank's systems describe it; (code, account_number) identifies it."""

    code: str
    name: str = ""
    account_number: str = ""
    opened_on: date | None = None
    status: str = ProductStatus.ACTIVE


def _check_product(data: ProductData) -> None:
    if not data.code.strip():
        raise InvalidInput(_("code: a product needs a code"))
    if data.status not in ProductStatus.values:
        raise InvalidInput(_("status: unknown product status %(status)s") % {"status": data.status})


def save_customer_product(*, customer: Customer, data: ProductData,
                          actor: User | None) -> tuple[CustomerProduct, bool]:
    """Create the product, or update the one with the same code and account number (so an
    import run twice creates nothing twice). Returns (product, created)."""
    if actor is not None:
        permissions.require(actor, "import")
    _check_product(data)
    product, created = CustomerProduct.objects.update_or_create(
        customer=customer, code=data.code.strip(), account_number=data.account_number.strip(),
        defaults={"name": data.name.strip(), "opened_on": data.opened_on, "status": data.status})
    return product, created


def set_customer_products(*, customer: Customer, products: list[ProductData],
                          actor: User | None) -> list[CustomerProduct]:
    """Replace the customer's product list with exactly these (the API's PUT)."""
    if actor is not None:
        permissions.require(actor, "import")
    keys = [(p.code.strip(), p.account_number.strip()) for p in products]
    if len(set(keys)) != len(keys):
        raise InvalidInput(_("products: the same code and account number appear twice"))
    for data in products:
        _check_product(data)
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        kept = []
        for data in products:
            product, _created = save_customer_product(customer=customer, data=data, actor=None)
            kept.append(product.pk)
        customer.products.exclude(pk__in=kept).delete()
        from complaintdesk.accounts.models import AuditEntry

        AuditEntry.objects.create(actor=actor, action="customers.products_set", detail={
            "customer": customer.pk, "products": len(kept)})
    return list(customer.products.all())


# ---------------------------------------------------------------- incidents


def create_incident(*, title: str, description: str = "", actor: User | None) -> Incident:
    if actor is not None:
        permissions.require(actor, "incident")
    if not title.strip():
        raise InvalidInput(_("title: an incident needs a title"))
    return Incident.objects.create(title=title, description=description, created_by=actor)


def link_to_incident(*, case: Case, incident: Incident | None, actor: User | None) -> Case:
    with transaction.atomic():
        case = _locked(case)
        _authorize(actor, case, "link")
        if incident is not None and incident.state != Incident.State.OPEN:
            raise DomainError(_("This incident is resolved; open a new one to link cases."))
        before = case.incident_id
        if before == (incident.pk if incident else None):
            return case
        case.incident = incident
        case.save(update_fields=["incident", "updated_at"])
        if incident is not None:
            record(case, EventType.INCIDENT_LINKED, actor=actor, before={"incident": before},
                   after={"incident": incident.pk, "title": incident.title})
        else:
            record(case, EventType.INCIDENT_UNLINKED, actor=actor, before={"incident": before})
    return case


def answer_incident(
    *,
    incident: Incident,
    body: str,
    actor: User | None,
    resolve: bool = False,
    outcome: str = Outcome.UPHELD,
    amounts: dict[str, Decimal] | None = None,
) -> dict:
    """One message to every open case of the incident; resolving instead records the decision
    on each (the customer then accepts or disputes it, as after any decision) and resolves the
    incident. All or nothing: every open case is checked before any changes, and all change in
    one transaction, so a refusal (403) or a bad amount (422) leaves everything as it was.

    A claim keeps its own amount when upheld; `amounts` (reference → amount) overrides it and
    is required for a claim decided 'partly'. Returns what happened to each case."""
    if actor is not None:
        permissions.require(actor, "incident")
    if outcome not in Outcome.values:
        raise InvalidInput(_one_of("outcome", Outcome.values))
    if not body.strip():
        raise InvalidInput(_("body: the message is empty"))
    amounts = dict(amounts or {})
    capability = "decide" if resolve else "message"
    with transaction.atomic():
        # Serialises two answers to the same incident.
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if resolve and incident.state != Incident.State.OPEN:
            raise DomainError(_("This incident is already resolved."))
        cases = list(incident.cases.exclude(status=S.CLOSED).select_related("queue")
                     .order_by("pk"))
        if actor is not None:
            refused = sum(not _may(actor, case, capability) for case in cases)
            if refused:
                # A count, never references: some of these cases the actor may not even see.
                raise PermissionDenied(ngettext(
                    "%(n)d open case of this incident is in a queue you may not change; "
                    "nothing was sent or changed.",
                    "%(n)d open cases of this incident are in queues you may not change; "
                    "nothing was sent or changed.", refused) % {"n": refused})
        plan = _incident_plan(cases, resolve=resolve, outcome=outcome, amounts=amounts)
        report = []
        for case, step, amount in plan:
            if step == "answered":
                add_message(case=case, body=body, direction=Message.Direction.OUT, actor=actor)
            elif step == "decided":
                for status in _path_to_decision(S(case.status)):
                    case = transition(case=case, to=status, actor=actor,
                                      note=f"incident {incident.pk}")
                case = decide(case=case, outcome=outcome, actor=actor, text=body,
                              amount_paid=amount, data={"incident": incident.pk})
            report.append({"reference": case.reference, "result": step,
                           "outcome": outcome if step == "decided" else None,
                           "amount_paid": amount, "currency": case.currency or None})
        if resolve:
            Incident.objects.filter(pk=incident.pk).update(
                state=Incident.State.RESOLVED, resolved_at=timezone.now())
    return {"answered": [r["reference"] for r in report if r["result"] == "answered"],
            "decided": [r["reference"] for r in report if r["result"] == "decided"],
            "already_decided": [r["reference"] for r in report
                                if r["result"] == "already_decided"],
            "cases": report}


def _may(actor: User, case: Case, capability: str) -> bool:
    try:
        permissions.require_case(actor, case, capability)
    except PermissionDenied:
        return False
    return True


def _incident_plan(cases: list[Case], *, resolve: bool, outcome: str,
                   amounts: dict[str, Decimal]) -> list[tuple[Case, str, Decimal | None]]:
    """What answering does to each open case, checked before anything changes."""
    by_reference = {case.reference: case for case in cases}
    unknown = sorted(set(amounts) - set(by_reference))
    if unknown:
        raise InvalidInput(_("amounts: not an open case of this incident: %(refs)s")
                           % {"refs": ", ".join(unknown)})
    if not resolve:
        if amounts:
            raise InvalidInput(_("amounts: only when resolving the incident"))
        return [(case, "answered", None) for case in cases]
    plan: list[tuple[Case, str, Decimal | None]] = []
    missing = []
    for case in cases:
        amount = amounts.get(case.reference)
        if case.status == S.DECIDED:
            # Decided earlier and waiting for the customer's answer: left as it is.
            plan.append((case, "already_decided", None))
            continue
        if outcome == Outcome.REJECTED:
            amount = None
        elif amount is None and case.kind == Kind.CLAIM and case.amount_claimed:
            if outcome == Outcome.UPHELD:
                amount = case.amount_claimed  # upheld: the customer gets what they claimed
            else:
                missing.append(case.reference)
        plan.append((case, "decided", amount))
    if missing:
        raise InvalidInput(_("amounts: say how much is paid back on each partly upheld claim: "
                             "%(refs)s") % {"refs": ", ".join(missing)})
    return plan


def _path_to_decision(status: S) -> list[str]:
    return {
        S.RECEIVED: [S.ASSESSMENT],
        S.ACKNOWLEDGED: [S.ASSESSMENT],
        S.WAITING_CUSTOMER: [S.INVESTIGATION],
    }.get(status, [])
