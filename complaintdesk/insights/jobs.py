"""Periodic insight jobs, called from the worker pass: spikes, surveys, scheduled reports.

Each job is safe to run repeatedly and from several workers: spikes are unique per group and
window, survey invitations are one per case, and every outbound message has a dedupe key.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pandas as pd
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import TruncDay, TruncHour
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from complaintdesk.accounts.models import Role, User
from complaintdesk.cases import services as case_services
from complaintdesk.cases.lifecycle import Status as S
from complaintdesk.cases.models import Case, Outbox
from complaintdesk.cases.notifications import customer_language, staff_language
from complaintdesk.cases.times import local_time, site_time
from complaintdesk.insights import reports, spikes
from complaintdesk.insights.models import ReportSchedule, Spike, SurveyInvitation, ThemeRun
from complaintdesk.insights.services import overdue_actions, survey_url

SURVEY_PURPOSE = "survey"
REPORT_PURPOSE = "report"
SPIKE_PURPOSE = Outbox.Purpose.ESCALATION

DIMENSIONS = {
    Spike.Dimension.TOPIC: "topic__code",
    Spike.Dimension.PRODUCT: "product",
    Spike.Dimension.CHANNEL: "channel",
}
# How far back the counts go (the seasonal baseline needs `history` seasons) and how recent a
# spike must be to be stored and alerted (older ones were someone else's news).
WINDOWS = {
    "D": {"lookback": timedelta(days=7 * 4 + 2), "recent": timedelta(days=2), "step": timedelta(days=1)},
    "H": {"lookback": timedelta(hours=168 * 8 + 24), "recent": timedelta(hours=6),
          "step": timedelta(hours=1)},
}


@dataclass
class SpikeReport:
    created: list[Spike] = field(default_factory=list)
    updated: list[Spike] = field(default_factory=list)
    alerts: int = 0


def _local_naive(dt: datetime) -> datetime:
    return timezone.localtime(dt).replace(tzinfo=None)


def _floor(dt: datetime, freq: str) -> datetime:
    local = _local_naive(dt)
    if freq == "D":
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    return local.replace(minute=0, second=0, microsecond=0)


def detect_case_spikes(now: datetime | None = None, *, freqs: tuple[str, ...] = ("D", "H"),
                       alert: bool = True) -> SpikeReport:
    """Find volume spikes per topic, product and channel over SQL counts; store and alert once."""
    now = now or timezone.now()
    report = SpikeReport()
    tz = timezone.get_current_timezone()
    for freq in freqs:
        w = WINDOWS[freq]
        last = _floor(now, freq)  # the current (partial) period, local wall clock
        first = _floor(now - w["lookback"], freq)
        grid = pd.date_range(first, last, freq="D" if freq == "D" else "h")
        since = timezone.make_aware(first, tz)
        trunc = (TruncDay if freq == "D" else TruncHour)("received_at", tzinfo=tz)
        for dimension, column in DIMENSIONS.items():
            rows = (
                Case.objects.filter(received_at__gte=since, received_at__lte=now)
                .exclude(**{f"{column}__isnull": True}).exclude(**{column: ""})
                .annotate(p=trunc).values("p", column).annotate(n=Count("pk")).order_by()
            )
            series: dict[str, dict[datetime, float]] = {}
            for r in rows:
                series.setdefault(r[column], {})[_local_naive(r["p"])] = float(r["n"])
            for key, counts in series.items():
                s = pd.Series(counts, dtype=float).reindex(grid, fill_value=0.0)
                for found in spikes.detect_spikes(s, freq=freq):
                    end = timezone.make_aware(found.end.to_pydatetime(), tz)
                    if end <= now - w["recent"]:
                        continue
                    _store(report, freq=freq, dimension=dimension, key=str(key), found=found,
                           tz=tz, now=now)
    if alert:
        report.alerts = _alert_new_spikes(now)
    return report


def _store(report: SpikeReport, *, freq, dimension, key, found: spikes.Spike, tz, now) -> None:
    start = timezone.make_aware(found.start.to_pydatetime(), tz)
    values = dict(
        end=timezone.make_aware(found.end.to_pydatetime(), tz),
        peak=timezone.make_aware(found.peak.to_pydatetime(), tz),
        observed=int(found.observed), expected=float(found.expected), score=float(found.score),
        updated_at=now,
    )
    try:
        with transaction.atomic():
            spike, created = Spike.objects.update_or_create(
                freq=freq, dimension=dimension, group_key=key[:150], start=start,
                defaults=values, create_defaults={**values, "detected_at": now},
            )
    except IntegrityError:  # another worker stored it a moment ago
        return
    (report.created if created else report.updated).append(spike)


def supervisors():
    return User.objects.filter(is_active=True, role=Role.SUPERVISOR).exclude(email="").order_by("pk")


def spike_alert(spike: Spike, user) -> tuple[str, str]:
    """The alert in the supervisor's language, the start in the site's zone, labelled."""
    with translation.override(staff_language(user)):
        values = {
            "dimension": spike.get_dimension_display(), "key": spike.group_key,
            "observed": spike.observed, "expected": formats.number_format(spike.expected, 1),
            "score": formats.number_format(spike.score, 1),
            "freq": spike.get_freq_display().lower(),
            "when": local_time(spike.start, tz=ZoneInfo(settings.TIME_ZONE),
                               fmt="SHORT_DATETIME_FORMAT"),
            "url": f"{settings.SITE_URL}/desk/insights/spikes/{spike.pk}/",
        }
        subject = _("Spike: %(dimension)s “%(key)s” — %(observed)s cases vs %(expected)s "
                    "expected") % values
        body = _("A volume spike (%(freq)s) was detected from %(when)s: %(observed)s cases "
                 "against a seasonal baseline of %(expected)s (score %(score)s).\n\n"
                 "Review it and link the cases to one incident: %(url)s") % values
    return subject, body


def _alert_new_spikes(now: datetime) -> int:
    sent = 0
    for spike in Spike.objects.filter(alerted_at__isnull=True).order_by("start", "pk"):
        won = Spike.objects.filter(pk=spike.pk, alerted_at__isnull=True).update(alerted_at=now)
        if not won:
            continue
        for user in supervisors():
            subject, body = spike_alert(spike, user)
            if case_services.enqueue(case=None, purpose=SPIKE_PURPOSE, recipient=user.email,
                                     subject=subject, body=body,
                                     dedupe_key=f"spike:{spike.pk}:{user.pk}"):
                sent += 1
    return sent


# ---------------------------------------------------------------- surveys

SURVEY_LOOKBACK = timedelta(days=14)
CONTACT_POLICY = timedelta(days=30)


def send_due_surveys(now: datetime | None = None, *, batch: int = 500) -> list[SurveyInvitation]:
    """Invite customers of recently closed cases to rate the handling (one-click CSAT).

    The invitation goes through the case's channel (`channels.base.customer_route`: the channel
    the customer last wrote on, else e-mail, else SMS); an SMS carries a short text with one link.
    Contact policy: at most one survey per customer per 30 days; never for resonance cases
    (they are handled by the special group); customers with no route get none.
    """
    from complaintdesk.channels.base import customer_route

    now = now or timezone.now()
    recent = SurveyInvitation.objects.filter(customer=OuterRef("customer"),
                                             sent_at__gt=now - CONTACT_POLICY)
    due = (
        Case.objects.filter(status=S.CLOSED.value, closed_at__lte=now,
                            closed_at__gte=now - SURVEY_LOOKBACK, resonance=False,
                            survey__isnull=True)
        .exclude(Exists(recent))
        .select_related("customer").order_by("closed_at", "pk")
    )
    sent: list[SurveyInvitation] = []
    seen: set[int] = set()
    for case in due.iterator(chunk_size=500):
        if len(sent) >= batch:
            break
        if case.customer_id in seen:
            continue
        route = customer_route(case)
        if not route["recipient"]:
            continue
        seen.add(case.customer_id)
        try:
            with transaction.atomic():
                inv = SurveyInvitation.objects.create(case=case, customer=case.customer, sent_at=now)
                subject, body = survey_message(case, inv, channel=route["channel"])
                case_services.enqueue(case=case, purpose=SURVEY_PURPOSE,
                                      recipient=route["recipient"], channel=route["channel"],
                                      subject=subject, body=body, dedupe_key=f"survey:{case.pk}")
        except IntegrityError:  # another worker invited this case first
            continue
        sent.append(inv)
    return sent


def survey_message(case: Case, inv: SurveyInvitation, *, channel: str = "email") -> tuple[str, str]:
    """The invitation in the customer's language (as every other message to them)."""
    with translation.override(customer_language(case)):
        subject = _("[%(ref)s] How did we do?") % {"ref": case.reference}
        if channel == "sms":
            return subject, _("%(ref)s is closed. Rate us 1-5: %(url)s") % {
                "ref": case.reference, "url": survey_url(inv)}
        labels = {1: _("very dissatisfied"), 2: _("dissatisfied"), 3: _("neutral"),
                  4: _("satisfied"), 5: _("very satisfied")}
        links = "\n".join(f"  {n} — {labels[n]}: {survey_url(inv, n)}" for n in range(1, 6))
        body = _("Hello%(name)s,\n\nyour request %(ref)s is closed. How satisfied are you with "
                 "how we handled it? One click records your answer:\n\n%(links)s\n\n"
                 "You can add a comment on the page that opens. Thank you!") % {
            "name": f", {case.customer.name}" if case.customer.name else "",
            "ref": case.reference, "links": links}
    return subject, body


