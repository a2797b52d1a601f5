"""Dashboard metrics, aggregated in SQL on SQLite and PostgreSQL alike.

Every panel is a `Table` (key, title, header, rows) built from one filtered case queryset, so the
page, the CSV/XLSX export, the API and the scheduled report all show the same numbers. Complaints
and claims are never averaged together: every table is grouped by kind first.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import connections, transaction
from django.db.models import (
    Aggregate,
    Avg,
    BigIntegerField,
    Count,
    DateField,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models import Case as CaseWhen
from django.db.models.functions import Coalesce, Trunc, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from complaintdesk.accounts import permissions
from complaintdesk.cases.lifecycle import Status as S
from complaintdesk.cases.models import (
    Accepted,
    Case,
    Channel,
    Customer,
    Event,
    EventType,
    HandlingCostRate,
    Kind,
)

GRANULARITIES = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


# ---------------------------------------------------------------- filters


@dataclass
class Filters:
    """What the dashboard shows: a period (local dates, end inclusive) and case attributes."""

    start: date
    end: date
    kind: str = ""
    topic: str = ""
    channel: str = ""
    queue: str = ""
    product: str = ""
    granularity: str = "week"
    repeat_days: int = 30

    @classmethod
    def from_params(cls, params: Any, *, now: datetime | None = None) -> Filters:
        today = timezone.localdate(now or timezone.now())
        end = _date(params.get("end")) or today
        start = _date(params.get("start")) or end - timedelta(days=29)
        if start > end:
            start, end = end, start
        gran = params.get("granularity") or "week"
        try:
            repeat_days = max(1, min(365, int(params.get("repeat_days") or 30)))
        except ValueError:
            repeat_days = 30
        return cls(
            start=start, end=end, kind=(params.get("kind") or "").strip(),
            topic=(params.get("topic") or "").strip(), channel=(params.get("channel") or "").strip(),
            queue=(params.get("queue") or "").strip(), product=(params.get("product") or "").strip(),
            granularity=gran if gran in GRANULARITIES else "week", repeat_days=repeat_days,
        )

    def as_params(self) -> dict[str, str]:
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v not in ("", None):
                out[f.name] = v.isoformat() if isinstance(v, date) else str(v)
        return out

    @property
    def start_dt(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_dt(self) -> datetime:
        """Exclusive end: the start of the day after `end`."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))


def _date(value: Any) -> date | None:
    """A filter date, or None (the default range) for text that is none or lies outside
    1900-2099: year 1 in Moscow is before year 1 in UTC, which Python cannot hold."""
    if not value:
        return None
    try:
        parsed = parse_date(str(value))
    except ValueError:
        return None
    return parsed if parsed is not None and 1900 <= parsed.year <= 2099 else None


def attribute_q(f: Filters, prefix: str = "") -> Q:
    """The non-date filters as a Q over Case (with `prefix` for related lookups)."""
    q = Q()
    if f.kind:
        q &= Q(**{f"{prefix}kind": f.kind})
    if f.topic:
        q &= Q(**{f"{prefix}topic__code": f.topic}) | Q(**{f"{prefix}topic__parent__code": f.topic})
    if f.channel:
        q &= Q(**{f"{prefix}channel": f.channel})
    if f.queue:
        q &= Q(**{f"{prefix}queue__code": f.queue})
    if f.product:
        q &= Q(**{f"{prefix}product": f.product})
    return q


def cases(user, f: Filters) -> QuerySet:
    qs = permissions.cases_visible_to(user, Case.objects.all())
    return qs.filter(attribute_q(f), received_at__gte=f.start_dt, received_at__lt=f.end_dt).order_by()


# ---------------------------------------------------------------- roll-up or live

_FORCE_LIVE = False
EXACT_PERCENTILE_DAYS = 31  # periods up to this long get exact percentiles; longer: histogram


@contextmanager
def live_only():
    """Compute every panel from cases, ignoring the roll-up (tests, benchmark 'before')."""
    global _FORCE_LIVE
    old, _FORCE_LIVE = _FORCE_LIVE, True
    try:
        yield
    finally:
        _FORCE_LIVE = old


def split(f: Filters) -> tuple[tuple[date, date] | None, Filters | None]:
    """(days read from the roll-up, filters for the days computed live). Whole days before the
    local day of the last roll-up refresh come from the roll-up; the rest (today) is live."""
    from complaintdesk.insights import rollup

    until = None if _FORCE_LIVE else rollup.covered_until()
    if until is None or f.start >= until:
        return None, f
    rolled = (f.start, min(f.end, until - timedelta(days=1)))
    live = replace(f, start=until) if f.end >= until else None
    return rolled, live


