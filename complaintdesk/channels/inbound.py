"""The one inbound path: an `Incoming` item becomes a new case or a message on an open case.

Exactly once: the InboundRecord (unique per channel + key) is written in the same transaction
as the case or message, so a retried or re-polled item is recognised and skipped.
"""

import hashlib
import logging
import mimetypes
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from complaintdesk.cases import services
from complaintdesk.cases.lifecycle import Status as S
from complaintdesk.cases.models import Attachment, Case, Customer, EventType, Message, Queue
from complaintdesk.channels.models import ChannelLink, InboundRecord
from complaintdesk.lib import filecheck

log = logging.getLogger("complaintdesk.channels")

REFERENCE_RE = re.compile(r"\bCD-\d{4}-\d{6}\b")


@dataclass
class IncomingFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Incoming:
    """One customer message as a channel adapter hands it over."""

    channel: str  # adapter key, also the Outbox channel for replies: email, telegram, sms, webhook
    key: str  # unique per channel: Message-ID, update id, gateway id, event id
    case_channel: str  # cases.Channel value: email, chat, social, sms…
    text: str
    reply_address: str = ""  # where replies go in this channel (chat id, phone, conversation)
    subject: str = ""
    customer_name: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    customer_external_id: str = ""
    language: str = ""
    queue: Queue | None = None
    continue_case: Case | None = None  # the adapter's threading found the case
    thread_key: str = ""
    files: list[IncomingFile] = field(default_factory=list)
    link_meta: dict = field(default_factory=dict)
    detail: dict = field(default_factory=dict)
    triage: object = None  # a precomputed TriageResult (batch ingest: triage_many)


@dataclass
class Received:
    outcome: str
    case: Case | None = None
    message: Message | None = None
    duplicate: bool = False

    @property
    def created(self) -> bool:
        return self.outcome == InboundRecord.Outcome.CREATED and not self.duplicate


def already(channel: str, key: str) -> InboundRecord | None:
    return InboundRecord.objects.filter(channel=channel, key=key[:400]).select_related(
        "case").first()


def ignore(*, channel: str, key: str, outcome: str, detail: dict | None = None) -> Received:
    """Remember an item we deliberately did not turn into a case (auto-reply, bounce, loop)."""
    try:
        with transaction.atomic():
            InboundRecord.objects.create(channel=channel, key=key[:400], outcome=outcome,
                                         detail=detail or {})
    except IntegrityError:
        return Received(outcome=outcome, duplicate=True)
    return Received(outcome=outcome)


def receive(item: Incoming, *, checked: bool = False) -> Received:
    """Create or continue a case for `item`, once; a second call with the same key is a no-op.
    `checked`: the caller just looked the key up (a batch); the unique constraint still guards
    a race."""
    found = None if checked else already(item.channel, item.key)
    if found is not None:
        return Received(outcome=found.outcome, case=found.case, duplicate=True)
    try:
        with transaction.atomic():
            result = _receive(item)
            InboundRecord.objects.create(
                channel=item.channel, key=item.key[:400], outcome=result.outcome,
                case=result.case, message=result.message, thread_key=item.thread_key[:400],
                detail=item.detail,
            )
    except IntegrityError:
        found = already(item.channel, item.key)
        if found is None:
            raise
        return Received(outcome=found.outcome, case=found.case, duplicate=True)
    return result