# ---------------------------------------------------------------- scheduled reports


class _SystemReader:
    """Sees every queue (for schedules whose author is gone)."""

    is_authenticated = True
    is_superuser = True
    role = Role.ADMIN
    pk = None


def report_period(schedule: ReportSchedule, now: datetime):
    today = timezone.localdate(now)
    if schedule.frequency == ReportSchedule.Frequency.MONTHLY:
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    end = today - timedelta(days=today.weekday() + 1)  # last Sunday
    return end - timedelta(days=6), end


def _advance(schedule: ReportSchedule, now: datetime) -> datetime:
    nxt = schedule.next_run_at
    while nxt <= now:
        if schedule.frequency == ReportSchedule.Frequency.MONTHLY:
            local = timezone.localtime(nxt)
            y, m = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
            day = min(local.day, calendar.monthrange(y, m)[1])
            nxt = timezone.make_aware(local.replace(tzinfo=None, year=y, month=m, day=day))
        else:
            nxt = nxt + timedelta(days=7)
    return nxt


REPORT_TABLE_ROWS = 15
ACTIONS_DUE_DAYS = 14


def report_tables(schedule: ReportSchedule) -> list[str]:
    return (reports.DASHBOARD_TABLES if schedule.dashboard in ("", "all")
            else [n for n in schedule.dashboard.split(",") if n in reports.TABLES])


