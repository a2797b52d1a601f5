"""Language of a text (ru, en or other) by script ratio: no model, no download."""

from __future__ import annotations

import re
from collections.abc import Callable

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


def _deletion_table(keep: Callable[[str], bool]) -> bytes:
    """The cp1251 bytes whose character ``keep`` rejects (undefined bytes included)."""
    rejected = bytearray()
    for byte in range(256):
        try:
            character = bytes([byte]).decode("cp1251")
        except UnicodeDecodeError:
            character = ""
        if not (character and keep(character)):
            rejected.append(byte)
    return bytes(rejected)


# Most texts are Russian or English: every character is in cp1251, one byte each, so each
# count is one encode plus a C-level bytes.translate that deletes the other bytes, instead of
# a regex substitution per count. The tables are built from the same character classes.
_CP1251_NOT_LETTER = _deletion_table(lambda c: _NOT_LETTER.fullmatch(c) is None)
_CP1251_NOT_CYRILLIC = _deletion_table(lambda c: _NOT_CYRILLIC.fullmatch(c) is None)
_CP1251_NOT_LATIN = _deletion_table(lambda c: _NOT_LATIN.fullmatch(c) is None)


def _counts(cleaned: str) -> tuple[int, int, int]:
    """Letters, Cyrillic letters of Russian and Latin letters in the text."""
    try:
        encoded = cleaned.encode("cp1251")
    except UnicodeEncodeError:
        return (len(_NOT_LETTER.sub("", cleaned)), len(_NOT_CYRILLIC.sub("", cleaned)),
                len(_NOT_LATIN.sub("", cleaned)))
    return (len(encoded.translate(None, _CP1251_NOT_LETTER)),
            len(encoded.translate(None, _CP1251_NOT_CYRILLIC)),
            len(encoded.translate(None, _CP1251_NOT_LATIN)))


def detect_language(text: str, *, min_letters: int = 3) -> str:
    """Return 'ru', 'en' or 'other' from the share of Cyrillic and Latin letters."""
    # The first 1,000 characters settle the script; scanning more only costs time.
    head = text[:1000]
    cleaned = _MASK.sub(" ", head) if "XX" in head else head  # every mask has "XX"
    letters, cyrillic, latin = _counts(cleaned)
    if letters < min_letters:
        return "other"
    other_cyrillic = (
        len(_NOT_NON_RUSSIAN_CYRILLIC.sub("", cleaned)) if _NON_RUSSIAN_CYRILLIC.search(cleaned) else 0
    )
    if cyrillic >= latin and cyrillic / letters >= 0.5:
        # A few і/ў letters may be a Belarusian street name inside a Russian review.
        return "other" if other_cyrillic / max(cyrillic, 1) > 0.02 else "ru"
    if latin > cyrillic and latin / letters >= 0.5:
        return "en"
    return "other"
