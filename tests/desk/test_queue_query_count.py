"""The queue page costs a constant number of queries, however many cases are on it."""

import pytest

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
