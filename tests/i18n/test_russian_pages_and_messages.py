"""A Russian reader meets Russian everywhere (issue #22): insight pages, claims, staffing, case
history, admin, and every message the system writes — customers' in their case's language."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from complaintdesk.accounts.models import User
from complaintdesk.cases import services
from complaintdesk.cases.models import Case, Outbox, Queue, Topic
from complaintdesk.claims.models import Payout
from complaintdesk.insights import jobs
from complaintdesk.insights.models import ReportSchedule, SurveyInvitation
from complaintdesk.staffing import ewt
from complaintdesk.staffing.services import announcement
from tests.i18n.russian import leftovers, visible_text
from tests.insights.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def russian(settings):
    settings.LANGUAGE_CODE = "ru"  # the default deployment language; no cookie, no header


def reader(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def codes() -> tuple[str, ...]:
    return tuple(Topic.objects.values_list("code", flat=True)) + tuple(
        Queue.objects.values_list("code", flat=True))


def without_names(text: str) -> str:
    """The text without queue and topic names: the organisation's data (the defaults are
    bilingual, «Отдел претензий / Claims department»), not the interface's words."""
    names = list(Topic.objects.values_list("name", flat=True)) + list(
        Queue.objects.values_list("name", flat=True))
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return text


def page(user, path: str) -> str:
    response = reader(user).get(path)
    assert response.status_code == 200, path
    return visible_text(response.content.decode())


def test_the_dashboard_titles_headers_and_cells_are_russian(russian, mk, owner):
    mk(kind="complaint", topic="delivery-late", days_ago=2)
    mk(kind="claim", topic="delivery-late", days_ago=3, amount_claimed=Decimal("600"))
    text = page(owner, "/desk/insights/?start=2026-02-20&end=2026-03-03")
    for russian_text in ("Объёмы и тренды", "Обращения по типам и каналам", "Сроки по типам и каналам",
                         "соблюдение сроков, %", "(все каналы)", "Жалоба", "Претензия",
                         "Удовлетворённость по тематикам"):
        assert russian_text in text, russian_text
    assert leftovers(without_names(text), codes=codes()) == []


def test_chart_legends_and_axes_name_kinds_and_columns_in_russian(russian, mk, owner):
    mk(kind="complaint", topic="delivery-late", days_ago=2)
    html = reader(owner).get("/desk/insights/?start=2026-02-20&end=2026-03-03").content.decode()
    legend = '"name":"Жалоба"'.encode("unicode_escape").decode()  # plotly writes JSON escapes
    assert legend in html or '"name":"Жалоба"' in html
    assert '"name":"complaint"' not in html


def test_the_watch_list_shows_words_not_raw_values(russian, mk, owner):
    for days in (1, 2, 3):
        mk(kind="complaint", topic="delivery-late", days_ago=days)
    text = page(owner, "/desk/insights/watchlist/")
    assert "частый заявитель" in text and "высокий" in text and "нет" in text
    assert leftovers(without_names(text), codes=codes()) == []


@pytest.mark.parametrize("path", ["/desk/insights/schedules/", "/desk/insights/base/",
                                  "/desk/insights/themes/", "/desk/insights/rootcauses/new/"])
def test_insight_forms_label_their_fields_in_russian(russian, owner, path):
    text = page(owner, path)
    assert leftovers(without_names(text)) == []


def test_form_labels_replace_the_field_names(russian, owner):
    assert "Периодичность" in page(owner, "/desk/insights/schedules/")
    assert "Период по (включительно)" in page(owner, "/desk/insights/base/")
    assert "Проблема" in page(owner, "/desk/insights/rootcauses/new/")


def test_the_claims_overview_names_topics_and_kinds(russian, frozen, owner, atm_matrix,
                                                   atm_claim):
    atm_claim("600")
    assert Payout.objects.count() == 1
    text = page(owner, "/desk/claims/")
    assert atm_matrix.topic.name in text and "Претензия" in text
    assert leftovers(without_names(text), codes=codes()) == []


def test_the_simulator_page_is_russian(russian, frozen, analyst, decided_history):
    response = reader(analyst).get("/desk/claims/simulate/", {"topic": "cards-atm-cash"})
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "Претензии в базе" in text and "рекомендуемое правило" in text and "сумма <= 500" in text
    assert 'lang="ru"' in response.content.decode()
    assert leftovers(without_names(text), codes=codes()) == []


def test_the_case_history_shows_labels_not_codes(russian, frozen, owner, atm_matrix,
                                                 atm_claim):
    case = atm_claim("600", language="ru")
    text = page(owner, f"/desk/cases/{case.reference}/")
    timeline = text[text.index("История"):]
    assert "Система" in timeline and "одобрить автоматически" in timeline
    assert "сработало правило «small first claim»" in timeline
    assert atm_matrix.topic.name in timeline and Queue.objects.get(code="claims").name in timeline
    rule_names = without_names(timeline).replace("small first claim", " ")  # the matrix's data
    assert leftovers(rule_names, codes=codes()) == []


