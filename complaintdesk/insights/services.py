"""Insight actions: survey answers, recovery tasks, spike → incident, theme runs, action effect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaintdesk.accounts import permissions
from complaintdesk.cases import services as case_services
from complaintdesk.cases.models import Case, EventType, Incident, Outbox
from complaintdesk.cases.times import site_time
from complaintdesk.insights import themes as theme_engine
from complaintdesk.insights.models import (
    CorrectiveAction,
    RecoveryTask,
    Spike,
    SurveyInvitation,
    Theme,
    ThemeRun,
)
from complaintdesk.lib.errors import InvalidInput

LOW_SCORE = 2

INSIGHT_ROLES = frozenset({"supervisor", "analyst", "admin"})


def may_see_insights(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in INSIGHT_ROLES))


def require_insights(user) -> None:
    if not may_see_insights(user):
        raise PermissionDenied(_("Insights are for supervisors, analysts and administrators."))


def survey_url(invitation: SurveyInvitation, score: int | None = None) -> str:
    base = f"{settings.SITE_URL}/survey/{invitation.token}/"
    return base if score is None else f"{base}?csat={score}"


# ---------------------------------------------------------------- surveys


def record_survey_answer(
    invitation: SurveyInvitation,
    *,
    csat: int | None = None,
    nps: int | None = None,
    comment: str | None = None,
    now: datetime | None = None,
) -> SurveyInvitation:
    """Store a score (the last click wins); a low CSAT opens one recovery call for the supervisor."""
    if csat is not None and not 1 <= csat <= 5:
        raise InvalidInput(_("csat: a score from 1 to 5"))
    if nps is not None and not 0 <= nps <= 10:
        raise InvalidInput(_("nps: a score from 0 to 10"))
    now = now or timezone.now()
    with transaction.atomic():
        inv = SurveyInvitation.objects.select_for_update().select_related(
            "case", "case__queue").get(pk=invitation.pk)
        if csat is not None:
            inv.csat = csat
        if nps is not None:
            inv.nps = nps
        if comment is not None:
            inv.comment = comment.strip()[:4000]
        if inv.answered_at is None and (csat is not None or nps is not None):
            inv.answered_at = now
        inv.save()
        if inv.csat is not None and inv.csat <= LOW_SCORE:
            open_recovery_task(inv, now=now)
    return inv


def open_recovery_task(inv: SurveyInvitation, *, now: datetime) -> RecoveryTask | None:
    if RecoveryTask.objects.filter(survey=inv).exists():
        return None
    case = inv.case
    owner = case.queue.supervisor
    task = RecoveryTask.objects.create(case=case, survey=inv, owner=owner, created_at=now)
    case_services.record(
        case, EventType.NOTE, actor=None, at=now,
        text=_("Low satisfaction score (%(csat)s/5): recovery call assigned to %(owner)s.") % {
            "csat": inv.csat,
            "owner": owner.get_username() if owner else _("the queue supervisor")},
        recovery_task=task.pk,
    )
    if owner is not None and owner.email:
        case_services.enqueue(
            case=case, purpose=Outbox.Purpose.ESCALATION, recipient=owner.email,
            subject=_("[%(ref)s] Low satisfaction score: please call the customer back")
            % {"ref": case.reference},
            body=_("The customer rated the handling of %(ref)s %(csat)s/5.\n%(comment)s\n\n"
                   "Open the case: %(url)s") % {
                "ref": case.reference, "csat": inv.csat, "comment": inv.comment,
                "url": f"{settings.SITE_URL}/desk/cases/{case.reference}/"},
            dedupe_key=f"recovery:{inv.pk}",
        )
    return task


# ---------------------------------------------------------------- spikes


def spike_cases(spike: Spike):
    qs = Case.objects.filter(received_at__gte=spike.start, received_at__lt=spike.end)
    if spike.dimension == Spike.Dimension.TOPIC:
        return qs.filter(topic__code=spike.group_key)
    if spike.dimension == Spike.Dimension.PRODUCT:
        return qs.filter(product=spike.group_key)
    return qs.filter(channel=spike.group_key)


@dataclass
class LinkResult:
    incident: Incident
    linked: int
    skipped: int


def link_spike_to_incident(spike: Spike, *, actor, title: str = "") -> LinkResult:
    """Create an incident for the spike (or reuse its open one) and link every case the actor
    may change to it."""
    permissions.require(actor, "incident")
    incident = spike.incident
    if incident is None or incident.state != Incident.State.OPEN:
        incident = case_services.create_incident(
            # The label makes the title longer than before: keep it within the column.
            title=(title or _("Spike: %(dimension)s %(key)s %(when)s") % {
                "dimension": spike.get_dimension_display(), "key": spike.group_key,
                "when": site_time(spike.start, fmt="SHORT_DATETIME_FORMAT")})[:200],
            description=_("%(observed)s cases against %(expected)s expected (score %(score)s).") % {
                "observed": spike.observed, "expected": f"{spike.expected:.1f}",
                "score": f"{spike.score:.1f}"},
            actor=actor,
        )
        Spike.objects.filter(pk=spike.pk).update(incident=incident)
        spike.incident = incident
    linked = skipped = 0
    for case in spike_cases(spike).order_by("pk"):
        try:
            case_services.link_to_incident(case=case, incident=incident, actor=actor)
            linked += 1
        except PermissionDenied:
            skipped += 1
    return LinkResult(incident=incident, linked=linked, skipped=skipped)


# ---------------------------------------------------------------- themes


def _engine_theme(t: Theme) -> theme_engine.Theme:
    return theme_engine.Theme(id=t.pk, label=t.label, key_phrases=t.key_phrases, size=t.size,
                              case_ids=t.example_case_ids, trend=[], signature=t.signature)


def run_themes(queryset, *, start: datetime, end: datetime, actor=None, filters=None,
               k: int | None = None, max_cases: int = 50_000) -> ThemeRun:
    """Cluster the period's case texts and store the themes, compared with the previous run."""
    rows = list(queryset.order_by("received_at").values_list("pk", "subject", "text",
                                                             "received_at")[:max_cases])
    items = [(pk, f"{subject} {text}".strip(), at) for pk, subject, text, at in rows]
    previous_run = ThemeRun.objects.order_by("-created_at", "-id").first()
    previous = ([_engine_theme(t) for t in previous_run.themes.all()] if previous_run else None)
    days = (end - start).days
    found = theme_engine.find_themes(items, k=k, previous=previous,
                                     trend_freq="D" if days <= 31 else "W") if items else []
    with transaction.atomic():
        run = ThemeRun.objects.create(
            period_start=start, period_end=end, filters=filters or {}, n_cases=len(items),
            language=theme_engine.detect_language([i[1] for i in items]) if items else "",
            previous=previous_run, created_by=actor,
        )
        for pos, t in enumerate(found):
            Theme.objects.create(
                run=run, position=pos, label=t.label[:300], key_phrases=t.key_phrases, size=t.size,
                share=t.share, example_case_ids=[int(c) for c in t.case_ids],
                member_case_ids=[int(c) for c in t.member_ids], trend=[list(p) for p in t.trend],
                signature=t.signature, is_new=t.is_new if previous else False, growth=t.growth,
                previous_id=t.previous_id if previous and not t.is_new else None,
            )
    return run


