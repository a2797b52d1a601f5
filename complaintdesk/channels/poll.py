"""What the worker pass calls for inbound channels that are pulled rather than pushed."""

import logging
from dataclasses import dataclass

from complaintdesk.channels.imap import PollReport, poll_mailboxes
from complaintdesk.channels.telegram import poll_telegram

log = logging.getLogger("complaintdesk.channels")


@dataclass
class InboundReport:
    mail: PollReport
    telegram_updates: int

    @property
    def did_work(self) -> bool:
        return self.mail.did_work or bool(self.telegram_updates)


def poll_inbound() -> InboundReport:
    """Every active IMAP mailbox, and Telegram getUpdates when TELEGRAM_MODE=polling. A channel
    that is down never stops the others: each source fails on its own (and says so on
    /desk/channels/ through Mailbox.last_error and ChannelState)."""
    try:
        mail = poll_mailboxes()
    except Exception as exc:  # e.g. the database hiccuped while listing mailboxes
        log.exception("mail polling failed")
        mail = PollReport(errors=[f"{type(exc).__name__}: {exc}"])
    try:
        updates = poll_telegram(timeout=0)
    except Exception:
        log.exception("telegram polling failed")
        updates = 0
    return InboundReport(mail=mail, telegram_updates=updates)


__all__ = ["InboundReport", "poll_inbound", "poll_mailboxes", "poll_telegram"]