def report_filters(schedule: ReportSchedule, now: datetime, params=None) -> reports.Filters:
    """The schedule's filters over its last period (or the `start`/`end` in `params`)."""
    start, end = report_period(schedule, now)
    merged = {**(schedule.filters or {}), "start": start.isoformat(), "end": end.isoformat()}
    for key in ("start", "end"):
        if params is not None and params.get(key):
            merged[key] = params.get(key)
    return reports.Filters.from_params(merged, now=now)


def report_data(schedule: ReportSchedule, f: reports.Filters, user) -> dict:
    """What the e-mail and the printable page show: volumes, tables, top themes, breaches,
    money, corrective actions overdue and due soon."""
    from complaintdesk.insights.models import CorrectiveAction

    tables = []
    for name in report_tables(schedule):
        table = reports.build(name, user, f)
        rows = list(table.rows)
        tables.append({"name": name, "table": table, "rows": rows,
                       "display_rows": table.display_rows(rows)})
    by_name = {t["name"]: t for t in tables}
    headline: dict[str, object] = {}
    # The summary's lines are read by people: translated at build time, kinds as labels.
    if "volumes_channel" in by_name:
        for kind, _ch, n in by_name["volumes_channel"]["rows"]:
            key = _("%(kind)s: cases") % {"kind": reports.cell_label("kind", kind)}
            headline[key] = int(headline.get(key, 0)) + n
    if "timeliness" in by_name:
        t = by_name["timeliness"]["table"]
        for row in by_name["timeliness"]["rows"]:
            if row[1] == reports.ALL_CHANNELS:
                key = _("%(kind)s: SLA breaches") % {"kind": reports.cell_label("kind", row[0])}
                headline[key] = row[t.header.index("breaches")]
    if "money" in by_name:
        for row in by_name["money"]["rows"]:
            key = _("%(kind)s: cost of failure") % {"kind": reports.cell_label("kind", row[0])}
            headline[key] = headline.get(key, 0) + row[8]
    run = ThemeRun.objects.order_by("-created_at", "-id").first()
    themes = list(run.themes.all()[:5]) if run is not None else []
    today = timezone.localdate()
    overdue = list(overdue_actions(today))
    due_soon = list(CorrectiveAction.objects.filter(
        deadline__gte=today, deadline__lte=today + timedelta(days=ACTIONS_DUE_DAYS),
        status__in=[CorrectiveAction.State.PLANNED, CorrectiveAction.State.IN_PROGRESS],
    ).select_related("owner").order_by("deadline", "pk"))
    params = urlencode(f.as_params())
    filters = [(reports.column_label(k), reports.cell_label(k, v))
               for k, v in (schedule.filters or {}).items()]
    return {"schedule": schedule, "f": f, "tables": tables, "headline": headline, "filters": filters,
            "themes": themes, "theme_run": run, "overdue": overdue, "due_soon": due_soon,
            "due_days": ACTIONS_DUE_DAYS, "params": params,
            "dashboard_url": f"{settings.SITE_URL}/desk/insights/?{params}",
            "print_url": f"{settings.SITE_URL}/desk/insights/reports/{schedule.pk}/?"
                         f"{urlencode({'start': f.start.isoformat(), 'end': f.end.isoformat()})}"}


