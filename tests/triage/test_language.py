"""Language by script ratio: ru, en or other."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaintdesk.triage import language
from complaintdesk.triage.language import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Списали деньги с карты", "ru"),
        ("They charged me twice", "en"),
        ("XXXX XXXX charged me {$35.00} on XX/XX/XXXX", "en"),
        ("Банк Visa Gold не работает в ATM", "ru"),
        ("Шчыра дзякуй Елізавеце ў дапамозе", "other"),
        ("12345 !!!", "other"),
        ("", "other"),
        ("这是中文", "other"),
    ],
)
def test_language_is_told_from_the_script(text: str, language: str) -> None:
    assert detect_language(text) == language


@given(st.text(alphabet=st.sampled_from(list("abcXZ _09²½٣абвЁёяЯіўІЎәқ€№—«»😀中ßİ\n")), max_size=40))
def test_letter_counts_through_cp1251_are_the_regex_counts(text: str) -> None:
    expected = (len(language._NOT_LETTER.sub("", text)), len(language._NOT_CYRILLIC.sub("", text)),
                len(language._NOT_LATIN.sub("", text)))
    assert language._counts(text) == expected
