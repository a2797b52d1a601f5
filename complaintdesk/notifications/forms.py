from django import forms
from django.utils.translation import gettext_lazy as _

from complaintdesk.cases.models import Queue
from complaintdesk.notifications.models import NotificationPreference, SavedView


class PreferenceForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Language of e-mails"), required=False,
                                 choices=[("", _("the site's language")), ("ru", "Русский"),
                                          ("en", "English")])

    class Meta:
        model = NotificationPreference
        fields = ["email_assigned", "email_customer_replied", "email_escalated"]


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("View name"), max_length=60)
    scope = forms.ChoiceField(label=_("Visible to"), choices=SavedView.Scope.choices,
                              initial=SavedView.Scope.PERSONAL)
    queue = forms.ModelChoiceField(label=_("Team of queue"), queryset=Queue.objects.all(),
                                   required=False, to_field_name="code",
                                   empty_label=_("everyone"))
    # The queue page's query string at the moment of saving.
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
