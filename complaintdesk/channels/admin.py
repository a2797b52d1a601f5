from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from complaintdesk.channels.models import (
    ChannelLink,
    InboundRecord,
    Mailbox,
    OutboundRecord,
    WebhookSource,
)

KEEP_HELP = _("Write-only: a stored value is never shown. Leave blank to keep it; type a new "
              "one to replace it; or use the file option to keep it out of the database.")


class WriteOnlySecretsForm(forms.ModelForm):
    """Secrets are typed in, never shown again: a blank field keeps the stored value, and the
    'remove' box (forget_<field>) clears it."""

    secret_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            field = self.fields.get(name)
            if field is None:
                continue
            field.widget = forms.PasswordInput(render_value=False,
                                               attrs={"autocomplete": "new-password"})
            field.required = False
            field.help_text = KEEP_HELP
            # Not even the initial value goes into the page (hidden "changed" markers and
            # the like would carry it).
            self.initial[name] = ""
            field.show_hidden_initial = False

    def clean(self):
        cleaned = super().clean()
        for name in self.secret_fields:
            if cleaned.get(f"forget_{name}"):
                cleaned[name] = ""
            elif not cleaned.get(name) and self.instance.pk is not None:
                # construct_instance() runs after clean(): the instance still holds the old value.
                cleaned[name] = getattr(self.instance, name)
        return cleaned


class MailboxForm(WriteOnlySecretsForm):
    secret_fields = ("password", "smtp_password")
    forget_password = forms.BooleanField(required=False, label=_("Remove the stored IMAP password"))
    forget_smtp_password = forms.BooleanField(required=False,
                                              label=_("Remove the stored SMTP password"))

    class Meta:
        model = Mailbox
        fields = ("name", "address", "queue", "imap_host", "imap_port", "imap_ssl",
                  "imap_starttls", "username", "password", "password_file", "folder",
                  "smtp_host", "smtp_port", "smtp_user", "smtp_password", "smtp_password_file",
                  "smtp_starttls", "smtp_ssl", "active", "last_polled_at", "last_error")


class WebhookSourceForm(WriteOnlySecretsForm):
    secret_fields = ("secret",)
    forget_secret = forms.BooleanField(required=False, label=_("Remove the stored secret"))

    class Meta:
        model = WebhookSource
        fields = ("slug", "name", "secret", "secret_file", "callback_url", "case_channel",
                  "queue", "active")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("secret") and not cleaned.get("secret_file"):
            self.add_error("secret", _("A webhook source needs a secret or a secret file: "
                                       "without one anyone could sign requests."))
        return cleaned


class SecretsAdmin(admin.ModelAdmin):
    """Someone who may only view a record does not get its secrets as read-only text."""

    secret_fields: tuple[str, ...] = ()

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if not self.has_change_permission(request, obj):
            hidden = set(self.secret_fields) | {f"forget_{n}" for n in self.secret_fields}
            fields = [f for f in fields if f not in hidden]
        return fields


@admin.register(Mailbox)
class MailboxAdmin(SecretsAdmin):
    form = MailboxForm
    secret_fields = MailboxForm.secret_fields
    list_display = ("name", "address", "queue", "imap_host", "active", "last_polled_at")
    list_filter = ("active",)


@admin.register(WebhookSource)
class WebhookSourceAdmin(SecretsAdmin):
    form = WebhookSourceForm
    secret_fields = WebhookSourceForm.secret_fields
    list_display = ("slug", "name", "case_channel", "callback_url", "active")


@admin.register(InboundRecord)
class InboundRecordAdmin(admin.ModelAdmin):
    list_display = ("channel", "key", "outcome", "case", "received_at")
    list_filter = ("channel", "outcome")
    search_fields = ("key", "thread_key")


@admin.register(ChannelLink)
class ChannelLinkAdmin(admin.ModelAdmin):
    list_display = ("case", "channel", "address", "last_seen_at")


@admin.register(OutboundRecord)
class OutboundRecordAdmin(admin.ModelAdmin):
    list_display = ("outbox", "channel", "external_id", "status", "updated_at")
