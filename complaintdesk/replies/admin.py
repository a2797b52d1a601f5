from django.contrib import admin

from complaintdesk.replies.forms import CannedAnswerForm
from complaintdesk.replies.models import CannedAnswer


@admin.register(CannedAnswer)
class CannedAnswerAdmin(admin.ModelAdmin):
    form = CannedAnswerForm
    list_display = ("title", "language", "kind", "topic", "outcome", "set_status", "active",
                    "uses")
    list_filter = ("language", "kind", "outcome", "active")
    search_fields = ("title", "body")
    readonly_fields = ("uses",)
