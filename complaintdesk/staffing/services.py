"""Django side of staffing: settings per queue, the EWT a caller hears, arrivals from the cases.

The maths stays in erlang/ewt/forecast/plan/structure (no Django import); this module only
reads the database (aggregating in SQL where the database can) and hands them numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import pandas as pd
from django.db.models import Count
from django.db.models.functions import TruncDate, TruncHour, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from complaintdesk.cases.models import Case, Channel, Queue
from complaintdesk.staffing import ewt, plan, structure
from complaintdesk.staffing.models import AnsweredWait, EwtEstimator, QueueModel, QueueStaffing

INTERVALS = {"15min": 900, "30min": 1800, "60min": 3600}
MAX_POSITION = 100_000


# ---- settings ---------------------------------------------------------------------------------


def settings_for(queue: Queue, channel: str = "") -> QueueStaffing | None:
    """The queue × channel row, else the queue's all-channels row, else None."""
    rows = {r.channel: r for r in QueueStaffing.objects.filter(queue=queue, channel__in={channel, ""})}
    found = rows.get(channel) or rows.get("")
    if found is not None:
        found.queue = queue  # already loaded: no second query
    return found


def settings_for_code(code: str, channel: str = "") -> QueueStaffing | None:
    """settings_for by queue code, queue included, in one query (the EWT endpoint's hot path)."""
    rows = {r.channel: r for r in QueueStaffing.objects.select_related("queue")
            .filter(queue__code=code, channel__in={channel, ""})}
    return rows.get(channel) or rows.get("")


def settings_or_defaults(queue: Queue, channel: str = "") -> QueueStaffing:
    """For planning: an unsaved row with the model defaults when nothing is configured."""
    return settings_for(queue, channel) or QueueStaffing(queue=queue, channel=channel)


# ---- expected wait ----------------------------------------------------------------------------


def recent_answered_waits(
    queue: Queue, channel: str, *, now: datetime, limit: int, max_age_seconds: float
) -> list[float]:
    """The last `limit` answered waits of the queue (and channel) within the age limit, oldest
    first. One index range scan on (queue, channel, answered_at)."""
    qs = AnsweredWait.objects.filter(
        queue=queue, answered_at__gt=now - timedelta(seconds=max_age_seconds), answered_at__lte=now
    )
    if channel:
        qs = qs.filter(channel=channel)
    waits = list(qs.order_by("-answered_at").values_list("waited_seconds", flat=True)[:limit])
    waits.reverse()
    return waits


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def expected_wait(
    setting: QueueStaffing, *, position: int, channel: str = "", now: datetime | None = None
) -> dict[str, Any]:
    """All three estimates for a caller with `position` callers ahead, the one chosen by the
    queue's settings, and the advice (honest EWT; a callback above the threshold)."""
    if not 0 <= position <= MAX_POSITION:
        raise ValueError(f"position must be between 0 and {MAX_POSITION}, got {position}")
    now = now or timezone.now()
    agents = setting.agents_on_duty
    estimates: dict[str, float | None] = {"erlang_c": None, "erlang_a": None, "delay_history": None}
    if agents >= 1:
        estimates["erlang_c"] = ewt.ewt_erlang_c(
            ahead=position, agents=agents, aht_seconds=setting.aht_seconds
        )
        estimates["erlang_a"] = ewt.ewt_erlang_a(
            ahead=position, agents=agents, aht_seconds=setting.aht_seconds,
            patience_seconds=setting.patience_seconds,
        )
    waits = recent_answered_waits(
        setting.queue, channel, now=now, limit=setting.history_window,
        max_age_seconds=setting.history_max_age_seconds,
    )
    if waits:
        estimates["delay_history"] = ewt.ewt_last_to_enter_service(
            answered_waits_seconds=waits, window=len(waits)
        )
    method = setting.model
    if setting.ewt_estimator == EwtEstimator.DELAY_HISTORY and estimates["delay_history"] is not None:
        method = "delay_history"
    chosen = estimates[method]
    advice = ewt.ewt_advice(
        ewt_seconds=math.inf if chosen is None else chosen,
        callback_threshold_seconds=setting.callback_threshold_seconds,
    )
    return {
        "queue": setting.queue.code,
        "channel": channel or None,
        "position": position,
        "agents_on_duty": agents,
        "aht_seconds": setting.aht_seconds,
        "patience_seconds": setting.patience_seconds,
        "estimates": estimates,
        "answered_waits_used": len(waits),
        "method": method,
        "ewt_seconds": _finite(advice.ewt_seconds),
        "announce_minutes": advice.announce_minutes,
        "offer_callback": advice.offer_callback,
        "callback_threshold_seconds": setting.callback_threshold_seconds,
        "message": announcement(advice),
    }


