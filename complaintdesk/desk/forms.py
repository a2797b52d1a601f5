"""Forms of the staff workspace; they only validate, the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from complaintdesk.accounts.models import User
from complaintdesk.cases.models import (
    Accepted,
    Channel,
    Incident,
    Kind,
    Message,
    Outcome,
    Queue,
    Status,
    Topic,
)
from complaintdesk.lib.forms import AmountField


def _blank(choices):
    return [("", _("any")), *choices]


class FilterForm(forms.Form):
    """The queue filters; GET parameters, so a filtered list is a link one can share."""

    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_blank(Kind.choices))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_blank(Status.choices))
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=_blank(Channel.choices))
    customer = forms.CharField(label=_("Customer"), required=False, max_length=100)
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    # The model's kind below the confidence threshold: waiting for a person to confirm it.
    review = forms.BooleanField(label=_("Needs review"), required=False)

    def __init__(self, *args, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = _blank([(t.code, str(t)) for t in topics])


class ClassifyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.none(),
                                   required=False, to_field_name="code")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.select_related("parent")


class MessageForm(forms.Form):
    """A reply or a note. The case page has a separate form for each, each posting its own
    direction: no choice with a default can send a note to the customer by mistake."""

    direction = forms.ChoiceField(
        label=_("Type"), widget=forms.HiddenInput,
        choices=[(Message.Direction.OUT, _("Reply to customer")),
                 (Message.Direction.NOTE, _("Internal note"))])
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}),
                           max_length=20_000)
    # The canned answer the reply was written from (counted when the reply is sent).
    answer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(),
                                      required=False, empty_label=_("— nobody —"))

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = candidates


class EscalateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
    to_queue = forms.ModelChoiceField(label=_("Hand over to queue"), required=False,
                                      queryset=Queue.objects.order_by("pk"),
                                      empty_label=_("— stay in this queue —"))


class LinkForm(forms.Form):
    incident = forms.ModelChoiceField(label=_("Incident"), required=False,
                                      queryset=Incident.objects.none(),
                                      empty_label=_("— no incident —"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident"].queryset = Incident.objects.filter(
            state=Incident.State.OPEN).order_by("-pk")


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=Outcome.choices)
    amount_paid = AmountField(label=_("Amount paid back"), required=False, min_value=0,
                              max_digits=14, decimal_places=2)
    text = forms.CharField(label=_("Explanation to the customer"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000)


class CloseForm(forms.Form):
    customer_accepted = forms.ChoiceField(label=_("Did the customer accept the closure?"),
                                          choices=Accepted.choices, initial=Accepted.UNKNOWN)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices)


class BulkForm(forms.Form):
    ACTIONS = [("assign", _("Assign to")), ("transition", _("Move to status")),
               ("link", _("Link to incident"))]
    MAX_CASES = 500  # one request stays well inside a web worker's timeout
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    refs = forms.MultipleChoiceField(label=_("Cases"), required=True)  # choices: as posted
    assignee = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True),
                                      required=False)
    to = forms.ChoiceField(choices=_blank(
        [(v, label) for v, label in Status.choices if v not in ("decided",)]), required=False)
    incident = forms.ModelChoiceField(queryset=Incident.objects.filter(
        state=Incident.State.OPEN), required=False)

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        refs = data.getlist("refs") if hasattr(data, "getlist") else data.get("refs", [])
        self.fields["refs"].choices = [(r, r) for r in refs]

    def clean(self):
        cleaned = super().clean()
        if len(cleaned.get("refs") or []) > self.MAX_CASES:
            self.add_error("refs", _("At most %(n)d cases at once.") % {"n": self.MAX_CASES})
        needed = {"assign": "assignee", "transition": "to", "link": "incident"}
        field = needed.get(cleaned.get("action", ""))
        if field and field != "assignee" and not cleaned.get(field):
            self.add_error(field, _("Choose a value for this action."))
        return cleaned


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class IncidentAnswerForm(forms.Form):
    body = forms.CharField(label=_("Message to every linked customer"),
                           widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000)
    resolve = forms.BooleanField(
        label=_("Resolve the incident: decide every open case (claims upheld with the amount "
                "they claimed); each customer then accepts or disputes the decision"),
        required=False)
    outcome = forms.ChoiceField(label=_("Decision when resolving"), choices=Outcome.choices,
                                initial=Outcome.UPHELD)



class MergeCustomerForm(forms.Form):
    """The other record of the same person: its id, a case reference, a phone or an e-mail."""

    other = forms.CharField(
        label=_("The other customer record"), max_length=254,
        help_text=_("Customer id, a case reference, a phone number or an e-mail."))


class ProductUploadForm(forms.Form):
    file = forms.FileField(label=_("Products (CSV)"),
                           help_text=_("UTF-8 or cp1251; columns customer_id or external_id or "
                                       "email, code, name, account_number, opened_on, status."))
