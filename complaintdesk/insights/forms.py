from django import forms
from django.utils.translation import gettext_lazy as _

from complaintdesk.accounts.models import Role, User
from complaintdesk.insights import reports
from complaintdesk.insights.models import (
    Cause,
    CorrectiveAction,
    OrganisationBase,
    ReportSchedule,
    RootCause,
)
from complaintdesk.lib.forms import IsoDateInput, IsoDateTimeInput

# The schedule form names dashboard tables the way the dashboard titles them.
DASHBOARD_TABLE_LABELS = {
    "volumes": _("Cases by period and kind"),
    "volumes_topic": _("Cases by kind and topic"),
    "volumes_channel": _("Cases by kind and channel"),
    "timeliness": _("Timeliness by kind and channel"),
    "quality": _("Quality by kind"),
    "complaint_rate": _("Complaints per 1,000 customers / orders"),
    "money": _("Money and cost of failure by kind and topic"),
    "satisfaction_topic": _("Satisfaction by topic"),
    "satisfaction_queue": _("Satisfaction by queue"),
}


class LinesField(forms.CharField):
    """A textarea whose lines become an ordered list."""

    widget = forms.Textarea(attrs={"rows": 5})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class RootCauseForm(forms.ModelForm):
    whys = LinesField(required=False, label=_("Chain of whys (one per line, in order)"))

    class Meta:
        model = RootCause
        fields = ["title", "problem", "topic", "theme", "incident", "whys"]
        labels = {"title": _("Title"), "problem": _("Problem"), "topic": _("Topic"),
                  "theme": _("Theme"), "incident": _("Incident")}

    def clean(self):
        data = super().clean()
        if not (data.get("topic") or data.get("theme") or data.get("incident")):
            raise forms.ValidationError(_("Attach the analysis to a theme, a topic or an incident."))
        return data


class CauseForm(forms.ModelForm):
    class Meta:
        model = Cause
        fields = ["text", "depth", "priority"]
        labels = {"text": _("Cause"), "depth": _("Depth (which why)"), "priority": _("Priority")}


def _staff():
    return User.objects.filter(is_active=True).exclude(role=Role.OPERATOR).order_by("username")


class ActionForm(forms.ModelForm):
    deadline = forms.DateField(required=False, widget=IsoDateInput(), label=_("Deadline"))

    class Meta:
        model = CorrectiveAction
        fields = ["title", "owner", "deadline", "status", "topic", "forecast_drop_pct"]
        labels = {"title": _("Action"), "owner": _("Owner"), "status": _("Status"),
                  "topic": _("Topic"), "forecast_drop_pct": _("Expected drop in cases, %")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff()


class ScheduleForm(forms.ModelForm):
    dashboard = forms.ChoiceField(choices=[("all", _("All dashboard tables"))]
                                  + [(n, DASHBOARD_TABLE_LABELS[n]) for n in reports.DASHBOARD_TABLES],
                                  label=_("Dashboard tables"))

    class Meta:
        model = ReportSchedule
        fields = ["name", "dashboard", "recipients", "frequency", "next_run_at", "active"]
        labels = {"name": _("Report name"), "recipients": _("Recipients"),
                  "frequency": _("Frequency"), "next_run_at": _("Next sending"),
                  "active": _("Active")}
        widgets = {"recipients": forms.Textarea(attrs={"rows": 3}),
                   "next_run_at": IsoDateTimeInput()}


class OrganisationBaseForm(forms.ModelForm):
    class Meta:
        model = OrganisationBase
        fields = ["period_start", "period_end", "customers", "orders"]
        labels = {"period_start": _("Period from"), "period_end": _("Period to (inclusive)"),
                  "customers": _("Customers"), "orders": _("Orders")}
        widgets = {"period_start": IsoDateInput(), "period_end": IsoDateInput()}


class ThemeRunForm(forms.Form):
    start = forms.DateField(widget=IsoDateInput(), label=_("From"))
    end = forms.DateField(widget=IsoDateInput(), label=_("To"))
    k = forms.IntegerField(required=False, min_value=2, max_value=40,
                           label=_("Number of themes (empty: automatic)"))


class SurveyCommentForm(forms.Form):
    csat = forms.TypedChoiceField(choices=[(i, str(i)) for i in range(1, 6)], coerce=int,
                                  widget=forms.RadioSelect, label=_("Your score (1–5)"))
    nps = forms.TypedChoiceField(choices=[("", "—")] + [(i, str(i)) for i in range(11)], coerce=int,
                                 empty_value=None, required=False,
                                 label=_("How likely are you to recommend us to a friend (0–10)?"))
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              max_length=4000, label=_("Anything you want to tell us?"))