def announcement(advice: ewt.EwtAdvice) -> str:
    """What the IVR says, in the active language (ewt.py stays free of Django: its own message is
    the English original of these sentences)."""
    if advice.announce_minutes == 0:
        said = _("All our agents are busy and we cannot estimate the wait.")
    elif advice.announce_minutes == 1:
        said = _("Your expected wait is under a minute.")
    else:
        said = ngettext("Your expected wait is about %(n)d minute.",
                        "Your expected wait is about %(n)d minutes.",
                        advice.announce_minutes) % {"n": advice.announce_minutes}
    if advice.offer_callback:
        said += " " + _("We can call you back instead: press 1 and keep your place in the queue.")
    return said


# ---- arrivals from the case history -----------------------------------------------------------


def _tz():
    return timezone.get_current_timezone()


def _local_naive(moment: datetime) -> pd.Timestamp:
    return pd.Timestamp(timezone.localtime(moment, _tz()).replace(tzinfo=None))


def history_window(now: datetime, days: int) -> tuple[datetime, datetime]:
    """Whole local days: from midnight `days` days ago up to today's midnight (today excluded,
    it is not over yet)."""
    if days < 1:
        raise ValueError(f"days must be ≥ 1, got {days}")
    today = timezone.localdate(now, _tz())
    end = timezone.make_aware(datetime.combine(today, time.min), _tz())
    start = timezone.make_aware(datetime.combine(today - timedelta(days=days), time.min), _tz())
    return start, end


def _cases(queue: Queue, channel: str, start: datetime, end: datetime):
    qs = Case.objects.filter(queue=queue, received_at__gte=start, received_at__lt=end)
    return qs.filter(channel=channel) if channel else qs


def interval_arrivals(
    queue: Queue, channel: str, *, start: datetime, end: datetime, interval: str = "30min"
) -> pd.Series:
    """Cases received per local interval in [start, end), empty intervals as zeros.

    Hours are counted by the database (GROUP BY the truncated hour). 15/30-minute buckets
    are not portable SQL, so only the received_at column of the window is fetched and bucketed
    by pandas — never whole rows.
    """
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}, got {interval!r}")
    grid = pd.date_range(_local_naive(start), _local_naive(end), freq=interval, inclusive="left")
    qs = _cases(queue, channel, start, end).order_by()
    if interval == "60min":
        rows = (qs.annotate(slot=TruncHour("received_at", tzinfo=_tz()))
                .values("slot").annotate(n=Count("pk")).values_list("slot", "n"))
        counts = pd.Series({_local_naive(slot): n for slot, n in rows}, dtype=float)
    else:
        stamps = list(qs.values_list("received_at", flat=True))
        if stamps:
            index = pd.DatetimeIndex([_local_naive(s) for s in stamps]).floor(interval)
            counts = index.value_counts().astype(float)
        else:
            counts = pd.Series(dtype=float)
    return counts.reindex(grid, fill_value=0.0).astype(float).rename("calls")


def daily_arrivals(queue: Queue, channel: str, *, start: datetime, end: datetime) -> pd.Series:
    """Cases received per local day in [start, end), counted by the database."""
    rows = (_cases(queue, channel, start, end).order_by()
            .annotate(day=TruncDate("received_at", tzinfo=_tz()))
            .values("day").annotate(n=Count("pk")).values_list("day", "n"))
    counts = pd.Series({pd.Timestamp(day): n for day, n in rows}, dtype=float)
    days = pd.date_range(_local_naive(start).normalize(), _local_naive(end).normalize(),
                         freq="D", inclusive="left")
    return counts.reindex(days, fill_value=0.0).astype(float).rename("calls")


# ---- plan ------------------------------------------------------------------------------------


