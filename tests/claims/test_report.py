"""HTML trade-off report is self-contained (plotly.js inlined, no CDN)."""

from complaintdesk.claims.report import render_html, write_html
from complaintdesk.claims.simulate import simulate
from complaintdesk.claims.synthetic import generate


def test_report_inlines_plotly_once_and_names_the_recommended_rule(tmp_path):
    result = simulate(generate(profile="generic", rows=3000, seed=2))
    page = render_html(result)
    # The library itself mentions CDN URLs for map tiles; what matters is no external script.
    assert "<scriptsrc=" not in page.replace(" ", "")
    assert page.count("plotly.js v") == 1  # inlined once, not once per topic
    for topic in result.topics:
        assert f"<h2>{topic.topic}</h2>" in page
        if topic.recommended:
            assert topic.recommended.description.replace("<", "&lt;") in page
    path = write_html(result, path=tmp_path / "report.html")
    assert path.read_text(encoding="utf-8") == page
