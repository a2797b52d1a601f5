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
