from datetime import time

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaintdesk.cases.models import Channel, Kind, Priority
from complaintdesk.sla.business_time import Measure, WorkCalendar

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def default_week() -> dict[str, list[list[str]]]:
    return {d: ([["09:00", "18:00"]] if i < 5 else []) for i, d in enumerate(WEEKDAYS)}


class Calendar(models.Model):
    """Working hours in a time zone, with holidays; the business clock of SLA policies."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64, default="Europe/Moscow")
    week = models.JSONField(
        default=default_week,
        help_text=_('Working intervals per weekday, e.g. {"mon": [["09:00", "18:00"]], …}'),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "business calendar")
        verbose_name_plural = pgettext_lazy("model name", "business calendars")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        try:
            # Only the week: holidays are rows of their own, saved after the calendar (the
            # admin's inline), and an unsaved calendar has none to read.
            self.to_work_calendar(with_holidays=False)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValidationError(
                {"week": _("Invalid working hours: %(error)s") % {"error": exc}}) from exc

    def to_work_calendar(self, *, with_holidays: bool = True) -> WorkCalendar:
        def parse(intervals: list[list[str]]) -> tuple[tuple[time, time], ...]:
            out = []
            for start, end in intervals:
                s, e = time.fromisoformat(start), time.fromisoformat(end)
                if e <= s:
                    raise ValueError(f"interval {start}–{end} ends before it starts")
                out.append((s, e))
            return tuple(out)

        days = ({h.date: h.kind for h in self.holidays.all()}
                if with_holidays and self.pk is not None else {})
        return WorkCalendar(
            tz=self.timezone,
            week=tuple(parse(self.week.get(d, [])) for d in WEEKDAYS),
            holidays=frozenset(d for d, k in days.items() if k == Holiday.Kind.HOLIDAY),
            extra_workdays=frozenset(
                d for d, k in days.items() if k in (Holiday.Kind.WORKDAY, Holiday.Kind.WORKDAY_SHORT)
            ),
            short_days=frozenset(
                d for d, k in days.items() if k in (Holiday.Kind.SHORT, Holiday.Kind.WORKDAY_SHORT)
            ),
        )


class Holiday(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Non-working day")
        WORKDAY = "workday", _("Working day (transferred)")
        SHORT = "short", _("Shortened pre-holiday day")
        WORKDAY_SHORT = "workday_short", _("Working day (transferred), shortened")

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.HOLIDAY)
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="uniq_holiday_calendar_date")
        ]
        ordering = ["date"]
        verbose_name = pgettext_lazy("model name", "holiday")
        verbose_name_plural = pgettext_lazy("model name", "holidays")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


def default_calendar() -> int | None:
    """The Moscow production calendar that defaults.install creates, else the first one."""
    pk = (Calendar.objects.filter(code="ru-moscow").values_list("pk", flat=True).first()
          or Calendar.objects.order_by("pk").values_list("pk", flat=True).first())
    return pk


class Policy(models.Model):
    """Clock targets for cases matching kind × topic × channel × priority (blank = any)."""

    class Unit(models.TextChoices):
        HOURS = "hours", _("hours")
        DAYS = "days", _("days")

    # Choices give the admin's list, filters and form the workspace's labels (blank = any); they
    # are the case register's own codes: free text like "Claim" or "Web" would never match a case.
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("Kind"), max_length=20, blank=True, choices=Kind.choices)
    topic = models.ForeignKey(
        "cases.Topic", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("Topic"),
    )
    channel = models.CharField(_("Channel"), max_length=20, blank=True, choices=Channel.choices)
    priority = models.CharField(_("Priority"), max_length=10, blank=True, choices=Priority.choices)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, default=default_calendar,
                                 verbose_name=_("Calendar"))
    acknowledge_minutes = models.PositiveIntegerField(
        default=60, help_text=_("Business minutes to the first acknowledgement.")
    )
    resolve_amount = models.PositiveIntegerField(default=10)
    resolve_unit = models.CharField(max_length=5, choices=Unit.choices, default=Unit.DAYS)
    resolve_measure = models.CharField(
        max_length=10,
        choices=[(Measure.BUSINESS.value, _("business time")), (Measure.CALENDAR.value, _("calendar time"))],
        default=Measure.BUSINESS.value,
    )
    warn_share = models.FloatField(default=0.75, help_text=_("Share of the clock that warns."))
    second_escalation_hours = models.PositiveIntegerField(
        default=24, help_text=_("Hours after a breach until the second escalation level.")
    )
    active = models.BooleanField(_("Active"), default=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "SLA policy")
        verbose_name_plural = pgettext_lazy("model name", "SLA policies")

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        # Topic outranks channel outranks kind outranks priority: a money-at-risk topic rule
        # beats a generic "claims" rule, and a regulator's own deadline beats the kind's.
        return (
            (8 if self.topic_id else 0) + (4 if self.channel else 0)
            + (2 if self.kind else 0) + (1 if self.priority else 0)
        )

    def resolve_seconds(self, calendar: WorkCalendar) -> float:
        if self.resolve_unit == self.Unit.HOURS:
            return self.resolve_amount * 3600.0
        if self.resolve_measure == Measure.BUSINESS:
            return self.resolve_amount * float(calendar.standard_day_seconds)
        return self.resolve_amount * 86400.0
