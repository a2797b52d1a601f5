"""Scheduled reports: queued once per period to each recipient, with dashboard and XLSX links."""

from datetime import timedelta

import pytest

from complaintdesk.cases.models import Outbox
from complaintdesk.insights import jobs
from complaintdesk.insights.models import ReportSchedule
from tests.insights.conftest import NOW

pytestmark = pytest.mark.django_db


def test_a_due_weekly_report_goes_to_every_recipient_once(mk, owner, frozen):
    mk(kind="complaint", topic="delivery-late", days_ago=3)   # last week (Sat 28 Feb)
    schedule = ReportSchedule.objects.create(
        name="Weekly CX", recipients="boss@example.com, cfo@example.com", frequency="weekly",
        next_run_at=NOW - timedelta(minutes=1), created_by=owner, filters={"kind": "complaint"})
    assert jobs.send_due_reports(NOW) == 2
    rows = Outbox.objects.filter(purpose="report").order_by("recipient")
    assert [r.recipient for r in rows] == ["boss@example.com", "cfo@example.com"]
    body = rows[0].body
    assert rows[0].subject == "Weekly CX: 2026-02-23 – 2026-03-01"
    assert "complaint | email | 1" in body
    assert "/desk/insights/export/volumes.xlsx?start=2026-02-23&end=2026-03-01&kind=complaint" in body
    assert "Corrective actions overdue: 0" in body
    schedule.refresh_from_db()
    assert schedule.next_run_at == NOW - timedelta(minutes=1) + timedelta(days=7)
    assert jobs.send_due_reports(NOW + timedelta(hours=1)) == 0
    assert Outbox.objects.filter(purpose="report").count() == 2


def test_a_monthly_report_covers_the_previous_calendar_month(queues, frozen):
    ReportSchedule.objects.create(name="Monthly", recipients="boss@example.com",
                                  frequency="monthly", next_run_at=NOW, dashboard="money")
    assert jobs.send_due_reports(NOW) == 1
    row = Outbox.objects.get(purpose="report")
    assert row.subject == "Monthly: 2026-02-01 – 2026-02-28"
    assert "Money and cost of failure" in row.body and "Timeliness" not in row.body
    assert ReportSchedule.objects.get().next_run_at == NOW.replace(month=4)


def test_paused_and_future_schedules_send_nothing(queues, frozen):
    ReportSchedule.objects.create(name="Off", recipients="a@example.com", active=False,
                                  next_run_at=NOW - timedelta(days=1))
    ReportSchedule.objects.create(name="Later", recipients="a@example.com",
                                  next_run_at=NOW + timedelta(days=1))
    assert jobs.send_due_reports(NOW) == 0


def test_a_supervisor_schedules_a_report_from_the_page(owner, login, frozen):
    login(owner).post("/desk/insights/schedules/?kind=claim", {
        "name": "Claims weekly", "dashboard": "all", "recipients": "boss@example.com",
        "frequency": "weekly", "next_run_at": "2026-03-09T09:00", "active": "on"})
    schedule = ReportSchedule.objects.get()
    assert schedule.filters == {"kind": "claim"} and schedule.created_by == owner


def test_run_all_runs_every_job_once(mk, owner, frozen):
    counts = jobs.run_all(NOW)
    assert counts == {"spikes_new": 0, "spike_alerts": 0, "surveys": 0, "reports": 0,
                      "overdue_reminders": 0}


def test_run_due_throttles_each_job_between_worker_passes(queues, frozen):
    ReportSchedule.objects.create(name="W", recipients="a@example.com", next_run_at=NOW)
    assert jobs.run_due(NOW)["reports"] == 1
    assert jobs.run_due(NOW) == {}
