"""Insight pages: dashboards, exports, spikes, watch list, themes, 5 Whys, actions, surveys."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from complaintdesk.accounts import permissions
from complaintdesk.accounts.models import AuditEntry
from complaintdesk.cases.models import Case, Channel, Kind, Queue, Topic
from complaintdesk.insights import charts, forms, reports, services
from complaintdesk.insights.export import iter_csv, xlsx_bytes
from complaintdesk.insights.models import (
    CorrectiveAction,
    OrganisationBase,
    RecoveryTask,
    ReportSchedule,
    RootCause,
    Spike,
    SurveyInvitation,
    ThemeRun,
)
from complaintdesk.lib.errors import DomainError
from complaintdesk.lib.ratelimit import rate_limited


def insights_view(view):
    @login_required
    def wrapper(request, *args, **kwargs):
        services.require_insights(request.user)
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _filter_options():
    return {
        "kinds": Kind.choices,
        "channels": Channel.choices,
        "topics": Topic.objects.order_by("code").values_list("code", "name"),
        "queues": Queue.objects.order_by("code").values_list("code", "name"),
        "products": (Case.objects.exclude(product="").order_by("product")
                     .values_list("product", flat=True).distinct()[:200]),
        "granularities": [(g, reports.GRANULARITY_LABELS[g]) for g in reports.GRANULARITIES],
    }


def _query(f: reports.Filters) -> str:
    from urllib.parse import urlencode

    return urlencode(f.as_params())


SECTIONS = [
    (gettext_lazy("Volumes and trends"), ["volumes", "volumes_topic", "volumes_channel"]),
    (gettext_lazy("Timeliness"), ["timeliness"]),
    (gettext_lazy("Quality"), ["quality", "complaint_rate"]),
    (gettext_lazy("Money and cost of failure"), ["money"]),
    (gettext_lazy("Satisfaction"), ["satisfaction_topic", "satisfaction_queue"]),
]


@insights_view
def dashboard(request):
    f = reports.Filters.from_params(request.GET)
    sections = []
    for title, names in SECTIONS:
        panels = []
        for name in names:
            table = reports.build(name, request.user, f)
            rows = list(table.rows)
            panels.append({"table": table, "rows": table.display_rows(rows),
                           "chart": charts.figure_html(table, rows, nonce=request.csp_nonce)})
        sections.append({"title": title, "panels": panels})
    from complaintdesk.insights import rollup

    return render(request, "insights/dashboard.html", {
        "f": f, "query": _query(f), "sections": sections, **_filter_options(),
        "exact_days": reports.EXACT_PERCENTILE_DAYS, "bucket_pct": rollup.BUCKET_PRECISION_PCT,
        "can_export_cases": permissions.can(request.user, "export"),
    })


@insights_view
def export(request, name: str, fmt: str):
    if name not in reports.TABLES or fmt not in ("csv", "xlsx"):
        raise Http404("No such table.")
    if name == "cases":
        permissions.require(request.user, "export")
    f = reports.Filters.from_params(request.GET)
    table = reports.build(name, request.user, f)
    AuditEntry.objects.create(actor=request.user, action="insights.export",
                              detail={"table": name, "format": fmt, "filters": f.as_params()})
    filename = f"{name}_{f.start}_{f.end}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(iter_csv(table.header, table.rows, bom=True),
                                         content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            xlsx_bytes(table.header, table.rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------- spikes and watch list


@insights_view
def spike_list(request):
    spikes = Spike.objects.select_related("incident").order_by("-start", "-score")[:200]
    return render(request, "insights/spikes.html", {
        "spikes": spikes, "can_link": permissions.can(request.user, "incident"),
    })


@insights_view
def spike_detail(request, pk: int):
    spike = get_object_or_404(Spike.objects.select_related("incident"), pk=pk)
    cases = permissions.cases_visible_to(request.user, services.spike_cases(spike)).select_related(
        "queue", "topic", "incident").order_by("received_at")[:500]
    return render(request, "insights/spike.html", {
        "spike": spike, "cases": cases, "can_link": permissions.can(request.user, "incident"),
    })


@insights_view
@require_POST
def spike_link(request, pk: int):
    spike = get_object_or_404(Spike, pk=pk)
    try:
        result = services.link_spike_to_incident(spike, actor=request.user,
                                                 title=request.POST.get("title", "").strip())
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("insights:spike", pk=pk)
    messages.success(request, _("%(n)d cases linked to the incident (%(s)d skipped: no access).")
                     % {"n": result.linked, "s": result.skipped})
    return redirect("desk:incident", pk=result.incident.pk)


@insights_view
def watchlist(request):
    params = request.GET.copy()
    if not params.get("start"):
        params["start"] = (timezone.localdate() - timedelta(days=89)).isoformat()
    f = reports.Filters.from_params(params)
    try:
        min_cases = max(2, int(request.GET.get("min_cases") or 3))
    except ValueError:
        min_cases = 3
    table = reports.watch_list(request.user, f, min_cases=min_cases)
    return render(request, "insights/watchlist.html", {
        "table": table, "rows": table.display_rows(table.rows), "f": f, "query": _query(f),
        "min_cases": min_cases,
    })


# ---------------------------------------------------------------- themes


@insights_view
def theme_runs(request):
    today = timezone.localdate()
    form = forms.ThemeRunForm(request.POST or None,
                              initial={"start": today - timedelta(days=29), "end": today})
    if request.method == "POST" and form.is_valid():
        start = timezone.make_aware(datetime.combine(form.cleaned_data["start"], time.min))
        end = timezone.make_aware(datetime.combine(form.cleaned_data["end"] + timedelta(days=1),
                                                   time.min))
        qs = permissions.cases_visible_to(request.user).filter(received_at__gte=start,
                                                               received_at__lt=end)
        run = services.run_themes(qs, start=start, end=end, actor=request.user,
                                  k=form.cleaned_data.get("k"),
                                  filters={"start": str(form.cleaned_data["start"]),
                                           "end": str(form.cleaned_data["end"])})
        messages.success(request, _("%(n)d themes found in %(c)d cases.")
                         % {"n": run.themes.count(), "c": run.n_cases})
        return redirect("insights:theme_run", pk=run.pk)
    runs = ThemeRun.objects.all()[:50]
    return render(request, "insights/theme_runs.html", {"runs": runs, "form": form})


@insights_view
def theme_run(request, pk: int):
    run = get_object_or_404(ThemeRun, pk=pk)
    themes = list(run.themes.all())
    refs = dict(permissions.cases_visible_to(request.user).filter(
        pk__in=[i for t in themes for i in t.example_case_ids]).values_list("pk", "reference"))
    for t in themes:
        t.examples = [(i, refs[i]) for i in t.example_case_ids if i in refs]
    return render(request, "insights/theme_run.html", {"run": run, "themes": themes})


# ---------------------------------------------------------------- 5 Whys and actions


@insights_view
def rootcause_list(request):
    items = RootCause.objects.select_related("topic", "theme", "incident").all()[:200]
    return render(request, "insights/rootcauses.html", {"items": items})


@insights_view
def rootcause_edit(request, pk: int | None = None):
    item = get_object_or_404(RootCause, pk=pk) if pk else None
    initial = {}
    if item is None and request.GET.get("theme"):
        initial["theme"] = request.GET["theme"]
    form = forms.RootCauseForm(request.POST or None, instance=item, initial=initial)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if obj.pk is None:
            obj.created_by = request.user
            qs = permissions.cases_visible_to(request.user)
            if obj.theme_id:
                qs = qs.filter(pk__in=obj.theme.member_case_ids)
            elif obj.incident_id:
                qs = qs.filter(incident_id=obj.incident_id)
            else:
                qs = qs.filter(topic_id=obj.topic_id)
            obj.sample_case_ids = services.stratified_sample(qs, size=30)
        obj.save()
        messages.success(request, _("Saved."))
        return redirect("insights:rootcause", pk=obj.pk)
    return render(request, "insights/rootcause_edit.html", {"form": form, "item": item})


@insights_view
def rootcause_detail(request, pk: int):
    item = get_object_or_404(RootCause.objects.select_related("topic", "theme", "incident"), pk=pk)
    cause_form = forms.CauseForm(prefix="cause")
    action_form = forms.ActionForm(prefix="action")
    if request.method == "POST":
        if "cause-text" in request.POST:
            cause_form = forms.CauseForm(request.POST, prefix="cause")
            if cause_form.is_valid():
                cause = cause_form.save(commit=False)
                cause.root_cause = item
                cause.save()
                return redirect("insights:rootcause", pk=pk)
        else:
            action_form = forms.ActionForm(request.POST, prefix="action")
            cause = get_object_or_404(item.causes, pk=request.POST.get("cause_id"))
            if action_form.is_valid():
                action = action_form.save(commit=False)
                action.cause = cause
                action.save()
                if action.status == CorrectiveAction.State.DONE:
                    services.set_action_status(action, action.status)
                return redirect("insights:rootcause", pk=pk)
    causes = list(item.causes.prefetch_related("actions__owner"))
    for c in causes:
        for a in c.actions.all():
            a.effect = services.action_effect(a)
    samples = permissions.cases_visible_to(request.user).filter(
        pk__in=item.sample_case_ids).select_related("topic").order_by("received_at")
    from complaintdesk.insights import assistant

    return render(request, "insights/rootcause.html", {
        "item": item, "causes": causes, "cause_form": cause_form, "action_form": action_form,
        "samples": samples, "today": timezone.localdate(),
        "assistant": assistant.is_configured() and item.theme_id is not None,
    })


@insights_view
@require_POST
def rootcause_propose(request, pk: int):
    """Ask the optional AI assistant for a chain of whys for the analysis' theme; the answer is
    shown as a draft in the edit form and saved only when the analyst saves it."""
    from complaintdesk.insights import assistant

    if not assistant.is_configured():
        raise Http404("The AI assistant is not configured.")
    item = get_object_or_404(RootCause.objects.select_related("theme"), pk=pk)
    if item.theme is None:
        messages.error(request, _("Attach the analysis to a theme to get a proposal."))
        return redirect("insights:rootcause", pk=pk)
    try:
        proposal = assistant.propose_chain(item.theme, exclude=item.pk)
    except assistant.AssistantError as exc:
        messages.error(request, str(exc))
        return redirect("insights:rootcause", pk=pk)
    AuditEntry.objects.create(actor=request.user, action="insights.assistant",
                              detail={"root_cause": item.pk, "theme": item.theme_id,
                                      "examples": proposal.examples_used})
    form = forms.RootCauseForm(instance=item, initial={
        "whys": proposal.whys, "problem": item.problem or proposal.problem})
    return render(request, "insights/rootcause_edit.html", {
        "form": form, "item": item, "proposal": proposal})


@insights_view
def action_list(request):
    overdue = request.GET.get("overdue") == "1"
    items = (services.overdue_actions() if overdue else
             CorrectiveAction.objects.select_related("owner", "cause", "cause__root_cause")
             .order_by("status", "deadline", "pk"))
    items = list(items[:500])
    for a in items:
        a.effect = services.action_effect(a)
    return render(request, "insights/actions.html", {"items": items, "overdue": overdue,
                                                     "today": timezone.localdate()})


@insights_view
def action_edit(request, pk: int):
    action = get_object_or_404(CorrectiveAction.objects.select_related("cause__root_cause"), pk=pk)
    old_status = action.status
    form = forms.ActionForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        action = form.save()
        if action.status != old_status:
            services.set_action_status(action, action.status)
        messages.success(request, _("Saved."))
        return redirect("insights:rootcause", pk=action.cause.root_cause_id)
    return render(request, "insights/action_edit.html", {
        "form": form, "action": action, "effect": services.action_effect(action)})


# ---------------------------------------------------------------- recovery, schedules, base


@insights_view
def recovery_list(request):
    user = request.user
    # A task shows the customer's case and survey comment: only for people who see its queue.
    visible = RecoveryTask.objects.all()
    queue_ids = permissions.visible_queue_ids(user)
    if queue_ids is not None:
        visible = visible.filter(case__queue_id__in=queue_ids)
    if request.method == "POST":
        pk = request.POST.get("task", "")
        if not pk.isdigit():
            raise Http404("No such recovery task.")
        task = get_object_or_404(visible.select_related("case"), pk=int(pk))
        if task.owner_id != user.pk:
            if not permissions.can(user, "assign"):
                raise PermissionDenied(_("Only the owner or a supervisor closes a recovery task."))
            permissions.require_case(user, task.case, "assign")
        task.state, task.done_at = RecoveryTask.State.DONE, timezone.now()
        task.note = request.POST.get("note", "")[:4000]
        task.save(update_fields=["state", "done_at", "note"])
        return redirect("insights:recovery")
    tasks = visible.select_related("case", "owner", "survey")[:300]
    return render(request, "insights/recovery.html", {"tasks": tasks})


@insights_view
def schedule_list(request):
    form = forms.ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        schedule = form.save(commit=False)
        schedule.created_by = request.user
        schedule.filters = {k: v for k, v in request.GET.items() if k in
                            ("kind", "topic", "channel", "queue", "product", "granularity")}
        schedule.save()
        messages.success(request, _("Report scheduled."))
        return redirect("insights:schedules")
    return render(request, "insights/schedules.html", {
        "form": form, "items": ReportSchedule.objects.order_by("name")})


@insights_view
def report_print(request, pk: int):
    """The scheduled report as a printable page (print CSS; the browser saves it as PDF), with
    the figures the viewer may see."""
    from complaintdesk.insights import jobs

    schedule = get_object_or_404(ReportSchedule, pk=pk)
    f = jobs.report_filters(schedule, timezone.now(), request.GET)
    return render(request, "insights/report_print.html", {
        **jobs.report_data(schedule, f, request.user), "generated": timezone.now()})


@insights_view
def base_list(request):
    form = forms.OrganisationBaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("insights:bases")
    return render(request, "insights/bases.html", {
        "form": form, "items": OrganisationBase.objects.all()})


# ---------------------------------------------------------------- public survey page


# Public and unauthenticated: limit guessing tokens and flooding answers.
@rate_limited(scope="survey", per_minute=30, template="portal/too_many.html")
def survey(request, token: str):
    """The customer's page: a click in the e-mail records the score; a comment form follows."""
    inv = SurveyInvitation.objects.select_related("case").filter(token=token).first()
    if inv is None:
        raise Http404("No such survey.")
    thanks = False
    if request.method == "POST":
        form = forms.SurveyCommentForm(request.POST)
        if form.is_valid():
            inv = services.record_survey_answer(inv, csat=form.cleaned_data["csat"],
                                                nps=form.cleaned_data["nps"],
                                                comment=form.cleaned_data["comment"])
            thanks = True
    else:
        score = request.GET.get("csat")
        if score and score.isdigit() and 1 <= int(score) <= 5:
            inv = services.record_survey_answer(inv, csat=int(score))
        form = forms.SurveyCommentForm(initial={"csat": inv.csat, "nps": inv.nps,
                                                "comment": inv.comment})
    return render(request, "portal/survey.html", {
        "inv": inv, "form": form, "thanks": thanks, "reference": inv.case.reference})
