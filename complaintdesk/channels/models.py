"""What the channels remember: mailboxes, webhook sources, and which inbound item became what."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaintdesk.cases.models import Channel
from complaintdesk.channels.conf import read_secret_file


class Mailbox(models.Model):
    """One IMAP mailbox polled by the worker; its mail lands in `queue` (or is routed as usual)."""

    name = models.CharField(max_length=100)
    address = models.EmailField(help_text=_("The address customers write to; used as From."))
    queue = models.ForeignKey("cases.Queue", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    imap_host = models.CharField(max_length=200)
    imap_port = models.PositiveIntegerField(default=993)
    imap_ssl = models.BooleanField(default=True, help_text=_("IMAPS (implicit TLS)."))
    imap_starttls = models.BooleanField(default=False)
    username = models.CharField(max_length=200)
    password = models.CharField(max_length=200, blank=True)
    password_file = models.CharField(max_length=500, blank=True,
                                     help_text=_("Read the password from this file instead."))
    folder = models.CharField(max_length=200, default="INBOX")
    smtp_host = models.CharField(max_length=200, blank=True,
                                 help_text=_("Empty: send through the global EMAIL_* settings."))
    smtp_port = models.PositiveIntegerField(default=587)
    smtp_user = models.CharField(max_length=200, blank=True)
    smtp_password = models.CharField(max_length=200, blank=True)
    smtp_password_file = models.CharField(max_length=500, blank=True,
                                          help_text=_("Read the SMTP password from this file "
                                                      "instead."))
    smtp_starttls = models.BooleanField(default=True)
    smtp_ssl = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "mailbox")
        verbose_name_plural = pgettext_lazy("model name", "mailboxes")

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    def imap_password(self) -> str:
        if self.password_file:
            return read_secret_file(self.password_file)
        return self.password

    def smtp_login_password(self) -> str:
        if self.smtp_password_file:
            return read_secret_file(self.smtp_password_file)
        return self.smtp_password


class WebhookSource(models.Model):
    """A chat widget or social-network bridge posting signed JSON to /channels/webhook/<slug>/."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    secret = models.CharField(max_length=200, blank=True,
                              help_text=_("Shared HMAC-SHA256 secret."))
    secret_file = models.CharField(max_length=500, blank=True,
                                   help_text=_("Read the shared secret from this file instead."))
    callback_url = models.URLField(blank=True, help_text=_("Where replies are POSTed."))
    case_channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.CHAT)
    queue = models.ForeignKey("cases.Queue", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "webhook source")
        verbose_name_plural = pgettext_lazy("model name", "webhook sources")

    def __str__(self) -> str:
        return self.name

    def signing_secret(self) -> str:
        if self.secret_file:
            return read_secret_file(self.secret_file)
        return self.secret


class InboundRecord(models.Model):
    """One inbound item (a mail, an update, an SMS, a webhook event), processed exactly once."""

    class Outcome(models.TextChoices):
        CREATED = "created", _("Case created")
        CONTINUED = "continued", _("Added to a case")
        AUTOREPLY = "autoreply", _("Ignored: auto-reply")
        BOUNCE = "bounce", _("Ignored: bounce")
        LOOP = "loop", _("Ignored: mail loop")
        IGNORED = "ignored", _("Ignored")

    channel = models.CharField(max_length=20)
    key = models.CharField(max_length=400)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    message = models.ForeignKey("cases.Message", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    thread_key = models.CharField(max_length=400, blank=True, db_index=True,
                                  help_text=_("e.g. the mail's Message-ID, for threading."))
    received_at = models.DateTimeField(default=timezone.now)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "key"], name="uniq_inbound_channel_key")
        ]
        verbose_name = pgettext_lazy("model name", "inbound record")
        verbose_name_plural = pgettext_lazy("model name", "inbound records")

    def __str__(self) -> str:
        return f"{self.channel}:{self.key} → {self.outcome}"


class ChannelLink(models.Model):
    """Where the customer of a case can be answered: channel key + address (chat id, phone…)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20)
    address = models.CharField(max_length=254)
    last_seen_at = models.DateTimeField(default=timezone.now)
    meta = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "channel", "address"],
                                    name="uniq_channel_link")
        ]
        indexes = [models.Index(fields=["channel", "address"], name="channel_link_address")]
        verbose_name = pgettext_lazy("model name", "channel link")
        verbose_name_plural = pgettext_lazy("model name", "channel links")

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


class OutboundRecord(models.Model):
    """What a gateway said about an outbox row: its id there and the latest delivery receipt."""

    outbox = models.OneToOneField("cases.Outbox", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20)
    external_id = models.CharField(max_length=200, db_index=True)
    status = models.CharField(max_length=40, default="accepted")
    updated_at = models.DateTimeField(default=timezone.now)
    receipts = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "outbound record")
        verbose_name_plural = pgettext_lazy("model name", "outbound records")

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id} ({self.status})"


class ChannelState(models.Model):
    """Small cursors (e.g. the Telegram getUpdates offset) and the health of pulled channels
    (e.g. `telegram:poll`: when it last ran and its last error), shown on /desk/channels/."""

    name = models.CharField(max_length=100, unique=True)
    value = models.CharField(max_length=200)
    updated_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "channel state")
        verbose_name_plural = pgettext_lazy("model name", "channel states")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
