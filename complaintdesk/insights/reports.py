"""Dashboard metrics, aggregated in SQL on SQLite and PostgreSQL alike.

Every panel is a `Table` (key, title, header, rows) built from one filtered case queryset, so the
page, the CSV/XLSX export, the API and the scheduled report all show the same numbers. Complaints
and claims are never averaged together: every table is grouped by kind first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import connections
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
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models import Case as CaseWhen
from django.db.models.functions import Coalesce, Trunc, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.dateparse import parse_date

from complaintdesk.accounts import permissions
from complaintdesk.cases.lifecycle import Status as S
from complaintdesk.cases.models import Accepted, Case, Customer, Event, EventType, HandlingCostRate, Kind

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


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: Iterable[Sequence[Any]]
    chart: dict[str, Any] = field(default_factory=dict)


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
    return Table("volumes", f"Cases per {f.granularity}, by kind", ["period", "kind", "cases"], data,
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
    data = [[k, code or "", name or "(no topic)", c["n"]] for (k, code, name), c in counts.items()]
    data.sort(key=lambda r: (r[0], -r[3], r[1]))
    return Table("volumes_topic", "Cases by kind and topic", ["kind", "topic", "topic name", "cases"],
                 data, chart={"type": "bar", "x": 2, "series": 0, "y": 3})


def volumes_by_channel(user, f: Filters) -> Table:
    counts = _merged_counts(user, f, ["kind", "channel"], {"n": Count("pk")}, {"n": Sum("cases")},
                            ["kind", "channel"])
    data = [[k, ch, c["n"]] for (k, ch), c in counts.items()]
    data.sort(key=lambda r: (r[0], -r[2], r[1]))
    return Table("volumes_channel", "Cases by kind and channel", ["kind", "channel", "cases"], data,
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
    title = "Timeliness by kind and channel"
    if precision != "exact":
        title += f" (percentiles from daily duration buckets, {precision})"
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
    return Table("quality", "Quality by kind", header, data)


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
    return Table("complaint_rate", "Complaints per 1,000 customers / orders", header, data)


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
        data.append([kind, code or "", name or "(no topic)", r["n"],
                     claimed, paid, _pct(paid, claimed), handling, paid + handling])
    data.sort(key=lambda row: (row[0], -row[8], row[1]))
    return Table("money", "Money and cost of failure by kind and topic", header, data,
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
        data.append([r[code] or "", r[name] or f"(no {key})", r["responses"],
                     round(float(r["csat_avg"]), 2) if r["csat_avg"] is not None else None,
                     _pct(r["satisfied"], r["responses"]), r["nps_n"], nps])
    return Table(f"satisfaction_{key}", title, header, data)


def satisfaction_by_topic(user, f: Filters) -> Table:
    return _satisfaction(user, f, "topic", "topic__code", "topic__name", "Satisfaction by topic")


def satisfaction_by_queue(user, f: Filters) -> Table:
    return _satisfaction(user, f, "queue", "queue__code", "queue__name", "Satisfaction by queue")


def case_list(user, f: Filters) -> Table:
    """Case-level rows for export (streamed); customer data masked for roles without access."""
    from complaintdesk.desk.common import customer_display

    header = ["reference", "received", "kind", "topic", "channel", "queue", "product", "status",
              "customer", "amount claimed", "paid", "subject"]

    def rows():
        qs = cases(user, f).select_related("topic", "queue", "customer").order_by("received_at", "pk")
        for c in qs.iterator(chunk_size=2000):
            who = customer_display(user, c.customer)["short"]
            yield [c.reference, timezone.localtime(c.received_at), c.kind,
                   c.topic.code if c.topic else "", c.channel, c.queue.code, c.product, c.status,
                   who, c.amount_claimed, c.decision_amount, c.subject]

    return Table("cases", "Cases", header, rows())


def watch_list(user, f: Filters, *, min_cases: int = 3) -> Table:
    """Repeat complainers and resonance risk, for the special group. A list to look at, never a
    reason to reject anyone's case."""
    from complaintdesk.desk.common import customer_display

    in_period = Q(cases__received_at__gte=f.start_dt, cases__received_at__lt=f.end_dt)
    ids = permissions.visible_queue_ids(user)
    if ids is not None:
        in_period &= Q(cases__queue_id__in=ids)
    open_unanswered = in_period & Q(cases__decided_at__isnull=True) & ~Q(cases__status=S.CLOSED.value)
    escalations = (Event.objects.filter(case__customer=OuterRef("pk"), type=EventType.ESCALATED)
                   .order_by().values("case__customer").annotate(c=Count("pk")).values("c"))
    qs = Customer.objects.annotate(
        n=Count("cases", filter=in_period),
        unanswered=Count("cases", filter=open_unanswered),
        claims=Count("cases", filter=in_period & Q(cases__kind=Kind.CLAIM)),
        resonance_n=Count("cases", filter=Q(cases__resonance=True)),
        escalations=Coalesce(Subquery(escalations), 0),
    ).filter(
        Q(n__gte=min_cases) | Q(n__gte=1, resonance_n__gt=0) | Q(unanswered__gte=2)
    ).order_by("-resonance_n", "-n", "pk")
    header = ["customer id", "customer", "cases in period", "claims", "open without answer",
              "escalations (ever)", "resonance cases (ever)", "serial claimant", "risk"]

    def risk(c) -> str:
        if c.resonance_n:
            return "resonance"
        if c.unanswered >= 2 or c.escalations:
            return "high"
        return "watch"

    data = [[c.pk, customer_display(user, c)["short"], c.n, c.claims, c.unanswered, c.escalations,
             c.resonance_n, c.serial_claimant, risk(c)] for c in qs[:500]]
    return Table("watchlist", "Repeat complainers and resonance risk", header, data)


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
        from django.db import transaction

        with transaction.atomic(), connections["default"].cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            table = TABLES[name](user, f)
            table.rows = list(table.rows)
            return table
    return TABLES[name](user, f)
