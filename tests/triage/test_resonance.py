"""Threats or facts of taking the case outside support, with category and phrase."""

import pytest

from complaintdesk.triage.resonance import find_resonance


@pytest.mark.parametrize(
    ("text", "category", "phrase"),
    [
        ("Буду писать жалобу в Нацбанк", "regulator", "Нацбанк"),
        ("Обращусь в ЦБ, если не вернёте деньги", "regulator", "ЦБ"),
        ("Напишу в Центробанк", "regulator", "Центробанк"),
        ("Подам заявление в Роспотребнадзор", "regulator", "Роспотребнадзор"),
        ("Готовлю обращение в прокуратуру", "regulator", "прокуратуру"),
        ("Будем решать вопрос через суд", "court", "суд"),
        ("Передам историю в СМИ", "media", "СМИ"),
        ("Расскажу всем в соцсетях", "social", "соцсетях"),
        ("Напишу генеральному директору лично", "executive", "генеральному директору"),
        ("I have filed a complaint with the CFPB", "regulator", "CFPB"),
        ("I will report this to the FCA", "regulator", "FCA"),
        ("I contacted the attorney general of my state", "regulator", "attorney general"),
        ("Next step is the BBB", "regulator", "BBB"),
        ("I will write to the CEO about this", "executive", "CEO"),
        ("My lawyer will file a lawsuit", "court", "lawsuit"),
        ("I will post this on Twitter", "social", "Twitter"),
    ],
)
def test_escalation_channels_are_found_with_category_and_phrase(
    text: str, category: str, phrase: str
) -> None:
    signals = find_resonance(text)
    assert (category, phrase) in [(s.category, s.phrase) for s in signals]


@pytest.mark.parametrize(
    "text",
    [
        "Долго ждал в очереди, оператор был груб",
        "The app crashed twice today",
        "Судя по всему, карту выпустят завтра",  # "судя" is not "суд"
        "Please send me the statement for last month",
    ],
)
def test_ordinary_texts_have_no_resonance(text: str) -> None:
    assert find_resonance(text) == []


def test_signals_carry_their_position_in_the_text() -> None:
    text = "Пойду в суд и в прокуратуру"
    signal = find_resonance(text)[0]
    assert text[signal.start : signal.end] == signal.phrase == "суд"
