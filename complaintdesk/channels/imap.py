"""Inbound e-mail: poll every active Mailbox over IMAP and turn each new mail into a case or a
message on its case, exactly once.

Order per mail: fetch with BODY.PEEK (leaves it unseen) → InboundRecord + case/message in one
transaction → only then STORE \\Seen. A worker that dies anywhere in between leaves the mail
unseen; the next poll finds its InboundRecord and only marks it seen.
"""

import imaplib
import logging
import re
import ssl
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.utils import timezone

from complaintdesk.cases.models import Case, Channel, Customer, Outbox
from complaintdesk.cases.services import normalise_email
from complaintdesk.channels import conf, inbound
from complaintdesk.channels.base import our_domain
from complaintdesk.channels.models import ChannelState, InboundRecord, Mailbox
from complaintdesk.channels.text import html_to_text

log = logging.getLogger("complaintdesk.channels.imap")

CHANNEL = "email"
MSGID_RE = re.compile(r"<[^<>\s]+>")


# ---------------------------------------------------------------- parsing


@dataclass
class ParsedMail:
    message_id: str
    from_name: str
    from_addr: str
    subject: str
    text: str
    thread_ids: list[str]
    files: list[inbound.IncomingFile] = field(default_factory=list)
    language: str = ""


_FOLD = re.compile(r"\r?\n[ \t]")


def header(msg: EmailMessage, name: str) -> str:
    """A header's raw, unfolded value(s) joined by spaces: for ASCII tokens (Message-IDs,
    Auto-Submitted…) this skips the structured parsing of `msg.get`, which is most of the
    CPU time of parsing a mail. Subject and From (encoded words) still go through `msg.get`."""
    cache = msg.__dict__.get("_cd_headers")
    if cache is None:
        cache = {}
        for key, value in msg.raw_items():
            key = key.lower()
            value = _FOLD.sub(" ", str(value)).strip()
            cache[key] = f"{cache[key]} {value}" if key in cache else value
        msg.__dict__["_cd_headers"] = cache
    return cache.get(name.lower(), "")


def parse(raw: bytes) -> tuple[EmailMessage, ParsedMail]:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    ids = MSGID_RE.findall(header(msg, "Message-ID"))
    # The customer is who the mail is From (replies go there too; Reply-To is not trusted
    # with a case's correspondence).
    from_name, from_addr = parseaddr(str(msg.get("From") or ""))
    thread_ids = MSGID_RE.findall(header(msg, "In-Reply-To"))
    # Newest first: References lists the thread oldest to newest.
    thread_ids += list(reversed(MSGID_RE.findall(header(msg, "References"))))
    lang = header(msg, "Content-Language").split(",")[0].strip()[:2].lower()
    simple = _simple_text(msg)  # most mail: one text/plain part, no structured parsing needed
    return msg, ParsedMail(
        message_id=ids[0] if ids else "",
        from_name=from_name,
        from_addr=normalise_email(from_addr),
        subject=re.sub(r"\s+", " ", str(msg.get("Subject", "") or "")).strip(),
        text=simple if simple is not None else _body_text(msg),
        thread_ids=list(dict.fromkeys(thread_ids)),
        files=[] if simple is not None else _files(msg),
        language=lang if lang in {"ru", "en"} else "",
    )


_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.I)


def content_type(msg: EmailMessage) -> str:
    """The mail's own content type from the raw header (RFC 2045 default text/plain)."""
    return (header(msg, "Content-Type").split(";", 1)[0].strip().lower() or "text/plain")


def _simple_text(msg: EmailMessage) -> str | None:
    """The body of a single-part text/plain mail without the structured header parser (each
    `get_content_type()` re-parses Content-Type); None for anything else."""
    if msg.is_multipart() or content_type(msg) != "text/plain" or header(
            msg, "Content-Disposition"):
        return None
    payload = msg.get_payload(decode=True) or b""
    m = _CHARSET.search(header(msg, "Content-Type"))
    try:
        content = payload.decode(m.group(1) if m else "utf-8", errors="replace")
    except LookupError:
        content = payload.decode("utf-8", errors="replace")
    return content.replace("\r\n", "\n").strip()


def _body_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        return html_to_text(content)
    return content.replace("\r\n", "\n").strip()


