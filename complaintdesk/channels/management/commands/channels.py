import signal
import time

from django.core.management.base import BaseCommand, CommandError

from complaintdesk.channels.base import DeliveryError


class Command(BaseCommand):
    help = ("Inbound channels: 'poll-mail' polls every active IMAP mailbox once; "
            "'telegram-poll' long-polls the Bot API (--once for one call); "
            "'telegram-set-webhook URL' registers the webhook with the secret token.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("poll-mail", help="poll every active mailbox once")
        tg = sub.add_parser("telegram-poll", help="long-poll Telegram getUpdates")
        tg.add_argument("--once", action="store_true", help="one getUpdates call, then exit")
        tg.add_argument("--timeout", type=int, default=25, help="long-poll seconds per call")
        hook = sub.add_parser("telegram-set-webhook", help="point Telegram at our webhook")
        hook.add_argument("url", help="public URL of /channels/telegram/webhook/")

    def handle(self, *args, action, **options):
        if action == "poll-mail":
            from complaintdesk.channels.imap import poll_mailboxes

            report = poll_mailboxes()
            self.stdout.write(
                f"mailboxes {report.mailboxes}: created {report.created}, continued "
                f"{report.continued}, ignored {report.ignored}, skipped {report.skipped}"
            )
            for error in report.errors:
                self.stderr.write(error)
            if report.errors and not (report.created or report.continued or report.ignored):
                raise CommandError("polling failed; see the errors above")
        elif action == "telegram-poll":
            self._telegram_poll(once=options["once"], timeout=options["timeout"])
        elif action == "telegram-set-webhook":
            from complaintdesk.channels import conf, telegram

            secret = conf.telegram_webhook_secret()
            if not secret:
                raise CommandError("set TELEGRAM_WEBHOOK_SECRET first")
            try:
                telegram.call("setWebhook", {"url": options["url"], "secret_token": secret,
                                             "allowed_updates": ["message", "edited_message"]})
            except DeliveryError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write("webhook set")

    def _telegram_poll(self, *, once: bool, timeout: int) -> None:
        from django.db import close_old_connections

        from complaintdesk.channels import telegram

        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        while True:
            close_old_connections()
            try:
                handled = telegram.poll_once(timeout=0 if once else timeout)
            except DeliveryError as exc:
                if once:
                    raise CommandError(str(exc)) from exc
                self.stderr.write(str(exc))
                handled = 0
                time.sleep(5)  # the Bot API is down or the token is wrong: do not spin
            if handled or once:
                self.stdout.write(f"telegram: {handled} update(s)")
            if once or stopping:
                return
