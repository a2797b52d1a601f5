"""Resonance signals: threats or facts of taking the case outside support.

Categories: regulator, court, media, social, executive. Each signal carries the phrase that
matched so an operator sees why the case was flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from complaintdesk.triage._regex import with_first_char_check

CATEGORIES = ("regulator", "court", "media", "social", "executive")


@dataclass(frozen=True, slots=True)
class ResonanceSignal:
    """One mention of an outside escalation channel."""

    category: str
    phrase: str
    start: int
    end: int

    def as_dict(self) -> dict[str, object]:
        # dataclasses.asdict deep-copies field by field: several times slower for four fields.
        return {"category": self.category, "phrase": self.phrase, "start": self.start,
                "end": self.end}


_B = r"\b"  # str patterns are Unicode-aware, so \b also bounds Cyrillic words
_E = r"\b"

_PATTERNS: dict[str, list[str]] = {
    "regulator": [
        _B + r"(?:цб|цбр|цб\s*рф|нбрб|нб\s*рб)" + _E,
        _B + r"центр(?:альн(?:ый|ого|ому|ом)\s+)?банк[аеу]?(?:\s+рф|\s+россии)?" + _E,
        _B + r"центробанк\w*",
        _B + r"нацбанк\w*",
        _B + r"национальн\w+\s+банк\w*",
        _B + r"роспотребнадзор\w*",
        _B + r"(?:прокуратур\w*|прокурор\w*)",
        _B + r"антимонопольн\w+|фас" + _E,
        _B + r"(?:общество|обществ\w+)\s+защиты\s+прав\s+потребител\w+",
        _B + r"защит\w+\s+прав\s+потребител\w+",
        _B + r"финансов\w+\s+омбудсмен\w*|финомбудсмен\w*",
        _B + r"мнс" + _E,
        _B + r"(?:министерств\w+|минторг\w*|минфин\w*)",
        _B + r"(?:милици\w+|полици\w+|мвд|овд|окр)" + _E,
        _B + r"(?:cfpb|consumer\s+financial\s+protection\s+bureau)" + _E,
        _B + r"(?:fca|financial\s+conduct\s+authority)" + _E,
        _B + r"(?:ftc|federal\s+trade\s+commission)" + _E,
        _B + r"(?:fcc|occ|fdic|finra|sec)" + _E,
        _B + r"attorney\s+general" + _E,
        _B + r"(?:better\s+business\s+bureau|bbb)" + _E,
        _B + r"(?:financial\s+ombudsman|ombudsman)" + _E,
        _B + r"(?:department\s+of\s+(?:banking|financial|consumer)\w*|state\s+regulator\w*)",
        _B + r"(?:federal\s+reserve|regulators?)" + _E,
        _B + r"(?:police|fbi)" + _E,
    ],
    "court": [
        _B + r"(?:суд(?:а|е|ом|у|ебн\w*)?|исков\w*|иск)" + _E,
        _B + r"(?:адвокат\w*|юрист\w*)",
        _B + r"(?:lawsuit|sue|suing|sued|court|lawyer|attorney|legal\s+action|litigation"
        r"|class\s+action|small\s+claims)" + _E,
    ],
    "media": [
        _B + r"(?:сми|телевидени\w*|журналист\w*|газет\w*|пресс\w*|тв)" + _E,
        _B + r"(?:media|press|newspaper|journalist\w*|reporter\w*|news\s+station|tv\s+station)"
        + _E,
    ],
    "social": [
        _B + r"(?:соц\.?\s*сет\w+|социальн\w+\s+сет\w+|соцсет\w+|инстаграм\w*|телеграм\w*"
        r"|вконтакте|вк|фейсбук\w*|ютуб\w*|тикток\w*|отзовик\w*|все\s+форумы|форум\w*)" + _E,
        _B + r"(?:social\s+media|twitter|facebook|instagram|tiktok|youtube|reddit|yelp"
        r"|trustpilot|go\s+viral|post\s+(?:this|it)\s+online)" + _E,
    ],
    "executive": [
        _B + r"(?:генеральн\w+\s+директор\w*|гендиректор\w*|председател\w+\s+правлени\w+"
        r"|руководств\w+\s+банка|президент\w*\s+банка|директор\w*|руководител\w+|руководств\w+)"
        + _E,
        _B + r"(?:ceo|chief\s+executive|president\s+of\s+the\s+(?:bank|company)"
        r"|executive\s+office|office\s+of\s+the\s+president|executive\s+team"
        r"|board\s+of\s+directors)" + _E,
    ],
}
# Patterns are matched against the lower-cased text (much faster than IGNORECASE on Unicode);
# phrases are then cut from the original text by position.
# One pass over the text for all categories: a named group per category.
# Every pattern starts with a word boundary; testing it once, before the alternation, lets the
# engine skip mid-word positions at once (about 3x faster on real texts, same matches); the
# first-character check then rejects most word starts with one set test (_regex.py).
assert all(p.startswith(_B) for ps in _PATTERNS.values() for p in ps)
_UNCHECKED = re.compile(
    _B
    + "(?:"
    + "|".join(
        f"(?P<{category}>"
        + "|".join(f"(?:{pattern.removeprefix(_B).lower()})" for pattern in patterns)
        + ")"
        for category, patterns in _PATTERNS.items()
    )
    + ")"
)
_COMPILED = with_first_char_check(_UNCHECKED)


def find_resonance(text: str) -> list[ResonanceSignal]:
    """All resonance signals in the text, ordered by position, one per distinct phrase."""
    signals: list[ResonanceSignal] = []
    seen: set[tuple[str, str]] = set()
    lowered = text.lower()
    if len(lowered) != len(text):
        # A few characters change length when lowered; positions would drift, so fall back
        # to matching the original (patterns are lower-case, so capitals then go unseen).
        lowered = text
    for match in _COMPILED.finditer(lowered):
        category = match.lastgroup or ""
        phrase = text[match.start() : match.end()].strip()
        # English "sec"/"press"/"occ" in lower-case prose is mostly something else.
        if phrase.lower() in ("sec", "occ", "press", "тв") and not phrase.isupper():
            continue
        key = (category, phrase.lower())
        if key in seen:
            continue
        seen.add(key)
        signals.append(ResonanceSignal(category, phrase, match.start(), match.end()))
    return signals
