"""Find anything: one query string over every case a user may see, open and closed.

A query is read as whatever it can be, all at once: a reference, whole or its number
(`CD-2026-000606`, `000606`), a phone in any format (`+7 916 555-12-34`, `8 (916) 555 12 34`,
`79165551234`), an e-mail, the bank's customer number (external id), and words of the subject,
text, messages and the customer's name. Identifiers are looked up by index; words go to the
full-text index (cases/search_index.py): PostgreSQL matches Russian and English word forms
through its `russian` configuration; SQLite's FTS5 matches the prefix of each word's Snowball
stem, which finds the same forms in nearly every case (the stems are the same algorithm).

Scope comes first: every query is limited to the user's queues (permissions.cases_visible_to)
inside the same SQL, so neither results nor counts say anything about other queues. Roles that
do not see personal data search neither phones, e-mails, customer numbers nor names.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import snowballstemmer
from django.db import connection
from django.db.models import BooleanField, FloatField, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models import Case as SqlCase
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from complaintdesk.accounts import permissions
from complaintdesk.accounts.models import User
from complaintdesk.cases.models import Case, Customer

MAX_QUERY = 200
MAX_WORDS = 8
# A search ranks at most this many matching cases, the newest first: a common word matches a
# large part of the register, and ranking all of it would read every one of those rows. The
# same cap as the queue's match count (desk/queries.SEARCH_COUNT_CAP): "more than 500".
CANDIDATES = 500
WORD = re.compile(r"[^\W_]+")
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
FULL_REFERENCE = re.compile(r"^[A-Z]{1,5}-\d{4}-\d{3,}$", re.IGNORECASE)
REFERENCE_TAIL = re.compile(r"^(?:\d{4}-)?(\d{3,12})$")
PHONE = re.compile(r"^[\d\s()+\-./]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MARK_START, MARK_END = "\x02", "\x03"

_STEMMERS = {"russian": snowballstemmer.stemmer("russian"),
             "english": snowballstemmer.stemmer("english")}


@dataclass(frozen=True)
class Terms:
    """What a query string can mean."""

    text: str
    reference: str = ""
    case_id: int | None = None
    reference_tail: str = ""
    phone_key: str = ""
    email_key: str = ""
    words: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.reference or self.case_id or self.phone_key or self.email_key
                    or self.words or self.text)


def phone_key(value: str) -> str:
    """The same key as the database's Customer.phone_key (models._phone_key)."""
    digits = re.sub(r"[\s\-()+./]", "", value)
    return digits[-10:] if len(digits) == 11 and digits[0] in "78" else digits


def clean(query: str) -> str:
    """Printable characters only (PostgreSQL refuses NUL in text), spaces collapsed, capped."""
    printable = "".join(ch if ch.isprintable() else " " for ch in query[:MAX_QUERY * 2])
    return " ".join(printable.split())[:MAX_QUERY]


def parse(query: str) -> Terms:
    text = clean(query)
    if not text:
        return Terms(text="")
    reference = text.upper() if FULL_REFERENCE.match(text) else ""
    case_id, tail = None, ""
    if reference:
        case_id, tail = int(reference.rsplit("-", 1)[1]), reference
    elif m := REFERENCE_TAIL.match(text):
        case_id, tail = int(m.group(1)), text
    key = ""
    if PHONE.match(text) and 10 <= len(re.sub(r"\D", "", text)) <= 15:
        key = phone_key(text)
    email = text.lower() if EMAIL.match(text) else ""
    # Identifiers are not words: "+7 916 555-12-34" as words would be five numbers.
    words = () if (reference or key or email) else tuple(WORD.findall(text))[:MAX_WORDS]
    return Terms(text=text, reference=reference, case_id=case_id, reference_tail=tail,
                 phone_key=key, email_key=email, words=words)


def _stem(word: str) -> str:
    language = "russian" if CYRILLIC.search(word) else "english"
    stem = _STEMMERS[language].stemWord(word.lower())
    return stem if len(stem) >= 2 else word.lower()


def _fts_query(terms: Terms, *, personal: bool) -> str:
    """The full-text query in the database's own syntax; every word must match."""
    if connection.vendor == "postgresql":
        # to_tsquery stems each word itself; ':ABC' keeps masked roles out of names (weight D).
        return " & ".join(w + ("" if personal else ":ABC") for w in terms.words)
    words = " ".join(f'"{_stem(w)}"*' for w in terms.words)
    return words if personal else "{subject body messages} : (" + words + ")"


