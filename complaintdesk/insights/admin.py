from django.contrib import admin

from complaintdesk.insights import models


@admin.register(models.OrganisationBase)
class OrganisationBaseAdmin(admin.ModelAdmin):
    list_display = ("period_start", "period_end", "customers", "orders")


@admin.register(models.Spike)
class SpikeAdmin(admin.ModelAdmin):
    list_display = ("freq", "dimension", "group_key", "start", "end", "observed", "expected", "score",
                    "alerted_at", "incident")
    list_filter = ("freq", "dimension")


class ThemeInline(admin.TabularInline):
    model = models.Theme
    fields = ("position", "label", "size", "is_new", "growth")
    readonly_fields = fields
    extra = 0


@admin.register(models.ThemeRun)
class ThemeRunAdmin(admin.ModelAdmin):
    list_display = ("period_start", "period_end", "n_cases", "language", "created_at")
    inlines = [ThemeInline]


class CauseInline(admin.TabularInline):
    model = models.Cause
    extra = 0


@admin.register(models.RootCause)
class RootCauseAdmin(admin.ModelAdmin):
    list_display = ("title", "topic", "theme", "incident", "created_at")
    inlines = [CauseInline]


@admin.register(models.CorrectiveAction)
class CorrectiveActionAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "deadline", "status", "forecast_drop_pct", "completed_at")
    list_filter = ("status",)


@admin.register(models.SurveyInvitation)
class SurveyInvitationAdmin(admin.ModelAdmin):
    list_display = ("case", "sent_at", "answered_at", "csat", "nps")
    raw_id_fields = ("case", "customer")


@admin.register(models.RecoveryTask)
class RecoveryTaskAdmin(admin.ModelAdmin):
    list_display = ("case", "owner", "state", "created_at", "done_at")
    raw_id_fields = ("case", "survey")


@admin.register(models.ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ("name", "dashboard", "frequency", "next_run_at", "last_sent_at", "active")
