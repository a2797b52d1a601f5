"""Issue #21: a queue row says what the case is about, its priority, its last activity and
whether the customer spoke last; the table refreshes itself with the filters it was drawn with."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaintdesk.cases import services

pytestmark = pytest.mark.django_db


def _row(html: str, reference: str) -> str:
    match = re.search(rf'<tr data-ref="{reference}".*?</tr>', html, re.S)
    assert match, reference
    return match.group(0)


def test_a_row_shows_the_subject_or_the_first_line_and_the_priority(client, owner, make_case):
    with_subject = make_case(subject="Torn grocery bags", text="Long story.\nSecond line.")
    without = make_case(text="\n  The courier was two hours late.\nAnd rude.")
    services.set_priority(case=without, priority="urgent", actor=owner)
    client.force_login(owner)
    html = client.get("/desk/?tab=team").content.decode()
    assert "Torn grocery bags" in _row(html, with_subject.reference)
    row = _row(html, without.reference)
    assert "The courier was two hours late." in row and "And rude." not in row
    assert 'class="badge priority-urgent">Urgent<' in row
    assert 'class="badge priority-normal">Normal<' in _row(html, with_subject.reference)


def test_customer_replied_marker_follows_the_last_inbound_and_outbound_messages(
        client, owner, make_case, frozen):
    waiting_for_us = make_case()
    answered = make_case()
    silent = make_case()
    services.add_message(case=waiting_for_us, body="Our reply", direction="out", actor=owner)
    frozen.shift(timedelta(minutes=5))
    services.add_message(case=waiting_for_us, body="But why?", direction="in", actor=None)
    services.add_message(case=answered, body="Where is my money?", direction="in", actor=None)
    frozen.shift(timedelta(minutes=5))
    services.add_message(case=answered, body="On its way", direction="out", actor=owner)
    client.force_login(owner)
    html = client.get("/desk/?tab=team").content.decode()
    assert "customer replied" in _row(html, waiting_for_us.reference)
    assert 'data-replied="1"' in _row(html, waiting_for_us.reference)
    assert "customer replied" not in _row(html, answered.reference)
    assert "customer replied" not in _row(html, silent.reference)
    # An internal note is no answer to the customer: the marker stays.
    services.add_message(case=waiting_for_us, body="Checking with the bank", direction="note",
                         actor=owner)
    html = client.get("/desk/?tab=team").content.decode()
    assert "customer replied" in _row(html, waiting_for_us.reference)


def test_last_activity_is_the_latest_message_or_change(client, owner, make_case, frozen):
    case = make_case()
    frozen.shift(timedelta(hours=3))
    services.add_message(case=case, body="Hello again", direction="in", actor=None)
    client.force_login(owner)
    html = client.get("/desk/?tab=team").content.decode()
    # Received at 10 a.m., the message three hours later: 1 p.m. in the case's Moscow time.
    cell = re.search(r'data-label="Last activity">([^<]*)<', _row(html, case.reference)).group(1)
    assert "1 p.m." in cell


def test_the_table_refreshes_itself_with_the_current_filters(client, owner, make_case):
    make_case()
    client.force_login(owner)
    html = client.get("/desk/?tab=team&kind=complaint&q=courier").content.decode()
    refresh = re.search(r'<div id="queue-refresh"[^>]*>', html).group(0)
    assert 'hx-get="/desk/?tab=team&amp;kind=complaint&amp;q=courier"' in refresh
    assert 'hx-trigger="every 30s"' in refresh and 'hx-target="#case-table"' in refresh
    # The refresh itself gets the table alone, again carrying the same filters.
    part = client.get("/desk/?tab=team&kind=complaint&q=courier", HTTP_HX_REQUEST="true")
    body = part.content.decode()
    assert "<html" not in body and 'id="cases"' in body
    assert 'hx-get="/desk/?tab=team&amp;kind=complaint&amp;q=courier"' in body


def test_row_markers_cost_no_query_per_row(client, owner, make_case):
    def fill(n: int) -> None:
        for i in range(n):
            case = make_case(customer_email=f"r{i}-{n}@example.com")
            services.add_message(case=case, body="Question", direction="in", actor=None)
            services.add_message(case=case, body="Answer", direction="out", actor=owner)

    client.force_login(owner)
    fill(2)
    client.get("/desk/?tab=team")  # warm the calendar cache

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/desk/?tab=team").status_code == 200
        return len(ctx.captured_queries)

    small = count()
    fill(20)
    assert count() == small