@pytest.mark.parametrize(("language", "expected", "foreign"), [
    ("ru", "Ваше требование удовлетворено автоматически", "approved automatically"),
    ("en", "Your claim was approved automatically", "удовлетворено"),
])
def test_the_auto_approval_goes_out_in_the_case_language_only(
        russian, frozen, atm_matrix, atm_claim, language, expected, foreign):
    case = atm_claim("600", language=language)
    case.refresh_from_db()
    assert expected in case.decision_text and foreign not in case.decision_text
    body = Outbox.objects.filter(case=case).order_by("-pk").values_list("body", flat=True)[0]
    assert expected in body and foreign not in body


@pytest.mark.parametrize(("language", "subject", "sms"), [
    ("ru", "Как мы справились?", "закрыто. Оцените нас от 1 до 5"),
    ("en", "How did we do?", "is closed. Rate us 1-5"),
])
def test_survey_invitations_speak_the_case_language(russian, make_case, language, subject, sms):
    case = make_case(language=language)
    inv = SurveyInvitation.objects.create(case=case, customer=case.customer)
    mail_subject, body = jobs.survey_message(case, inv)
    assert subject in mail_subject and (("очень доволен" in body) == (language == "ru"))
    assert sms in jobs.survey_message(case, inv, channel="sms")[1]


def test_the_weekly_report_email_and_printed_report_are_russian(russian, mk, owner, frozen):
    mk(kind="complaint", topic="delivery-late", days_ago=3)
    schedule = ReportSchedule.objects.create(
        name="Еженедельно", recipients="boss@example.com", next_run_at=NOW - timedelta(minutes=1),
        created_by=owner)
    assert jobs.send_due_reports(NOW) == 1
    body = Outbox.objects.get(purpose="report").body
    assert "== Сводка" in body and "Жалоба: обращений: 1" in body
    assert "Обращения по типам и каналам" in body and "Жалоба | Эл. почта | 1" in body
    assert leftovers(without_names(body), codes=codes()) == []
    printed = page(owner, f"/desk/insights/reports/{schedule.pk}/?start=2026-02-23&end=2026-03-01")
    assert "Сроки по типам и каналам" in printed
    assert leftovers(without_names(printed), codes=codes()) == []


def test_the_phone_queue_wait_message_is_russian():
    with translation.override("ru"):
        said = announcement(ewt.ewt_advice(ewt_seconds=770, callback_threshold_seconds=600))
        assert said.startswith("Ожидаемое время ожидания — около 13 минут.")
        assert "перезвонить" in said
        assert "меньше минуты" in announcement(ewt.ewt_advice(ewt_seconds=20))


def test_the_default_disagreement_text_is_in_the_case_language(russian, make_case):
    assert "финансовому уполномоченному" in services.default_external_options(
        make_case(language="ru"))
    assert "financial ombudsman" in services.default_external_options(make_case(language="en"))


def test_the_staffing_structure_names_its_lines_in_russian(russian, owner):
    text = page(owner, "/desk/staffing/structure/?source=example")
    assert "1-я линия (операторы)" in text and "2-я линия (специалисты)" in text
    assert leftovers(without_names(text)) == []


def test_the_admin_names_the_product_and_every_model_in_russian(russian, queues):
    admin = User.objects.create_superuser("root", "root@example.com", "pw-root")
    text = page(admin, "/admin/")
    assert "complaintdesk — администрирование" in text
    for plural in ("Исходящие сообщения", "Журнал аудита", "Ожидания до ответа", "Обращения",
                   "Всплески", "Политики SLA"):
        assert plural in text, plural
    assert leftovers(without_names(text)) == []


def test_every_model_has_a_russian_singular_and_plural():
    from django.apps import apps

    with translation.override("ru"):
        for model in apps.get_models():
            if not model.__module__.startswith("complaintdesk."):
                continue
            meta = model._meta
            for name in (str(meta.verbose_name), str(meta.verbose_name_plural)):
                assert any("а" <= ch.lower() <= "я" or ch in "ёЁ" for ch in name), (
                    f"{meta.label}: {name!r} has no Russian")


def test_english_readers_keep_english(mk, owner):
    mk(kind="complaint", topic="delivery-late", days_ago=2)
    text = page(owner, "/desk/insights/?start=2026-02-20&end=2026-03-03")
    assert "Volumes and trends" in text and "Объёмы" not in text
    assert Case.objects.count() == 1
