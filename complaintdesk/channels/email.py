"""Outbound e-mail through Django's mail backend (SMTP in production, files in the demo)."""

from django.core.mail import EmailMessage

from complaintdesk.channels.base import DeliveryError, thread_id_for


class EmailSender:
    def send(self, *, row, message_id: str) -> str:
        headers = {"Message-ID": message_id}
        if row.case_id:
            # Every message of a case refers to one thread root so mail clients group them.
            root = thread_id_for(row.case)
            headers.update({"In-Reply-To": root, "References": root})
        mail = EmailMessage(subject=row.subject, body=row.body, to=[row.recipient],
                            headers=headers)
        try:
            sent = mail.send(fail_silently=False)
        except OSError as exc:
            raise DeliveryError(f"SMTP delivery failed: {exc}") from exc
        if sent != 1:
            raise DeliveryError("The mail backend accepted no message")
        return message_id
