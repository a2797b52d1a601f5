"""Plotly figures under the Content-Security-Policy, which forbids inline scripts without the
request's nonce (plotly's own to_html() emits one inline <script>)."""

import json
import re
import uuid

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


def figure_div(fig, *, div_id: str = "", config: dict | None = None) -> SafeString:
    """The figure as data in a <div data-figure>; static/cd.js draws it. For fragments htmx
    swaps in, where an inline script would carry another request's nonce and be refused."""
    spec = json.loads(fig.to_json())
    spec["config"] = config or {}
    return format_html('<div id="{}" class="plotly-graph-div cd-chart" data-figure="{}"></div>',
                       div_id or f"chart-{uuid.uuid4().hex[:12]}",
                       json.dumps(spec, separators=(",", ":")))


def with_nonce(html: str, nonce: str) -> SafeString:
    """Plotly's to_html() output with the CSP nonce on its <script> tags (whole pages only)."""
    return mark_safe(re.sub(r"<script(?=[\s>])", f'<script nonce="{escape(nonce)}"', html))