def _files(msg: EmailMessage) -> list[inbound.IncomingFile]:
    files = []
    for part in msg.iter_attachments():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True) or b""
        name = part.get_filename() or f"attachment-{len(files) + 1}"
        files.append(inbound.IncomingFile(filename=name, content_type=part.get_content_type(),
                                          data=data))
    return files


_QUOTE_HEAD = re.compile(
    r"^(On .{5,200} wrote:|.{0,120}\d{4}.{0,80}(написал|пишет)\S*:"
    r"|-{2,}\s*Original Message\s*-{2,})\s*$",
    re.I | re.M,
)


def strip_quoted(text: str) -> str:
    """The customer's new words in a reply: drop the quoted thread below them."""
    head = _QUOTE_HEAD.search(text)
    if head and text[: head.start()].strip():
        text = text[: head.start()]
    lines = text.rstrip().splitlines()
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    return "\n".join(lines).strip() or text.strip()


# ---------------------------------------------------------------- what not to turn into cases


def screen(msg: EmailMessage, mail: ParsedMail, mailbox: Mailbox | None) -> str | None:
    """An InboundRecord outcome for mail that must not become a case, else None."""
    auto = header(msg, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return InboundRecord.Outcome.AUTOREPLY
    if any(header(msg, h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response")):
        return InboundRecord.Outcome.AUTOREPLY
    if header(msg, "Precedence").strip().lower() in {"bulk", "junk", "list",
                                                                "auto_reply"}:
        return InboundRecord.Outcome.AUTOREPLY
    if content_type(msg) == "multipart/report":
        return InboundRecord.Outcome.BOUNCE
    local = mail.from_addr.partition("@")[0]
    if not mail.from_addr or local in {"mailer-daemon", "postmaster"}:
        return InboundRecord.Outcome.BOUNCE
    if header(msg, "Return-Path").strip() == "<>" and "delivery" in mail.subject.lower():
        return InboundRecord.Outcome.BOUNCE
    ours = {normalise_email(settings.DEFAULT_FROM_EMAIL.rpartition("<")[2].strip(">"))}
    if mailbox is not None:
        ours.add(normalise_email(mailbox.address))
    domain = our_domain()
    if mail.message_id.rstrip(">").rpartition("@")[2].lower() == domain:
        return InboundRecord.Outcome.LOOP
    loops = header(msg, "X-Loop").lower()
    if loops and (any(a in loops for a in ours) or domain in loops):
        return InboundRecord.Outcome.LOOP
    if mail.from_addr in ours:
        return InboundRecord.Outcome.LOOP
    return None


# ---------------------------------------------------------------- threading


_CASE_ID = re.compile(r"<case-(CD-\d{4}-\d{6})@([^>]+)>")
_OUTBOX_ID = re.compile(r"<outbox-(\d+)@([^>]+)>")


def find_thread(mail: ParsedMail, customer: Customer | None) -> Case | None:
    """The case a mail continues: our Message-IDs or a stored inbound one in In-Reply-To /
    References, else a case reference CD-YYYY-NNNNNN in the subject of the customer's own case."""
    domain = our_domain()
    for mid in mail.thread_ids:
        if m := _CASE_ID.fullmatch(mid):
            if m.group(2).lower() == domain:
                case = Case.objects.filter(reference=m.group(1)).first()
                if case:
                    return case
        if m := _OUTBOX_ID.fullmatch(mid):
            if m.group(2).lower() == domain:
                row = Outbox.objects.filter(pk=int(m.group(1))).select_related("case").first()
                if row and row.case:
                    return row.case
        record = (InboundRecord.objects.filter(channel=CHANNEL, thread_key=mid,
                                               case__isnull=False)
                  .select_related("case").first())
        if record:
            return record.case
    return inbound.case_by_reference(mail.subject, customer)


def may_continue(case: Case, sender: str) -> bool:
    """Only the case's own correspondent continues it: otherwise a stranger quoting a (guessable)
    Message-ID would become the address the operators' replies go to."""
    from complaintdesk.channels.models import ChannelLink

    if sender and sender == normalise_email(case.customer.email):
        return True
    return ChannelLink.objects.filter(case=case, channel=CHANNEL, address=sender).exists()


# ---------------------------------------------------------------- one mail


@dataclass
class Screened:
    """A parsed mail and the verdict that needs no database: seen before, or screened out."""

    key: str
    msg: EmailMessage
    mail: ParsedMail
    duplicate: inbound.Received | None = None
    ignore: str | None = None
    triage: object = None


def screen_mail(
    raw: bytes, *, mailbox: Mailbox | None = None, fallback_key: str = "",
    seen: dict[str, InboundRecord] | None = None,
) -> Screened:
    """Parse and screen one mail without writing. `seen` (key → record) is the batch's answer
    to "processed before?"; without it one query asks."""
    msg, mail = parse(raw)
    key = (mail.message_id or fallback_key)[:400]
    if not key:
        raise ValueError("a mail without Message-ID needs a fallback key (mailbox+uid)")
    found = seen.get(key) if seen is not None else inbound.already(CHANNEL, key)
    if found is not None:
        return Screened(key, msg, mail, duplicate=inbound.Received(
            outcome=found.outcome, case=found.case, duplicate=True))
    return Screened(key, msg, mail, ignore=screen(msg, mail, mailbox))


def take(item: Screened, *, mailbox: Mailbox | None, checked: bool = False) -> inbound.Received:
    """Thread and record one screened mail: its own transaction, exactly once per key."""
    if item.duplicate is not None:
        return item.duplicate
    mail = item.mail
    if item.ignore is not None:
        log.info("mail %s from %s ignored: %s", item.key, mail.from_addr, item.ignore)
        return inbound.ignore(channel=CHANNEL, key=item.key, outcome=item.ignore,
                              detail={"from": mail.from_addr, "subject": mail.subject[:200]})
    customer = Customer.objects.filter(email=mail.from_addr).order_by("pk").first()
    case = find_thread(mail, customer)
    detail = {"mailbox": mailbox.pk if mailbox else None, "subject": mail.subject[:200]}
    if case is not None and not may_continue(case, mail.from_addr):
        detail["claimed_thread"] = case.reference  # a new case, for a person to look at
        case = None
    text = strip_quoted(mail.text) if case is not None else mail.text
    to = [normalise_email(a) for _, a in getaddresses([header(item.msg, "To")])]
    return inbound.receive(inbound.Incoming(
        channel=CHANNEL, key=item.key, case_channel=Channel.EMAIL,
        text=text or mail.subject, subject=mail.subject, reply_address=mail.from_addr,
        customer_name=mail.from_name, customer_email=mail.from_addr,
        language=mail.language, queue=mailbox.queue if mailbox else None,
        continue_case=case, thread_key=mail.message_id, files=mail.files,
        link_meta={"mailbox": mailbox.pk} if mailbox else {},
        detail={**detail, "to": to[:5]},
        triage=item.triage if case is None else None,
    ), checked=checked)


def handle_mail(
    raw: bytes, *, mailbox: Mailbox | None = None, fallback_key: str = ""
) -> inbound.Received:
    """Process one raw RFC 5322 mail (from IMAP, or piped in by an MTA)."""
    return take(screen_mail(raw, mailbox=mailbox, fallback_key=fallback_key), mailbox=mailbox,
                checked=True)


def triage_batch(batch: list[Screened]) -> None:
    """One model run for a batch's mails that may open cases (several times faster than one
    run per mail); a reply that turns out to continue a case simply does not use its result."""
    if not settings.COMPLAINTDESK.get("TRIAGE_ON_CREATE", True):
        return
    fresh = [s for s in batch if s.duplicate is None and s.ignore is None]
    if len(fresh) < 2:
        return
    from complaintdesk.triage.service import triage_many

    try:
        results = triage_many([(s.mail.text or s.mail.subject).strip() or "(empty message)"
                               for s in fresh])
    except Exception:  # triage is a help, never a reason to lose mail: per-case triage then
        log.exception("batch triage failed; triaging one by one")
        return
    for item, result in zip(fresh, results, strict=True):
        item.triage = result


def ingest_workers() -> int:
    """Threads that record a batch's mails (grouped by sender, so one sender's mails keep
    their order). SQLite takes one writer at a time: 1 there; and 1 inside a caller's
    transaction, whose rows other connections could not see."""
    from django.db import connection

    if connection.vendor == "sqlite" or connection.in_atomic_block:
        return 1
    return max(1, int(conf.get("CHANNELS_INGEST_WORKERS", "8")))


def _take_group(items: list[tuple[int, Screened]], mailbox: Mailbox | None,
                threaded: bool) -> list[tuple[int, inbound.Received | Exception]]:
    from django.db import connection

    out: list[tuple[int, inbound.Received | Exception]] = []
    try:
        for uid, item in items:
            try:
                out.append((uid, take(item, mailbox=mailbox, checked=True)))
            except Exception as exc:  # one bad mail must not stop the mailbox
                log.exception("mailbox %s uid %s failed", getattr(mailbox, "name", "-"), uid)
                out.append((uid, exc))
    finally:
        if threaded:
            connection.close()  # this thread's own connection
    return out


def take_batch(items: list[tuple[int, Screened]], mailbox: Mailbox | None
               ) -> list[tuple[int, inbound.Received | Exception]]:
    """Record a batch; mails of different senders in parallel (each its own transaction)."""
    groups: dict[str, list[tuple[int, Screened]]] = {}
    for uid, item in items:
        groups.setdefault(item.mail.from_addr, []).append((uid, item))
    workers = min(ingest_workers(), len(groups))
    if workers <= 1:
        return _take_group(items, mailbox, False)
    from concurrent.futures import ThreadPoolExecutor

    lanes: list[list[tuple[int, Screened]]] = [[] for _ in range(workers)]
    for group in sorted(groups.values(), key=len, reverse=True):
        min(lanes, key=len).extend(group)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda lane: _take_group(lane, mailbox, True), lanes))
    return [r for lane in results for r in lane]


# ---------------------------------------------------------------- polling


@dataclass
class PollReport:
    mailboxes: int = 0
    created: int = 0
    continued: int = 0
    ignored: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def did_work(self) -> bool:
        return bool(self.created or self.continued or self.ignored or self.errors)


def connect(mailbox: Mailbox, *, timeout: float = 30) -> imaplib.IMAP4:
    if mailbox.imap_ssl:
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(mailbox.imap_host, mailbox.imap_port,
                                                ssl_context=ssl.create_default_context(),
                                                timeout=timeout)
    else:
        conn = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
        if mailbox.imap_starttls:
            conn.starttls(ssl_context=ssl.create_default_context())
    conn.login(mailbox.username, mailbox.imap_password())
    return conn


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


_FETCH_UID = re.compile(rb"\bUID (\d+)")


def fetch_many(conn: imaplib.IMAP4, uids: list[int]) -> dict[int, bytes]:
    """One UID FETCH for many mails (BODY.PEEK: they stay unseen); uid → raw mail."""
    typ, data = conn.uid("FETCH", ",".join(str(u) for u in uids), "(UID BODY.PEEK[])")
    if typ != "OK":
        raise imaplib.IMAP4.error(f"UID FETCH failed: {data!r}")
    out: dict[int, bytes] = {}
    for part in data or []:
        if isinstance(part, tuple) and (m := _FETCH_UID.search(part[0])):
            out[int(m.group(1))] = part[1]
    return out


def _search(conn: imaplib.IMAP4, criteria: str) -> set[int]:
    typ, data = conn.uid("SEARCH", None, criteria)
    return {int(u) for u in (data[0] or b"").split()} if typ == "OK" and data else set()


def poll_mailbox(
    mailbox: Mailbox, *, limit: int = 500, batch_size: int = 100,
    report: PollReport | None = None,
) -> PollReport:
    """New mail of one mailbox, `batch_size` mails per IMAP FETCH and per triage run.

    Per batch: FETCH (peek) → skip keys already recorded (one query) → per mail, record +
    case/message in one transaction → STORE \\Seen for the batch. Killed anywhere, the next
    poll re-fetches the unseen mails and skips the recorded ones: nothing lost, nothing twice.
    """
    report = report or PollReport()
    conn = connect(mailbox)
    try:
        typ, _ = conn.select(_quote(mailbox.folder))
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot select folder {mailbox.folder!r}")
        uidvalidity = (conn.response("UIDVALIDITY")[1] or [b"0"])[0]
        uidvalidity = uidvalidity.decode() if isinstance(uidvalidity, bytes) else str(uidvalidity)
        uidnext = (conn.response("UIDNEXT")[1] or [None])[0]
        # Unseen mail, and anything above the last UID we processed: a person reading the
        # mailbox in a mail client (which marks it seen) must not hide it from us.
        state = f"imap:{mailbox.pk}:{uidvalidity}"
        water = int(ChannelState.objects.filter(name=state).values_list("value", flat=True)
                    .first() or 0)
        uids = _search(conn, "UNSEEN")
        if water:
            # "N:*" always matches the highest UID, even below N: keep only what is above.
            uids |= {u for u in _search(conn, f"UID {water + 1}:*") if u > water}
        uids = sorted(uids)
        todo = uids[:limit]
        if len(uids) <= limit and uidnext and int(uidnext) - 1 > water:
            water = int(uidnext) - 1
        lowest_failed = None
        for start in range(0, len(todo), batch_size):
            chunk = todo[start:start + batch_size]
            raws = fetch_many(conn, chunk)
            keys = {uid: f"{mailbox.pk}:{uidvalidity}:{uid}" for uid in chunk if uid in raws}
            for uid in chunk:
                if uid not in raws:
                    report.errors.append(f"{mailbox.name}: cannot fetch uid {uid}")
                    lowest_failed = lowest_failed or uid
            # Which of these were processed before (a worker killed before STORE \\Seen)?
            seen = {r.key: r for r in InboundRecord.objects.filter(
                channel=CHANNEL, key__in=_batch_keys(raws, keys)).select_related("case")}
            screened: list[tuple[int, Screened]] = []
            for uid in chunk:
                if uid not in raws:
                    continue
                try:
                    screened.append((uid, screen_mail(raws[uid], mailbox=mailbox,
                                                      fallback_key=keys[uid], seen=seen)))
                except Exception as exc:  # one bad mail must not stop the mailbox
                    log.exception("mailbox %s uid %s failed", mailbox.name, uid)
                    report.errors.append(f"{mailbox.name} uid {uid}: {exc}")
                    lowest_failed = lowest_failed or uid
            triage_batch([item for _, item in screened])
            done = []
            for uid, result in take_batch(screened, mailbox):
                if isinstance(result, Exception):
                    report.errors.append(f"{mailbox.name} uid {uid}: {result}")
                    lowest_failed = min(lowest_failed or uid, uid)
                    continue
                if result.duplicate:
                    report.skipped += 1
                elif result.outcome == InboundRecord.Outcome.CREATED:
                    report.created += 1
                elif result.outcome == InboundRecord.Outcome.CONTINUED:
                    report.continued += 1
                else:
                    report.ignored += 1
                done.append(uid)
            # Only now, with the records committed, are the mails marked as read.
            if done:
                conn.uid("STORE", ",".join(map(str, done)), "+FLAGS.SILENT", "(\\Seen)")
                water = max(water, max(done))
        if lowest_failed:  # try it again next time, even if someone marks it seen meanwhile
            water = min(water, lowest_failed - 1)
        ChannelState.objects.update_or_create(name=state, defaults={"value": str(water)})
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return report


_MSGID_HEADER = re.compile(rb"^Message-ID:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.I | re.M)


def _batch_keys(raws: dict[int, bytes], fallbacks: dict[int, str]) -> list[str]:
    """The InboundRecord keys of a batch, read cheaply from the headers (a superset is fine)."""
    keys = []
    for uid, raw in raws.items():
        head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        m = _MSGID_HEADER.search(head)
        ids = MSGID_RE.findall(m.group(1).decode("ascii", "replace")) if m else []
        keys.append(ids[0][:400] if ids else fallbacks[uid])
    return keys


def poll_mailboxes(*, limit_per_mailbox: int = 500) -> PollReport:
    """One pass over every active mailbox; call it from the worker pass."""
    report = PollReport()
    for mailbox in Mailbox.objects.filter(active=True).select_related("queue").order_by("pk"):
        report.mailboxes += 1
        error = ""
        try:
            poll_mailbox(mailbox, limit=limit_per_mailbox, report=report)
        except (imaplib.IMAP4.error, OSError, ssl.SSLError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            report.errors.append(f"{mailbox.name}: {error}")
            log.warning("mailbox %s: %s", mailbox.name, error)
        Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(),
                                                     last_error=error[:2000])
    return report
