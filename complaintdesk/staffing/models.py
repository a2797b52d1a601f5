"""Per-queue staffing settings and the answered waits an IVR or chat platform reports."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from complaintdesk.cases.models import Channel, Queue
from complaintdesk.cases.times import site_time


class QueueModel(models.TextChoices):
    ERLANG_C = "erlang_c", _("Erlang C (callers wait forever)")
    ERLANG_A = "erlang_a", _("Erlang A (callers abandon)")


class EwtEstimator(models.TextChoices):
    QUEUEING = "queueing", _("Queueing model (Erlang C or A)")
    DELAY_HISTORY = "delay_history", _("Delay history (recent answered waits)")


class QueueStaffing(models.Model):
    """How a queue (optionally one channel of it) is staffed now and what it aims for.

    A row with an empty channel covers every channel of the queue that has no row of its own.
    """

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="staffing")
    channel = models.CharField(
        max_length=20, choices=Channel.choices, blank=True,
        help_text=_("Empty: every channel of the queue without its own settings."),
    )
    agents_on_duty = models.PositiveIntegerField(
        default=1, help_text=_("Agents answering this queue right now (the IVR updates it).")
    )
    aht_seconds = models.FloatField(default=300.0, validators=[MinValueValidator(1.0)])
    patience_seconds = models.FloatField(
        default=180.0, validators=[MinValueValidator(1.0)],
        help_text=_("Callers' mean patience before they hang up (Erlang A)."),
    )
    target_sl = models.FloatField(
        default=0.8, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("Share answered within the answer time, e.g. 0.8 for 80/20."),
    )
    answer_seconds = models.FloatField(default=20.0, validators=[MinValueValidator(0.0)])
    callback_threshold_seconds = models.FloatField(
        default=600.0, validators=[MinValueValidator(0.0)],
        help_text=_("Offer a callback when the expected wait exceeds this."),
    )
    model = models.CharField(max_length=10, choices=QueueModel.choices,
                             default=QueueModel.ERLANG_C)
    ewt_estimator = models.CharField(
        max_length=16, choices=EwtEstimator.choices, default=EwtEstimator.QUEUEING,
        help_text=_("Which estimate the IVR announces; delay history falls back to the "
                    "queueing model when there are no recent answered waits."),
    )
    history_window = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text=_("Answered waits averaged by the delay-history estimate (1 = last to enter "
                    "service)."),
    )
    history_max_age_seconds = models.PositiveIntegerField(
        default=1800, validators=[MinValueValidator(1)],
        help_text=_("Answered waits older than this are ignored."),
    )
    shrinkage = models.FloatField(
        default=0.3, validators=[MinValueValidator(0.0), MaxValueValidator(0.95)],
        help_text=_("Share of paid time not on the phones (breaks, training, absence)."),
    )
    max_occupancy = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.01), MaxValueValidator(1.0)],
        help_text=_("Upper bound on agents' occupancy, e.g. 0.85; empty for none."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("queue staffing")
        verbose_name_plural = _("queue staffing")
        constraints = [
            models.UniqueConstraint(fields=["queue", "channel"], name="uniq_staffing_queue_channel")
        ]

    def __str__(self) -> str:
        return f"{self.queue} · {self.channel or gettext('all channels')}"


class AnsweredWait(models.Model):
    """One caller or chat reached an agent after waiting this long (posted by the platform)."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    waited_seconds = models.FloatField(validators=[MinValueValidator(0.0)])
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("answered wait")
        indexes = [
            models.Index(fields=["queue", "channel", "answered_at"], name="answered_wait_recent"),
            models.Index(fields=["queue", "answered_at"], name="answered_wait_queue_recent"),
        ]
        verbose_name_plural = pgettext_lazy("model name", "answered waits")

    def __str__(self) -> str:
        answered = site_time(self.answered_at, fmt="H:i")
        return f"{self.queue} {self.channel} {self.waited_seconds:.0f}s @ {answered}"