def _fts_match(query: str) -> RawSQL:
    if connection.vendor == "postgresql":
        return RawSQL("cases_case.search_vector @@ to_tsquery('russian', %s)", [query],
                      output_field=BooleanField())
    return RawSQL("cases_case.id IN (SELECT rowid FROM cases_case_fts "
                  "WHERE cases_case_fts MATCH %s)", [query], output_field=BooleanField())


def _fts_rank(query: str) -> RawSQL:
    if connection.vendor == "postgresql":
        return RawSQL("ts_rank(cases_case.search_vector, to_tsquery('russian', %s))", [query],
                      output_field=FloatField())
    # bm25 is lower for better matches.
    return RawSQL("-(SELECT bm25(cases_case_fts) FROM cases_case_fts "
                  "WHERE cases_case_fts MATCH %s AND rowid = cases_case.id)", [query],
                  output_field=FloatField())


def _snippet(query: str) -> RawSQL:
    if connection.vendor == "postgresql":
        return RawSQL(
            "ts_headline('russian', coalesce(cases_case.subject, '') || ' — ' || cases_case.text,"
            " to_tsquery('russian', %s), %s)",
            [query, f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=24, MinWords=8, "
                    "MaxFragments=2, FragmentDelimiter=\" … \""], output_field=TextField())
    return RawSQL(f"(SELECT snippet(cases_case_fts, -1, '{MARK_START}', '{MARK_END}', '…', 16)"
                  " FROM cases_case_fts WHERE cases_case_fts MATCH %s"
                  " AND rowid = cases_case.id)", [query], output_field=TextField())


@dataclass(frozen=True)
class Plan:
    """A parsed query for one user: the SQL condition and what each part of it means."""

    terms: Terms
    condition: Q
    fts: str
    customers: dict[int, str]  # customer id → which identifier matched it

    @property
    def matches_nothing(self) -> bool:
        return self.condition == Q(pk__in=[])


def plan(user: User, query: str) -> Plan:
    """One small indexed query at most (customers by phone, e-mail or customer number)."""
    terms = parse(query)
    personal = permissions.sees_personal_data(user)
    condition = Q(pk__in=[])
    if terms.reference:
        condition |= Q(reference=terms.reference)
    if terms.case_id is not None:
        # References are built from the row id (CD-2026-000606 is row 606): the id finds it
        # by primary key, and the ending confirms the query really was that reference.
        condition |= Q(pk=terms.case_id, reference__iendswith=terms.reference_tail)
    customers: dict[int, str] = {}
    if personal:
        who = Q(external_id=terms.text)
        if terms.phone_key:
            who |= Q(phone_key=terms.phone_key)
        if terms.email_key:
            who |= Q(email_key=terms.email_key)
        for pk, phone, email in Customer.objects.filter(who).values_list(
                "pk", "phone_key", "email_key")[:200]:
            customers[pk] = ("phone" if terms.phone_key and phone == terms.phone_key else
                             "email" if terms.email_key and email == terms.email_key else
                             "external_id")
        if customers:
            condition |= Q(customer_id__in=list(customers))
    fts = _fts_query(terms, personal=personal) if terms.words else ""
    if fts:
        condition |= Q(_fts_match(fts))
    return Plan(terms=terms, condition=condition, fts=fts, customers=customers)


def filter_cases(qs: QuerySet, user: User, query: str) -> QuerySet:
    """The queue list's and the API's `q`: the same matching as the search page."""
    p = plan(user, query)
    return qs.none() if p.matches_nothing else qs.filter(p.condition)


def customer_filter(text: str) -> Q:
    """The queue's «Customer» box (personal-data roles only): a phone in any format, part of an
    e-mail, the customer number, or words of the name, case-insensitive."""
    text = clean(text)
    who = Q(customer__external_id=text) | Q(customer__email_key__contains=text.lower())
    if PHONE.match(text) and len(re.sub(r"\D", "", text)) >= 5:
        who |= Q(customer__phone_key=phone_key(text))
    if words := tuple(WORD.findall(text))[:MAX_WORDS]:
        if connection.vendor == "postgresql":
            who |= Q(_fts_match(" & ".join(w + ":D" for w in words)))
        else:
            who |= Q(_fts_match("{name} : (" + " ".join(f'"{_stem(w)}"*' for w in words) + ")"))
    return who


