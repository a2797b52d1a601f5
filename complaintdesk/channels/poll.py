"""What the worker pass calls for inbound channels that are pulled rather than pushed."""

from dataclasses import dataclass

from complaintdesk.channels.imap import PollReport, poll_mailboxes
from complaintdesk.channels.telegram import poll_telegram


@dataclass
class InboundReport:
    mail: PollReport
    telegram_updates: int

    @property
    def did_work(self) -> bool:
        return self.mail.did_work or bool(self.telegram_updates)


def poll_inbound() -> InboundReport:
    """Every active IMAP mailbox, and Telegram getUpdates when TELEGRAM_MODE=polling."""
    return InboundReport(mail=poll_mailboxes(), telegram_updates=poll_telegram(timeout=0))


__all__ = ["InboundReport", "poll_inbound", "poll_mailboxes", "poll_telegram"]
