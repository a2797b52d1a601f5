"""The timeline speaks the reader's language: translated field names and values, no raw keys."""

import pytest

from complaintdesk.cases import services

pytestmark = pytest.mark.django_db


def test_timeline_in_russian_uses_translated_labels_and_values(client, owner, make_case):
    case = make_case(kind="claim", amount_claimed=600, currency="RUB")
    services.assign(case=case, assignee=owner, actor=owner)
    services.transition(case=case, to="assessment", actor=owner)
    services.decide(case=case, outcome="upheld", actor=owner, amount_paid=600, text="Вернём")
    client.force_login(owner)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/desk/"})
    html = client.get(f"/desk/cases/{case.reference}/").content.decode()
    timeline = html[html.index('id="timeline"'):]
    assert "Статус: Оценка → Решение" in timeline
    assert "Решение: Удовлетворена" in timeline
    assert "600,00 RUB" in timeline  # the amount paid back in the Russian money format
    for raw in ("status:", "kind:", "outcome:", "on_time", "resolve_by"):
        assert raw not in timeline


def test_timeline_in_english_reads_as_words(client, owner, make_case):
    case = make_case(kind="complaint")
    client.force_login(owner)
    html = client.get(f"/desk/cases/{case.reference}/").content.decode()
    timeline = html[html.index('id="timeline"'):]
    assert "Status: Received" in timeline
    assert "Kind: Complaint" in timeline
    assert "Answer due:" in timeline


def test_triage_fields_of_the_timeline_are_translated_too(client, owner, make_case):
    case = make_case(text="Списали 600 рублей за доставку, которой не было. Верните деньги.")
    client.force_login(owner)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/desk/"})
    html = client.get(f"/desk/cases/{case.reference}/").content.decode()
    timeline = html[html.index('id="timeline"'):]
    timeline = timeline[:timeline.index("</ol>")]
    assert "Чего хочет клиент: Вернуть деньги" in timeline
    assert "Язык: русский" in timeline
    for raw in ("remedy:", "language:", "money_back", "amount:"):
        assert raw not in timeline
