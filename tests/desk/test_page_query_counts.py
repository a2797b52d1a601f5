"""The queue page and the case page cost the same number of SQL queries at any size.

Each page is requested at a small and at a larger size (rows on the page; events, messages,
attachments, pauses and other cases of the customer); the count must not change and stays
under a fixed ceiling. Counting queries, not timing them: see bench/ui_pages_bench.py for time.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaintdesk.cases import services
from complaintdesk.portal.attachments import attach_uploads

pytestmark = pytest.mark.django_db

QUEUE_PAGE_MAX = 14
# The case page's fixed cost: besides the case, its timeline and related rows, one read-audit
# INSERT, one UPDATE marking the user's notifications of the case read and one SELECT of the
# canned answers that fit it (issues #20, #21); none grows with the case's size.
CASE_PAGE_MAX = 17


def _fill_queue(make_case, owner, teammate, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        case = make_case(kind="claim" if i % 2 else "complaint",
                         topic="delivery-late" if i % 3 else "cards-atm-cash",
                         amount_claimed=10 if i % 2 else None, currency="RUB" if i % 2 else "",
                         customer_email=f"c{i}@example.com", text=f"Case number {i} tore")
        services.assign(case=case, assignee=owner if i % 2 else teammate, actor=owner)
        if i % 4 == 0:
            services.transition(case=case, to="acknowledged", actor=owner)
            services.transition(case=case, to="waiting_customer", actor=owner)
            services.transition(case=case, to="investigation", actor=owner)
        elif i % 5 == 0:
            services.transition(case=case, to="acknowledged", actor=owner)
            services.transition(case=case, to="waiting_customer", actor=owner)


def _count(client, path: str) -> int:
    client.get(path)  # warm per-process caches (the work calendar)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(ctx.captured_queries)


QUEUE_PATHS = ["/desk/", "/desk/?tab=team", "/desk/?tab=team&kind=claim&topic=delivery",
               "/desk/?tab=unassigned", "/desk/?tab=overdue", "/desk/?tab=team&q=tore",
               "/desk/?tab=team&sort=-received&page=2"]


def test_queue_page_query_count_does_not_grow_with_the_rows(
        client, owner, teammate, make_case, django_assert_max_num_queries):
    client.force_login(owner)
    _fill_queue(make_case, owner, teammate, 3)
    small = {path: _count(client, path) for path in QUEUE_PATHS}
    _fill_queue(make_case, owner, teammate, 57, start=3)
    large = {path: _count(client, path) for path in QUEUE_PATHS}
    assert large == small
    for path in QUEUE_PATHS:
        with django_assert_max_num_queries(QUEUE_PAGE_MAX):
            response = client.get(path)
        assert response.status_code == 200
    assert len(client.get("/desk/?tab=team").context["rows"]) == 25


def _grow_case(case, owner, n: int) -> None:
    for i in range(n):
        services.add_message(case=case, body=f"Note {i}", direction="note", actor=owner)
        services.add_message(case=case, body=f"Reply {i}", direction="out", actor=owner)
        services.transition(case=case, to="waiting_customer", actor=owner)
        services.add_message(case=case, body=f"More {i}", direction="in", actor=None)
        attach_uploads(case, [SimpleUploadedFile(f"receipt-{i}.txt", b"paid 600",
                                                 content_type="text/plain")], actor=owner)


def test_case_page_query_count_does_not_grow_with_events_messages_and_other_cases(
        client, owner, make_case, django_assert_max_num_queries):
    client.force_login(owner)
    case = make_case(kind="claim", amount_claimed=600, currency="RUB",
                     customer_email="repeat@example.com")
    services.assign(case=case, assignee=owner, actor=owner)
    services.transition(case=case, to="assessment", actor=owner)
    services.transition(case=case, to="investigation", actor=owner)
    incident = services.create_incident(title="Torn bags", actor=owner)
    services.link_to_incident(case=case, incident=incident, actor=owner)
    path = f"/desk/cases/{case.reference}/"
    _grow_case(case, owner, 1)
    small = _count(client, path)

    _grow_case(case, owner, 12)
    for _ in range(8):
        make_case(customer_email="repeat@example.com", kind="complaint", topic="delivery-late")
    response = client.get(path)
    assert len(response.context["events"]) > 40
    assert len(response.context["other_cases"]) == 8
    assert _count(client, path) == small
    with django_assert_max_num_queries(CASE_PAGE_MAX):
        client.get(path)
