"""Daily roll-up of cases for the dashboards: `DailyCaseStats` (counts and sums) and
`DailyDurationBucket` (duration histograms) per local day × kind × topic × channel × queue ×
product.

Panels sum the roll-up for whole days before the day of the last refresh and run live SQL for
the rest (today, and any day after a refresh that has not happened yet), so a year-long view reads
a few thousand roll-up rows instead of half a million cases.

Refresh (`refresh(now)`, called by `jobs.run_due`): the days touched since the last run — days of
cases received or updated since then, and of undecided cases whose resolve-by passed since then
(their breach flag changed) — plus the 30 following days of each (a later case's repeat flag
depends on earlier ones), are recomputed from cases in SQL. Once a day the last 35 days are
recomputed whatever happened (a safety net for bulk `.update()`s that do not touch `updated_at`).
The first run, and `complaintdesk insights rollup --rebuild`, rebuild everything.

Percentile precision: buckets are geometric with ratio 2^(1/4) ≈ 1.19 starting at one minute
(bucket 0 holds everything under a minute); the percentile is interpolated inside its bucket, so
it lies in the same bucket as the exact value: within 19 % of it (durations ≥ 1 minute).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models import Case as CaseWhen
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from complaintdesk.cases.lifecycle import Status as S
from complaintdesk.cases.models import Accepted, Case
from complaintdesk.insights.models import DailyCaseStats, DailyDurationBucket, RollupState

KEYS = ("kind", "topic_id", "channel", "queue_id", "product")
# Grains: grain 0 keeps every key; the others are sums of grain 0 over the keys they drop, so a
# panel reads the smallest grain holding its group keys, its filters and (for users who see some
# queues only) the queue. With many distinct keys a day (17 topics × 6 channels × 4 queues × 12
# products…) grain 0 has nearly a row per case, the coarse grains stay small.
GRAINS: dict[int, tuple[str, ...]] = {
    1: ("kind", "channel"),
    2: ("kind", "topic_id"),
    3: ("kind", "channel", "queue_id"),
    4: ("kind", "topic_id", "queue_id"),
    5: ("kind", "topic_id", "channel"),
    6: ("kind", "topic_id", "channel", "queue_id"),
    0: KEYS,
}
SUM_FIELDS = ("cases", "acknowledged", "ack_seconds", "decided", "resolve_seconds", "sla_measured",
              "sla_met", "breaches", "repeats", "reopened", "closed_or_reopened", "closed",
              "accepted", "not_accepted", "amount_claimed", "decision_amount", "handling_cost")
_BLANK = {"topic_id": None, "channel": "", "queue_id": 0, "product": ""}


def grain_for(keys: Iterable[str]) -> int:
    """The smallest grain holding every key in `keys` (GRAINS is ordered small to large)."""
    need = set(keys)
    for g, have in GRAINS.items():
        if need <= set(have):
            return g
    return 0
REPEAT_DAYS = 30  # the repeat window stored in the roll-up (the dashboard default)
SWEEP_DAYS = 35
BUCKET_RATIO = 2 ** 0.25
BUCKET_BASE_SECONDS = 60.0
BUCKET_PRECISION_PCT = round((BUCKET_RATIO - 1) * 100)  # 19
_LOG_RATIO = math.log(BUCKET_RATIO)
SPANS = {"ack": ("received_at", "acknowledged_at"), "res": ("received_at", "decided_at")}


# ---------------------------------------------------------------- buckets


def bucket_of_seconds(s: float) -> int:
    if s < BUCKET_BASE_SECONDS:
        return 0
    return 1 + int(math.floor(math.log(s / BUCKET_BASE_SECONDS) / _LOG_RATIO + 1e-9))


def bucket_of(seconds: np.ndarray) -> np.ndarray:
    """Bucket number of each duration: 0 below one minute, then 1 + floor(log_ratio(s / 60))."""
    s = np.maximum(np.asarray(seconds, dtype=float), 0.0)
    out = np.zeros(s.shape, dtype=np.int64)
    big = s >= BUCKET_BASE_SECONDS
    out[big] = 1 + np.floor(np.log(s[big] / BUCKET_BASE_SECONDS) / _LOG_RATIO + 1e-9).astype(np.int64)
    return out


def bucket_bounds(b: int) -> tuple[float, float]:
    if b <= 0:
        return 0.0, BUCKET_BASE_SECONDS
    return (BUCKET_BASE_SECONDS * BUCKET_RATIO ** (b - 1), BUCKET_BASE_SECONDS * BUCKET_RATIO ** b)


def percentiles_from_histogram(hist: dict[int, int], quantiles: Iterable[float]) -> dict[float, float | None]:
    """Seconds at each quantile with percentile_cont's rule (rank q·(n−1), linear between the
    two neighbouring values); each value is placed evenly inside its bucket, so the result is
    within one bucket width (19 %) of the exact percentile."""
    total = sum(hist.values())
    if not total:
        return {q: None for q in quantiles}
    items = sorted((b, n) for b, n in hist.items() if n)

    def value_at(i: int) -> float:
        seen = 0
        for b, n in items:
            if i < seen + n:
                lo, hi = bucket_bounds(b)
                return lo + (i - seen + 0.5) / n * (hi - lo)
            seen += n
        return bucket_bounds(items[-1][0])[1]

    out: dict[float, float | None] = {}
    for q in quantiles:
        rank = q * (total - 1)
        lo_i = int(math.floor(rank))
        frac = rank - lo_i
        v = value_at(lo_i)
        if frac > 0:
            v += frac * (value_at(lo_i + 1) - v)
        out[q] = v
    return out


# ---------------------------------------------------------------- days and state


def local_day_bounds(d: date) -> tuple[datetime, datetime]:
    return (timezone.make_aware(datetime.combine(d, time.min)),
            timezone.make_aware(datetime.combine(d + timedelta(days=1), time.min)))


def state() -> RollupState:
    obj = RollupState.objects.order_by("pk").first()
    return obj or RollupState.objects.create()


def covered_until() -> date | None:
    """Whole days strictly before this local date are in the roll-up (None: not built)."""
    st = RollupState.objects.order_by("pk").values_list("refreshed_at", flat=True).first()
    return timezone.localdate(st) if st else None


def _day_expr():
    return TruncDate("received_at", tzinfo=timezone.get_current_timezone())


# ---------------------------------------------------------------- computing days


def _stats_rows(days: list[date] | None, now: datetime) -> list[DailyCaseStats]:
    from complaintdesk.insights import reports

    qs = Case.objects.order_by()
    if days is not None:
        qs = qs.filter(_days_q(days))
    measured = Q(decided_at__isnull=False, resolve_by__isnull=False)
    dec = DecimalField(max_digits=18, decimal_places=2)
    zero = Value(Decimal("0"), output_field=dec)
    reopen_code = CaseWhen(
        When(reports.reopened_q(), then=Value(reports._BIG + 1)),
        When(closed_at__isnull=False, then=Value(reports._BIG)),
        default=Value(0), output_field=BigIntegerField(),
    )
    spans = {name: ExpressionWrapper(F(end) - F(start), output_field=DurationField())
             for name, (start, end) in SPANS.items()}
    rows = qs.annotate(day=_day_expr()).values("day", *KEYS).annotate(
        n=Count("pk"),
        ack_n=Count("acknowledged_at"),
        ack_sum=Sum(spans["ack"]),
        res_n=Count("decided_at"),
        res_sum=Sum(spans["res"]),
        sla_measured=Count("pk", filter=measured),
        sla_met=Count("pk", filter=measured & Q(decided_at__lte=F("resolve_by"))),
        breaches=Count("pk", filter=(measured & Q(decided_at__gt=F("resolve_by")))
                       | Q(decided_at__isnull=True, resolve_by__lt=now)),
        repeats=Count("pk", filter=Q(reports.repeat_q(REPEAT_DAYS))),
        reopen_code=Coalesce(Sum(reopen_code), 0, output_field=BigIntegerField()),
        closed=Count("pk", filter=Q(status=S.CLOSED.value)),
        accepted=Count("pk", filter=Q(status=S.CLOSED.value, customer_accepted=Accepted.YES)),
        not_accepted=Count("pk", filter=Q(status=S.CLOSED.value, customer_accepted=Accepted.NO)),
        claimed=Coalesce(Sum("amount_claimed"), zero, output_field=dec),
        paid=Coalesce(Sum("decision_amount"), zero, output_field=dec),
        handling=Coalesce(Sum("handling_cost"), zero, output_field=dec),
    )

    def secs(v) -> float:
        if v is None:
            return 0.0
        return v.total_seconds() if isinstance(v, timedelta) else float(v) / 1e6

    out = []
    for r in rows.iterator(chunk_size=5000):
        code = int(r["reopen_code"])
        out.append(DailyCaseStats(
            day=r["day"], kind=r["kind"], topic_id=r["topic_id"], channel=r["channel"],
            queue_id=r["queue_id"], product=r["product"], cases=r["n"], acknowledged=r["ack_n"],
            ack_seconds=secs(r["ack_sum"]), decided=r["res_n"], resolve_seconds=secs(r["res_sum"]),
            sla_measured=r["sla_measured"], sla_met=r["sla_met"], breaches=r["breaches"],
            repeats=r["repeats"], reopened=code % reports._BIG,
            closed_or_reopened=code // reports._BIG, closed=r["closed"], accepted=r["accepted"],
            not_accepted=r["not_accepted"], amount_claimed=r["claimed"],
            decision_amount=r["paid"], handling_cost=r["handling"],
        ))
    return out


def _bucket_rows(days: list[date] | None) -> list[DailyDurationBucket]:
    qs = Case.objects.order_by()
    if days is not None:
        qs = qs.filter(_days_q(days))
    cols = {f"_d_{name}": ExpressionWrapper(F(end) - F(start), output_field=DurationField())
            for name, (start, end) in SPANS.items()}
    counts: dict[tuple, int] = defaultdict(int)
    for values in (qs.filter(Q(acknowledged_at__isnull=False) | Q(decided_at__isnull=False))
                   .annotate(day=_day_expr(), **cols)
                   .values_list("day", *KEYS, *cols).iterator(chunk_size=10000)):
        key = values[: 1 + len(KEYS)]
        for name, d in zip(SPANS, values[1 + len(KEYS):], strict=True):
            if d is not None:
                counts[(*key, name, bucket_of_seconds(d.total_seconds()))] += 1
    return [DailyDurationBucket(day=k[0], kind=k[1], topic_id=k[2], channel=k[3], queue_id=k[4],
                                product=k[5], span=k[6], bucket=k[7], n=n)
            for k, n in counts.items()]


def _days_q(days: list[date]) -> Q:
    q = Q()
    for d in days:
        lo, hi = local_day_bounds(d)
        q |= Q(received_at__gte=lo, received_at__lt=hi)
    return q


def recompute_days(days: Iterable[date], now: datetime) -> int:
    """Replace the roll-up rows of `days` by fresh aggregates; returns the rows written."""
    days = sorted(set(days))
    written = 0
    for i in range(0, len(days), 60):
        chunk = days[i: i + 60]
        stats, buckets = _stats_rows(chunk, now), _bucket_rows(chunk)
        with transaction.atomic():
            DailyCaseStats.objects.filter(day__in=chunk).delete()
            DailyDurationBucket.objects.filter(day__in=chunk).delete()
            DailyCaseStats.objects.bulk_create(stats, batch_size=2000)
            DailyDurationBucket.objects.bulk_create(buckets, batch_size=5000)
            derive_grains(chunk)
        written += len(stats)
    return written


def derive_grains(days: list[date] | None) -> None:
    """Sum grain 0 rows of `days` (None: all) into every coarser grain: INSERT … SELECT …
    GROUP BY, in the database (same SQL on SQLite and PostgreSQL)."""
    from django.db import connection

    blank_sql = {"topic_id": "NULL", "channel": "''", "queue_id": "0", "product": "''"}
    where, params = "grain = 0", []
    if days is not None:
        where += f" AND day IN ({', '.join(['%s'] * len(days))})"
        params = [d.isoformat() for d in days]
    with connection.cursor() as cur:
        for model, sums in ((DailyCaseStats, SUM_FIELDS), (DailyDurationBucket, ("n",))):
            table = connection.ops.quote_name(model._meta.db_table)
            extra = ("span", "bucket") if model is DailyDurationBucket else ()
            for g, keys in GRAINS.items():
                if g == 0:
                    continue
                cols = ["day", *keys, *extra]
                blanks = [k for k in _BLANK if k not in keys]
                cur.execute(
                    f"INSERT INTO {table} (grain, {', '.join(cols + blanks + list(sums))}) "
                    f"SELECT {g}, {', '.join(cols + [blank_sql[k] for k in blanks])}, "
                    f"{', '.join(f'SUM({f})' for f in sums)} FROM {table} WHERE {where} "
                    f"GROUP BY {', '.join(cols)}", params)


def rebuild(now: datetime | None = None) -> int:
    """Everything again, from all cases."""
    now = now or timezone.now()
    with transaction.atomic():
        DailyCaseStats.objects.all().delete()
        DailyDurationBucket.objects.all().delete()
        stats, buckets = _stats_rows(None, now), _bucket_rows(None)
        DailyCaseStats.objects.bulk_create(stats, batch_size=2000)
        DailyDurationBucket.objects.bulk_create(buckets, batch_size=5000)
        derive_grains(None)
        st = state()
        st.refreshed_at = st.rebuilt_at = now
        st.last_sweep_day = timezone.localdate(now)
        st.save()
    return len(stats)


def touched_days(since: datetime, now: datetime) -> set[date]:
    """Local days of cases received or updated since `since`, or whose resolve-by passed since."""
    q = (Q(updated_at__gte=since) | Q(received_at__gte=since)
         | Q(decided_at__isnull=True, resolve_by__gte=since, resolve_by__lt=now))
    return set(Case.objects.filter(q).order_by().annotate(day=_day_expr())
               .values_list("day", flat=True).distinct())


def refresh(now: datetime | None = None) -> dict[str, int]:
    """Bring the roll-up up to `now`: incremental after the first (full) build."""
    now = now or timezone.now()
    st = state()
    if st.refreshed_at is None:
        return {"rollup_rebuilt_rows": rebuild(now)}
    today = timezone.localdate(now)
    days: set[date] = set()
    for d in touched_days(st.refreshed_at, now):
        days.update(d + timedelta(days=i) for i in range(REPEAT_DAYS + 1) if d + timedelta(days=i) <= today)
    days.add(timezone.localdate(st.refreshed_at))  # finish the day of the last refresh
    if st.last_sweep_day != today:
        days.update(today - timedelta(days=i) for i in range(SWEEP_DAYS + 1))
        st.last_sweep_day = today
    written = recompute_days(days, now) if days else 0
    st.refreshed_at = now
    st.save(update_fields=["refreshed_at", "last_sweep_day"])
    return {"rollup_days": len(days), "rollup_rows": written}
