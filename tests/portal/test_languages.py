"""Russian and English: the switch, translated pages, dates and money in the locale's format."""

from decimal import Decimal
from pathlib import Path

import pytest

from complaintdesk.cases import services

pytestmark = pytest.mark.django_db
LOCALE = Path(__file__).resolve().parents[2] / "complaintdesk" / "locale" / "ru" / "LC_MESSAGES"


def test_language_switch_sets_russian_for_the_following_pages(client, queues):
    assert "Tell us what went wrong" in client.get("/complain/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/complain/"})
    assert response.status_code == 302 and response["Location"] == "/complain/"
    body = client.get("/complain/").content.decode()
    assert "Расскажите, что пошло не так" in body and 'lang="ru"' in body


def test_russian_status_page_formats_money_and_dates_the_russian_way(client, owner, make_case,
                                                                   frozen):
    case = make_case(kind="claim", amount_claimed=Decimal("1600"), currency="RUB")
    services.transition(case=case, to="assessment", actor=owner)
    services.decide(case=case, outcome="upheld", amount_paid=Decimal("1600"), actor=owner)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    body = client.get(f"/track/{case.reference}/?token={case.public_token}").content.decode()
    assert "Удовлетворена" in body
    assert "1\xa0600,00 RUB" in body or "1 600,00 RUB" in body
    assert "3 марта 2026" in body


def test_desk_is_translated_too(client, owner, make_case):
    make_case()
    client.force_login(owner)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/desk/"})
    body = client.get("/desk/?tab=team").content.decode()
    assert "Очереди команды" in body and "Не классифицировано" in body
    assert "осталось" in body


def test_every_russian_message_is_translated_and_the_mo_file_matches_the_po():
    import gettext
    import re

    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    assert '\nmsgstr ""\n\n' not in po and 'msgstr[0] ""' not in po
    assert "fuzzy" not in po  # msgfmt would leave fuzzy entries untranslated
    with open(LOCALE / "django.mo", "rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    # Entries with a context (model names, dashboard columns) are looked up with it.
    pairs = re.findall(r'^(?:msgctxt "(.+)"\n)?msgid "(.+)"\nmsgstr "(.+)"$', po, re.M)
    assert len(pairs) > 200
    for context, msgid, msgstr in pairs:
        if "\\" not in msgid:
            found = catalog.pgettext(context, msgid) if context else catalog.gettext(msgid)
            assert found == msgstr, msgid
