"""Admin for decision matrices: every save of an edited matrix is a new version row."""

import json

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from complaintdesk.claims.matrix import validate_matrix
from complaintdesk.claims.models import ClaimEvaluation, ClaimEvidence, DecisionMatrix, Payout


class DecisionMatrixForm(forms.ModelForm):
    definition = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100, "style": "font-family: monospace"}),
        help_text="JSON: {\"rules\": [{\"name\": …, \"when\": {factor: {operator: value}}, "
                  "\"outcome\": \"auto_approve|fast_track|investigate\"}], \"default\": "
                  "\"investigate\"}. Topic, version, cap and loss rate come from the fields.",
    )

    class Meta:
        model = DecisionMatrix
        fields = ("topic", "definition", "monthly_cap", "accepted_loss_rate", "currency",
                  "audit_share", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["topic"].disabled = True  # a new version stays on its topic
        value = self.initial.get("definition")
        if isinstance(value, dict | list):
            self.initial["definition"] = json.dumps(value, indent=2, ensure_ascii=False)

    def clean_definition(self):
        text = self.cleaned_data["definition"]
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(f"Not JSON: {error}") from error
        if not isinstance(data, dict):
            raise forms.ValidationError("$: a matrix must be a JSON object")
        return data

    def clean(self):
        cleaned = super().clean()
        data = cleaned.get("definition")
        topic = cleaned.get("topic") or (self.instance.topic if self.instance.topic_id else None)
        if not isinstance(data, dict) or topic is None:
            return cleaned
        candidate = dict(data)
        candidate.update(topic=topic.code, version=1)
        cap, rate = cleaned.get("monthly_cap"), cleaned.get("accepted_loss_rate")
        candidate["monthly_cap"] = None if cap is None else float(cap)
        if rate is not None:
            candidate["accepted_loss_rate"] = float(rate)
        problems = validate_matrix(candidate)
        if problems:
            # One message per problem, each naming its JSON path.
            self.add_error("definition", [forms.ValidationError(p) for p in problems])
        share = cleaned.get("audit_share")
        if share is not None and not 0 <= share <= 1:
            self.add_error("audit_share", "A share from 0 to 1.")
        return cleaned


@admin.register(DecisionMatrix)
class DecisionMatrixAdmin(admin.ModelAdmin):
    form = DecisionMatrixForm
    list_display = ("topic", "version", "active", "monthly_cap", "accepted_loss_rate", "currency",
                    "audit_share", "created_by", "created_at")
    list_filter = ("active", "topic")
    readonly_fields = ("version", "created_by", "created_at")

    def has_delete_permission(self, request, obj=None):
        return False  # decisions name their version: keep every one

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        """An edit never changes the row: it saves a new version and retires the others."""
        topic = obj.topic
        # Lock the topic's versions so two admins saving at once get distinct version numbers.
        list(DecisionMatrix.objects.select_for_update().filter(topic=topic).values_list("pk"))
        latest = DecisionMatrix.objects.filter(topic=topic).aggregate(v=Max("version"))["v"] or 0
        # The new version replaces the old ones; saving it inactive pauses the topic's matrix.
        DecisionMatrix.objects.filter(topic=topic, active=True).update(active=False)
        obj.pk = None
        obj._state.adding = True
        obj.version = latest + 1
        obj.created_by = request.user
        obj.created_at = timezone.now()
        obj.save()


@admin.register(Payout)
class PayoutAdmin(admin.ModelAdmin):
    list_display = ("case", "amount", "currency", "status", "attempts", "external_id",
                    "audit_selected", "audit_result", "created_at")
    list_filter = ("status", "audit_selected", "audit_result")
    search_fields = ("case__reference", "idempotency_key", "external_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the worker and the audit page change payouts, not hand edits


@admin.register(ClaimEvaluation)
class ClaimEvaluationAdmin(admin.ModelAdmin):
    list_display = ("case", "matrix", "rule_name", "rule_outcome", "outcome", "trigger", "at")
    list_filter = ("outcome", "trigger")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ClaimEvidence)
class ClaimEvidenceAdmin(admin.ModelAdmin):
    list_display = ("case", "flag", "value", "set_by", "at")
    search_fields = ("case__reference", "flag")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