def rollup_rows(user, f: Filters, days: tuple[date, date], keys: Sequence[str], model=None) -> QuerySet:
    """Roll-up rows of `days` at the smallest grain holding the group `keys`, the filtered keys
    and, for users who see some queues only, the queue."""
    from complaintdesk.insights import rollup
    from complaintdesk.insights.models import DailyCaseStats

    need = set(keys) | {"kind"}
    for attr, key in (("topic", "topic_id"), ("channel", "channel"), ("queue", "queue_id"),
                      ("product", "product")):
        if getattr(f, attr):
            need.add(key)
    ids = permissions.visible_queue_ids(user)
    if ids is not None:
        need.add("queue_id")
    qs = (model or DailyCaseStats).objects.filter(grain=rollup.grain_for(need), day__gte=days[0],
                                                  day__lte=days[1])
    qs = qs.filter(attribute_q(f)).order_by()
    return qs if ids is None else qs.filter(queue_id__in=ids)


# ---------------------------------------------------------------- percentiles


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(ARRAY[p, …]) WITHIN GROUP (ORDER BY expr): one sort for all
    the fractions; the value is a list in the order of `fractions`."""

    function = "percentile_cont"
    template = "%(function)s(ARRAY[%(fractions)s]) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression, fractions: Sequence[float], **extra):
        super().__init__(expression, fractions=", ".join(repr(float(q)) for q in fractions),
                         **extra)


def _is_postgres(qs: QuerySet) -> bool:
    return connections[qs.db].vendor == "postgresql"


def _hours(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 3600.0, 2)
    return round(float(value) / 3600.0, 2)


def duration_percentiles(
    qs: QuerySet,
    spans: dict[str, tuple[str, str]],
    group_by: Sequence[str],
    quantiles: Sequence[float] = (0.5, 0.9),
    extra: dict[str, Any] | None = None,
) -> dict[tuple, dict[str, Any]]:
    """Per group: quantiles (hours) of each span `name: (start_field, end_field)`, plus the
    `extra` aggregates. Rows whose end is NULL do not count for that span.

    PostgreSQL computes percentile_cont in SQL, every span and extra aggregate in one query;
    elsewhere only the duration columns of the filtered set are fetched and numpy interpolates
    the same way (linear, like percentile_cont).
    """
    exprs = {name: ExpressionWrapper(F(end) - F(start), output_field=DurationField())
             for name, (start, end) in spans.items()}
    base = qs.order_by()
    out: dict[tuple, dict[str, Any]] = {}
    if _is_postgres(qs):
        # percentile_cont ignores NULLs, so a span with no end simply does not count.
        from django.contrib.postgres.fields import ArrayField

        aggs = {f"{name}__q": PercentileCont(expr, quantiles, output_field=ArrayField(DurationField()))
                for name, expr in exprs.items()}
        for row in base.values(*group_by).annotate(**aggs, **(extra or {})):
            key = tuple(row[g] for g in group_by)
            out[key] = {name: {q: _hours(v) for q, v in
                               zip(quantiles, row[f"{name}__q"] or [None] * len(quantiles),
                                   strict=True)}
                        for name in exprs}
            out[key].update({k: row[k] for k in (extra or {})})
        return out
    grouped: dict[tuple, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    names = list(exprs)
    cols = {f"_span_{n}": e for n, e in exprs.items()}
    for values in base.annotate(**cols).values_list(*group_by, *cols).iterator(chunk_size=5000):
        key, durations = tuple(values[: len(group_by)]), values[len(group_by):]
        bucket = grouped[key]
        for name, d in zip(names, durations, strict=True):
            if d is not None:
                bucket[name].append(d.total_seconds())
    for key, bucket in grouped.items():
        out[key] = {}
        for name in names:
            arr = np.asarray(bucket.get(name, []), dtype=float)
            if arr.size:
                qv = np.percentile(arr, [q * 100 for q in quantiles], method="linear")
                out[key][name] = {q: _hours(v) for q, v in zip(quantiles, qv, strict=True)}
            else:
                out[key][name] = {q: None for q in quantiles}
    if extra:
        for row in base.values(*group_by).annotate(**extra):
            key = tuple(row[g] for g in group_by)
            out.setdefault(key, {name: {q: None for q in quantiles} for name in names})
            out[key].update({k: row[k] for k in extra})
    return out


# ---------------------------------------------------------------- tables


# Column keys stay English: the API, the exports and the charts address columns by them. What a
# person reads is the label below (a context keeps them apart from the same words elsewhere).
COLUMN_LABELS: dict[str, Any] = {
    "period": pgettext_lazy("dashboard column", "period"),
    "kind": pgettext_lazy("dashboard column", "kind"),
    "cases": pgettext_lazy("dashboard column", "cases"),
    "topic": pgettext_lazy("dashboard column", "topic"),
    "topic name": pgettext_lazy("dashboard column", "topic name"),
    "channel": pgettext_lazy("dashboard column", "channel"),
    "queue": pgettext_lazy("dashboard column", "queue"),
    "queue name": pgettext_lazy("dashboard column", "queue name"),
    "ack median h": pgettext_lazy("dashboard column", "ack median h"),
    "ack p90 h": pgettext_lazy("dashboard column", "ack p90 h"),
    "resolve median h": pgettext_lazy("dashboard column", "resolve median h"),
    "resolve p90 h": pgettext_lazy("dashboard column", "resolve p90 h"),
    "SLA measured": pgettext_lazy("dashboard column", "SLA measured"),
    "SLA met": pgettext_lazy("dashboard column", "SLA met"),
    "SLA compliance %": pgettext_lazy("dashboard column", "SLA compliance %"),
    "breaches": pgettext_lazy("dashboard column", "breaches"),
    "repeat rate %": pgettext_lazy("dashboard column", "repeat rate %"),
    "reopened": pgettext_lazy("dashboard column", "reopened"),
    "reopen rate %": pgettext_lazy("dashboard column", "reopen rate %"),
    "closed": pgettext_lazy("dashboard column", "closed"),
    "accepted": pgettext_lazy("dashboard column", "accepted"),
    "not accepted": pgettext_lazy("dashboard column", "not accepted"),
    "accepted share %": pgettext_lazy("dashboard column", "accepted share %"),
    "base from": pgettext_lazy("dashboard column", "base from"),
    "base to": pgettext_lazy("dashboard column", "base to"),
    "customers": pgettext_lazy("dashboard column", "customers"),
    "orders": pgettext_lazy("dashboard column", "orders"),
    "complaints": pgettext_lazy("dashboard column", "complaints"),
    "claims": pgettext_lazy("dashboard column", "claims"),
    "complaints per 1,000 customers": pgettext_lazy("dashboard column",
                                                    "complaints per 1,000 customers"),
    "complaints per 1,000 orders": pgettext_lazy("dashboard column", "complaints per 1,000 orders"),
    "claims per 1,000 customers": pgettext_lazy("dashboard column", "claims per 1,000 customers"),
    "claims per 1,000 orders": pgettext_lazy("dashboard column", "claims per 1,000 orders"),
    "claimed": pgettext_lazy("dashboard column", "claimed"),
    "paid back": pgettext_lazy("dashboard column", "paid back"),
    "paid share %": pgettext_lazy("dashboard column", "paid share %"),
    "handling cost": pgettext_lazy("dashboard column", "handling cost"),
    "cost of failure": pgettext_lazy("dashboard column", "cost of failure"),
    "responses": pgettext_lazy("dashboard column", "responses"),
    "CSAT average (1–5)": pgettext_lazy("dashboard column", "CSAT average (1–5)"),
    "CSAT % (4–5)": pgettext_lazy("dashboard column", "CSAT % (4–5)"),
    "NPS answers": pgettext_lazy("dashboard column", "NPS answers"),
    "NPS": pgettext_lazy("dashboard column", "NPS"),
    "reference": pgettext_lazy("dashboard column", "reference"),
    "received": pgettext_lazy("dashboard column", "received"),
    "answer due": pgettext_lazy("dashboard column", "answer due"),
    "time zone": pgettext_lazy("dashboard column", "time zone"),
    "product": pgettext_lazy("dashboard column", "product"),
    "status": pgettext_lazy("dashboard column", "status"),
    "customer": pgettext_lazy("dashboard column", "customer"),
    "amount claimed": pgettext_lazy("dashboard column", "amount claimed"),
    "paid": pgettext_lazy("dashboard column", "paid"),
    "subject": pgettext_lazy("dashboard column", "subject"),
    "customer id": pgettext_lazy("dashboard column", "customer id"),
    "cases in period": pgettext_lazy("dashboard column", "cases in period"),
    "open without answer": pgettext_lazy("dashboard column", "open without answer"),
    "escalations (ever)": pgettext_lazy("dashboard column", "escalations (ever)"),
    "resonance cases (ever)": pgettext_lazy("dashboard column", "resonance cases (ever)"),
    "serial claimant": pgettext_lazy("dashboard column", "serial claimant"),
    "risk": pgettext_lazy("dashboard column", "risk"),
}
_REPEAT_COLUMN = re.compile(r"repeat contacts \((\d+) d\)")
# Coded cell values shown as words; the stored rows keep the codes (exports, API, tests).
ALL_CHANNELS, NO_TOPIC, NO_QUEUE = "(all)", "(no topic)", "(no queue)"
CELL_LABELS: dict[str, Any] = {
    ALL_CHANNELS: gettext_lazy("(all channels)"),
    NO_TOPIC: gettext_lazy("(no topic)"),
    NO_QUEUE: gettext_lazy("(no queue)"),
}
RISK_LABELS = {"resonance": gettext_lazy("resonance"), "high": gettext_lazy("high"),
               "watch": gettext_lazy("watch")}
GRANULARITY_LABELS = {"day": gettext_lazy("day"), "week": gettext_lazy("week"),
                      "month": gettext_lazy("month")}
VOLUME_TITLES = {"day": gettext_lazy("Cases per day, by kind"),
                 "week": gettext_lazy("Cases per week, by kind"),
                 "month": gettext_lazy("Cases per month, by kind")}


def column_label(key: str) -> str:
    if (m := _REPEAT_COLUMN.fullmatch(key)) is not None:
        return _("repeat contacts (%(days)s d)") % {"days": m.group(1)}
    return str(COLUMN_LABELS.get(key, key))


def cell_label(column: str, value: Any) -> Any:
    """A cell as a person reads it: labels for kinds, channels, risks, flags and placeholders."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if not isinstance(value, str):
        return value
    if value in CELL_LABELS:
        return str(CELL_LABELS[value])
    if column == "kind":
        return _kind_label(value)
    if column == "channel":
        return str(dict(Channel.choices).get(value, value))
    if column == "risk":
        return str(RISK_LABELS.get(value, value))
    return value


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: Iterable[Sequence[Any]]
    chart: dict[str, Any] = field(default_factory=dict)

    @property
    def shown_columns(self) -> list[int]:
        """Columns a person sees: a code column is left out where its name column is present
        (exports and the API keep both)."""
        return [i for i, h in enumerate(self.header) if f"{h} name" not in self.header]

    @property
    def labels(self) -> list[str]:
        return [column_label(self.header[i]) for i in self.shown_columns]

    def labelled_rows(self, rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
        """Every column, coded cells as words (the charts index columns by position)."""
        return [[cell_label(h, v) for h, v in zip(self.header, row, strict=False)] for row in rows]

    def display_rows(self, rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
        shown = self.shown_columns
        return [[row[i] for i in shown] for row in self.labelled_rows(rows)]


def _pct(part: int | float | None, whole: int | float | None) -> float | None:
    if not whole:
        return None
    return round(100.0 * float(part or 0) / float(whole), 1)


def _kind_label(value: str) -> str:
    try:
        return str(Kind(value).label)
    except ValueError:
        return value


def volumes_by_period(user, f: Filters) -> Table:
    rolled, live = split(f)
    counts: Counter = Counter()
    if rolled:
        trunc = Trunc("day", f.granularity, output_field=DateField())
        for r in (rollup_rows(user, f, rolled, ["kind"]).annotate(period=trunc).values("period", "kind")
                  .annotate(n=Sum("cases"))):
            counts[(r["period"], r["kind"])] += r["n"]
    if live:
        trunc = GRANULARITIES[f.granularity]("received_at", tzinfo=timezone.get_current_timezone())
        for r in cases(user, live).annotate(period=trunc).values("period", "kind").annotate(n=Count("pk")):
            period = (timezone.localtime(r["period"]).date() if isinstance(r["period"], datetime)
                      else r["period"])
            counts[(period, r["kind"])] += r["n"]
    data = [[p, k, n] for (p, k), n in sorted(counts.items())]
    return Table("volumes", str(VOLUME_TITLES[f.granularity]), ["period", "kind", "cases"], data,
                 chart={"type": "line", "x": 0, "series": 1, "y": 2})


def _merged_counts(user, f: Filters, group: Sequence[str], live_aggs: dict[str, Any],
                   rollup_aggs: dict[str, Any], keys: Sequence[str]) -> dict[tuple, Counter]:
    """Per group key: the roll-up's sums for its days plus the live aggregates for the rest."""
    rolled, live = split(f)
    out: dict[tuple, Counter] = defaultdict(Counter)
    if rolled:
        for r in rollup_rows(user, f, rolled, keys).values(*group).annotate(**rollup_aggs):
            out[tuple(r[g] for g in group)].update({k: r[k] or 0 for k in rollup_aggs})
    if live:
        for r in cases(user, live).values(*group).annotate(**live_aggs):
            out[tuple(r[g] for g in group)].update({k: r[k] or 0 for k in live_aggs})
    return out


def volumes_by_topic(user, f: Filters) -> Table:
    counts = _merged_counts(user, f, ["kind", "topic__code", "topic__name"], {"n": Count("pk")},
                            {"n": Sum("cases")}, ["kind", "topic_id"])
    data = [[k, code or "", name or NO_TOPIC, c["n"]] for (k, code, name), c in counts.items()]
    data.sort(key=lambda r: (r[0], -r[3], r[1]))
    return Table("volumes_topic", _("Cases by kind and topic"), ["kind", "topic", "topic name", "cases"],
                 data, chart={"type": "bar", "x": 2, "series": 0, "y": 3})


def volumes_by_channel(user, f: Filters) -> Table:
    counts = _merged_counts(user, f, ["kind", "channel"], {"n": Count("pk")}, {"n": Sum("cases")},
                            ["kind", "channel"])
    data = [[k, ch, c["n"]] for (k, ch), c in counts.items()]
    data.sort(key=lambda r: (r[0], -r[2], r[1]))
    return Table("volumes_channel", _("Cases by kind and channel"), ["kind", "channel", "cases"], data,
                 chart={"type": "bar", "x": 1, "series": 0, "y": 2})


def timeliness(user, f: Filters, *, now: datetime | None = None) -> Table:
    """Per kind and channel (and per kind over all channels): ack and resolve times, SLA.

    Counts: roll-up for whole days + live for today. Percentiles: exact (percentile_cont) for
    periods up to EXACT_PERCENTILE_DAYS, else from the roll-up's duration histogram."""
    from complaintdesk.insights import rollup

    now = now or timezone.now()
    measured = Q(decided_at__isnull=False, resolve_by__isnull=False)
    live_aggs = dict(
        sla_measured=Count("pk", filter=measured),
        sla_met=Count("pk", filter=measured & Q(decided_at__lte=F("resolve_by"))),
        breaches=Count("pk", filter=(measured & Q(decided_at__gt=F("resolve_by")))
                       | Q(decided_at__isnull=True, resolve_by__lt=now)),
        total=Count("pk"),
    )
    rollup_aggs = {k: Sum(k) for k in ("sla_measured", "sla_met", "breaches")}
    rollup_aggs["total"] = Sum("cases")
    by_channel = _merged_counts(user, f, ["kind", "channel"], live_aggs, rollup_aggs,
                                ["kind", "channel"])
    counts: dict[tuple, Counter] = dict(by_channel)
    for (kind, _ch), c in by_channel.items():
        counts.setdefault((kind,), Counter()).update(c)

    rolled, live = split(f)
    spans = {"ack": rollup.SPANS["ack"], "res": rollup.SPANS["res"]}
    period_days = (f.end - f.start).days + 1
    pct: dict[tuple, dict[str, dict[float, float | None]]] = {}
    if rolled is None or period_days <= EXACT_PERCENTILE_DAYS:
        qs = cases(user, f)
        for group_by in (["kind"], ["kind", "channel"]):
            pct.update(duration_percentiles(qs, spans, group_by))
        precision = "exact"
    else:
        hists: dict[tuple, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        from complaintdesk.insights.models import DailyDurationBucket

        for r in (rollup_rows(user, f, rolled, ["kind", "channel"], model=DailyDurationBucket)
                  .values("kind", "channel", "span", "bucket").annotate(n=Sum("n"))):
            for key in ((r["kind"],), (r["kind"], r["channel"])):
                hists[key][r["span"]][r["bucket"]] += r["n"]
        if live:
            cols = {f"_d_{n}": ExpressionWrapper(F(e) - F(s), output_field=DurationField())
                    for n, (s, e) in spans.items()}
            for kind, ch, *ds in cases(user, live).annotate(**cols).values_list("kind", "channel", *cols):
                for name, d in zip(spans, ds, strict=True):
                    if d is not None:
                        b = rollup.bucket_of_seconds(d.total_seconds())
                        hists[(kind,)][name][b] += 1
                        hists[(kind, ch)][name][b] += 1
        for key, h in hists.items():
            pct[key] = {name: {q: _hours(v) for q, v in
                               rollup.percentiles_from_histogram(h.get(name, {}), (0.5, 0.9)).items()}
                        for name in spans}
        precision = f"histogram ±{rollup.BUCKET_PRECISION_PCT} %"
    header = ["kind", "channel", "cases", "ack median h", "ack p90 h", "resolve median h",
              "resolve p90 h", "SLA measured", "SLA met", "SLA compliance %", "breaches"]
    data: list[list[Any]] = []
    empty = {0.5: None, 0.9: None}
    for key, c in counts.items():
        p = pct.get(key, {})
        a, d = p.get("ack", empty), p.get("res", empty)
        data.append([key[0], key[1] if len(key) > 1 else "(all)", c["total"], a[0.5], a[0.9],
                     d[0.5], d[0.9], c["sla_measured"], c["sla_met"],
                     _pct(c["sla_met"], c["sla_measured"]), c["breaches"]])
    data.sort(key=lambda row: (row[0], row[1] != "(all)", row[1]))
    title = _("Timeliness by kind and channel")
    if precision != "exact":
        title += " " + _("(percentiles from daily duration buckets, histogram ±%(pct)s %%)") % {
            "pct": rollup.BUCKET_PRECISION_PCT}
    return Table("timeliness", title, header, data,
                 chart={"type": "bar", "x": 1, "series": 0, "y": 5, "only": ("channel", "(all)")})


def reopened_q() -> Exists:
    return Exists(Event.objects.filter(
        case=OuterRef("pk"), type=EventType.TRANSITIONED,
        before__status__in=[S.CLOSED.value, S.DECIDED.value], after__status=S.INVESTIGATION.value,
    ))


def repeat_q(days: int) -> Exists:
    """An earlier case of the same customer on the same topic within `days` days."""
    return Exists(Case.objects.filter(
        customer=OuterRef("customer"), topic=OuterRef("topic"),
        received_at__lt=OuterRef("received_at"),
        received_at__gte=OuterRef("received_at") - timedelta(days=days),
    ))


_BIG = 1_000_000_000


def quality(user, f: Filters) -> Table:
    from complaintdesk.insights import rollup

    # Each correlated EXISTS is evaluated once per row: the reopen flag and "closed at least once"
    # share one CASE, summed as reopened + closed_or_reopened × 10⁹ and split afterwards.
    reopen_code = CaseWhen(
        When(reopened_q(), then=Value(_BIG + 1)),
        When(closed_at__isnull=False, then=Value(_BIG)),
        default=Value(0), output_field=BigIntegerField(),
    )
    live_aggs = dict(
        total=Count("pk"),
        repeats=Count("pk", filter=Q(repeat_q(f.repeat_days))),
        reopen_code=Coalesce(Sum(reopen_code), 0, output_field=BigIntegerField()),
        closed=Count("pk", filter=Q(status=S.CLOSED.value)),
        accepted=Count("pk", filter=Q(status=S.CLOSED.value, customer_accepted=Accepted.YES)),
        not_accepted=Count("pk", filter=Q(status=S.CLOSED.value, customer_accepted=Accepted.NO)),
    )
    rollup_aggs = {k: Sum(k) for k in ("repeats", "reopened", "closed_or_reopened", "closed",
                                       "accepted", "not_accepted")}
    rollup_aggs["total"] = Sum("cases")
    if f.repeat_days == rollup.REPEAT_DAYS:
        merged = _merged_counts(user, f, ["kind"], live_aggs, rollup_aggs, ["kind"])
    else:  # the roll-up stores the default window only
        with live_only():
            merged = _merged_counts(user, f, ["kind"], live_aggs, rollup_aggs, ["kind"])
    rows = []
    for (kind,), c in sorted(merged.items()):
        code = int(c.pop("reopen_code", 0))
        c["reopened"] += code % _BIG
        c["closed_or_reopened"] += code // _BIG
        rows.append({"kind": kind, **c})
    header = ["kind", "cases", f"repeat contacts ({f.repeat_days} d)", "repeat rate %", "reopened",
              "reopen rate %", "closed", "accepted", "not accepted", "accepted share %"]
    data = [[r["kind"], r["total"], r["repeats"], _pct(r["repeats"], r["total"]), r["reopened"],
             _pct(r["reopened"], r["closed_or_reopened"]), r["closed"], r["accepted"],
             r["not_accepted"], _pct(r["accepted"], r["closed"])] for r in rows]
    return Table("quality", _("Quality by kind"), header, data)


def complaint_rate(user, f: Filters) -> Table:
    """Complaints and claims per 1,000 customers / orders for each entered base overlapping the period."""
    from complaintdesk.insights.models import OrganisationBase

    header = ["base from", "base to", "customers", "orders", "complaints", "claims",
              "complaints per 1,000 customers", "complaints per 1,000 orders",
              "claims per 1,000 customers", "claims per 1,000 orders"]
    data = []
    visible = permissions.cases_visible_to(user, Case.objects.all())
    for base in OrganisationBase.objects.filter(period_start__lte=f.end, period_end__gte=f.start):
        sub = Filters(start=base.period_start, end=base.period_end, topic=f.topic, channel=f.channel,
                      queue=f.queue, product=f.product)
        agg = visible.filter(attribute_q(sub), received_at__gte=sub.start_dt,
                             received_at__lt=sub.end_dt).aggregate(
            complaints=Count("pk", filter=Q(kind=Kind.COMPLAINT)),
            claims=Count("pk", filter=Q(kind=Kind.CLAIM)),
        )

        def per_1000(n, b):
            return round(1000.0 * n / b, 3) if b else None

        data.append([base.period_start, base.period_end, base.customers, base.orders,
                     agg["complaints"], agg["claims"],
                     per_1000(agg["complaints"], base.customers), per_1000(agg["complaints"], base.orders),
                     per_1000(agg["claims"], base.customers), per_1000(agg["claims"], base.orders)])
    return Table("complaint_rate", _("Complaints per 1,000 customers / orders"), header, data)


def handling_cost_expr():
    """Cost of handling one case from the configured rate of its channel (stored cost otherwise)."""
    money = DecimalField(max_digits=14, decimal_places=2)
    whens = [When(channel=r.channel, then=Value(r.amount, output_field=money))
             for r in HandlingCostRate.objects.all()]
    if not whens:
        return F("handling_cost")
    return CaseWhen(*whens, default=F("handling_cost"), output_field=money)


def money(user, f: Filters) -> Table:
    """Claimed vs paid back and the cost of handling per kind and topic: the cost of failure."""
    dec = DecimalField(max_digits=16, decimal_places=2)
    zero = Value(Decimal("0"), output_field=dec)
    rates = {r.channel: Decimal(r.amount) for r in HandlingCostRate.objects.all()}
    rolled, live = split(f)
    sums: dict[tuple, dict[str, Any]] = defaultdict(
        lambda: {"n": 0, "claimed": Decimal(0), "paid": Decimal(0), "handling": Decimal(0)})
    if rolled:
        rows = (rollup_rows(user, f, rolled, ["kind", "topic_id", "channel"])
                .values("kind", "topic__code", "topic__name", "channel"))
        for r in rows.annotate(
                n=Sum("cases"), claimed=Sum("amount_claimed"), paid=Sum("decision_amount"),
                handling=Sum("handling_cost")):
            s = sums[(r["kind"], r["topic__code"], r["topic__name"])]
            s["n"] += r["n"]
            s["claimed"] += Decimal(r["claimed"] or 0)
            s["paid"] += Decimal(r["paid"] or 0)
            s["handling"] += (rates[r["channel"]] * r["n"] if r["channel"] in rates
                              else Decimal(r["handling"] or 0))
    if live:
        for r in cases(user, live).values("kind", "topic__code", "topic__name").annotate(
                n=Count("pk"),
                claimed=Coalesce(Sum("amount_claimed"), zero, output_field=dec),
                paid=Coalesce(Sum("decision_amount"), zero, output_field=dec),
                handling=Coalesce(Sum(handling_cost_expr(), output_field=dec), zero, output_field=dec)):
            s = sums[(r["kind"], r["topic__code"], r["topic__name"])]
            s["n"] += r["n"]
            for k in ("claimed", "paid", "handling"):
                s[k] += Decimal(r[k] or 0)
    header = ["kind", "topic", "topic name", "cases", "claimed", "paid back", "paid share %",
              "handling cost", "cost of failure"]
    data = []
    for (kind, code, name), r in sums.items():
        claimed, paid, handling = r["claimed"], r["paid"], r["handling"]
        data.append([kind, code or "", name or NO_TOPIC, r["n"],
                     claimed, paid, _pct(paid, claimed), handling, paid + handling])
    data.sort(key=lambda row: (row[0], -row[8], row[1]))
    return Table("money", _("Money and cost of failure by kind and topic"), header, data,
                 chart={"type": "bar", "x": 2, "series": 0, "y": 8})


def _satisfaction(user, f: Filters, key: str, code: str, name: str, title: str) -> Table:
    rows = cases(user, f).filter(survey__answered_at__isnull=False).values(code, name).annotate(
        responses=Count("survey__csat"),
        csat_avg=Avg("survey__csat"),
        satisfied=Count("pk", filter=Q(survey__csat__gte=4)),
        nps_n=Count("survey__nps"),
        promoters=Count("pk", filter=Q(survey__nps__gte=9)),
        detractors=Count("pk", filter=Q(survey__nps__lte=6)),
    ).order_by(code)
    header = [key, f"{key} name", "responses", "CSAT average (1–5)", "CSAT % (4–5)", "NPS answers",
              "NPS"]
    data = []
    for r in rows:
        nps = (round(100.0 * (r["promoters"] - r["detractors"]) / r["nps_n"], 1)
               if r["nps_n"] else None)
        data.append([r[code] or "", r[name] or (NO_TOPIC if key == "topic" else NO_QUEUE), r["responses"],
                     round(float(r["csat_avg"]), 2) if r["csat_avg"] is not None else None,
                     _pct(r["satisfied"], r["responses"]), r["nps_n"], nps])
    return Table(f"satisfaction_{key}", title, header, data)


def satisfaction_by_topic(user, f: Filters) -> Table:
    return _satisfaction(user, f, "topic", "topic__code", "topic__name", _("Satisfaction by topic"))


def satisfaction_by_queue(user, f: Filters) -> Table:
    return _satisfaction(user, f, "queue", "queue__code", "queue__name", _("Satisfaction by queue"))


def case_list(user, f: Filters) -> Table:
    """Case-level rows for export (streamed); customer data masked for roles without access."""
    from complaintdesk.cases.times import case_zone
    from complaintdesk.desk.common import customer_display

    # Times in the zone of the case's calendar, named in "time zone": XLSX cells carry none.
    header = ["reference", "received", "answer due", "time zone", "kind", "topic", "channel",
              "queue", "product", "status", "customer", "amount claimed", "paid", "subject"]

    def rows():
        qs = cases(user, f).select_related("topic", "queue", "customer").order_by("received_at", "pk")
        for c in qs.iterator(chunk_size=2000):
            who = customer_display(user, c.customer)["short"]
            tz = case_zone(c)
            due = timezone.localtime(c.resolve_by, tz) if c.resolve_by else None
            yield [c.reference, timezone.localtime(c.received_at, tz), due, tz.key, c.kind,
                   c.topic.code if c.topic else "", c.channel, c.queue.code, c.product, c.status,
                   who, c.amount_claimed, c.decision_amount, c.subject]

    return Table("cases", _("Cases"), header, rows())


# Ranks the customers of a period (one row per customer: at most a few per cent of the cases
# they sent) by one pass over the period's cases, read from the covering index
# case_received_watch alone, joined to the few resonance cases of any date (partial index
# case_resonance_customer). Written in SQL because the ORM would put the resonance count in the
# same scan as an OR, which turns the index-only scan into a heap scan of the whole period.
_WATCH_SQL = """
WITH period AS (
    SELECT customer_id, COUNT(*) AS n,
           COUNT(*) FILTER (WHERE decided_at IS NULL AND status <> %(closed)s) AS unanswered,
           COUNT(*) FILTER (WHERE kind = %(claim)s) AS claims
    FROM cases_case
    WHERE received_at >= %(start)s AND received_at < %(end)s AND customer_id IS NOT NULL {queues}
    GROUP BY customer_id
), loud AS (
    SELECT customer_id, COUNT(*) AS resonance_n
    FROM cases_case
    WHERE resonance AND customer_id IS NOT NULL {queues}
    GROUP BY customer_id
)
SELECT period.customer_id, n, unanswered, claims, COALESCE(resonance_n, 0)
FROM period LEFT JOIN loud ON loud.customer_id = period.customer_id
WHERE n >= %(min_cases)s OR unanswered >= 2 OR resonance_n > 0
ORDER BY COALESCE(resonance_n, 0) DESC, n DESC, period.customer_id
LIMIT 500
"""


def _watch_ranking(user, f: Filters, *, min_cases: int) -> list[dict]:
    ids = permissions.visible_queue_ids(user)
    if ids is not None and not ids:
        return []
    params: dict[str, Any] = {"closed": S.CLOSED.value, "claim": Kind.CLAIM.value, "start": f.start_dt,
                              "end": f.end_dt, "min_cases": min_cases}
    queues = ""
    if ids is not None:
        params.update({f"q{i}": queue for i, queue in enumerate(sorted(ids))})
        queues = "AND queue_id IN (" + ", ".join(f"%(q{i})s" for i in range(len(ids))) + ")"
    connection = connections["default"]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # For this transaction only: the per-customer hash table of a year's cases outgrows
            # the default 4 MB work_mem and spills to disk; JIT compiling costs more than it saves.
            cursor.execute("SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)")
        cursor.execute(_WATCH_SQL.format(queues=queues), params)
        return [dict(zip(("customer_id", "n", "unanswered", "claims", "resonance_n"), row,
                         strict=True)) for row in cursor.fetchall()]


def watch_list(user, f: Filters, *, min_cases: int = 3) -> Table:
    """Repeat complainers and resonance risk, for the special group. A list to look at, never a
    reason to reject anyone's case.

    One grouped query ranks at most 500 customers (_WATCH_SQL); the escalation counts and the
    names are then fetched for those customers only: three queries whatever the number of rows.
    Every count covers only the queues the user may see."""
    from complaintdesk.desk.common import customer_display

    ranked = _watch_ranking(user, f, min_cases=min_cases)
    ids = [r["customer_id"] for r in ranked]
    visible = permissions.cases_visible_to(user, Case.objects.filter(customer_id__in=ids))
    escalations = dict(
        Event.objects.filter(type=EventType.ESCALATED, case__in=visible)
        .order_by().values_list("case__customer_id").annotate(c=Count("pk"))
    ) if ids else {}
    customers = Customer.objects.in_bulk(ids)
    header = ["customer id", "customer", "cases in period", "claims", "open without answer",
              "escalations (ever)", "resonance cases (ever)", "serial claimant", "risk"]

    def risk(r: dict, escalated: int) -> str:
        if r["resonance_n"]:
            return "resonance"
        if r["unanswered"] >= 2 or escalated:
            return "high"
        return "watch"

    data = []
    for r in ranked:
        customer, escalated = customers[r["customer_id"]], escalations.get(r["customer_id"], 0)
        data.append([customer.pk, customer_display(user, customer)["short"], r["n"], r["claims"],
                     r["unanswered"], escalated, r["resonance_n"], customer.serial_claimant,
                     risk(r, escalated)])
    return Table("watchlist", _("Repeat complainers and resonance risk"), header, data)


TABLES: dict[str, Callable[..., Table]] = {
    "volumes": volumes_by_period,
    "volumes_topic": volumes_by_topic,
    "volumes_channel": volumes_by_channel,
    "timeliness": timeliness,
    "quality": quality,
    "complaint_rate": complaint_rate,
    "money": money,
    "satisfaction_topic": satisfaction_by_topic,
    "satisfaction_queue": satisfaction_by_queue,
    "cases": case_list,
    "watchlist": watch_list,
}
DASHBOARD_TABLES = ["volumes", "volumes_topic", "volumes_channel", "timeliness", "quality",
                    "complaint_rate", "money", "satisfaction_topic", "satisfaction_queue"]


def build(name: str, user, f: Filters) -> Table:
    """One table. On PostgreSQL aggregate tables run with JIT off: their large row estimates make
    the planner JIT-compile queries that take a few hundred ms, so compiling costs more than it saves."""
    if name in DASHBOARD_TABLES and connections["default"].vendor == "postgresql":
        with transaction.atomic(), connections["default"].cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            table = TABLES[name](user, f)
            table.rows = list(table.rows)
            return table
    return TABLES[name](user, f)
