from django.contrib import admin

from complaintdesk.staffing.models import AnsweredWait, QueueStaffing


@admin.register(QueueStaffing)
class QueueStaffingAdmin(admin.ModelAdmin):
    list_display = ("queue", "channel", "agents_on_duty", "aht_seconds", "patience_seconds",
                    "target_sl", "answer_seconds", "model", "ewt_estimator",
                    "callback_threshold_seconds", "updated_at")
    list_filter = ("model", "ewt_estimator", "channel", "queue")
    list_editable = ("agents_on_duty",)
    list_select_related = ("queue",)


@admin.register(AnsweredWait)
class AnsweredWaitAdmin(admin.ModelAdmin):
    list_display = ("answered_at", "queue", "channel", "waited_seconds")
    list_filter = ("queue", "channel")
    date_hierarchy = "answered_at"
    list_select_related = ("queue",)
    ordering = ("-answered_at",)
