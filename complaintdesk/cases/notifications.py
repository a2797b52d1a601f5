"""Texts of the messages the system sends, in the customer's language."""

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _


def customer_language(case) -> str:
    """The language every message to this case's customer is written in."""
    return case.language if case.language in {"ru", "en"} else settings.LANGUAGE_CODE


_lang = customer_language


def tracking_url(case) -> str:
    return f"{settings.SITE_URL}/track/{case.reference}/?token={case.public_token}"


def acknowledgement(case) -> tuple[str, str]:
    with translation.override(_lang(case)):
        subject = _("[%(ref)s] We have received your request") % {"ref": case.reference}
        due = formats.date_format(case.resolve_by, "DATETIME_FORMAT") if case.resolve_by else "—"
        body = _(
            "Hello%(name)s,\n\nwe have registered your request under the number %(ref)s.\n"
            "We will answer by %(due)s.\nYou can follow it here: %(url)s\n\n"
            "Please keep this number for any further contact."
        ) % {
            "name": f", {case.customer.name}" if case.customer.name else "",
            "ref": case.reference,
            "due": due,
            "url": tracking_url(case),
        }
    return subject, body


def reply(case, body: str) -> tuple[str, str]:
    with translation.override(_lang(case)):
        subject = _("[%(ref)s] Reply to your request") % {"ref": case.reference}
        footer = _("Follow your request: %(url)s") % {"url": tracking_url(case)}
    return subject, f"{body}\n\n--\n{footer}"


def decision(case) -> tuple[str, str]:
    with translation.override(_lang(case)):
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
            % {"url": tracking_url(case)}
        )
    return subject, "\n".join(lines)


def staff_alert(case, *, headline: str) -> tuple[str, str]:
    # Staff read it in the deployment's (or the acting person's) language, not the customer's.
    subject = f"[{case.reference}] {headline}"
    body = _("%(headline)s\n\nCase %(ref)s (%(kind)s, %(queue)s)\nDue: %(due)s\n%(url)s") % {
        "headline": headline, "ref": case.reference, "kind": case.get_kind_display(),
        "queue": case.queue.name,
        "due": f"{case.resolve_by:%Y-%m-%d %H:%M %Z}",
        "url": f"{settings.SITE_URL}/desk/cases/{case.reference}/"}
    return subject, body
