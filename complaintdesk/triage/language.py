"""Language of a text (ru, en or other) by script ratio: no model, no download."""

from __future__ import annotations

import re

# Counting by deleting everything else (one C pass, no list of matches) is several times
# faster than len(findall(...)).
_NOT_CYRILLIC = re.compile(r"[^а-яёА-ЯЁ]+")
_NOT_LATIN = re.compile(r"[^a-zA-Z]+")
_NOT_LETTER = re.compile(r"[\W\d_]+")
# Letters that Russian lacks but Ukrainian/Belarusian/Kazakh use: texts with many of them
# are another Cyrillic language, not Russian.
_NON_RUSSIAN_CYRILLIC = re.compile(r"[іїєґўәғқңөұүһІЇЄҐЎӘҒҚҢӨҰҮҺ]")
_NOT_NON_RUSSIAN_CYRILLIC = re.compile(r"[^іїєґўәғқңөұүһІЇЄҐЎӘҒҚҢӨҰҮҺ]+")
# CFPB masks digits and names as XXXX; those are not English words.
_MASK = re.compile(r"\bX{2,}\b|\bXX/XX/XXXX\b")


def detect_language(text: str, *, min_letters: int = 3) -> str:
    """Return 'ru', 'en' or 'other' from the share of Cyrillic and Latin letters."""
    # The first 1,000 characters settle the script; scanning more only costs time.
    cleaned = _MASK.sub(" ", text[:1000])
    letters = len(_NOT_LETTER.sub("", cleaned))
    if letters < min_letters:
        return "other"
    cyrillic = len(_NOT_CYRILLIC.sub("", cleaned))
    latin = len(_NOT_LATIN.sub("", cleaned))
    other_cyrillic = (
        len(_NOT_NON_RUSSIAN_CYRILLIC.sub("", cleaned)) if _NON_RUSSIAN_CYRILLIC.search(cleaned) else 0
    )
    if cyrillic >= latin and cyrillic / letters >= 0.5:
        # A few і/ў letters may be a Belarusian street name inside a Russian review.
        return "other" if other_cyrillic / max(cyrillic, 1) > 0.02 else "ru"
    if latin > cyrillic and latin / letters >= 0.5:
        return "en"
    return "other"
