"""Insight records: organisation base, spikes, themes, 5 Whys, actions, surveys, report schedules."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaintdesk.cases.times import site_time


class OrganisationBase(models.Model):
    """The organisation's base for a period: customers and orders, for 'complaints per 1,000'."""

    period_start = models.DateField()
    period_end = models.DateField(help_text=_("Inclusive."))
    customers = models.PositiveIntegerField(null=True, blank=True)
    orders = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["period_start"]
        constraints = [
            models.UniqueConstraint(fields=["period_start", "period_end"], name="uniq_orgbase_period")
        ]
        verbose_name = pgettext_lazy("model name", "organisation base")
        verbose_name_plural = pgettext_lazy("model name", "organisation bases")

    def __str__(self) -> str:
        return f"{self.period_start} – {self.period_end}"


class Spike(models.Model):
    """A detected mass incident: one group (topic/product/channel) in one window, stored once."""

    class Freq(models.TextChoices):
        DAILY = "D", _("Daily")
        HOURLY = "H", _("Hourly")

    class Dimension(models.TextChoices):
        TOPIC = "topic", _("Topic")
        PRODUCT = "product", _("Product")
        CHANNEL = "channel", _("Channel")

    freq = models.CharField(max_length=1, choices=Freq.choices)
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    group_key = models.CharField(max_length=150)
    start = models.DateTimeField()
    end = models.DateTimeField(help_text=_("Exclusive."))
    peak = models.DateTimeField()
    observed = models.PositiveIntegerField()
    expected = models.FloatField()
    score = models.FloatField()
    detected_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    alerted_at = models.DateTimeField(null=True, blank=True)
    incident = models.ForeignKey(
        "cases.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(
                fields=["freq", "dimension", "group_key", "start"], name="uniq_spike_group_window"
            )
        ]
        verbose_name = pgettext_lazy("model name", "spike")
        verbose_name_plural = pgettext_lazy("model name", "spikes")

    def __str__(self) -> str:
        return (f"{self.dimension}={self.group_key} "
                f"{site_time(self.start, fmt='SHORT_DATETIME_FORMAT')} ({self.observed})")

    @property
    def excess(self) -> float:
        return self.observed - self.expected


class ThemeRun(models.Model):
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    filters = models.JSONField(default=dict, blank=True)
    n_cases = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=8, blank=True)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("model name", "theme run")
        verbose_name_plural = pgettext_lazy("model name", "theme runs")

    def __str__(self) -> str:
        return f"Themes {self.period_start:%Y-%m-%d} – {self.period_end:%Y-%m-%d}"


class Theme(models.Model):
    run = models.ForeignKey(ThemeRun, on_delete=models.CASCADE, related_name="themes")
    position = models.PositiveIntegerField()
    label = models.CharField(max_length=300)
    key_phrases = models.JSONField(default=list)
    size = models.PositiveIntegerField()
    share = models.FloatField(default=0)
    example_case_ids = models.JSONField(default=list)
    member_case_ids = models.JSONField(default=list)
    trend = models.JSONField(default=list)
    signature = models.JSONField(default=dict)
    is_new = models.BooleanField(default=False)
    growth = models.FloatField(null=True, blank=True)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["run", "position"]
        verbose_name = pgettext_lazy("model name", "theme")
        verbose_name_plural = pgettext_lazy("model name", "themes")

    def __str__(self) -> str:
        return self.label

    @property
    def is_growing(self) -> bool:
        return self.growth is not None and self.growth >= 1.5


class RootCause(models.Model):
    """A 5-Whys analysis attached to a theme, a topic or an incident."""

    title = models.CharField(max_length=200)
    theme = models.ForeignKey(Theme, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="root_causes")
    topic = models.ForeignKey("cases.Topic", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    incident = models.ForeignKey("cases.Incident", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    problem = models.TextField(blank=True, help_text=_("The problem as customers describe it."))
    whys = models.JSONField(default=list, blank=True, help_text=_("Ordered: why 1, why 2, …"))
    sample_case_ids = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("model name", "root cause analysis")
        verbose_name_plural = pgettext_lazy("model name", "root cause analyses")

    def __str__(self) -> str:
        return self.title


class Cause(models.Model):
    """A cause found in the chain; `depth` is the why it answers (1 = shallow)."""

    root_cause = models.ForeignKey(RootCause, on_delete=models.CASCADE, related_name="causes")
    text = models.CharField(max_length=300)
    depth = models.PositiveSmallIntegerField(default=1)
    priority = models.PositiveSmallIntegerField(default=3, help_text=_("1 = highest."))

    class Meta:
        ordering = ["priority", "depth", "id"]
        verbose_name = pgettext_lazy("model name", "cause")
        verbose_name_plural = pgettext_lazy("model name", "causes")

    def __str__(self) -> str:
        return self.text


class CorrectiveAction(models.Model):
    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    cause = models.ForeignKey(Cause, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deadline = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=State.choices, default=State.PLANNED)
    topic = models.ForeignKey(
        "cases.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("Whose volume the action should lower; defaults to the analysis' topic."),
    )
    forecast_drop_pct = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True,
        help_text=_("Expected drop in cases of the topic, %."),
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = pgettext_lazy("model name", "corrective action")
        verbose_name_plural = pgettext_lazy("model name", "corrective actions")

    def __str__(self) -> str:
        return self.title

    @property
    def effective_topic_id(self) -> int | None:
        return self.topic_id or self.cause.root_cause.topic_id

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return (self.deadline is not None and self.deadline < today
                and self.status in (self.State.PLANNED, self.State.IN_PROGRESS))


def new_survey_token() -> str:
    return secrets.token_urlsafe(24)


class SurveyInvitation(models.Model):
    """One satisfaction survey after closure: CSAT 1–5 in one click, NPS 0–10 optional."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="survey")
    customer = models.ForeignKey("cases.Customer", on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_survey_token)
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "sent_at"], name="survey_customer_sent")]
        verbose_name = pgettext_lazy("model name", "survey invitation")
        verbose_name_plural = pgettext_lazy("model name", "survey invitations")

    def __str__(self) -> str:
        return f"survey {self.case_id}: {self.csat}"


class RecoveryTask(models.Model):
    """Call the customer back after a low score; owned by the queue's supervisor."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    survey = models.OneToOneField(SurveyInvitation, on_delete=models.CASCADE,
                                  related_name="recovery_task")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=5, choices=State.choices, default=State.OPEN)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["state", "-created_at"]
        verbose_name = pgettext_lazy("model name", "recovery call")
        verbose_name_plural = pgettext_lazy("model name", "recovery calls")

    def __str__(self) -> str:
        return f"recovery call {self.case_id} ({self.state})"


