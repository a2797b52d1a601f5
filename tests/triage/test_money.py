"""Amount and currency of the dispute, and the numbers that are not money."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaintdesk.triage import money
from complaintdesk.triage.datasets import shared_data_dir
from complaintdesk.triage.money import Money, extract_amount, find_amounts
from complaintdesk.triage.money_eval import evaluate


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("С карты списали 600 рублей без моего согласия", "600", "RUB"),
        ("Прошу вернуть 1 500,50 руб. за услугу", "1500.50", "RUB"),
        ("Недостача 2 тыс. руб в кассе", "2000", "RUB"),
        ("Сняли комиссию BYN 35", "35", "BYN"),
        ("I was charged $1,234.56 for nothing", "1234.56", "USD"),
        ("Refund USD 20 please", "20", "USD"),
        ("Удержали 35 бел. руб при закрытии счёта", "35", "BYN"),
        ("Взяли 100 р. за справку", "100", "RUB"),
        ("They debited €20 twice", "20", "EUR"),
        ("Списали 20 евро за конвертацию", "20", "EUR"),
        ("Обменяла 60 тыс.российских рублей, выдали меньше", "60000", "RUB"),
        ("The fee was {$35.00} and they refuse to refund it", "35", "USD"),
        ("Списали 9,99 руб за обслуживание", "9.99", "RUB"),
        ("Сняли 5 руб 50 коп комиссии", "5.50", "RUB"),
        ("Банк удержал 15000 долл. США", "15000", "USD"),
        ("Charged a £15 late fee", "15", "GBP"),
    ],
)
def test_amount_and_currency_are_read_from_russian_and_english_text(
    text: str, amount: str, currency: str
) -> None:
    assert extract_amount(text) == Money(Decimal(amount), currency)


@pytest.mark.parametrize(
    "text",
    [
        "Обратилась 14.11.2023 в отделение, никто не помог",
        "Моя карта 4255 1234 5678 9012 заблокирована",
        "Звоните по телефону +375 29 123-45-67",
        "Звоню на 8-800-555-35-35 уже третий день",
        "Ставка выросла до 27% годовых",
        "Пришла в 10:30, отделение закрыто",
        "Account # 123456789 was closed on 03/12/2016",
        "I called 5 times and waited 40 minutes",
        "Счёт BY73 AKBB 3014 1000 0727 1601 0000 заблокирован",
    ],
)
def test_dates_card_numbers_phones_times_and_percentages_are_not_amounts(text: str) -> None:
    assert extract_amount(text) is None


def test_amount_near_money_verbs_wins_over_a_limit_or_income() -> None:
    text = "My credit limit is $5,000 and my income {$3700.00}, but they charged me a $35 fee."
    assert extract_amount(text) == Money(Decimal("35"), "USD")


def test_amount_after_a_debit_verb_beats_the_base_amount() -> None:
    text = "Перевела 100 рублей, а с меня взяли 5 рублей комиссии. Верните."
    assert extract_amount(text) == Money(Decimal("5"), "RUB")


def test_bare_roubles_follow_the_organisation_setting_or_belarus_context() -> None:
    assert extract_amount("Списали 50 рублей", rouble_currency="BYN") == Money(Decimal(50), "BYN")
    assert extract_amount("Беларусбанк списал 50 рублей").currency == "BYN"
    assert extract_amount("Сбербанк списал 50 рублей").currency == "RUB"


def test_bare_number_right_after_debit_verb_takes_the_texts_currency() -> None:
    text = "Сегодня списали 1400 с карты суммами по 100 руб 14 раз"
    assert extract_amount(text, rouble_currency="BYN") == Money(Decimal(1400), "BYN")


def test_find_amounts_lists_every_mention_with_its_span() -> None:
    text = "Списали 10 BYN, потом ещё $5"
    mentions = find_amounts(text)
    assert [(m.amount, m.currency) for m in mentions] == [(10, "BYN"), (5, "USD")]
    assert text[mentions[0].start : mentions[0].end].startswith("10")


@pytest.mark.skipif(shared_data_dir() is None, reason="shared data not available")
def test_labelled_real_excerpts_keep_exact_amount_and_currency_accuracy() -> None:
    assert evaluate(split="holdout")["accuracy"] >= 0.85
    assert evaluate(split="all")["n"] >= 60


# Pieces that make numbers, currency markers, debit verbs and the separators around them.
_PIECES = ["1", "23", "4 500", "1,5", ".", ",", "/", ":", " ", "\u00a0", "\n", "$", "us$", "USD",
           "€", "eur", "£", "gbp", "byn", "BR", "rub", "₽", "руб", "р.", "РУБ", "тыс", "млн", "k",
           "{", "}", "%", "коп", "списали", "СНЯЛИ", "took", "charged", "бел. руб", "долл", "сша",
           "a", "я", "-", "+", "№", "#"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_scanning_from_digit_runs_finds_what_finditer_finds(text: str) -> None:
    numbers = money._number_starts(text)
    for pattern, starts in (
        (money._PREFIX_RE, money._prefix_starts(numbers)),
        (money._SUFFIX_RE, numbers),
        (money._BARE_AFTER_VERB, money._bare_starts(text, numbers)),
    ):
        expected = [(m.span(), m.groupdict()) for m in pattern.finditer(text)]
        assert [(m.span(), m.groupdict()) for m in money._scan(pattern, text, starts)] == expected
