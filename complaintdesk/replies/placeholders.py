"""Placeholders of canned answers: `{name}` tokens replaced by plain string substitution.

Pure module (no Django import). Deliberately not str.format nor a template engine: a supervisor's
text is data, and `{0.__class__}` or `{% load %}` must never be executed. Every `{...}` token must
name a known placeholder; anything else is refused when the answer is saved.
"""

import re

# The placeholders, in the order the form lists them.
NAMES = ("customer_name", "reference", "deadline", "amount", "decision")



def listed() -> str:
    """The placeholders as a person writes them: "{customer_name}, {reference}, …"."""
    return ", ".join("{" + name + "}" for name in NAMES)


_TOKEN = re.compile(r"\{([^{}\n]*)\}")


def unknown(text: str) -> list[str]:
    """The `{...}` tokens of `text` that are not placeholders, each once, in order."""
    seen: dict[str, None] = {}
    for match in _TOKEN.finditer(text):
        if match.group(1) not in NAMES:
            seen.setdefault(match.group(0), None)
    return list(seen)


def fill(text: str, values: dict[str, str]) -> str:
    """Replace each known placeholder by its value; the values are never re-scanned."""
    return _TOKEN.sub(lambda m: values.get(m.group(1), m.group(0)), text)
