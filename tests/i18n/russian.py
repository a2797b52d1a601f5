"""What a Russian reader must never meet: English left over from issue #22 and raw codes."""

from __future__ import annotations

import html
import re

# Strings issue #22 found on Russian pages (insights, claims, staffing, admin, case history).
ENGLISH_LEFTOVERS = [
    # insights dashboard: section titles, table titles and headers, chart legends
    "Volumes and trends", "Timeliness", "Money and cost of failure", "Satisfaction by",
    "Cases by kind", "Quality by kind", "ack median h", "resolve p90 h", "topic name",
    "SLA compliance", "cost of failure", "CSAT average", "(all)", "(no topic)",
    # watch list headers and raw values
    "customer id", "cases in period", "serial claimant", "open without answer", "False", "True",
    # schedules / base / themes / 5 Whys / actions form labels (Django's field-name defaults)
    "Next run at", "Period start", "Period end", "Forecast drop pct", "Dashboard:",
    # claims simulator
    "pay or investigate", "Net saving", "candidate rules", "recommended rule", "loss rate",
    "Accepted risk:", "amount <=",
    # staffing structure line names
    "1st line", "2nd line", "Claims department",
    # admin
    "Django administration", "Администрирование Django", "Outboxs", "entrys", "ответаs",
    # case history
    "auto_approve", "matched", "system", "customer",
]
# English words that would only ever show up as raw values (watch-list risk, kind codes) or
# from a chart's date axis (plotly writes English month names).
ENGLISH_WORDS = re.compile(
    r"\b(high|watch|resonance|complaint|claim|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")
SCRIPTS = re.compile(r"<(script|style)\b.*?</\1>", flags=re.S | re.I)
TAGS = re.compile(r"<[^>]+>")


def visible_text(page_html: str) -> str:
    """The text a reader sees in server-rendered HTML: no scripts, styles, tags or attributes."""
    return html.unescape(TAGS.sub(" ", SCRIPTS.sub(" ", page_html)))


def leftovers(text: str, *, codes: tuple[str, ...] = ()) -> list[str]:
    """English leftovers and raw codes (whole words) found in a Russian reader's text."""
    found = [s for s in ENGLISH_LEFTOVERS if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text)]
    found += sorted({m.group(0) for m in ENGLISH_WORDS.finditer(text)})
    found += [c for c in codes if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)]
    return found
