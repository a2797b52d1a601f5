"""Amount and currency of a dispute, found in Russian or English free text.

Only numbers with an explicit currency marker count as money, so dates, card digits,
phone and account numbers, times and percentages are never read as amounts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import NamedTuple


class Money(NamedTuple):
    """An amount with its ISO 4217 currency code."""

    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class MoneyMention:
    """One amount found in a text, with where it was and how strongly it looks disputed."""

    amount: Decimal
    currency: str
    start: int
    end: int
    score: float


# A number: grouped thousands ("1 500", "1,234,567", "1.500") or plain digits, then decimals.
# The lookbehind stops a match from starting inside a longer digit run (card/account numbers,
# dates such as 14.11.2023).
_NUMBER = (
    r"(?<![\d.,/:])"
    r"(?P<num>\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?:[.,]\d{1,2})?"
    r"|\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?"
    r"|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?"
    r"|\d+(?:[.,]\d{1,2})?"
    r"|\d+[.,]\d{3})"
    r"(?![\d]|[.,:/\-]\d)"
)
_MULTIPLIER = (
    r"(?:\s*(?P<mult>тыс\.|млн\.|(?:тысяч[аи]?|тыс|млн|миллион(?:а|ов)?|k|thousand|million|mln)"
    r"(?![a-zа-яё])))?"
)

# Currency words after the number. Order matters: the longer, more specific forms first.
_SUFFIX_CURRENCIES: list[tuple[str, str]] = [
    (r"бел(?:\.|орусск(?:их|ий|ого|ие))?\s*(?:руб(?:лей|ля|ль|\.)?|р\.)", "BYN"),
    (r"рос(?:\.|сийск(?:их|ий|ого|ие))?\s*(?:руб(?:лей|ля|ль|\.)?|р\.)", "RUB"),
    (r"byn|бун\b|byr", "BYN"),
    (r"rub\b|rur\b", "RUB"),
    (r"руб(?:лей|ля|ль|\.)?|р\.|р(?![а-яёa-z])|₽", "ROUBLE"),
    (r"долл(?:аров|ара|ар|\.)?(?:\s*сша)?|usd|\$|dollars?|bucks", "USD"),
    (r"евро|eur(?:os?)?\b|€", "EUR"),
    (r"фунт(?:ов|а)?(?:\s*стерлингов)?|gbp|£|pounds?", "GBP"),
    (r"злот(?:ых|ый|ого)|pln", "PLN"),
]
_PREFIX_CURRENCIES: list[tuple[str, str]] = [
    (r"\$|us\$|usd", "USD"),
    (r"€|eur", "EUR"),
    (r"£|gbp", "GBP"),
    (r"byn|br", "BYN"),
    (r"rub|₽", "RUB"),
]

_SUFFIX_RE = re.compile(
    _NUMBER
    + _MULTIPLIER
    + r"\s*(?P<cur>"
    + "|".join(f"(?P<s{i}>{pattern})" for i, (pattern, _) in enumerate(_SUFFIX_CURRENCIES))
    + r")"
    + r"(?:\s*(?P<kop>\d{1,2})\s*коп)?",
    re.IGNORECASE,
)
_PREFIX_RE = re.compile(
    r"(?<![a-zа-яё])\{?(?P<cur>"
    + "|".join(f"(?P<p{i}>{pattern})" for i, (pattern, _) in enumerate(_PREFIX_CURRENCIES))
    + r")\s?"
    + _NUMBER
    + _MULTIPLIER,
    re.IGNORECASE,
)

# Words that put an amount at the heart of a dispute: money taken, owed back or charged.
_STRONG_MONEY_VERBS = re.compile(
    r"списа|сняли|снял[аио]?|удерж|взял[иа]?|вернут|верните|вернуть|возврат|возмест|компенс"
    r"|недостач|недодал|не зачисл|не вернул|не верн|переплат|комисси|штраф|пен[ьия]"
    r"|заблокир|пропал|исчез|украл|мошенн|не выдал|зажевал|забрал|содрал"
    r"|refund|reimburs|charg|overcharg|debit|withdr|fee\b|fees\b|stole|took|taken"
    r"|return(?:ed)? my|owe[sd]? me|money back|credit(?:ed)? back|dispute|reversal|compensat",
    re.IGNORECASE,
)
_WEAK_MONEY_VERBS = re.compile(
    r"заплатил|оплатил|оплат|плат[иья]|сумм|стои|paid|pay|amount|cost", re.IGNORECASE
)
# An amount right after these is the base something else was taken from, not the dispute.
_BASE_MARKERS = re.compile(r"(?:вместо|со|из|from|out of|instead of)\s*$", re.IGNORECASE)
# Amounts that describe a limit, an income or a price list rather than the money in dispute.
_CONTEXT_AMOUNTS = re.compile(
    r"лимит|зарплат|доход|остат|баланс|стоимост|стоит|в месяц|ежемесячн|income|salary|limit"
    r"|balance|per month|a month|worth|valued",
    re.IGNORECASE,
)
_MULTIPLIERS = {"т": Decimal(1000), "k": Decimal(1000), "m": Decimal(1_000_000)}
_BYN_CONTEXT = re.compile(r"бел\.?\s*руб|белорусск|byn|беларус|минск|br\b", re.IGNORECASE)


def _parse_number(raw: str) -> Decimal | None:
    """Turn '1 500,50', '1,234.56' or '1.500' into a Decimal, guessing the separators."""
    digits = re.sub(r"[ \u00a0\u202f\u2009]", "", raw)
    if "," in digits and "." in digits:
        # The separator that comes last is the decimal one.
        if digits.rfind(",") > digits.rfind("."):
            digits = digits.replace(".", "").replace(",", ".")
        else:
            digits = digits.replace(",", "")
    elif "," in digits or "." in digits:
        separator = "," if "," in digits else "."
        parts = digits.split(separator)
        if len(parts) > 2 or len(parts[-1]) == 3:
            digits = "".join(parts)  # thousands grouping: 1,500 / 1.500.000
        else:
            digits = ".".join(parts)
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def _multiplier(word: str | None) -> Decimal:
    if not word:
        return Decimal(1)
    key = word[0].lower()
    if key in ("м", "m"):
        return _MULTIPLIERS["m"]
    if key in ("т", "t", "k"):
        return _MULTIPLIERS["k" if key != "т" else "т"]
    return Decimal(1)


def _currency_of(match: re.Match[str], table: list[tuple[str, str]], prefix: str) -> str:
    for index, (_, code) in enumerate(table):
        if match.group(f"{prefix}{index}"):
            return code
    return "XXX"


def _verb_pull(window: str, *, before: bool, reach: int) -> float:
    """Strongest money-verb pull in a window, fading with distance from the amount."""
    best = 0.0
    for pattern, strength in ((_STRONG_MONEY_VERBS, 3.0), (_WEAK_MONEY_VERBS, 1.0)):
        for match in pattern.finditer(window):
            distance = len(window) - match.end() if before else match.start()
            best = max(best, strength * max(0.0, 1.0 - distance / reach))
    return best


def _money_score(text: str, start: int, end: int) -> float:
    """How strongly the words around an amount say it is the money in dispute."""
    score = _verb_pull(text[max(0, start - 100) : start], before=True, reach=100)
    score += 0.5 * _verb_pull(text[end : end + 40], before=False, reach=40)
    if _CONTEXT_AMOUNTS.search(text[max(0, start - 40) : end + 20]):
        score -= 1.5
    if _BASE_MARKERS.search(text[max(0, start - 12) : start]):
        score -= 1.0
    return score


# A bare number straight after a strong money verb ("списали 1400 с карты") is an amount in
# the currency the rest of the text uses.
_BARE_AFTER_VERB = re.compile(
    r"(?:списал[иа]?|сняли|удержали|взяли|charged|debited|withdrew|took)\s+"
    + _NUMBER.replace("(?P<num>", "(?P<bare>"),
    re.IGNORECASE,
)


# Where the number of a match can begin: a digit run with no ".", ",", "/" or ":" glued to it
# (the lookbehind of _NUMBER). Every money pattern needs one, so these are the anchors of a scan.
_DIGIT_RUN = re.compile(r"\d+")
# The currency marker and "{" before a prefixed number: at most this many characters ("{us$ 5").
_PREFIX_REACH = 5
# The verbs of _BARE_AFTER_VERB are 4 ("took") to 8 ("удержали", "withdrew") letters long.
_BARE_VERB_LENGTHS = range(4, 9)


def _number_starts(text: str) -> list[int]:
    return [start for start in (match.start() for match in _DIGIT_RUN.finditer(text))
            if start == 0 or text[start - 1] not in ".,/:"]


def _scan(pattern: re.Pattern[str], text: str, starts: Iterable[int]) -> list[re.Match[str]]:
    """What ``pattern.finditer(text)`` returns, given every position a match could begin at.

    The money patterns are case-insensitive and start with a lookbehind, so the engine cannot
    skip to a likely first character and tries a match at every position of the text, which
    was most of find_amounts' time. Trying only the few positions next to digit runs (match()
    still sees the text before the position, so lookbehinds behave alike) finds the same,
    non-overlapping, leftmost-first matches.
    """
    matches: list[re.Match[str]] = []
    end = 0
    for start in sorted(set(starts)):
        if start < end:
            continue
        match = pattern.match(text, start)
        if match is not None:
            matches.append(match)
            end = match.end()
    return matches


def _prefix_starts(number_starts: list[int]) -> Iterator[int]:
    """Where a currency marker before a number could begin."""
    for number in number_starts:
        yield from range(max(0, number - _PREFIX_REACH), number)


def _bare_starts(text: str, number_starts: list[int]) -> Iterator[int]:
    """Where a debit verb before whitespace and a number could begin."""
    for number in number_starts:
        space = number
        while space > 0 and text[space - 1].isspace():  # re's \s is str.isspace
            space -= 1
        if space < number:
            yield from (space - length for length in _BARE_VERB_LENGTHS if space >= length)


def find_amounts(text: str, *, rouble_currency: str | None = None) -> list[MoneyMention]:
    """Every amount with a currency marker in the text, in order of appearance.

    A bare "рублей" means ``rouble_currency`` when given, BYN when the text itself speaks of
    Belarus or Belarusian roubles, and RUB otherwise.
    """
    number_starts = _number_starts(text)
    if not number_starts:
        return []  # every pattern needs a number
    mentions: list[MoneyMention] = []
    taken: list[tuple[int, int]] = []
    for matches, table, prefix in (
        (_scan(_PREFIX_RE, text, _prefix_starts(number_starts)), _PREFIX_CURRENCIES, "p"),
        (_scan(_SUFFIX_RE, text, number_starts), _SUFFIX_CURRENCIES, "s"),
    ):
        for match in matches:
            start, end = match.span()
            if any(start < t_end and end > t_start for t_start, t_end in taken):
                continue
            amount = _parse_number(match.group("num"))
            if amount is None:
                continue
            amount *= _multiplier(match.group("mult"))
            currency = _currency_of(match, table, prefix)
            if currency == "ROUBLE":
                if rouble_currency is None:  # looked up once, and only when needed
                    rouble_currency = "BYN" if _BYN_CONTEXT.search(text) else "RUB"
                currency = rouble_currency
            kopecks = match.group("kop") if prefix == "s" else None
            if kopecks:
                amount += Decimal(kopecks) / 100
            if _looks_like_non_money(text, match):
                continue
            taken.append((start, end))
            mentions.append(
                MoneyMention(
                    amount=amount.normalize() if amount == amount.to_integral() else amount,
                    currency=currency,
                    start=start,
                    end=end,
                    score=_money_score(text, start, end),
                )
            )
    if mentions:
        usual_currency = max(
            {m.currency for m in mentions}, key=lambda c: sum(m.currency == c for m in mentions)
        )
        for match in _scan(_BARE_AFTER_VERB, text, _bare_starts(text, number_starts)):
            start, end = match.span("bare")
            if any(start < t_end and end > t_start for t_start, t_end in taken):
                continue
            amount = _parse_number(match.group("bare"))
            if amount is None or text[end : end + 1] == "%":
                continue
            if _KOPECKS.match(text, end, end + 6):
                amount = amount / 100  # "сняли 17 копеек"
            mentions.append(
                MoneyMention(amount, usual_currency, start, end, _money_score(text, start, end))
            )
    mentions.sort(key=lambda mention: mention.start)
    return mentions


_NON_MONEY_BEFORE = re.compile(r"\d[.\-/:]$|\+$|№\s*$|#\s*$")
_KOPECKS = re.compile(r"\s*коп", re.IGNORECASE)


def _looks_like_non_money(text: str, match: re.Match[str]) -> bool:
    """Reject a number that is really part of a date, phone, card or percentage."""
    start = match.start("num")
    end = match.end("num")
    before = text[max(0, start - 2) : start]
    after = text[end : end + 1]
    if after == "%" or _NON_MONEY_BEFORE.search(before):
        return True
    # "р." right after a year ("в 2019 г.") is not roubles; "р" after a tiny range is a page.
    return False


def extract_amount(text: str, *, rouble_currency: str | None = None) -> Money | None:
    """The amount the customer disputes: the one nearest money verbs, else the first one."""
    mentions = find_amounts(text, rouble_currency=rouble_currency)
    mentions = [mention for mention in mentions if mention.amount > 0]
    if not mentions:
        return None
    best = max(mentions, key=lambda mention: (mention.score, -mention.start))
    return Money(_canonical(best.amount), best.currency)


def _canonical(amount: Decimal) -> Decimal:
    """Drop trailing zeros so 600.00 and 600 compare and print the same."""
    normalized = amount.normalize()
    return normalized.quantize(Decimal(1)) if normalized == normalized.to_integral() else normalized