class ReportSchedule(models.Model):
    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    name = models.CharField(max_length=150)
    dashboard = models.CharField(max_length=20, default="all")
    filters = models.JSONField(default=dict, blank=True)
    recipients = models.TextField(help_text=_("E-mail addresses, one per line or comma-separated."))
    frequency = models.CharField(max_length=10, choices=Frequency.choices,
                                 default=Frequency.WEEKLY)
    next_run_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = pgettext_lazy("model name", "scheduled report")
        verbose_name_plural = pgettext_lazy("model name", "scheduled reports")

    def __str__(self) -> str:
        return self.name

    @property
    def recipient_list(self) -> list[str]:
        raw = self.recipients.replace(",", "\n").replace(";", "\n")
        return [r.strip() for r in raw.splitlines() if r.strip()]


# ---------------------------------------------------------------- daily roll-up (dashboards)


class DailyCaseStats(models.Model):
    """Cases received on one local day, per kind × topic × channel × queue × product: what the
    dashboard panels sum for whole days instead of scanning cases (see insights/rollup.py)."""

    grain = models.PositiveSmallIntegerField(default=0, help_text=_(
        "0: every key; others: a subset of the keys (rollup.GRAINS), the rest left blank."))
    day = models.DateField()
    kind = models.CharField(max_length=20)
    topic = models.ForeignKey("cases.Topic", null=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="+")
    channel = models.CharField(max_length=20)
    queue = models.ForeignKey("cases.Queue", on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="+")
    product = models.CharField(max_length=100, blank=True)
    cases = models.PositiveIntegerField(default=0)
    acknowledged = models.PositiveIntegerField(default=0)
    ack_seconds = models.FloatField(default=0, help_text=_("Sum of acknowledged − received."))
    decided = models.PositiveIntegerField(default=0)
    resolve_seconds = models.FloatField(default=0, help_text=_("Sum of decided − received."))
    sla_measured = models.PositiveIntegerField(default=0)
    sla_met = models.PositiveIntegerField(default=0)
    breaches = models.PositiveIntegerField(default=0, help_text=_("As of the refresh."))
    repeats = models.PositiveIntegerField(default=0, help_text=_("Repeat contacts, 30-day window."))
    reopened = models.PositiveIntegerField(default=0)
    closed_or_reopened = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    not_accepted = models.PositiveIntegerField(default=0)
    amount_claimed = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    decision_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    handling_cost = models.DecimalField(max_digits=18, decimal_places=2, default=0,
                                        help_text=_("Sum of the cases' stored handling cost."))

    class Meta:
        indexes = [models.Index(fields=["day", "kind"], name="dailystats_day_kind"),
                   models.Index(fields=["grain", "day"], name="dailystats_grain_day")]
        verbose_name = pgettext_lazy("model name", "daily case statistics")
        verbose_name_plural = pgettext_lazy("model name", "daily case statistics rows")

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.channel}: {self.cases}"


class DailyDurationBucket(models.Model):
    """Histogram of durations (span ack / res) per day and the same keys as DailyCaseStats:
    long-period percentiles come from these buckets (width: rollup.BUCKET_RATIO)."""

    grain = models.PositiveSmallIntegerField(default=0)
    day = models.DateField()
    kind = models.CharField(max_length=20)
    topic = models.ForeignKey("cases.Topic", null=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="+")
    channel = models.CharField(max_length=20)
    queue = models.ForeignKey("cases.Queue", on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="+")
    product = models.CharField(max_length=100, blank=True)
    span = models.CharField(max_length=3)
    bucket = models.SmallIntegerField()
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day", "span"], name="durbucket_day_span"),
                   models.Index(fields=["grain", "day"], name="durbucket_grain_day")]
        verbose_name = pgettext_lazy("model name", "daily duration bucket")
        verbose_name_plural = pgettext_lazy("model name", "daily duration buckets")

    def __str__(self) -> str:
        return f"{self.day} {self.span} bucket {self.bucket}: {self.n}"


class RollupState(models.Model):
    """One row: when the roll-up was last refreshed (days before that local day are covered)."""

    refreshed_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    last_sweep_day = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "roll-up state")
        verbose_name_plural = pgettext_lazy("model name", "roll-up states")

    def __str__(self) -> str:
        return f"roll-up refreshed {site_time(self.refreshed_at, fmt='SHORT_DATETIME_FORMAT')}"
