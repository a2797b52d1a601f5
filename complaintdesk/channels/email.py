"""Outbound e-mail through Django's mail backend (SMTP in production, files in the demo).

Every message carries the case reference in the subject, a stable Message-ID (retries reuse
it), In-Reply-To/References so the customer's client threads it under their own mail, and a
plain-text body with an HTML alternative escaped from it.
"""

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.html import escape, linebreaks, urlize

from complaintdesk.channels.base import DeliveryError, thread_id_for


def _lang(case) -> str:
    if case is not None and case.language in {"ru", "en"}:
        return case.language
    return settings.LANGUAGE_CODE


def html_body(text: str, *, lang: str) -> str:
    body = linebreaks(urlize(text, nofollow=True, autoescape=True), autoescape=False)
    return (f'<!DOCTYPE html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8"></head>'
            f'<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;'
            f'line-height:1.5">{body}</body></html>')


def thread_headers(case) -> dict[str, str]:
    """In-Reply-To the customer's latest mail (else our thread root); References the chain."""
    from complaintdesk.channels.models import InboundRecord

    root = thread_id_for(case)
    theirs = list(
        InboundRecord.objects.filter(case=case, channel="email").exclude(thread_key="")
        .order_by("-received_at", "-pk").values_list("thread_key", flat=True)[:10]
    )
    refs = [root, *reversed(theirs)]
    return {"In-Reply-To": theirs[0] if theirs else root,
            "References": " ".join(dict.fromkeys(refs))}


def _mailbox_for(case):
    from complaintdesk.channels.models import ChannelLink, Mailbox

    if case is None:
        return None
    link = (ChannelLink.objects.filter(case=case, channel="email")
            .order_by("-last_seen_at").first())
    pk = (link.meta or {}).get("mailbox") if link else None
    mailbox = Mailbox.objects.filter(pk=pk).first() if pk else None
    if mailbox is None and case.queue_id:
        mailbox = Mailbox.objects.filter(queue_id=case.queue_id, active=True).order_by("pk").first()
    return mailbox


class EmailSender:
    def send(self, *, row, message_id: str) -> str:
        from complaintdesk.cases.models import Outbox

        case = row.case if row.case_id else None
        subject = row.subject
        headers = {"Message-ID": message_id}
        if case is not None and case.reference:
            if case.reference not in subject:
                subject = f"[{case.reference}] {subject}"
            headers.update(thread_headers(case))
        mailbox = _mailbox_for(case)
        from_email = mailbox.address if mailbox else settings.DEFAULT_FROM_EMAIL
        headers["X-Loop"] = from_email
        if row.purpose == Outbox.Purpose.ACKNOWLEDGEMENT:
            headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: autoresponders stay quiet
        elif row.purpose in (Outbox.Purpose.SLA_WARNING, Outbox.Purpose.ESCALATION):
            headers["Auto-Submitted"] = "auto-generated"
        lang = _lang(case)
        headers["Content-Language"] = lang
        connection = None
        if mailbox is not None and mailbox.smtp_host:
            connection = get_connection(
                "django.core.mail.backends.smtp.EmailBackend", host=mailbox.smtp_host,
                port=mailbox.smtp_port, username=mailbox.smtp_user or None,
                password=mailbox.smtp_login_password() or None,
                use_tls=mailbox.smtp_starttls and not mailbox.smtp_ssl,
                use_ssl=mailbox.smtp_ssl, fail_silently=False,
            )
        mail = EmailMultiAlternatives(subject=subject, body=row.body, from_email=from_email,
                                      to=[row.recipient], headers=headers,
                                      connection=connection)
        mail.attach_alternative(html_body(row.body, lang=lang), "text/html")
        if row.message_id:
            # Files a person attached to the reply go with it (their limits: add_attachment).
            for item in row.message.attachments.order_by("pk"):
                with item.file.open("rb") as handle:
                    mail.attach(item.filename, handle.read(), item.content_type)
        try:
            sent = mail.send(fail_silently=False)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP delivery failed: {exc}") from exc
        if sent != 1:
            raise DeliveryError("The mail backend accepted no message")
        return message_id
