"""A first-character check in front of big alternations that the regex engine cannot skip through.

re skips ahead to the next possible first character only when a pattern starts with a literal
or a character class. A long alternation that starts with a word boundary, or that has one
branch starting with one, makes it try every branch at every position of the text. A lookahead
for the characters a match can start with rejects most positions with one set test.
"""

from __future__ import annotations

import re

# Private modules: no public API tells which characters a pattern can start with. Anything the
# walk below does not know gives None, and the pattern is then used as it is.
from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser as _p  # type: ignore[attr-defined]

_MAX_RANGE = 2000


def first_chars(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The characters every match begins with, or None when that is not simply known."""
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        found = _first(list(_p.parse(pattern.pattern, pattern.flags)))
    except Exception:  # noqa: BLE001 - a parser of another Python: just no check
        return None
    return None if found is None else frozenset(found)


def _first(items: list) -> set[str] | None:
    """First characters of a parsed sequence whose first consuming item is understood."""
    for op, av in items:
        if op is _c.AT:
            continue  # zero-width: the next item decides
        if op is _c.LITERAL:
            return {chr(av)}
        if op is _c.IN:
            return _first_of_set(av)
        if op is _c.SUBPATTERN:
            _, add_flags, _, sub = av
            return None if add_flags & re.IGNORECASE else _first(list(sub))
        if op is _c.BRANCH:
            chars: set[str] = set()
            for branch in av[1]:
                found = _first(list(branch))
                if found is None:
                    return None
                chars |= found
            return chars
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] >= 1:
            return _first(list(av[2]))
        return None
    return None  # may match the empty string


def _first_of_set(items: list) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < _MAX_RANGE:
            chars.update(map(chr, range(av[0], av[1] + 1)))
        else:
            return None  # negated sets, categories (\w, \d), huge ranges
    return chars


def with_first_char_check(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The same pattern (same matches, groups and names) behind a lookahead for its first
    characters; the pattern itself when those are not known."""
    chars = first_chars(pattern)
    if not chars:
        return pattern
    members = "".join(sorted(map(re.escape, chars)))
    try:
        return re.compile(f"(?=[{members}])(?:{pattern.pattern})", pattern.flags)
    except re.error:
        return pattern
