"""Self-contained HTML report of a simulation: the risk/saving trade-off per topic (plotly)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from plotly.subplots import make_subplots

from complaintdesk.claims.simulate import SimulationResult, TopicResult

MAX_SCATTER_POINTS = 3000  # beyond this the page gets heavy and the cloud says nothing more


def _money(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


_AMOUNT = re.compile(r"amount <= ([\d.e+]+)")
_PRIOR = re.compile(r"claims in last (\d+) days <= (\d+)")


def describe(description: str) -> str:
    """A candidate rule's description (simulate.py writes it in English, without Django) in the
    reader's language."""
    text = _AMOUNT.sub(lambda m: _("amount <= %(max)s") % {"max": m.group(1)}, description)
    text = _PRIOR.sub(lambda m: _("claims in last %(days)s days <= %(n)s")
                      % {"days": m.group(1), "n": m.group(2)}, text)
    return text.replace(" and ", " " + _("and") + " ")


def _topic_figure(topic: TopicResult, *, accepted_risk: float) -> go.Figure:
    figure = make_subplots(rows=1, cols=2, subplot_titles=(
        _("Net saving vs loss rate"), _("Share auto-decided vs loss rate")))
    cloud = topic.candidates.nlargest(MAX_SCATTER_POINTS, "net_saving")
    hover = [_("amount <= %(max)s") % {"max": f"{a:g}"} for a in cloud["max_amount"]]
    for column, col in (("net_saving", 1), ("share_auto_decided", 2)):
        figure.add_trace(go.Scattergl(
            x=cloud["loss_rate"] * 100, y=cloud[column], mode="markers", text=hover,
            marker={"size": 4, "color": "rgba(120,120,120,0.35)"}, name=_("candidate rules"),
            showlegend=col == 1), row=1, col=col)
    frontier = topic.frontier
    for getter, col in ((lambda c: c.net_saving, 1), (lambda c: c.share_auto_decided, 2)):
        figure.add_trace(go.Scatter(
            x=[c.loss_rate * 100 for c in frontier], y=[getter(c) for c in frontier],
            mode="lines+markers", text=[describe(c.description) for c in frontier],
            line={"color": "#1f77b4"}, name=_("best rule at each loss rate"),
            showlegend=col == 1), row=1, col=col)
        if topic.recommended is not None:
            figure.add_trace(go.Scatter(
                x=[topic.recommended.loss_rate * 100], y=[getter(topic.recommended)],
                mode="markers", marker={"size": 14, "symbol": "star", "color": "#d62728"},
                text=[describe(topic.recommended.description)], name=_("recommended"),
                showlegend=col == 1), row=1, col=col)
        figure.add_vline(x=accepted_risk * 100, line_dash="dash", line_color="#d62728",
                         row=1, col=col)
    figure.update_xaxes(title_text=_("loss rate (%) of money auto-paid"))
    figure.update_yaxes(title_text=_("net saving (investigation cost saved − loss)"), row=1, col=1)
    figure.update_yaxes(title_text=_("share of claims auto-decided"), tickformat=".0%", row=1, col=2)
    figure.update_layout(height=460, margin={"t": 40, "b": 40}, legend={"orientation": "h"})
    return figure


def summary_rows(topic: TopicResult) -> list[tuple[str, str]]:
    """The topic's figures and its recommended rule, as (label, value) rows."""
    best = topic.recommended
    rows = [(_("claims"), f"{topic.claims:,}".replace(",", "\u202f")),
            (_("upheld share"), f"{topic.upheld_share:.1%}"),
            (_("baseline: investigate everything, cost"), _money(topic.baseline_investigation_cost))]
    if best is None:
        rows.append((_("recommendation"), _("none: no rule saves money within the accepted risk")))
    else:
        before = (_("n/a") if best.time_to_money_before_hours is None
                  else _("%(days).1f days") % {"days": best.time_to_money_before_hours / 24})
        rows += [
            (_("recommended rule"), describe(best.description)),
            (_("share auto-decided"), f"{best.share_auto_decided:.1%}"),
            (_("money auto-paid"), _money(best.auto_paid)),
            (_("loss (paid on unfounded claims)"), _money(best.loss)),
            (_("loss rate"), f"{best.loss_rate:.2%}"),
            (_("investigation cost saved"), _money(best.investigation_cost_saved)),
            (_("net saving vs baseline"), _money(best.net_saving)),
            (_("time to money"), _("%(before)s → 5 minutes") % {"before": before}),
        ]
    return rows


def _summary(topic: TopicResult) -> str:
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                    for k, v in summary_rows(topic))
    return f"<table>{cells}</table>"


def topic_charts(result: SimulationResult, *, inline_plotlyjs: bool) -> list[tuple[TopicResult, str]]:
    """Each topic with its chart's HTML. With inline_plotlyjs the first chart carries plotly.js
    (a report file that opens offline); without it the page must load the static plotly.min.js."""
    return [
        (topic, pio.to_html(_topic_figure(topic, accepted_risk=result.accepted_risk),
                            full_html=False, include_plotlyjs=inline_plotlyjs and index == 0,
                            div_id=f"claims-topic-{index}",  # stable ids: diffable reports
                            config={"responsive": True}))
        for index, topic in enumerate(result.topics)
    ]


def render_html(result: SimulationResult, *, title: str | None = None,
                topic_names: dict[str, str] | None = None) -> str:
    """One HTML page with plotly.js inlined, so it opens offline and from e-mail attachments.
    `topic_names` shows each topic's name in place of its code."""
    title = title or _("Claims: pay or investigate?")
    names = topic_names or {}
    sections = [f"<section><h2>{html.escape(names.get(topic.topic, topic.topic))}</h2>"
                f"{_summary(topic)}{chart}</section>"
                for topic, chart in topic_charts(result, inline_plotlyjs=True)]
    lang = translation.get_language() or "en"
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px}}
table{{border-collapse:collapse;margin:1rem 0}}th,td{{padding:.25rem .75rem;text-align:left;
border-bottom:1px solid #ddd}}th{{font-weight:600}}</style></head>
<body><h1>{html.escape(title)}</h1>
<p>{html.escape(EXPLANATION % {"risk": f"{result.accepted_risk:.2%}"})}</p>
{"".join(sections)}
</body></html>
"""


EXPLANATION = gettext_lazy(
    "Accepted risk: %(risk)s of money auto-paid. Each grey dot is a candidate auto-approve rule "
    "replayed on past claims; the line is the best net saving reachable at each loss rate; the "
    "star is the recommendation; the dashed line is the accepted risk.")


def write_html(result: SimulationResult, *, path: str | Path) -> Path:
    """Write the report and return its path."""
    target = Path(path)
    target.write_text(render_html(result), encoding="utf-8")
    return target
