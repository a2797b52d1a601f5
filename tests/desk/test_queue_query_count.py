"""The queue page costs a constant number of queries, however many cases are on it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaintdesk.cases import services

pytestmark = pytest.mark.django_db


def test_queue_page_with_60_cases_runs_a_bounded_number_of_queries(
        client, owner, make_case, django_assert_max_num_queries):
    for i in range(60):
        case = make_case(kind="claim" if i % 2 else "complaint", topic="delivery-late",
                         amount_claimed=10 if i % 2 else None, currency="RUB" if i % 2 else "",
                         customer_email=f"c{i}@example.com")
        if i % 3 == 0:
            services.assign(case=case, assignee=owner, actor=owner)
        if i % 5 == 0:
            services.transition(case=case, to="acknowledged", actor=owner)
            services.transition(case=case, to="waiting_customer", actor=owner)
    client.force_login(owner)
    client.get("/desk/?tab=team")  # warm the per-process calendar cache
    with django_assert_max_num_queries(14):
        response = client.get("/desk/?tab=team&page=2")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 25


def test_queue_rows_markers_and_saved_view_tabs_keep_the_query_count_constant(
        client, owner, make_case):
    """Issue #21: the customer-replied marker, last activity and the saved-view tabs are read
    in a fixed number of queries, however many cases, messages and views there are."""
    from complaintdesk.notifications.models import SavedView

    def fill(start: int, n: int) -> None:
        for i in range(start, start + n):
            case = make_case(customer_email=f"m{i}@example.com", subject=f"Subject {i}")
            services.add_message(case=case, body="Question", direction="in", actor=None)
            if i % 2:
                services.add_message(case=case, body="Answer", direction="out", actor=owner)
            SavedView.objects.create(owner=owner, name=f"View {i}", query="tab=team")

    client.force_login(owner)
    fill(0, 2)
    client.get("/desk/?tab=team")  # warm the per-process calendar cache
    with CaptureQueriesContext(connection) as small:
        assert client.get("/desk/?tab=team").status_code == 200
    fill(2, 30)
    with CaptureQueriesContext(connection) as large:
        response = client.get("/desk/?tab=team")
    assert len(large.captured_queries) == len(small.captured_queries) <= 16
    assert len(response.context["rows"]) == 25
    assert response.content.decode().count("customer replied") >= 10