# ---------------------------------------------------------------- 5 Whys and actions


def stratified_sample(queryset, *, size: int = 30, by: tuple[str, ...] = ("topic_id", "channel"),
                      seed: int = 0) -> list[int]:
    """Case ids for a 5-Whys analysis, allocated to strata (topic × channel) by their share."""
    import numpy as np

    strata = list(queryset.order_by().values(*by).annotate(n=Count("pk")).order_by(*by))
    total = sum(s["n"] for s in strata)
    if not total:
        return []
    rng = np.random.default_rng(seed)
    ids: list[int] = []
    for s in strata:
        take = max(1, round(size * s["n"] / total))
        pool = list(queryset.filter(**{k: s[k] for k in by}).order_by("pk").values_list("pk", flat=True))
        pick = rng.choice(len(pool), size=min(take, len(pool)), replace=False)
        ids.extend(pool[i] for i in sorted(pick))
    return ids[: max(size, len(strata))]


@dataclass
class Effect:
    weeks: int
    before: int
    after: int
    weeks_after: float
    before_per_week: float
    after_per_week: float | None
    change_pct: float | None
    forecast_pct: float | None
    # Seasonal baseline: what the weeks after would have brought without the action.
    expected_after: float | None = None
    seasonal_change_pct: float | None = None
    baseline: str = ""


YEAR = timedelta(weeks=52)  # 364 days: the same weekdays a year earlier
MIN_BASELINE_CASES = 10


