"""Times shown to people are in the case's calendar zone, labelled, in the reader's language."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from complaintdesk.cases import notifications
from complaintdesk.cases.models import Case, Outbox, Queue
from complaintdesk.cases.worker import run_pass
from complaintdesk.lib import configcache
from complaintdesk.sla.models import Calendar


@pytest.fixture(autouse=True)
def _forget_cached_configuration():
    """These tests change calendars, queues and policies inside a transaction that is rolled
    back; the per-process configuration cache must not carry them into the next test."""
    yield
    configcache.clear()


# 21:08 UTC on 17 December is 0:08 on 18 December in Moscow: another day.
LATE_EVENING_UTC = datetime(2026, 12, 17, 21, 8, tzinfo=UTC)


def _due_late(case: Case) -> Case:
    Case.objects.filter(pk=case.pk).update(resolve_by=LATE_EVENING_UTC)
    return Case.objects.select_related("queue", "customer").get(pk=case.pk)


def test_the_russian_acknowledgement_names_the_moscow_day_and_says_so(make_case, frozen):
    case = _due_late(make_case(language="ru"))
    _subject, body = notifications.acknowledgement(case)
    assert "18 декабря 2026 г. 0:08 (МСК)" in body
    assert "17 декабря" not in body


def test_the_english_acknowledgement_has_one_full_stop_and_the_zone(make_case, frozen):
    case = _due_late(make_case(language="en"))
    _subject, body = notifications.acknowledgement(case)
    assert "Dec. 18, 2026, 12:08 a.m. (Moscow time)." in body
    assert ".." not in body


def test_the_acknowledgement_and_the_case_page_name_the_same_moment(make_case, owner, frozen,
                                                                    settings):
    settings.LANGUAGE_CODE = "ru"
    case = _due_late(make_case(language="ru", topic="cards-atm-cash"))
    _subject, body = notifications.acknowledgement(case)
    client = Client()
    client.force_login(owner)
    page = client.get(f"/desk/cases/{case.reference}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "18 декабря 2026 г. 0:08 (МСК)" in page and "18 декабря 2026 г. 0:08 (МСК)" in body
    # Received, answer due and each timeline entry carry the zone too.
    timeline = page[page.index('id="timeline"'):]
    assert "03.03.2026 10:00 (МСК)" in timeline


def test_a_queue_on_another_calendar_shows_its_own_zone_with_the_offset(make_case, frozen):
    ural = Calendar.objects.create(code="ru-ekb", name="Екатеринбург", timezone="Asia/Yekaterinburg")
    Queue.objects.filter(code="first-line").update(calendar=ural)
    case = _due_late(make_case(language="ru"))
    # Moscow's default policies carry their own calendar; this case's clock runs on the queue's.
    Case.objects.filter(pk=case.pk).update(policy=None)
    case.refresh_from_db()
    _subject, body = notifications.acknowledgement(case)
    assert "18 декабря 2026 г. 2:08 (UTC+5)" in body


@pytest.mark.parametrize(("language", "words", "when"), [
    ("ru", "Срок нарушен", "(МСК)"),
    ("en", "Deadline breached", "(Moscow time)"),
])
def test_staff_alerts_are_in_the_recipients_language_and_the_case_zone(
    make_case, owner, frozen, settings, language, words, when
):
    settings.LANGUAGE_CODE = language
    case = make_case(kind="claim", topic="cards-atm-cash")
    frozen.shift(timedelta(days=2))
    run_pass(worker_id="test-worker")
    alert = Outbox.objects.get(case=case, purpose=Outbox.Purpose.ESCALATION,
                               subject=f"[{case.reference}] {words}")
    assert alert.body.startswith(words) and when in alert.body
    assert "UTC" not in alert.body


def test_a_manual_escalation_alert_keeps_the_persons_reason(make_case, owner, frozen,
                                                            settings):
    from complaintdesk.cases import services

    settings.LANGUAGE_CODE = "ru"
    case = make_case()
    services.escalate(case=case, actor=owner, reason="клиент угрожает судом")
    alert = Outbox.objects.get(case=case, purpose=Outbox.Purpose.ESCALATION)
    assert alert.subject == f"[{case.reference}] Эскалировано: клиент угрожает судом"
    assert "(МСК)" in alert.body


def test_the_case_export_gives_times_in_the_cases_zone_and_names_it(make_case, admin_user, frozen):
    import csv
    import io

    ural = Calendar.objects.create(code="ru-ekb", name="Екатеринбург", timezone="Asia/Yekaterinburg")
    Queue.objects.filter(code="first-line").update(calendar=ural)
    case = _due_late(make_case())
    Case.objects.filter(pk=case.pk).update(policy=None)
    client = Client()
    client.force_login(admin_user)
    response = client.get("/desk/insights/export/cases.csv?start=2026-03-01&end=2026-03-31")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["time zone"] == "Asia/Yekaterinburg"
    assert row["received"].startswith("2026-03-03 12:00")  # 10:00 in Moscow
    assert row["answer due"].startswith("2026-12-18 02:08")


# Every other surface: the case's zone where a case is at hand, otherwise the site's zone
# (settings.TIME_ZONE, Moscow), always labelled. 21:08 UTC is already 18 December there.
LATE_MOSCOW_RU = "18.12.2026 00:08 (МСК)"


def _ru_page(user, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def russian(settings):
    settings.LANGUAGE_CODE = "ru"


def test_a_time_inside_a_timeline_entry_is_in_the_cases_zone_and_labelled(
        make_case, owner, frozen, russian):
    from complaintdesk.cases.models import Event, EventType

    ural = Calendar.objects.create(code="ru-ekb", name="Екатеринбург", timezone="Asia/Yekaterinburg")
    Queue.objects.filter(code="first-line").update(calendar=ural)
    case = make_case()
    Case.objects.filter(pk=case.pk).update(policy=None)
    Event.objects.create(case=case, type=EventType.SLA_SET, actor_label="system",
                         after={"resolve_by": LATE_EVENING_UTC.isoformat()})
    page = _ru_page(owner, f"/desk/cases/{case.reference}/")
    timeline = page[page.index('id="timeline"'):]
    assert "Ответить до: 18.12.2026 02:08 (UTC+5)" in timeline
    assert "17.12.2026" not in timeline
    # The triage explanation says when the model classified, in the same zone.
    explanation = page[page.index('id="triage-explanation"'):].split("</section>")[0]
    assert "03.03.2026 12:00 (UTC+5)" in explanation


def test_the_incident_list_gives_the_moscow_time_with_its_label(owner, queues, frozen, russian):
    from complaintdesk.cases import services

    frozen.move_to(LATE_EVENING_UTC, tick=False)
    services.create_incident(title="Банкоматы", actor=owner)
    page = _ru_page(owner, "/desk/incidents/")
    assert LATE_MOSCOW_RU in page and "17.12.2026" not in page


def test_spike_pages_give_the_site_zone_and_the_cases_own(make_case, owner, frozen, russian):
    from complaintdesk.insights.models import Spike

    case = _due_late(make_case(topic="cards-atm-cash"))
    Case.objects.filter(pk=case.pk).update(received_at=LATE_EVENING_UTC)
    spike = Spike.objects.create(
        freq="H", dimension="topic", group_key="cards-atm-cash", start=LATE_EVENING_UTC,
        end=LATE_EVENING_UTC + timedelta(hours=1), peak=LATE_EVENING_UTC, observed=9,
        expected=1.0, score=6.0)
    listing = _ru_page(owner, "/desk/insights/spikes/")
    assert f"{LATE_MOSCOW_RU} → 18.12.2026 01:08 (МСК)" in listing
    detail = _ru_page(owner, f"/desk/insights/spikes/{spike.pk}/")
    assert f"{LATE_MOSCOW_RU} → 18.12.2026 01:08 (МСК)" in detail
    # The spike's cases are listed with their received time in their own calendar's zone.
    row = detail[detail.index(f">{case.reference}<"):].split("</tr>")[0]
    assert LATE_MOSCOW_RU in row


def test_the_channels_page_labels_the_last_run_and_the_next_try(owner, queues, frozen, russian):
    from complaintdesk.channels.models import ChannelState

    ChannelState.objects.create(name="telegram:poll", value="ok", updated_at=LATE_EVENING_UTC)
    page = _ru_page(owner, "/desk/channels/")
    row = page[page.index("telegram:poll"):]
    assert row.split("</tr>")[0].count(LATE_MOSCOW_RU) == 1


def test_the_schedules_list_gives_the_next_run_in_moscow_time(owner, queues, frozen, russian):
    from complaintdesk.insights.models import ReportSchedule

    ReportSchedule.objects.create(name="Еженедельный", recipients="boss@example.com",
                                  frequency="weekly", next_run_at=LATE_EVENING_UTC,
                                  created_by=owner)
    page = _ru_page(owner, "/desk/insights/schedules/")
    assert LATE_MOSCOW_RU in page


def test_theme_runs_are_listed_with_the_labelled_moscow_time(owner, queues, frozen, russian):
    from complaintdesk.insights.models import ThemeRun

    frozen.move_to(LATE_EVENING_UTC, tick=False)
    ThemeRun.objects.create(period_start=LATE_EVENING_UTC - timedelta(days=30),
                            period_end=LATE_EVENING_UTC)
    page = _ru_page(owner, "/desk/insights/themes/")
    assert LATE_MOSCOW_RU in page


def test_the_claims_page_labels_when_a_matrix_was_made(owner, queues, frozen, russian):
    from decimal import Decimal

    from complaintdesk.cases.models import Topic
    from complaintdesk.claims.models import DecisionMatrix

    frozen.move_to(LATE_EVENING_UTC, tick=False)
    DecisionMatrix.objects.create(topic=Topic.objects.get(code="cards-atm-cash"), version=1,
                                  definition={"rules": [], "default": "investigate"},
                                  audit_share=Decimal("0.05"), active=True)
    page = _ru_page(owner, "/desk/claims/")
    assert LATE_MOSCOW_RU in page


def test_the_scheduled_report_email_and_the_printed_report_say_when_and_in_which_zone(
        owner, queues, frozen, russian):
    from complaintdesk.insights import jobs
    from complaintdesk.insights.models import ReportSchedule

    schedule = ReportSchedule.objects.create(
        name="Weekly CX", recipients="boss@example.com", frequency="weekly",
        next_run_at=LATE_EVENING_UTC - timedelta(minutes=1), created_by=owner)
    assert jobs.send_due_reports(LATE_EVENING_UTC) == 1
    body = Outbox.objects.get(purpose="report").body
    assert f"Сформирован {LATE_MOSCOW_RU}" in body
    frozen.move_to(LATE_EVENING_UTC, tick=False)
    page = _ru_page(owner, f"/desk/insights/reports/{schedule.pk}/")
    assert LATE_MOSCOW_RU in page


def test_a_spike_made_into_an_incident_names_its_moscow_time(owner, queues, frozen, russian):
    from complaintdesk.insights import services as insight_services
    from complaintdesk.insights.models import Spike

    spike = Spike.objects.create(
        freq="H", dimension="topic", group_key="cards-atm-cash", start=LATE_EVENING_UTC,
        end=LATE_EVENING_UTC, peak=LATE_EVENING_UTC, observed=9, expected=1.0, score=6.0)
    result = insight_services.link_spike_to_incident(spike, actor=owner)
    assert result.incident.title.endswith(LATE_MOSCOW_RU)


def test_a_wall_clock_time_of_the_site_such_as_the_staffing_grid_is_labelled(settings):
    from complaintdesk.cases import times

    settings.LANGUAGE_CODE = "ru"
    from django.utils import translation

    with translation.override("ru"):
        assert times.site_time(datetime(2026, 12, 18, 0, 8),
                               fmt="SHORT_DATETIME_FORMAT") == LATE_MOSCOW_RU
        assert times.site_time(None) == "—"


def test_the_staffing_intervals_are_moscow_wall_clock_times_labelled(
        make_case, queues, owner, frozen, russian):
    from django.utils import formats, translation

    from tests.conftest import MSK
    from tests.staffing.history import clone_cases, pattern_days

    template = make_case(channel="phone", queue="first-line")
    clone_cases(template, pattern_days(datetime(2026, 2, 3, tzinfo=MSK), 28))
    client = Client()
    client.force_login(owner)
    response = client.get("/desk/staffing/", {"queue": "first-line", "channel": "phone"},
                          HTTP_ACCEPT_LANGUAGE="ru")
    table = response.content.decode().split('id="interval-table"')[1].split("</table>")[0]
    rows = table.split("<tbody>")[1].split("<tr>")[1:]
    assert rows and all("(МСК)</td>" in row for row in rows)
    # The plan's grid is already Moscow wall-clock time: shown as is, not shifted by 3 hours.
    first = response.context["interval_rows"][0]["start"]
    with translation.override("ru"):
        assert f"{formats.date_format(first, 'SHORT_DATETIME_FORMAT')} (МСК)" in rows[0]


def test_admin_names_of_timed_records_carry_the_zone(owner, queues, frozen):
    from django.utils import translation

    from complaintdesk.insights.models import Spike

    spike = Spike.objects.create(
        freq="H", dimension="topic", group_key="cards-atm-cash", start=LATE_EVENING_UTC,
        end=LATE_EVENING_UTC, peak=LATE_EVENING_UTC, observed=9, expected=1.0, score=6.0)
    with translation.override("ru"):
        assert str(spike) == f"topic=cards-atm-cash {LATE_MOSCOW_RU} (9)"
