"""Threats or facts of taking the case outside support, with category and phrase."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_the_combined_pattern_has_its_first_character_check() -> None:
    from complaintdesk.triage import resonance

    assert resonance._COMPILED.pattern.startswith("(?=[")


@pytest.mark.parametrize(
    ("pattern", "chars"),
    [
        (r"\bab|c", {"a", "c"}),
        (r"(?:x|y)z", {"x", "y"}),
        (r"[a-c]d", {"a", "b", "c"}),
        (r"(?:ab)+", {"a"}),
        (r"\b(?P<x>foo)|(?P<y>bar)", {"b", "f"}),
        (r"a?b", None),  # may start with b too: not told
        (r"\w+", None),
        (r"(?:a|)b", None),
        (r"[^a]", None),
        (r"", None),
    ],
)
def test_first_characters_of_a_pattern(pattern: str, chars: set[str] | None) -> None:
    from complaintdesk.triage._regex import first_chars

    assert first_chars(re.compile(pattern)) == (None if chars is None else frozenset(chars))
    assert first_chars(re.compile(pattern, re.IGNORECASE)) is None


_WORDS = ["цб", "ЦБ", "цб рф", "суд", "суда", "иск", "прокуратуру", "сми", "СМИ", "вк", "cfpb", "SEC",
          "sec", "press", "Press", "court", "lawyer", "ceo", "директору", "İ", "x", "1", "-", "\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join))
def test_the_first_character_check_changes_no_match(text: str) -> None:
    from complaintdesk.triage import resonance

    lowered = text.lower()
    assert [(m.span(), m.lastgroup) for m in resonance._COMPILED.finditer(lowered)] == [
        (m.span(), m.lastgroup) for m in resonance._UNCHECKED.finditer(lowered)]
