"""Storing a customer's uploaded files on a case through services.add_attachment."""


from django.db import transaction

from complaintdesk.cases import services
from complaintdesk.cases.models import Attachment, Case


def attach_uploads(case: Case, uploads, *, actor=None) -> list[Attachment]:
    """Save each file (limits and SHA-256 are services.add_attachment's) in one transaction."""
    with transaction.atomic():
        return [services.add_attachment(case=case, upload=u, actor=actor) for u in uploads]
