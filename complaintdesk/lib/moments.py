"""Date-times the API accepts: RFC 3339 text with an offset, between 1900 and 2099.

Pydantic alone takes a bare number as a Unix time and any year from 1 to 9999 with any offset;
year 1 at +05:00 is year 0 in UTC, which Python cannot hold (a 500), and PostgreSQL and SQLite
disagree about the years they store. The bounds are in the OpenAPI document too (`pattern`), so
clients and generated tests know them; rules that depend on the clock ("not in the future") stay
with the field that has them.
"""

import re
from datetime import datetime
from typing import Annotated, Any

from django.utils.translation import gettext as _
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

FIRST_YEAR, LAST_YEAR = 1900, 2099
_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]")
PATTERN = r"^(19|20)\d\d-"


def _text_only(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _SHAPE.match(value):
        raise ValueError(_("expected an RFC 3339 date-time such as 2026-03-01T10:00:00+03:00"))
    return value


def in_range(value: datetime) -> datetime:
    """The value if it has an offset and its year (as written, which is what the pattern
    sees) is 1900 to 2099; within those years a conversion to UTC cannot overflow."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(_("needs a time zone (e.g. 2026-03-01T10:00:00+03:00)"))
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(_("out of range: years %(first)d to %(last)d")
                         % {"first": FIRST_YEAR, "last": LAST_YEAR})
    return value


Moment = Annotated[
    datetime,
    BeforeValidator(_text_only),
    AfterValidator(in_range),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": PATTERN}),
]
