"""Form pieces that must not follow the page's locale: what browsers and people actually type."""

import re

from django import forms
from django.utils import formats


class IsoDateInput(forms.DateInput):
    """`<input type="date">`: the browser reads and writes only ISO (2026-12-31) whatever the
    page's language; a localised value (31.12.2026) shows as an empty field and is lost on
    save."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class IsoDateTimeInput(forms.DateTimeInput):
    """`<input type="datetime-local">`: ISO without seconds, in the active (local) time zone;
    the field converts aware values to it before formatting, and reads the posted value back
    in the same zone, so the value round-trips."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


# Spaces people and keyboards put between thousands: space, no-break space (U+00A0, what a
# Russian locale prints), narrow no-break space (U+202F, macOS and CLDR), thin space (U+2009).
_GROUP_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]")


class AmountField(forms.DecimalField):
    """A money amount as people type it: «5 000», «5 000,50», "5,000.50", "5000.50"."""

    def __init__(self, **kwargs):
        # A text box, not type="number": browsers refuse spaces and commas in number inputs.
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value):
        if isinstance(value, str):
            value = _GROUP_SPACES.sub("", value)
            decimal_sep = formats.get_format("DECIMAL_SEPARATOR")
            if decimal_sep == "." or "." in value and "," in value and (
                    value.rindex(".") > value.rindex(",")):
                # "5,000.50": the comma groups thousands.
                value = value.replace(",", "")
            elif "," in value and "." in value:
                # "5.000,50": the dot groups thousands.
                value = value.replace(".", "")
            value = value.replace(",", ".")
        return super().to_python(value)
