"""The public complaint form: what ISO 10002 asks to capture, and nothing the bots can use."""

import re
import secrets

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from complaintdesk.cases.models import Remedy
from complaintdesk.lib import filecheck
from complaintdesk.lib.forms import AmountField

REMEDIES = [
    (Remedy.APOLOGY, _("An apology or an explanation")),
    (Remedy.FIX, _("Fix the problem")),
    (Remedy.MONEY_BACK, _("My money back")),
    (Remedy.OTHER, _("Something else")),
]
CURRENCIES = [("RUB", "RUB ₽"), ("USD", "USD $"), ("EUR", "EUR €")]
MAX_FILES = 5


def new_nonce() -> str:
    return secrets.token_hex(16)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ComplaintForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    contact = forms.CharField(
        label=_("E-mail or phone"), max_length=254,
        help_text=_("We send the acknowledgement and the answer here."))
    text = forms.CharField(label=_("What happened?"), max_length=20_000,
                           widget=forms.Textarea(attrs={"rows": 7}))
    # Nothing pre-selected: a default answer would be recorded as the customer's wish (an
    # apology next to "верните деньги"); left empty, triage reads the wish from the text.
    remedy = forms.ChoiceField(
        label=_("What would you like us to do?"), choices=REMEDIES, widget=forms.RadioSelect,
        required=False,
        help_text=_("If none fits, leave it empty: we will understand it from your words."))
    amount = AmountField(label=_("Amount"), required=False, min_value=0,
                         max_digits=14, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, initial="RUB")
    remedy_text = forms.CharField(label=_("Anything else about what you expect"),
                                  required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    attachments = MultipleFileField(label=_("Documents or photos"), required=False)
    consent = forms.BooleanField(
        label=_("I agree to the processing of my personal data to handle this request."),
        required=True,
        error_messages={"required": _(
            "We can only register your request with your consent to process your personal "
            "data. Please tick the box; everything you typed is kept.")})
    # Honeypot: hidden from people by CSS, filled in by naive bots.
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean_contact(self):
        value = self.cleaned_data["contact"].strip()
        if "@" in value:
            forms.EmailField().clean(value)
            return value
        digits = re.sub(r"\D", "", value)
        if not 7 <= len(digits) <= 15:
            raise forms.ValidationError(_("Enter an e-mail address or a phone number."))
        return value

    def clean_nonce(self):
        value = self.cleaned_data["nonce"]
        if not re.fullmatch(r"[0-9a-f]{32}", value):
            raise forms.ValidationError(_("The form has expired; please send it again."))
        return value

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("At most %(n)d files.") % {"n": MAX_FILES})
        for upload in files:
            if upload.size > settings.ATTACHMENT_MAX_BYTES:
                raise forms.ValidationError(
                    _("%(name)s is larger than %(mb)d MB.")
                    % {"name": upload.name, "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)})
            if guessed_type(upload) not in settings.ATTACHMENT_ALLOWED_TYPES:
                raise forms.ValidationError(
                    _("%(name)s: this type of file is not accepted (PDF, images, text, office "
                      "documents are).") % {"name": upload.name})
            head = upload.read(filecheck.HEAD_BYTES)
            upload.seek(0)
            if not filecheck.content_matches(guessed_type(upload), head):
                raise forms.ValidationError(
                    _("%(name)s: the content is not what the file name says.")
                    % {"name": filecheck.safe_name(upload.name)})
        return files

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("remedy") == Remedy.MONEY_BACK and not cleaned.get("amount"):
            self.add_error("amount", _("Say how much money you want back."))
        return cleaned

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))

    @property
    def email(self) -> str:
        contact = self.cleaned_data["contact"]
        return contact if "@" in contact else ""

    @property
    def phone(self) -> str:
        contact = self.cleaned_data["contact"]
        return "" if "@" in contact else contact


def guessed_type(upload) -> str:
    """The type from the file name, not the browser's claim, which anyone can forge."""
    import mimetypes

    return mimetypes.guess_type(upload.name)[0] or "application/octet-stream"


class AddInfoForm(forms.Form):
    body = forms.CharField(label=_("Add information"), max_length=20_000,
                           widget=forms.Textarea(attrs={"rows": 4}))


class AcceptanceForm(forms.Form):
    accepted = forms.ChoiceField(choices=[("yes", _("Yes, I accept")),
                                          ("no", _("No, I do not accept"))])
