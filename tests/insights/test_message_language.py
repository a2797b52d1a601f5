"""Insight messages speak their reader's language: surveys the customer's, alerts the staff's."""

from datetime import date

import pytest

from complaintdesk.insights import jobs
from complaintdesk.insights.models import Cause, CorrectiveAction, RootCause, Spike, SurveyInvitation
from tests.insights.conftest import NOW

pytestmark = pytest.mark.django_db


def test_a_russian_customer_is_asked_in_russian(make_case, frozen):
    case = make_case(language="ru", customer_name="Иван")
    inv = SurveyInvitation.objects.create(case=case, customer=case.customer)
    subject, body = jobs.survey_message(case, inv)
    assert subject == f"[{case.reference}] Как мы справились?"
    assert body.startswith("Здравствуйте, Иван!") and "очень доволен" in body
    _subject, sms = jobs.survey_message(case, inv, channel="sms")
    assert sms.startswith(f"{case.reference} закрыто.")


def test_the_spike_alert_is_in_the_supervisors_language_with_the_zone(owner, settings):
    settings.LANGUAGE_CODE = "ru"
    spike = Spike.objects.create(
        freq="H", dimension="topic", group_key="delivery-late", start=NOW, end=NOW, peak=NOW,
        observed=15, expected=2.0, score=7.5)
    subject, body = jobs.spike_alert(spike, owner)
    assert subject.startswith("Всплеск:") and "«delivery-late»" in subject
    assert "03.03.2026 10:00 (МСК)" in body and "сезонной норме 2,0" in body


def test_the_overdue_reminder_is_in_the_recipients_language(queues, owner, settings):
    settings.LANGUAGE_CODE = "ru"
    rc = RootCause.objects.create(title="Поздние доставки", whys=[])
    cause = Cause.objects.create(root_cause=rc, text="Нет экрана загрузки", depth=1)
    action = CorrectiveAction.objects.create(cause=cause, title="Экран", owner=None,
                                             deadline=date(2026, 3, 1))
    subject, body = jobs.overdue_action_reminder(action, owner)
    assert subject == "Корректирующее действие просрочено с 1 марта 2026 г.: Экран"
    assert "Ответственный: никто." in body
