from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from complaintdesk.triage.models import TriageModel


@admin.register(TriageModel)
class TriageModelAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "kind", "active", "macro_f1", "baseline_macro_f1",
                    "n_samples", "trained_at", "trained_by")
    list_filter = ("kind", "active")
    search_fields = ("name", "version")
    readonly_fields = ("metrics", "labels", "n_samples", "trained_at", "trained_by", "source")
    actions = ("make_active",)

    @admin.display(description=_("macro-F1 (CV)"))
    def macro_f1(self, obj: TriageModel):
        return (obj.metrics or {}).get("model", {}).get("macro_f1")

    @admin.display(description=_("baseline macro-F1"))
    def baseline_macro_f1(self, obj: TriageModel):
        return (obj.metrics or {}).get("baseline_tfidf_linearsvc", {}).get("macro_f1")

    @admin.action(description=_("Make the selected model the active one"))
    def make_active(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Pick exactly one model."), messages.ERROR)
            return
        queryset.get().activate()
        self.message_user(request, _("Activated."))

    def save_model(self, request, obj, form, change):
        wants_active = obj.active
        if wants_active:
            obj.active = False  # the partial unique index allows one active row per kind
        super().save_model(request, obj, form, change)
        if wants_active:
            obj.activate()
