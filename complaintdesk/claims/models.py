"""Claims persistence: versioned decision matrices, evaluations, payouts, evidence flags."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaintdesk.claims.payouts import PayoutStatus


class DecisionMatrix(models.Model):
    """One version of a topic's matrix. Rows are immutable: an edit is a new version row, so a
    decision that names (topic, version) can always be replayed against what decided it."""

    topic = models.ForeignKey("cases.Topic", on_delete=models.PROTECT, related_name="claim_matrices")
    version = models.PositiveIntegerField()
    definition = models.JSONField(help_text=_("Rules as JSON; see docs/claims.md for the format."))
    monthly_cap = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True,
        help_text=_("Most money paid automatically per calendar month; empty = no cap."),
    )
    accepted_loss_rate = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal("0.01"))
    currency = models.CharField(max_length=3, default="RUB")
    audit_share = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.05"),
        help_text=_("Share of auto-approved claims sampled for a post-payment audit."),
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["topic__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "version"], name="uniq_claim_matrix_version"),
            models.UniqueConstraint(fields=["topic"], condition=models.Q(active=True),
                                    name="one_active_claim_matrix_per_topic"),
        ]
        verbose_name = _("decision matrix")
        verbose_name_plural = _("decision matrices")

    def __str__(self) -> str:
        return f"{self.topic.code} v{self.version}{'' if self.active else ' (inactive)'}"

    def save(self, *args, **kwargs):
        # Only the active flag of an existing version may change (when a newer one replaces it).
        update_fields = kwargs.get("update_fields")
        if self.pk is not None and (update_fields is None or set(update_fields) - {"active"}):
            raise ValueError("A decision matrix version is immutable; save a new version instead.")
        super().save(*args, **kwargs)

    def full_definition(self) -> dict:
        """The definition with the row's own topic, version, cap and loss rate written in."""
        data = dict(self.definition or {})
        data["topic"] = self.topic.code if self.topic_id else data.get("topic", "")
        data["version"] = self.version
        data["monthly_cap"] = None if self.monthly_cap is None else float(self.monthly_cap)
        data["accepted_loss_rate"] = float(self.accepted_loss_rate)
        return data


class Trigger(models.TextChoices):
    REGISTERED = "registered", _("Claim registered")
    RECLASSIFIED = "reclassified", _("Reclassified as a claim")
    EVIDENCE = "evidence", _("Evidence flag changed")


class ClaimEvaluation(models.Model):
    """Every automatic evaluation of a claim: which version, which rule, which factor values."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="claim_evaluations")
    matrix = models.ForeignKey(DecisionMatrix, on_delete=models.PROTECT, related_name="evaluations")
    outcome = models.CharField(max_length=20)  # matrix.Outcome after the budget check
    rule_outcome = models.CharField(max_length=20)  # what the rule itself said
    rule_name = models.CharField(max_length=200, blank=True)
    factors = models.JSONField(default=dict)
    reason = models.CharField(max_length=300, blank=True)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="claim_eval_case_at")]
        verbose_name = pgettext_lazy("model name", "claim evaluation")
        verbose_name_plural = pgettext_lazy("model name", "claim evaluations")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.outcome} ({self.rule_name or 'default'})"


class AuditResult(models.TextChoices):
    PENDING = "", _("Not audited")
    FOUNDED = "founded", _("Founded")
    UNFOUNDED = "unfounded", _("Unfounded")


class Payout(models.Model):
    """Money an automatic approval owes the customer; the worker sends it through the port."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        PAID = PayoutStatus.PAID.value, _("Paid")
        INSTRUCTED = PayoutStatus.INSTRUCTED.value, _("Instructed")
        UNKNOWN = PayoutStatus.UNKNOWN.value, _("Unknown; will retry")
        FAILED = PayoutStatus.FAILED.value, _("Failed")

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="payout")
    matrix = models.ForeignKey(DecisionMatrix, on_delete=models.PROTECT, related_name="payouts")
    idempotency_key = models.CharField(max_length=100, unique=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    external_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    available_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Post-payment audit sample.
    audit_selected = models.BooleanField(default=False)
    audit_result = models.CharField(max_length=10, choices=AuditResult.choices, blank=True)
    audited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    audited_at = models.DateTimeField(null=True, blank=True)
    audit_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "available_at"], name="payout_status_available"),
            models.Index(fields=["matrix", "created_at"], name="payout_matrix_created"),
        ]
        verbose_name = pgettext_lazy("model name", "payout")
        verbose_name_plural = pgettext_lazy("model name", "payouts")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} for case {self.case_id} ({self.status})"


class ClaimEvidence(models.Model):
    """A fact an integration established about a claim (e.g. "ATM reconciliation: surplus")."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="claim_evidence")
    flag = models.CharField(max_length=63)
    value = models.BooleanField()
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "flag"], name="uniq_claim_evidence_flag")
        ]
        verbose_name = pgettext_lazy("model name", "claim evidence item")
        verbose_name_plural = pgettext_lazy("model name", "claim evidence")

    def __str__(self) -> str:
        return f"{self.flag}={self.value}"