def report_text(schedule: ReportSchedule, f: reports.Filters, user, *,
                generated: datetime | None = None) -> str:
    """The e-mail body: plain text (the e-mail sender adds an HTML alternative with live links)
    and a link to the printable page. Its one time, like the printed page's, is in the site's
    zone and says so: the worker's clock may run in UTC."""
    data = report_data(schedule, f, user)
    stamp = site_time(generated or timezone.now(), fmt="SHORT_DATETIME_FORMAT")
    parts = [f"{schedule.name}: {f.start} – {f.end}",
             _("Generated %(at)s") % {"at": stamp}, "",
             _("Printable report (print or save as PDF): %(url)s") % {"url": data["print_url"]}, ""]
    if data["headline"]:
        parts.append("== " + _("Summary"))
        parts += [f"{k}: {v}" for k, v in data["headline"].items()]
        parts.append("")
    for t in data["tables"]:
        table, rows = t["table"], t["display_rows"]
        parts.append("== " + _("%(title)s (%(n)s rows)") % {"title": table.title, "n": len(rows)})
        parts.append(" | ".join(table.labels))
        for row in rows[:REPORT_TABLE_ROWS]:
            parts.append(" | ".join("" if v is None else str(v) for v in row))
        if len(rows) > REPORT_TABLE_ROWS:
            parts.append(_("… %(n)s more rows in the export") % {"n": len(rows) - REPORT_TABLE_ROWS})
        parts.append(f"XLSX: {settings.SITE_URL}/desk/insights/export/{t['name']}.xlsx?{data['params']}")
        parts.append("")
    if data["theme_run"] is not None:
        parts.append("== " + _("Top themes (latest run)"))
        for th in data["themes"]:
            flag = (" " + _("NEW")) if th.is_new else ((" " + _("GROWING")) if th.is_growing else "")
            parts.append(_("%(n)s cases: %(label)s") % {"n": th.size, "label": th.label} + flag)
        parts.append("")
    nobody = _("no owner")
    parts.append("== " + _("Corrective actions overdue: %(n)s") % {"n": len(data["overdue"])})
    for a in data["overdue"][:10]:
        parts.append(f"{a.deadline} {a.title} ({a.owner.get_username() if a.owner else nobody})")
    parts.append("")
    parts.append("== " + _("Corrective actions due in the next %(days)s days: %(n)s") % {
        "days": data["due_days"], "n": len(data["due_soon"])})
    for a in data["due_soon"][:10]:
        parts.append(f"{a.deadline} {a.title} ({a.owner.get_username() if a.owner else nobody})")
    parts.append("")
    parts.append(_("Dashboard: %(url)s") % {"url": data["dashboard_url"]})
    return "\n".join(parts)


