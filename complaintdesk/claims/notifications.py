"""Texts the claims automation writes: the decision text and the staff alert on the cap."""

from decimal import Decimal

from django.conf import settings
from django.utils import formats


def auto_approved_text(amount: Decimal, currency: str) -> str:
    # The decision text goes to the customer in their language via cases.notifications.decision;
    # keep it short and bilingual so it reads right without a translation catalogue entry.
    value = formats.number_format(amount, 2)
    return (f"Ваше требование удовлетворено автоматически, {value} {currency} будут возвращены. / "
            f"Your claim was approved automatically; {value} {currency} will be paid back.")


def cap_reached(matrix, *, month: str, case) -> tuple[str, str]:
    topic = matrix.topic.code
    subject = f"Claims: automatic approvals paused for {topic} ({month})"
    body = (
        f"The monthly cap of the decision matrix for '{topic}' (v{matrix.version}, "
        f"{matrix.monthly_cap} {matrix.currency}) is reached for {month}.\n"
        f"Claims that the matrix would approve now go to investigation by people.\n"
        f"First claim held back: {case.reference}\n"
        f"{settings.SITE_URL}/desk/claims/"
    )
    return subject, body
