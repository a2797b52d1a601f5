"""Language by script ratio: ru, en or other."""

import pytest

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