@dataclass
class PlanInputs:
    """Everything a plan needs; from_settings fills the gaps from the queue's settings."""

    interval: str = "30min"
    days: int = 28
    horizon_days: int = 7
    model: str = QueueModel.ERLANG_C
    aht_seconds: float = 300.0
    patience_seconds: float = 180.0
    target_sl: float = 0.8
    answer_seconds: float = 20.0
    shrinkage: float = 0.3
    max_occupancy: float | None = None
    paid_hours_per_day: float = 8.0
    method: str = "profile"

    @classmethod
    def from_settings(cls, setting: QueueStaffing, **overrides: Any) -> PlanInputs:
        values = {
            "model": setting.model,
            "aht_seconds": setting.aht_seconds,
            "patience_seconds": setting.patience_seconds,
            "target_sl": setting.target_sl,
            "answer_seconds": setting.answer_seconds,
            "shrinkage": setting.shrinkage,
            "max_occupancy": setting.max_occupancy,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        values["model"] = str(values["model"]).replace("-", "_")
        return cls(**values)


@dataclass
class PlanResult:
    inputs: PlanInputs
    history: pd.Series  # cases per interval, local time
    intervals: pd.DataFrame  # forecast + agents per future interval
    days: pd.DataFrame  # FTE per future day
    start: datetime
    end: datetime
    notes: list[str] = field(default_factory=list)


def plan_from_db(
    queue: Queue, channel: str = "", *, inputs: PlanInputs, now: datetime | None = None
) -> PlanResult:
    """Forecast the next `horizon_days` of arrivals per interval from the last `days` days of
    cases, and staff each interval with Erlang C or A."""
    now = now or timezone.now()
    if inputs.days < 14:
        raise ValueError(_("the forecast needs at least 14 days of history (--days 14 or more)"))
    if inputs.horizon_days < 1:
        raise ValueError(_("the horizon must be at least one day"))
    start, end = history_window(now, inputs.days)
    history = interval_arrivals(queue, channel, start=start, end=end, interval=inputs.interval)
    if history.sum() == 0:
        # Shown on the staffing page: the queue's and channel's names, in the reader's language.
        where = queue.name + (f" / {dict(Channel.choices).get(channel, channel)}" if channel else "")
        raise ValueError(_("no cases in %(where)s during the last %(days)s days to forecast from")
                         % {"where": where, "days": inputs.days})
    seconds = INTERVALS[inputs.interval]
    table = plan.plan_from_history(
        history,
        horizon_days=inputs.horizon_days,
        aht_seconds=inputs.aht_seconds,
        method=inputs.method,
        interval_seconds=seconds,
        answer_seconds=inputs.answer_seconds,
        target_sl=inputs.target_sl,
        model=inputs.model,
        patience_seconds=inputs.patience_seconds,
        shrinkage=inputs.shrinkage,
        max_occupancy=inputs.max_occupancy,
    )
    days = plan.daily_fte(table, interval_seconds=seconds, shrinkage=inputs.shrinkage,
                          paid_hours_per_fte_day=inputs.paid_hours_per_day)
    return PlanResult(inputs=inputs, history=history, intervals=table, days=days,
                      start=start, end=end)


# ---- support structure from the cases ---------------------------------------------------------

# Queue lines → structure lines; the special escalation group counts with the claims department.
LINE_OF_QUEUE = {"first": "l1", "second": "l2", "claims": "claims", "special": "claims"}
DEFAULT_LINES = [
    {"key": "l1", "name": gettext_noop("1st line"), "cost_per_fte_month": 85000},
    {"key": "l2", "name": gettext_noop("2nd line"), "cost_per_fte_month": 130000},
    {"key": "claims", "name": gettext_noop("Claims department"), "cost_per_fte_month": 160000},
]
# The names the default and example structures give their lines, as a person reads them; a
# structure someone typed keeps the names it has.
LINE_NAMES = {
    "1st line": gettext_lazy("1st line"),
    "2nd line": gettext_lazy("2nd line"),
    "Claims department": gettext_lazy("Claims department"),
    "1st line (operators)": gettext_lazy("1st line (operators)"),
    "2nd line (specialists)": gettext_lazy("2nd line (specialists)"),
}


def line_name(name: str) -> str:
    return str(LINE_NAMES.get(name, name))
DEFAULT_AHT_MINUTES = {"l1": 6.0, "l2": 15.0, "claims": 45.0}


def month_window(now: datetime, months: int) -> tuple[datetime, datetime]:
    """The last `months` whole local calendar months (the current month is not over)."""
    if months < 1:
        raise ValueError(f"months must be ≥ 1, got {months}")
    today = timezone.localdate(now, _tz())
    end_day = today.replace(day=1)
    year, month = end_day.year, end_day.month - months
    while month < 1:
        month += 12
        year -= 1
    start_day = end_day.replace(year=year, month=month)
    return (timezone.make_aware(datetime.combine(start_day, time.min), _tz()),
            timezone.make_aware(datetime.combine(end_day, time.min), _tz()))


def topic_volumes(*, now: datetime | None = None, months: int = 3) -> dict[str, Any]:
    """Cases per topic × month × line of the queue they are in, counted by the database."""
    start, end = month_window(now or timezone.now(), months)
    rows = (Case.objects.filter(received_at__gte=start, received_at__lt=end).order_by()
            .annotate(month=TruncMonth("received_at", tzinfo=_tz()))
            .values("topic__code", "topic__name", "queue__line", "month")
            .annotate(n=Count("pk")))
    topics: dict[str, dict[str, Any]] = {}
    for row in rows:
        code = row["topic__code"] or "no-topic"
        item = topics.setdefault(code, {
            "topic": code, "name": row["topic__name"] or _("No topic"), "total": 0,
            "by_line": {line["key"]: 0 for line in DEFAULT_LINES}, "by_month": {},
        })
        line = LINE_OF_QUEUE.get(row["queue__line"], "l1")
        month = row["month"].strftime("%Y-%m")
        item["total"] += row["n"]
        item["by_line"][line] += row["n"]
        item["by_month"][month] = item["by_month"].get(month, 0) + row["n"]
    for item in topics.values():
        item["monthly_volume"] = item["total"] / months
    ordered = sorted(topics.values(), key=lambda t: (-t["total"], t["topic"]))
    return {"start": start, "end": end, "months": months, "topics": ordered}


def structure_from_db(
    *,
    now: datetime | None = None,
    months: int = 3,
    aht_minutes: dict[str, float] | None = None,
    lines: list[dict[str, Any]] | None = None,
    productive_hours_per_fte_month: float = 120.0,
    currency: str = "RUB",
    training_cost_per_agent: float = 5000.0,
    training_cost: float = 100000.0,
) -> dict[str, Any]:
    """A structure (the JSON layout of examples/structure_example.json) from the case history.

    Every case is assumed to enter at the 1st line; a case now in a 2nd-line queue passed the
    1st line, one in the claims department (or special group) passed both. Transfer rates are
    those shares. AHT and costs per line are not in the database: defaults, meant to be edited.
    Each topic that leaves the 1st line gets a candidate move (1st-line AHT + 50 %, half the
    transfers) to edit before trusting the savings.
    """
    aht = {**DEFAULT_AHT_MINUTES, **(aht_minutes or {})}
    volumes = topic_volumes(now=now, months=months)
    topics, moves = [], []
    for item in volumes["topics"]:
        by_line = item["by_line"]
        beyond_first = by_line["l2"] + by_line["claims"]
        total = item["total"]
        rate_l1 = beyond_first / total if total else 0.0
        rate_l2 = by_line["claims"] / beyond_first if beyond_first else 0.0
        topics.append({
            "name": item["topic"],
            "title": item["name"],
            "monthly_volume": round(item["monthly_volume"], 3),
            "aht_minutes": dict(aht),
            "transfer_rates": {"l1": round(rate_l1, 4), "l2": round(rate_l2, 4)},
        })
        if rate_l1 > 0:
            moves.append({
                "topic": item["topic"],
                "first_line_aht_minutes": round(aht["l1"] * 1.5, 2),
                "first_line_transfer_rate": round(rate_l1 / 2, 4),
                "training_cost_per_agent": training_cost_per_agent,
                "training_cost": training_cost,
            })
    return {
        "_comment": _("From the cases received %(start)s to %(end)s (%(months)s months). AHT, "
                      "costs and moves are defaults: edit them.") % {
            "start": f"{volumes['start']:%Y-%m-%d}",
            "end": f"{volumes['end'] - timedelta(days=1):%Y-%m-%d}", "months": months},
        "currency": currency,
        "productive_hours_per_fte_month": productive_hours_per_fte_month,
        "lines": lines or [{**line, "name": line_name(line["name"])} for line in DEFAULT_LINES],
        "topics": topics,
        "moves": moves,
    }


def structure_report(data: dict[str, Any], move: list[str] | None = None) -> dict[str, Any]:
    """Validate a structure dict and run the what-if (all its moves when `move` is None)."""
    return structure.what_if(structure.structure_from_dict(data), move=move)
