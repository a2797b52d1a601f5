"""The canned-answer form of the desk and the admin: placeholders are checked when saved."""

from django import forms
from django.utils.translation import gettext_lazy as _

from complaintdesk.cases.models import Topic
from complaintdesk.replies import placeholders
from complaintdesk.replies.models import CannedAnswer


class CannedAnswerForm(forms.ModelForm):
    class Meta:
        model = CannedAnswer
        fields = ("title", "language", "kind", "topic", "outcome", "body", "set_status", "active")
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.select_related("parent")
        # Blank means "any": the answer fits cases of every kind, topic or decision.
        self.fields["topic"].empty_label = _("any")
        for name in ("kind", "outcome"):
            self.fields[name].choices = [("", _("any")), *self.fields[name].choices[1:]]
        self.fields["set_status"].choices = [("", _("— keep the status —")),
                                             *self.fields["set_status"].choices[1:]]
        self.fields["body"].help_text = _("Placeholders: %(names)s.") % {
            "names": placeholders.listed()}

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        unknown = placeholders.unknown(body)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholders: %(unknown)s. Use only %(names)s.") % {
                    "unknown": ", ".join(unknown),
                    "names": placeholders.listed()})
        return body