def action_effect(action: CorrectiveAction, *, weeks: int = 8, now: datetime | None = None) -> Effect | None:
    """Cases of the action's topic in the N weeks before its completion vs after it: the plain
    weekly rates, and the seasonally adjusted effect — observed after vs the expected volume of
    those weeks:

    * **same weeks last year**: (cases in the after-weeks a year earlier) × (cases in the
      before-weeks / the same before-weeks a year earlier) — last year's seasonal shape at this
      year's level; used when the year-earlier before-weeks hold ≥ 10 cases;
    * otherwise the **weekday profile** of the before-weeks: each elapsed day of the after-period
      expects the before-period's mean for its weekday (partial weeks stay fair).
    """
    topic_id = action.effective_topic_id
    if topic_id is None or action.completed_at is None:
        return None
    now = now or timezone.now()
    done = action.completed_at
    span = timedelta(weeks=weeks)
    after_end = min(done + span, now)
    topic_cases = Case.objects.filter(Q(topic_id=topic_id) | Q(topic__parent_id=topic_id)).order_by()

    def window(lo, hi):
        return Count("pk", filter=Q(received_at__gte=lo, received_at__lt=hi))

    agg = topic_cases.aggregate(
        before=window(done - span, done), after=window(done, after_end),
        ly_before=window(done - span - YEAR, done - YEAR),
        ly_after=window(done - YEAR, after_end - YEAR),
    )
    weeks_after = max(0.0, (after_end - done).total_seconds() / (7 * 86400))
    before_pw = agg["before"] / weeks
    after_pw = agg["after"] / weeks_after if weeks_after >= 1 / 7 else None
    change = (round(100.0 * (after_pw - before_pw) / before_pw, 1)
              if after_pw is not None and before_pw else None)
    forecast = -float(action.forecast_drop_pct) if action.forecast_drop_pct is not None else None
    expected, baseline = None, ""
    if after_pw is not None:
        if agg["ly_before"] >= MIN_BASELINE_CASES:
            expected = agg["ly_after"] * agg["before"] / agg["ly_before"]
            baseline = _("same weeks last year")
        elif agg["before"]:
            expected = _weekday_expected(topic_cases, done - span, done, after_end, weeks)
            baseline = _("weekday profile of the weeks before")
    seasonal = (round(100.0 * (agg["after"] - expected) / expected, 1) if expected else None)
    return Effect(weeks=weeks, before=agg["before"], after=agg["after"],
                  weeks_after=round(weeks_after, 2), before_per_week=round(before_pw, 2),
                  after_per_week=None if after_pw is None else round(after_pw, 2),
                  change_pct=change, forecast_pct=forecast,
                  expected_after=None if expected is None else round(expected, 1),
                  seasonal_change_pct=seasonal, baseline=baseline)


def _weekday_expected(qs, lo: datetime, hi: datetime, after_end: datetime, weeks: int) -> float:
    """Σ over the after-period of the before-period's mean count for the same local weekday
    (a partial day counts by its elapsed fraction)."""
    from django.db.models.functions import ExtractIsoWeekDay

    tz = timezone.get_current_timezone()
    per_weekday = {r["wd"]: r["n"] / weeks for r in qs.filter(received_at__gte=lo, received_at__lt=hi)
                   .annotate(wd=ExtractIsoWeekDay("received_at", tzinfo=tz)).values("wd")
                   .annotate(n=Count("pk"))}
    expected, t = 0.0, hi
    while t < after_end:
        local = timezone.localtime(t)
        next_midnight = timezone.make_aware(
            datetime.combine(local.date() + timedelta(days=1), datetime.min.time()), tz)
        stop = min(next_midnight, after_end)
        expected += per_weekday.get(local.isoweekday(), 0.0) * (stop - t).total_seconds() / 86400
        t = stop
    return expected


def set_action_status(action: CorrectiveAction, status: str, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    action.status = status
    if status == CorrectiveAction.State.DONE and action.completed_at is None:
        action.completed_at = now
    elif status != CorrectiveAction.State.DONE:
        action.completed_at = None
    action.save(update_fields=["status", "completed_at"])


def overdue_actions(today=None):
    today = today or timezone.localdate()
    return CorrectiveAction.objects.filter(
        deadline__lt=today,
        status__in=[CorrectiveAction.State.PLANNED, CorrectiveAction.State.IN_PROGRESS],
    ).select_related("owner", "cause", "cause__root_cause").order_by("deadline", "pk")
