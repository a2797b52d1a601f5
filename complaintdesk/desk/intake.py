"""Registering a case from the desk: a call, a letter or a visit logged by the operator."""

import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaintdesk.accounts import permissions
from complaintdesk.cases import services
from complaintdesk.cases.models import Channel, Kind, Remedy, Topic
from complaintdesk.lib.errors import DomainError
from complaintdesk.lib.forms import AmountField


class NewCaseForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=Channel.choices,
                                initial=Channel.PHONE)
    customer_name = forms.CharField(label=gettext_lazy("Customer's name"), max_length=200,
                                    required=False)
    customer_phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32, required=False)
    customer_email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=300, required=False)
    text = forms.CharField(label=gettext_lazy("What the customer says"), max_length=50_000,
                           widget=forms.Textarea(attrs={"rows": 6}))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Kind.choices,
                             initial=Kind.UNCLASSIFIED,
                             help_text=gettext_lazy("Leave unclassified to let triage decide."))
    topic = forms.ChoiceField(label=gettext_lazy("Topic"), required=False)
    remedy_sought = forms.ChoiceField(label=gettext_lazy("What the customer wants"),
                                      choices=Remedy.choices, required=False)
    amount_claimed = AmountField(label=gettext_lazy("Amount claimed"), required=False,
                                 min_value=0, max_digits=14, decimal_places=2)
    currency = forms.CharField(label=gettext_lazy("Currency"), max_length=3, required=False,
                               initial="RUB")
    call_id = forms.CharField(label=gettext_lazy("Call id"), max_length=100, required=False)
    call_duration_seconds = forms.IntegerField(label=gettext_lazy("Call duration, s"),
                                               required=False, min_value=0, max_value=86_400)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", "—")] + [
            (t.code, str(t)) for t in Topic.objects.select_related("parent")
        ]

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("customer_name", "customer_phone", "customer_email")):
            raise forms.ValidationError(_("Give the customer's name, phone or e-mail."))
        if data.get("amount_claimed") is None:
            data["currency"] = ""
        return data


@login_required
def new_case(request):
    user = request.user
    permissions.require(user, "create")
    form = NewCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = services.NewCase(
            channel=d["channel"], text=d["text"], subject=d["subject"],
            customer_name=d["customer_name"], customer_phone=d["customer_phone"],
            customer_email=d["customer_email"], kind=d["kind"], topic=d["topic"],
            remedy_sought=d["remedy_sought"], amount_claimed=d["amount_claimed"],
            currency=d["currency"].upper(), call_id=d["call_id"],
            call_duration_seconds=d["call_duration_seconds"],
        )
        try:
            # The page's nonce is the idempotency key: a double click registers one case.
            case, _created = services.create_case(
                data=data, actor=user,
                idempotency_key=request.POST.get("nonce", "")[:200],
            )
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("Case %(ref)s registered.") % {"ref": case.reference})
            if permissions.can_see_case(user, case):
                return redirect("desk:case", reference=case.reference)
            return redirect("desk:queue")
    return render(request, "desk/new_case.html", {"form": form,
                                                  "nonce": secrets.token_urlsafe(16)})
