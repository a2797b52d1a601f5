"""Load before serving what each new server process would otherwise load on its first request.

`complaintdesk serve` runs gunicorn with --preload: the master imports complaintdesk.wsgi, which
calls warm_up(), and every worker forked from it starts with all of this in memory. Without it
the first request of each worker paid 2-7 s: Django imports the URLconf (every app's views and
API routers, and with them scipy and scikit-learn) on the first request, not at start.
"""

import importlib
import logging
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation

log = logging.getLogger("complaintdesk.warm")

# Modules the views import inside functions (so commands that never serve pages stay light), and
# those settings name by dotted path, imported on first use (axes' login backend and handler).
VIEW_TIME_IMPORTS = [
    "complaintdesk.accounts.throttle",
    "complaintdesk.desk.common",
    "complaintdesk.insights.rollup",
    "complaintdesk.insights.assistant",
    "complaintdesk.insights.jobs",
    "complaintdesk.insights.charts",
    "complaintdesk.claims.simulate",
    "complaintdesk.claims.report",
]


def warm_up() -> None:
    # Reversing one name imports the URLconf (every app's views and the API: scipy,
    # scikit-learn) and builds the reverse lookup tables that every page's {% url %} needs.
    reverse("desk:queue")
    for module in VIEW_TIME_IMPORTS:
        importlib.import_module(module)
    # Message catalogues of each language: parsed on first activation.
    for code, _ in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Queues")
    _compile_templates()
    _draw_a_chart()
    _load_triage_models()
    # Never hand a database connection opened here to the forked workers: they would share it.
    connections.close_all()


def _compile_templates() -> None:
    """Compile our templates into the cached loader (shared by the workers after the fork)."""
    root = Path(settings.BASE_DIR) / "templates"
    for path in sorted(root.rglob("*.html")):
        try:
            get_template(str(path.relative_to(root)))
        except (TemplateSyntaxError, TemplateDoesNotExist):
            # The page that uses it reports the same error; starting the server must not fail.
            log.exception("warm-up: template %s does not compile", path)


def _draw_a_chart() -> None:
    """plotly imports a validator module per figure property and parses its theme on first use
    (about a second): draw the kinds of figure the dashboard, staffing and claims pages draw."""
    import plotly.graph_objects as go

    figure = go.Figure([go.Bar(x=["a"], y=[1]), go.Scatter(x=[1], y=[1], mode="lines+markers"),
                        go.Scattergl(x=[1], y=[1], mode="markers")])
    figure.update_layout(template="plotly_white", legend={"orientation": "h"}, height=300,
                         margin={"t": 10}, xaxis={"title": {"text": "x"}}, yaxis={"tickformat": ".0%"})
    figure.add_vline(x=1, line_dash="dash")
    figure.to_html(full_html=False, include_plotlyjs=False, config={"responsive": True})


def _load_triage_models() -> None:
    from complaintdesk.triage import registry
    from complaintdesk.triage.kind import get_default_model

    get_default_model()
    try:
        registry.active_topic_model()
        registry.topic_codes()
    except DatabaseError:
        # A database not migrated or not up yet: the first case loads the model instead.
        log.warning("warm-up: topic model not loaded (database unavailable)", exc_info=True)
