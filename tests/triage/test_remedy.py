"""Remedy sought: money back, compensation, fix, apology/explanation, other."""

import pytest

from complaintdesk.triage.remedy import detect_remedy


@pytest.mark.parametrize(
    ("text", "remedy"),
    [
        ("Верните деньги за неоказанную услугу", "money_back"),
        ("Требую возврат средств на карту", "money_back"),
        ("Please refund the overdraft fee", "money_back"),
        ("I want my money back", "money_back"),
        ("Требую компенсацию морального вреда", "compensation"),
        ("I expect compensation for the damages", "compensation"),
        ("Исправьте ошибку в кредитной истории", "fix"),
        ("Please remove this account from my credit report", "fix"),
        ("Объясните, на каком основании заблокировали карту", "apology_explanation"),
        ("Please explain why the payment was declined", "apology_explanation"),
        ("Прошу принять меры к сотруднику", "other"),
    ],
)
def test_remedy_is_detected_in_russian_and_english(text: str, remedy: str) -> None:
    assert detect_remedy(text) == remedy


def test_money_back_outranks_a_fix_when_both_are_asked() -> None:
    assert detect_remedy("Исправьте ошибку и верните деньги") == "money_back"


def test_a_text_asking_for_nothing_has_no_remedy() -> None:
    assert detect_remedy("Сегодня был в отделении") is None
