from django.contrib import admin

from complaintdesk.channels.models import (
    ChannelLink,
    InboundRecord,
    Mailbox,
    OutboundRecord,
    WebhookSource,
)


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ("name", "address", "queue", "imap_host", "active", "last_polled_at")
    list_filter = ("active",)


@admin.register(WebhookSource)
class WebhookSourceAdmin(admin.ModelAdmin):
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
