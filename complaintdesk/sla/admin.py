from django.contrib import admin

from complaintdesk.sla.models import Calendar, Holiday, Policy


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "timezone")
    inlines = [HolidayInline]


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "topic", "channel", "priority", "acknowledge_minutes",
                    "resolve_amount", "resolve_unit", "resolve_measure", "active")
    list_filter = ("kind", "channel", "active")
    list_editable = ("active",)
