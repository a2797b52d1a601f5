from django.contrib import admin

from complaintdesk.cases.models import (
    Case,
    Customer,
    Event,
    HandlingCostRate,
    Incident,
    Outbox,
    Queue,
    Topic,
)


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "line", "supervisor", "escalation_manager", "calendar")
    list_filter = ("line",)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "money_at_risk")
    list_filter = ("parent", "money_at_risk")
    search_fields = ("code", "name")


@admin.register(HandlingCostRate)
class HandlingCostRateAdmin(admin.ModelAdmin):
    list_display = ("channel", "amount", "currency")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cases are worked in the desk, not edited in the admin; the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("reference", "kind", "status", "queue", "received_at", "resolve_by")
    list_filter = ("kind", "status", "queue", "channel")
    search_fields = ("reference", "subject")
    list_select_related = ("queue",)
    show_full_result_count = False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("at", "case", "type", "actor_label")
    list_filter = ("type",)
    list_select_related = ("case",)
    show_full_result_count = False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("pk", "name", "created_at")
    search_fields = ("external_id",)


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("title", "state", "created_at")


@admin.register(Outbox)
class OutboxAdmin(ReadOnlyAdmin):
    list_display = ("pk", "purpose", "channel", "state", "attempts", "available_at", "sent_at")
    list_filter = ("state", "purpose", "channel")
