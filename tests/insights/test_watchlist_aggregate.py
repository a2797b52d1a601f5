"""The watch list ranks customers by one grouped query: a fixed number of queries whatever the
number of customers, escalations counted for the listed customers only, queues respected."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaintdesk.cases import services as case_services
from complaintdesk.cases.models import Case
from complaintdesk.insights import reports
from tests.insights.conftest import NOW

pytestmark = pytest.mark.django_db
PERIOD = {"start": "2026-02-01", "end": "2026-03-03"}


def repeat_complainers(mk, count: int) -> None:
    for i in range(count):
        first = mk(email=f"repeat{i}@example.com", days_ago=3)
        mk(email=f"repeat{i}@example.com", days_ago=2)
        mk(email=f"repeat{i}@example.com", days_ago=1)
        if i % 2:
            case_services.escalate(case=first, actor=None, reason="angry")


def test_the_watch_list_takes_a_fixed_number_of_queries(mk, admin_user, django_assert_max_num_queries):
    repeat_complainers(mk, 12)
    f = reports.Filters.from_params(PERIOD, now=NOW)
    with django_assert_max_num_queries(4):  # ranking (+ its settings on PostgreSQL), escalations, names
        table = reports.watch_list(admin_user, f, min_cases=3)
        rows = list(table.rows)
    assert len(rows) == 12
    by_email_escalations = sorted(row[5] for row in rows)
    assert by_email_escalations == [0] * 6 + [1] * 6


def test_escalations_are_not_counted_customer_by_customer_in_a_subquery(mk, admin_user):
    # Today's query is a single one, but it re-reads the timeline once per customer of the
    # whole register (a correlated subquery inside the GROUP BY): 82-115 s at 10,620 cases.
    repeat_complainers(mk, 3)
    f = reports.Filters.from_params(PERIOD, now=NOW)
    with CaptureQueriesContext(connection) as ctx:
        list(reports.watch_list(admin_user, f, min_cases=3).rows)
    for query in ctx.captured_queries:
        sql = query["sql"]
        assert not re.search(r'\(SELECT[^;]*"cases_event"[^;]*= \("cases_customer"\."id"\)', sql)
        # No query starts from every customer: the ranking reads the period's cases.
        assert 'FROM "cases_customer" LEFT OUTER JOIN' not in sql


def test_the_watch_list_ranks_resonance_first_and_keeps_the_risk_rules(mk, admin_user):
    repeat_complainers(mk, 2)
    loud = mk(email="media@example.com", days_ago=4)
    Case.objects.filter(pk=loud.pk).update(resonance=True)
    old_loud = mk(email="media@example.com", days_ago=200)  # resonance counts ever
    Case.objects.filter(pk=old_loud.pk).update(resonance=True)
    mk(email="once@example.com", days_ago=1, decided_at=NOW)
    table = reports.watch_list(admin_user, reports.Filters.from_params(PERIOD, now=NOW), min_cases=3)
    rows = [dict(zip(table.header, row, strict=True)) for row in table.rows]
    assert [r["risk"] for r in rows] == ["resonance", "high", "high"]
    assert rows[0]["resonance cases (ever)"] == 2 and rows[0]["cases in period"] == 1
    assert {r["cases in period"] for r in rows[1:]} == {3}


def test_counts_cover_only_the_queues_the_user_may_see(mk, outsider, owner):
    repeat_complainers(mk, 2)  # first-line cases: the outsider works the second line only
    f = reports.Filters.from_params(PERIOD, now=NOW)
    assert list(reports.watch_list(outsider, f).rows) == []
    assert len(list(reports.watch_list(owner, f).rows)) == 2
