"""Remedy the customer seeks: apology/explanation, fix, money back, compensation or other."""

from __future__ import annotations

import re

REMEDIES = ("money_back", "compensation", "fix", "apology_explanation", "other")

_REMEDY_PATTERNS: dict[str, re.Pattern[str]] = {
    "money_back": re.compile(
        r"верн(?:ите|уть|ули|ёте|ете|ут)\s+(?:мне\s+)?(?:мои\s+|мой\s+|все\s+)?(?:деньг|средств|сумм|плат|комисс|долг)"
        r"|вернуть\s+(?:мне\s+)?(?:деньги|средства)|возврат\w*\s+(?:денег|средств|суммы|платеж|комисс)"
        r"|требую\s+(?:вернуть|возврат)|прошу\s+(?:вернуть|возврат)|верните\s+деньги"
        r"|вернуть\s+\d|верните\s+\d|возвратить|сторн\w+|отменить\s+(?:платеж|списани|комисс)"
        # a bare "верните!" closes a sentence about money taken
        r"|верните(?=\s*[!.?,]|\s*$)"
        r"|refund|money\s+back|reimburs\w*|reverse\s+the\s+(?:charge|fee)|reversal"
        r"|return\s+(?:my|the)\s+(?:money|funds|payment)|credit\s+(?:it\s+)?back|chargeback"
        r"|give\s+(?:me\s+)?back|want\s+my\s+money|waive\s+the\s+fees?|remove\s+the\s+(?:charge|fee)s?",
    ),
    "compensation": re.compile(
        r"компенс\w+|возмещени\w+\s+(?:ущерба|вреда|убытк)|моральн\w+\s+вред|неустойк\w*"
        r"|возместить|ущерб|compensat\w+|damages|punitive|pain\s+and\s+suffering|reimburse\s+me\s+for",
    ),
    "fix": re.compile(
        r"исправ\w+|устран\w+|разблокир\w+|решит\w*\s+(?:проблем|вопрос)|разобраться|разберитесь"
        r"|зачисл\w+|восстанов\w+|удалит\w+|снять\s+(?:арест|блокиров)|закрыть\s+(?:счет|карт)"
        r"|fix\w*|correct\w*|remov\w+\s+(?:it|this|the|from)|delet\w+|update\s+(?:my|the)"
        r"|resolv\w+|investigat\w+|stop\s+(?:calling|contacting|harass)|unblock|restor\w+"
        r"|close\s+(?:my|the)\s+account",
    ),
    "apology_explanation": re.compile(
        r"извин\w+|объясн\w+|поясн\w+|разъясн\w+|почему|на\s+каком\s+основании|дайте\s+ответ"
        r"|apolog\w+|explain\w*|explanation|why\s+(?:was|were|did|is|are)|on\s+what\s+basis",
    ),
}


# A request is being made, but not one of the known remedies.
_ANY_REQUEST = re.compile(
    r"прошу|требую|просим|хочу,?\s+чтобы|примите\s+меры|please|i\s+(?:want|demand|request|ask)"
    r"|i\s+would\s+like|take\s+action",
)


def detect_remedy(text: str) -> str | None:
    """The main remedy asked for: one of REMEDIES, or None when nothing is requested.

    Money back outranks compensation, which outranks a fix, which outranks an explanation:
    the costlier request decides how the case must be handled. A request that fits none of
    them is "other".
    """
    # Patterns are lower-case and compiled without IGNORECASE: lowering once is much faster
    # than case-insensitive Unicode matching.
    lowered = text.lower()
    for remedy in ("money_back", "compensation", "fix", "apology_explanation"):
        if _REMEDY_PATTERNS[remedy].search(lowered):
            return remedy
    return "other" if _ANY_REQUEST.search(lowered) else None


def remedy_phrases(text: str) -> dict[str, list[str]]:
    """Every remedy phrase found, per remedy, for explanations."""
    found: dict[str, list[str]] = {}
    lowered = text.lower()
    for remedy, pattern in _REMEDY_PATTERNS.items():
        phrases = [match.group(0) for match in pattern.finditer(lowered)]
        if phrases:
            found[remedy] = phrases[:5]
    return found
