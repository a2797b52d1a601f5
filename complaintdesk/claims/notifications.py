"""Texts the claims automation writes: the decision text and the staff alert on the cap."""

from decimal import Decimal

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _


def auto_approved_text(case, amount: Decimal) -> str:
    """The decision text, in the case's language only: it is stored on the case and sent inside
    the decision message (cases.notifications.decision), which the customer reads."""
    from complaintdesk.cases.notifications import customer_language

    with translation.override(customer_language(case)):
        return _("Your claim was approved automatically; %(amount)s %(currency)s will be paid "
                 "back.") % {"amount": formats.number_format(amount, 2, use_l10n=True),
                             "currency": case.currency}


def cap_reached(matrix, *, month: str, case, recipient=None) -> tuple[str, str]:
    """The staff alert, in the recipient's language (cases.notifications.staff_language)."""
    from complaintdesk.cases.notifications import staff_language

    with translation.override(staff_language(recipient)):
        values = {
            "topic": matrix.topic.name, "month": month, "version": matrix.version,
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