def _receive(item: Incoming) -> Received:
    text, notes = item.text.strip(), []
    kept, refused = _screen_files(item.files)
    for name, reason in refused:
        notes.append(f"[Attachment '{name}' was not stored: {reason}]")
    body = "\n\n".join(p for p in [text, *notes] if p) or "(empty message)"
    case = item.continue_case
    if case is not None and case.status != S.CLOSED:
        message = services.add_message(case=case, body=body, direction=Message.Direction.IN,
                                       actor=None, channel=item.case_channel,
                                       external_id=item.key[:300])
        outcome = InboundRecord.Outcome.CONTINUED
    else:
        extra = {"channel_key": item.channel}
        if case is not None:
            extra["follows"] = case.reference  # the customer wrote again on a closed case
        case, _ = services.create_case(
            data=services.NewCase(
                channel=item.case_channel, text=body, subject=item.subject[:300],
                customer_name=item.customer_name[:200], customer_email=item.customer_email,
                customer_phone=item.customer_phone,
                customer_external_id=item.customer_external_id,
                language=item.language, queue=item.queue.code if item.queue else "",
                source=f"channel:{item.channel}", extra=extra,
            ),
            actor=None, notify=False, triage=item.triage,
        )
        message = None
        outcome = InboundRecord.Outcome.CREATED
    _store_files(case, message, kept)
    if item.reply_address and outcome == InboundRecord.Outcome.CREATED:
        ChannelLink.objects.create(case=case, channel=item.channel,
                                   address=item.reply_address[:254], meta=item.link_meta)
    elif item.reply_address:
        link, made = ChannelLink.objects.get_or_create(
            case=case, channel=item.channel, address=item.reply_address[:254],
            defaults={"meta": item.link_meta},
        )
        if not made:
            ChannelLink.objects.filter(pk=link.pk).update(last_seen_at=timezone.now(),
                                                          meta=item.link_meta or link.meta)
    if outcome == InboundRecord.Outcome.CREATED and case.acknowledged_at is None:
        from complaintdesk.channels.base import Delivery, registered_channels

        # A new case's only link is the one just made: no need to look it up again.
        route = (Delivery(item.channel, item.reply_address[:254])
                 if item.reply_address and item.channel in registered_channels() else None)
        acknowledge(case, route=route)
    return Received(outcome=outcome, case=case, message=message)


def acknowledge(case: Case, *, route=None) -> None:
    """The acknowledgement goes back where the customer wrote (create_case ran notify=False)."""
    from complaintdesk.cases import notifications
    from complaintdesk.cases.models import Outbox
    from complaintdesk.channels.base import delivery_for

    route = route or delivery_for(case)
    subject, body = notifications.acknowledgement(case)
    services.enqueue(case=case, purpose=Outbox.Purpose.ACKNOWLEDGEMENT, recipient=route.recipient,
                     subject=subject, body=body, dedupe_key=f"ack:{case.pk}",
                     channel=route.channel)


def _human_size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _screen_files(files: list[IncomingFile]) -> tuple[list[IncomingFile], list[tuple[str, str]]]:
    limit = settings.ATTACHMENT_MAX_BYTES
    allowed = set(settings.ATTACHMENT_ALLOWED_TYPES)
    kept, refused = [], []
    for f in files:
        ctype = (f.content_type or mimetypes.guess_type(f.filename)[0] or "").lower()
        if len(f.data) > limit:
            refused.append((f.filename, f"{_human_size(len(f.data))} is over the "
                                        f"{_human_size(limit)} limit"))
        elif ctype not in allowed:
            refused.append((f.filename, f"type {ctype or 'unknown'} is not accepted"))
        elif not filecheck.content_matches(ctype, f.data[:filecheck.HEAD_BYTES]):
            refused.append((f.filename, f"the content is not a {ctype} file"))
        else:
            f.content_type = ctype
            kept.append(f)
    return kept, refused


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.\- ]+", "_", filecheck.safe_name(name))


def _store_files(case: Case, message: Message | None, files: list[IncomingFile]) -> None:
    for f in files:
        name = _safe_name(f.filename)
        attachment = Attachment(
            case=case, message=message, filename=name, content_type=f.content_type,
            size=len(f.data), sha256=hashlib.sha256(f.data).hexdigest(),
        )
        attachment.file.save(name, ContentFile(f.data), save=False)
        attachment.save()
        services.record(case, EventType.ATTACHMENT, actor=None, filename=name,
                        size=len(f.data), content_type=f.content_type,
                        attachment_id=attachment.pk)


def latest_open_case(
    *, customer: Customer | None, channel: str = "", address: str = ""
) -> Case | None:
    """The newest open case of a customer, preferring one linked to this channel address."""
    if channel and address:
        link = (ChannelLink.objects.filter(channel=channel, address=address)
                .exclude(case__status=S.CLOSED).select_related("case")
                .order_by("-last_seen_at", "-pk").first())
        if link is not None:
            return link.case
    if customer is None:
        return None
    return customer.cases.exclude(status=S.CLOSED).order_by("-received_at", "-pk").first()


def case_by_reference(text: str, customer: Customer | None) -> Case | None:
    """A case reference CD-YYYY-NNNNNN written by the customer, if the case is theirs."""
    if customer is None:
        return None
    for ref in REFERENCE_RE.findall(text or ""):
        case = Case.objects.filter(reference=ref, customer=customer).first()
        if case is not None:
            return case
    return None