def send_due_reports(now: datetime | None = None) -> int:
    """Queue each due schedule's report (text summary with XLSX links) to its recipients."""
    now = now or timezone.now()
    queued = 0
    for schedule in ReportSchedule.objects.filter(active=True, next_run_at__lte=now).order_by("pk"):
        nxt = _advance(schedule, now)
        won = ReportSchedule.objects.filter(pk=schedule.pk, next_run_at=schedule.next_run_at).update(
            next_run_at=nxt, last_sent_at=now)
        if not won:
            continue
        f = report_filters(schedule, now)
        start, end = f.start, f.end
        user = schedule.created_by or _SystemReader()
        body = report_text(schedule, f, user, generated=now)
        for recipient in schedule.recipient_list:
            if case_services.enqueue(case=None, purpose=REPORT_PURPOSE, recipient=recipient,
                                     subject=f"{schedule.name}: {start} – {end}", body=body,
                                     dedupe_key=f"report:{schedule.pk}:{start}:{recipient}"[:200]):
                queued += 1
    return queued


def overdue_action_reminder(action, user) -> tuple[str, str]:
    with translation.override(staff_language(user)):
        values = {
            "title": action.title, "cause": action.cause.text,
            "deadline": formats.date_format(action.deadline, "DATE_FORMAT"),
            "status": action.get_status_display().lower(),
            "owner": action.owner.get_username() if action.owner else _("nobody"),
            "url": f"{settings.SITE_URL}/desk/insights/actions/{action.pk}/",
        }
        subject = _("Corrective action overdue since %(deadline)s: %(title)s") % values
        body = _("The corrective action “%(title)s” (cause: %(cause)s) was due on %(deadline)s "
                 "and is still %(status)s.\nOwner: %(owner)s.\n\n%(url)s") % values
    return subject, body


def remind_overdue_actions(now: datetime | None = None) -> int:
    """Tell the owner of each overdue action, and escalate to the owner's manager (the supervisor
    of the queues the owner works in), once per action and deadline."""
    from complaintdesk.cases.models import Queue

    now = now or timezone.now()
    queued = 0
    for action in overdue_actions(timezone.localdate(now)):
        owner = action.owner
        recipients = [owner] if owner is not None else []
        if owner is not None:
            managers = User.objects.filter(
                pk__in=Queue.objects.filter(memberships__user=owner).values("supervisor")
            ).exclude(pk=owner.pk)
            recipients += list(managers)
        for user in recipients:
            subject, body = overdue_action_reminder(action, user)
            if user.email and case_services.enqueue(
                    case=None, purpose=Outbox.Purpose.ESCALATION, recipient=user.email,
                    subject=subject, body=body,
                    dedupe_key=f"action-overdue:{action.pk}:{action.deadline}:{user.pk}"):
                queued += 1
    return queued


def run_all(now: datetime | None = None) -> dict[str, int]:
    """Every insight job once (for the worker pass or cron)."""
    now = now or timezone.now()
    from complaintdesk.insights import rollup

    spikes_report = detect_case_spikes(now)
    return {
        **rollup.refresh(now),
        "spikes_new": len(spikes_report.created),
        "spike_alerts": spikes_report.alerts,
        "surveys": len(send_due_surveys(now)),
        "reports": send_due_reports(now),
        "overdue_reminders": remind_overdue_actions(now),
    }


# How often the worker pass runs each job at most (seconds); a cache key is the lock.
JOB_INTERVALS = {"rollup": 600, "spikes": 600, "surveys": 300, "reports": 300}


def run_due(now: datetime | None = None) -> dict[str, int]:
    """For cases.worker.run_pass: each job at most once per its interval across all workers."""
    from django.core.cache import cache

    now = now or timezone.now()
    done: dict[str, int] = {}
    if cache.add("insights:job:rollup", 1, JOB_INTERVALS["rollup"]):
        from complaintdesk.insights import rollup

        done.update(rollup.refresh(now))
    if cache.add("insights:job:spikes", 1, JOB_INTERVALS["spikes"]):
        rep = detect_case_spikes(now)
        done["spikes_new"], done["spike_alerts"] = len(rep.created), rep.alerts
    if cache.add("insights:job:surveys", 1, JOB_INTERVALS["surveys"]):
        done["surveys"] = len(send_due_surveys(now))
    if cache.add("insights:job:reports", 1, JOB_INTERVALS["reports"]):
        done["reports"] = send_due_reports(now)
        done["overdue_reminders"] = remind_overdue_actions(now)
    return done
