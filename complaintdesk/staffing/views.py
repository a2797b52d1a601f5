"""Staffing pages of the desk: forecast vs actual, agents per interval with what-if sliders,
and the support-structure what-if. Supervisors, analysts and administrators only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from complaintdesk.accounts import permissions
from complaintdesk.cases.models import Channel, Queue
from complaintdesk.lib.charts import figure_div
from complaintdesk.staffing import services
from complaintdesk.staffing.models import QueueModel

EXAMPLE = Path(__file__).resolve().parent / "examples" / "structure_example.json"
MAX_STRUCTURE_CHARS = 200_000


def require_planner(user) -> None:
    # The same people as the supervisor board: they plan; operators and specialists work cases.
    if not (permissions.can(user, "move") or permissions.can(user, "export")):
        raise PermissionDenied(_("Staffing is for supervisors, analysts and administrators."))


def planner_queues(user):
    ids = permissions.visible_queue_ids(user)
    qs = Queue.objects.order_by("code")
    return qs if ids is None else qs.filter(pk__in=ids)


class WhatIfForm(forms.Form):
    """The plan's knobs; everything travels in the URL so a what-if can be shared."""

    interval = forms.ChoiceField(
        choices=[("15min", gettext_lazy("15 min")), ("30min", gettext_lazy("30 min")),
                 ("60min", gettext_lazy("60 min"))],
        label=gettext_lazy("Interval"))
    model = forms.ChoiceField(choices=QueueModel.choices, label=gettext_lazy("Model"))
    aht_seconds = forms.FloatField(min_value=10, max_value=3600, label=gettext_lazy("AHT, s"))
    target_sl = forms.FloatField(min_value=0.05, max_value=0.99,
                                 label=gettext_lazy("Target service level"))
    answer_seconds = forms.FloatField(min_value=0, max_value=600,
                                      label=gettext_lazy("Answered within, s"))
    patience_seconds = forms.FloatField(min_value=10, max_value=3600,
                                        label=gettext_lazy("Patience, s (Erlang A)"))
    shrinkage = forms.FloatField(min_value=0, max_value=0.9, label=gettext_lazy("Shrinkage"))
    days = forms.IntegerField(min_value=14, max_value=365, label=gettext_lazy("History, days"))
    horizon_days = forms.IntegerField(min_value=1, max_value=28,
                                      label=gettext_lazy("Plan, days"))


def _figure_html(fig: go.Figure, div_id: str) -> str:
    fig.update_layout(margin={"l": 50, "r": 20, "t": 40, "b": 40}, height=340,
                      legend={"orientation": "h", "y": -0.2}, template="plotly_white")
    # plotly.js itself is served from /static/vendor/plotly.min.js: no CDN.
    return figure_div(fig, div_id=div_id, config={"displaylogo": False, "responsive": True})


def forecast_chart(result: services.PlanResult) -> str:
    fig = go.Figure()
    fig.add_scatter(x=result.history.index, y=result.history.to_numpy(), name=_("Actual"),
                    mode="lines", line={"color": "#6b7280", "width": 1})
    fig.add_scatter(x=result.intervals.index, y=result.intervals["calls"].to_numpy(),
                    name=_("Forecast"), mode="lines", line={"color": "#1d4ed8", "width": 1.5})
    fig.update_layout(title=_("Cases per interval: actual and forecast"),
                      yaxis_title=_("cases"))
    return _figure_html(fig, "chart-forecast")


def agents_chart(result: services.PlanResult) -> str:
    table = result.intervals
    fig = go.Figure()
    fig.add_bar(x=table.index, y=table["raw_agents"].to_numpy(), name=_("Agents on the phones"),
                marker_color="#16a34a")
    fig.add_scatter(x=table.index, y=table["agents"].to_numpy(),
                    name=_("Scheduled (with shrinkage)"), mode="lines",
                    line={"color": "#b45309", "shape": "hv"})
    fig.update_layout(title=_("Required agents per interval"), yaxis_title=_("agents"),
                      bargap=0)
    return _figure_html(fig, "chart-agents")


def _initial(setting) -> dict[str, Any]:
    return {"interval": "30min", "model": setting.model, "aht_seconds": setting.aht_seconds,
            "target_sl": setting.target_sl, "answer_seconds": setting.answer_seconds,
            "patience_seconds": setting.patience_seconds, "shrinkage": setting.shrinkage,
            "days": 28, "horizon_days": 7}


