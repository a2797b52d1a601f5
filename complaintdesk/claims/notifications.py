"""Texts the claims automation writes: the decision text and the staff alert on the cap."""

from decimal import Decimal

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _


def auto_approved_text(amount: Decimal, currency: str) -> str:
    # The decision text goes to the customer in their language via cases.notifications.decision;
    # keep it short and bilingual so it reads right without a translation catalogue entry.
    value = formats.number_format(amount, 2)
    return (f"Ваше требование удовлетворено автоматически, {value} {currency} будут возвращены. / "
            f"Your claim was approved automatically; {value} {currency} will be paid back.")


def cap_reached(matrix, *, month: str, case, recipient=None) -> tuple[str, str]:
    """The staff alert, in the recipient's language (cases.notifications.staff_language)."""
    from complaintdesk.cases.notifications import staff_language

    with translation.override(staff_language(recipient)):
        values = {
            "topic": matrix.topic.code, "month": month, "version": matrix.version,
            "cap": formats.number_format(matrix.monthly_cap, 2), "currency": matrix.currency,
            "ref": case.reference, "url": f"{settings.SITE_URL}/desk/claims/",
        }
        subject = _("Claims: automatic approvals paused for %(topic)s (%(month)s)") % values
        body = _(
            "The monthly cap of the decision matrix for “%(topic)s” (v%(version)s, %(cap)s "
            "%(currency)s) is reached for %(month)s.\nClaims that the matrix would approve now "
            "go to investigation by people.\nFirst claim held back: %(ref)s\n%(url)s"
        ) % values
    return subject, body
