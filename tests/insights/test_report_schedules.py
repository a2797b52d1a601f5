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
    assert "Complaint | E-mail | 1" in body  # labels, not codes: people read it
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
                      "overdue_reminders": 0, "rollup_rebuilt_rows": 0}


def test_run_due_throttles_each_job_between_worker_passes(queues, frozen):
    ReportSchedule.objects.create(name="W", recipients="a@example.com", next_run_at=NOW)
    assert jobs.run_due(NOW)["reports"] == 1
    assert jobs.run_due(NOW) == {}


def test_the_email_links_a_printable_page_with_volumes_themes_breaches_money_and_actions(
        mk, owner, login, frozen):
    from datetime import date

    from complaintdesk.insights.models import Cause, CorrectiveAction, RootCause

    mk(kind="complaint", topic="delivery-late", days_ago=3, resolve_by=NOW - timedelta(days=1))
    rc = RootCause.objects.create(title="Late", whys=["why"])
    cause = Cause.objects.create(root_cause=rc, text="Dispatch blind")
    CorrectiveAction.objects.create(cause=cause, title="Show courier load", owner=owner,
                                    deadline=date(2026, 3, 10))
    CorrectiveAction.objects.create(cause=cause, title="Old promise", deadline=date(2026, 2, 1))
    schedule = ReportSchedule.objects.create(name="Weekly CX", recipients="boss@example.com",
                                             next_run_at=NOW, created_by=owner)
    assert jobs.send_due_reports(NOW) == 1
    body = Outbox.objects.get(purpose="report").body
    link = f"http://testserver/desk/insights/reports/{schedule.pk}/?start=2026-02-23&end=2026-03-01"
    assert link in body
    assert "Complaint: SLA breaches: 1" in body and "Complaint: cases: 1" in body
    assert "due in the next 14 days: 1" in body and "Show courier load" in body
    html = login(owner).get(link.replace("http://testserver", "")).content.decode()
    assert "@media print" in html and "@page" in html
    for text in ("Weekly CX", "2026-02-23 – 2026-03-01", "Cases by kind and channel",
                 "Timeliness by kind and channel", "Money and cost of failure", "Top themes",
                 "Old promise", "Show courier load"):
        assert text in html, text


def test_operators_cannot_open_the_printable_report(queues, login, frozen):
    from tests.conftest import make_user

    schedule = ReportSchedule.objects.create(name="R", recipients="a@example.com", next_run_at=NOW)
    op = make_user("opal", "operator", queues["first-line"])
    assert login(op).get(f"/desk/insights/reports/{schedule.pk}/").status_code == 403
