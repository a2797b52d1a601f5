"""The timeline speaks the reader's language: translated field names and values, no raw keys."""

from datetime import timedelta

import pytest

from complaintdesk.cases import services
from complaintdesk.cases.worker import run_pass

pytestmark = pytest.mark.django_db


def _timeline(client, user, case, *, language: str = "en") -> str:
    """The case page's timeline list as the user reads it in that language."""
    client.force_login(user)
    if language != "en":
        client.post("/i18n/setlang/", {"language": language, "next": "/desk/"})
    html = client.get(f"/desk/cases/{case.reference}/").content.decode()
    timeline = html[html.index('id="timeline"'):]
    return timeline[:timeline.index("</ol>")]


def test_timeline_in_russian_uses_translated_labels_and_values(client, owner, make_case):
    case = make_case(kind="claim", amount_claimed=600, currency="RUB")
    services.assign(case=case, assignee=owner, actor=owner)
    services.transition(case=case, to="assessment", actor=owner)
    services.decide(case=case, outcome="upheld", actor=owner, amount_paid=600, text="Вернём")
    timeline = _timeline(client, owner, case, language="ru")
    assert "Статус: Оценка → Решение" in timeline
    assert "Решение: Удовлетворена" in timeline
    assert "600,00 RUB" in timeline  # the amount paid back in the Russian money format
    for raw in ("status:", "kind:", "outcome:", "on_time", "resolve_by"):
        assert raw not in timeline


def test_timeline_in_english_reads_as_words(client, owner, make_case):
    case = make_case(kind="complaint")
    timeline = _timeline(client, owner, case)
    assert "Status: Received" in timeline
    assert "Kind: Complaint" in timeline
    assert "Answer due:" in timeline


def test_triage_fields_of_the_timeline_are_translated_too(client, owner, make_case):
    case = make_case(text="Списали 600 рублей за доставку, которой не было. Верните деньги.")
    timeline = _timeline(client, owner, case, language="ru")
    assert "Чего хочет клиент: Вернуть деньги" in timeline
    assert "Язык: русский" in timeline
    for raw in ("remedy:", "language:", "money_back", "amount:"):
        assert raw not in timeline


def test_escalation_priority_and_queue_lines_show_words_not_codes(client, owner, make_case, frozen):
    case = make_case(kind="claim")
    services.set_priority(case=case, priority="urgent", actor=owner, reason="VIP")
    services.escalate(case=case, actor=owner, reason="Клиент пишет в ЦБ")
    frozen.shift(timedelta(days=30))  # the worker's steps: not acknowledged, breach, second level
    run_pass(worker_id="test-worker")
    timeline = _timeline(client, owner, case, language="ru")
    assert "Приоритет: Обычный → Срочный" in timeline
    assert "Уровень: вручную" in timeline and "Клиент пишет в ЦБ" in timeline
    assert "Причина: Не принято в срок" in timeline
    assert "Причина: Срок нарушен: повторная эскалация" in timeline
    assert "Уведомлён:" in timeline
    for raw in ("ack_overdue", "second_escalation", "breach", "notified", "reason:", "manual",
                "priority:", "urgent"):
        assert raw not in timeline
