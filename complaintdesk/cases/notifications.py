"""Texts of the messages the system sends, in the customer's language."""

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from complaintdesk.cases.times import case_time


def customer_language(case) -> str:
    """The language every message to this case's customer is written in."""
    return case.language if case.language in {"ru", "en"} else settings.LANGUAGE_CODE


# The tracking link carries the case's secret token: whoever holds it acts as the customer.
# Stored texts (messages staff read, outbox rows) carry this placeholder instead; the link is
# put in only for the customer: by the worker when it sends, and on the customer's own pages.
TRACKING_LINK = "[[tracking-link]]"


def tracking_url(case) -> str:
    return f"{settings.SITE_URL}/track/{case.reference}/?token={case.public_token}"


def for_customer(case, text: str) -> str:
    """A stored text as the customer of `case` gets it: with their tracking link."""
    return text.replace(TRACKING_LINK, tracking_url(case))


def for_staff(case, text: str) -> str:
    """A stored text as staff read it: no tracking link, and no token in rows written before
    the placeholder existed."""
    text = text.replace(TRACKING_LINK, _("[the customer's tracking link]"))
    if case.public_token:
        text = text.replace(case.public_token, "***")
    return text


def acknowledgement(case) -> tuple[str, str]:
    with translation.override(customer_language(case)):
        subject = _("[%(ref)s] We have received your request") % {"ref": case.reference}
        due = case_time(case, case.resolve_by)
        body = _(
            "Hello%(name)s,\n\nwe have registered your request under the number %(ref)s.\n"
            "We will answer by %(due)s.\nYou can follow it here: %(url)s\n\n"
            "Please keep this number for any further contact."
        ) % {
            "name": f", {case.customer.name}" if case.customer.name else "",
            "ref": case.reference,
            "due": due,
            "url": TRACKING_LINK,
        }
    return subject, body


def reply(case, body: str) -> tuple[str, str]:
    with translation.override(customer_language(case)):
        subject = _("[%(ref)s] Reply to your request") % {"ref": case.reference}
        footer = _("Follow your request: %(url)s") % {"url": TRACKING_LINK}
    return subject, f"{body}\n\n--\n{footer}"


def decision(case) -> tuple[str, str]:
    with translation.override(customer_language(case)):
        subject = _("[%(ref)s] Decision on your request") % {"ref": case.reference}
        lines = [
            _("Decision: %(outcome)s") % {"outcome": case.get_decision_display()},
        ]
        if case.decision_amount:
            lines.append(
                _("Amount to be paid back: %(amount)s %(currency)s")
                % {"amount": formats.number_format(case.decision_amount, 2),
                   "currency": case.currency}
            )
        if case.decision_text:
            lines.append("")
            lines.append(case.decision_text)
        lines.append("")
        lines.append(
            _("Please tell us whether you accept this decision: %(url)s")
            % {"url": TRACKING_LINK}
        )
    return subject, "\n".join(lines)


def staff_language(user) -> str:
    """A staff member's language: their own if the account has one, else the site's."""
    lang = getattr(user, "language", "") if user is not None else ""
    return lang if lang in {"ru", "en"} else settings.LANGUAGE_CODE


def staff_alert(case, *, headline: str, recipient=None, reason: str = "") -> tuple[str, str]:
    """An alert to a staff member in their language. `headline` is a msgid (gettext_noop),
    translated here for the recipient; `reason` is a person's own words, shown as typed."""
    with translation.override(staff_language(recipient)):
        headline = _(headline)
        if reason:
            headline = _("%(headline)s: %(reason)s") % {"headline": headline, "reason": reason}
        subject = f"[{case.reference}] {headline}"
        body = _(
            "%(headline)s\n\nCase %(ref)s (%(kind)s, %(queue)s)\nDue: %(due)s\n%(url)s"
        ) % {
            "headline": headline, "ref": case.reference, "kind": case.get_kind_display(),
            "queue": case.queue.name, "due": case_time(case, case.resolve_by),
            "url": f"{settings.SITE_URL}/desk/cases/{case.reference}/",
        }
    return subject, body