def _plan_context(queue: Queue, channel: str, setting, values: dict[str, Any]) -> dict[str, Any]:
    inputs = services.PlanInputs.from_settings(setting, **values)
    try:
        result = services.plan_from_db(queue, channel, inputs=inputs)
    except ValueError as exc:
        return {"plan_error": str(exc)}
    days = result.days.reset_index()
    table = result.intervals
    busy = table[table["calls"] > 0]
    summary = {
        "history_cases": int(result.history.sum()),
        "forecast_calls": float(table["calls"].sum()),
        "peak_agents": int(table["raw_agents"].max()),
        "peak_scheduled": int(table["agents"].max()),
        "fte_per_day": float(result.days["fte"].mean()),
        "mean_sl": float((busy["service_level"] * busy["calls"]).sum() / busy["calls"].sum())
        if len(busy) else 1.0,
    }
    if "abandon_probability" in table:
        summary["abandon"] = float(
            (busy["abandon_probability"] * busy["calls"]).sum() / busy["calls"].sum()
        ) if len(busy) else 0.0
    rows = table[table["calls"] > 0.05].reset_index(names="start")
    return {
        "result": result,
        "summary": summary,
        "days": days.to_dict(orient="records"),
        "interval_rows": rows.to_dict(orient="records"),
        "forecast_chart": forecast_chart(result),
        "agents_chart": agents_chart(result),
    }


@login_required
def staffing_page(request):
    require_planner(request.user)
    queues = list(planner_queues(request.user))
    context: dict[str, Any] = {"queues": queues, "channels": Channel.choices}
    if not queues:
        return render(request, "staffing/page.html", context)
    by_code = {q.code: q for q in queues}
    queue = by_code.get(request.GET.get("queue", ""), queues[0])
    channel = request.GET.get("channel", "")
    if channel not in dict(Channel.choices):
        channel = ""
    setting = services.settings_or_defaults(queue, channel)
    initial = _initial(setting)
    data = {k: request.GET.get(k, v) for k, v in initial.items()}
    form = WhatIfForm(data)
    values = form.cleaned_data if form.is_valid() else initial
    context.update({"queue": queue, "channel": channel, "setting": setting, "form": form,
                    "values": values, "configured": setting.pk is not None,
                    **_plan_context(queue, channel, setting, dict(values))})
    template = "staffing/_plan.html" if request.htmx else "staffing/page.html"
    return render(request, template, context)


# ---- support structure ------------------------------------------------------------------------


EXAMPLE_COMMENT = gettext_noop(
    "Illustrative retail-bank contact centre (figures invented for the example, roubles). "
    "Volumes per month; AHT in minutes; transfer_rates = share passed from a line to the next.")


def _example_text() -> str:
    """The example file as written (its layout reads well), its comment and line names in the
    reader's language."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace(json.dumps(EXAMPLE_COMMENT), json.dumps(_(EXAMPLE_COMMENT), ensure_ascii=False))
    for english in services.LINE_NAMES:
        text = text.replace(json.dumps(english), json.dumps(services.line_name(english),
                                                            ensure_ascii=False))
    return text


@login_required
def structure_page(request):
    require_planner(request.user)
    source = request.GET.get("source", "db")
    try:
        months = max(1, min(24, int(request.GET.get("months", 3))))
    except ValueError:
        months = 3
    context: dict[str, Any] = {"source": source, "months": months}
    if request.method == "POST":
        text = request.POST.get("structure", "")[:MAX_STRUCTURE_CHARS]
        chosen: list[str] | None = request.POST.getlist("move")
    else:
        if source == "example":
            text = _example_text()
        else:
            data = services.structure_from_db(months=months)
            text = json.dumps(data, indent=2, ensure_ascii=False)
            context["volumes"] = services.topic_volumes(months=months)
        chosen = None  # every candidate move
    context["text"] = text
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError(_("the structure must be a JSON object"))
        report = services.structure_report(data, move=chosen)
    except json.JSONDecodeError as exc:
        context["error"] = _("Not valid JSON: %(error)s") % {"error": exc}
    except (ValueError, KeyError, TypeError) as exc:
        context["error"] = str(exc)
    else:
        lines = [
            {"before": old, "after": new, "fte_change": new["fte"] - old["fte"],
             "cost_change": new["cost_per_month"] - old["cost_per_month"]}
            for old, new in zip(report["before"]["lines"], report["after"]["lines"], strict=True)
        ]
        for line in lines:
            line["name"] = services.line_name(line["before"]["name"])
        # A move names its topic by code; the person reads the topic's title where there is one.
        titles = {t.get("name"): t.get("title") or t.get("name") for t in data.get("topics", [])
                  if isinstance(t, dict)}
        moves = [{**m, "label": titles.get(m.get("topic"), m.get("topic"))}
                 for m in data.get("moves", []) if isinstance(m, dict)]
        context.update({"report": report, "lines": lines, "moves": moves,
                        "chosen": set(report["moved_topics"])})
    context["now"] = timezone.now()
    return render(request, "staffing/structure.html", context)

