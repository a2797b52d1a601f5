"""Storing a customer's uploaded files on a case (a candidate for cases.services)."""

import hashlib

from django.db import transaction

from complaintdesk.cases import services
from complaintdesk.cases.models import Attachment, Case, EventType


def attach_uploads(case: Case, uploads, *, actor=None) -> list[Attachment]:
    """Save each file with its SHA-256 and put it on the timeline."""
    from complaintdesk.portal.forms import guessed_type

    saved = []
    with transaction.atomic():
        for upload in uploads:
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            item = Attachment(case=case, filename=upload.name[:255],
                              content_type=guessed_type(upload), size=upload.size,
                              sha256=digest.hexdigest(), uploaded_by=actor)
            item.file.save(upload.name, upload, save=False)
            item.save()
            services.record(case, EventType.ATTACHMENT, actor=actor, attachment_id=item.pk,
                            filename=item.filename, sha256=item.sha256)
            saved.append(item)
    return saved