@dataclass
class Hit:
    case: Case
    matched: str  # reference, phone, email, external_id or text
    snippet: SafeString
    score: float


@dataclass
class CustomerHit:
    customer: Customer
    matched: str
    cases: int  # how many of the found cases are theirs
    first: Case | None = None


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    customers: list[CustomerHit] = field(default_factory=list)
    count: int = 0
    capped: bool = False
    offset: int = 0
    limit: int = 20

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.count

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


def render_snippet(raw: str | None) -> SafeString:
    """Escape the text, then turn the database's markers into <mark>: never the other way."""
    text = escape(raw or "")
    return mark_safe(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))  # noqa: S308


def search(user: User, query: str, *, offset: int = 0, limit: int = 20,
           related: Sequence[str] = ("customer", "queue", "topic", "assignee")) -> Results:
    """Best match first: identifiers (reference, then phone / e-mail / customer number) before
    words, words by full-text rank. At most five SQL queries whatever the page."""
    p = plan(user, query)
    results = Results(query=p.terms.text, offset=offset, limit=limit)
    if p.matches_nothing:
        return results
    visible = permissions.cases_visible_to(user, Case.objects.all())
    # Its own query, then a list: PostgreSQL planned `id IN (… ORDER BY id DESC LIMIT n)` as a
    # semi-join over the whole table (minutes at 1,000,000 cases).
    newest = list(visible.filter(p.condition).order_by("-pk").values_list("pk", flat=True)
                  [:CANDIDATES])
    if not newest:
        return results
    identifier = SqlCase(
        When(Q(reference=p.terms.reference) if p.terms.reference else Q(pk__in=[]), then=3),
        When(Q(pk=p.terms.case_id, reference__iendswith=p.terms.reference_tail)
             if p.terms.case_id is not None else Q(pk__in=[]), then=3),
        When(Q(customer_id__in=list(p.customers)) if p.customers else Q(pk__in=[]), then=2),
        default=0, output_field=IntegerField())
    rank = _fts_rank(p.fts) if p.fts else Value(0.0, output_field=FloatField())
    ranked = sorted(
        Case.objects.filter(pk__in=newest).annotate(identifier=identifier, rank=rank)
        .values_list("pk", "customer_id", "identifier", "rank"),
        key=lambda row: (-row[2], -(row[3] or 0.0), -row[0]))
    results.count, results.capped = len(ranked), len(ranked) >= CANDIDATES
    page = ranked[offset:offset + limit]
    if not page:
        return results
    qs = Case.objects.filter(pk__in=[row[0] for row in page]).select_related(*related)
    if p.fts:
        qs = qs.annotate(snippet_raw=_snippet(p.fts))
    by_pk = {case.pk: case for case in qs}
    for pk, customer_id, ident, score in page:
        case = by_pk[pk]
        matched = ("reference" if ident == 3 else p.customers.get(customer_id, "text")
                   if ident == 2 else "text")
        raw = getattr(case, "snippet_raw", None) if matched == "text" else None
        if not raw or MARK_START not in raw:
            raw = " — ".join(part for part in (case.subject, case.text[:200]) if part)
        results.hits.append(Hit(case=case, matched=matched, snippet=render_snippet(raw),
                                score=float(ident) + float(score or 0.0)))
    # Customers: whoever owns the found cases, the best-placed first (first 10).
    order: dict[int, int] = {}
    for _pk, customer_id, _ident, _score in ranked:
        order.setdefault(customer_id, 0)
        order[customer_id] += 1
    top = list(order)[:10]
    firsts = {}
    for row in ranked:
        firsts.setdefault(row[1], row[0])
    first_cases = {hit.case.pk: hit.case for hit in results.hits}
    for customer in sorted(Customer.objects.filter(pk__in=top), key=lambda c: top.index(c.pk)):
        results.customers.append(CustomerHit(
            customer=customer, matched=p.customers.get(customer.pk, "text"),
            cases=order[customer.pk], first=first_cases.get(firsts[customer.pk])))
    return results
