"""Customer portal: complain without an account, then follow the case with a secret link."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from complaintdesk.cases import notifications, services
from complaintdesk.cases.api import public_case
from complaintdesk.cases.lifecycle import Status as S
from complaintdesk.cases.models import Channel, Kind, Message, Outbox, Remedy
from complaintdesk.lib.errors import DomainError
from complaintdesk.lib.ratelimit import client_ip, hit, rate_limited
from complaintdesk.portal.attachments import attach_uploads
from complaintdesk.portal.forms import AcceptanceForm, AddInfoForm, ComplaintForm, new_nonce
from complaintdesk.sla.models import Policy


def _limit(name: str, default: int) -> int:
    return int(settings.COMPLAINTDESK.get(name, default))


def _too_many(request):
    response = render(request, "portal/too_many.html", status=429)
    response["Retry-After"] = "60"
    return response


def tracking_path(case) -> str:
    return reverse("portal:track", args=[case.reference]) + "?" + urlencode(
        {"token": case.public_token})


def complain(request):
    """The public form; a hidden nonce is the idempotency key, so a double submit is one case."""
    if request.method != "POST":
        return render(request, "portal/complain.html",
                      {"form": ComplaintForm(initial={"nonce": new_nonce()})})
    if not hit(scope="portal-complain", key=client_ip(request),
               limit=_limit("PORTAL_SUBMITS_PER_MINUTE", 5)):
        return _too_many(request)
    form = ComplaintForm(request.POST, request.FILES)
    if form.is_bot:
        # Answer like a success so the bot learns nothing; nothing is stored.
        return render(request, "portal/thanks.html", {"case": None})
    if form.is_valid():
        data = form.cleaned_data
        money = data["remedy"] == Remedy.MONEY_BACK
        # No remedy chosen but an amount typed: keep it for triage's reading of the text.
        amount = data["amount"] if money or not data["remedy"] else None
        new = services.NewCase(
            channel=Channel.WEB, text=data["text"], customer_name=data["name"],
            customer_email=form.email, customer_phone=form.phone,
            remedy_sought=data["remedy"], remedy_text=data["remedy_text"],
            amount_claimed=amount,
            currency=data["currency"] if amount is not None else "",
            # Money back is what makes a claim; triage refines everything else later.
            kind=Kind.CLAIM if money else Kind.UNCLASSIFIED,
            language=(get_language() or settings.LANGUAGE_CODE)[:2],
        )
        try:
            with transaction.atomic():
                case, created = services.create_case(
                    data=new, actor=None, idempotency_key=f"web:{data['nonce']}",
                    anonymous=True)
                if created and data["attachments"]:
                    attach_uploads(case, data["attachments"])
                if created:
                    # The receipt page the customer is sent to is the acknowledgement.
                    case = services.acknowledge_on_screen(case=case)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            return redirect(reverse("portal:thanks", args=[case.reference]) + "?"
                            + urlencode({"token": case.public_token}))
    return render(request, "portal/complain.html", {"form": form}, status=400)


# The token in the link is a secret: limit how fast anyone can try references and tokens.
@rate_limited(scope="portal-thanks", per_minute=30, template="portal/too_many.html")
def thanks(request, reference: str):
    case = public_case(reference, request.GET.get("token", ""))
    # Where the acknowledgement actually went, i.e. what the submitter typed; never the stored
    # customer record, which a later merge may fill with contacts the submitter never gave.
    ack = case.outbox.filter(purpose=Outbox.Purpose.ACKNOWLEDGEMENT, channel="email").first()
    return render(request, "portal/thanks.html", {
        "case": case,
        "tracking_url": request.build_absolute_uri(tracking_path(case)),
        "email": ack.recipient if ack is not None else "",
    })


STAGE_WORDS = {
    S.RECEIVED: gettext_lazy("We have received your request and will register it shortly."),
    S.ACKNOWLEDGED: gettext_lazy("Your request is registered; a specialist will take it up."),
    S.ASSESSMENT: gettext_lazy("We are assessing your request."),
    S.INVESTIGATION: gettext_lazy("We are investigating what happened."),
    S.WAITING_CUSTOMER: gettext_lazy(
        "We need information from you: please answer below. Our deadline stands still until "
        "you do."),
    S.DECIDED: gettext_lazy("We have made a decision. Please tell us whether you accept it."),
    S.CLOSED: gettext_lazy("Your request is closed."),
}
STEPS = [
    (S.RECEIVED, gettext_lazy("Received")),
    (S.ASSESSMENT, gettext_lazy("Assessment")),
    (S.INVESTIGATION, gettext_lazy("Investigation")),
    (S.DECIDED, gettext_lazy("Decision")),
    (S.CLOSED, gettext_lazy("Closed")),
]
_STEP_OF = {S.RECEIVED: 0, S.ACKNOWLEDGED: 0, S.ASSESSMENT: 1, S.INVESTIGATION: 2,
            S.WAITING_CUSTOMER: 2, S.DECIDED: 3, S.CLOSED: 4}


def track(request, reference: str):
    """Status page; a wrong token and an unknown reference are the same 404."""
    if not hit(scope="portal-track", key=client_ip(request),
               limit=_limit("PORTAL_TRACK_PER_MINUTE", 30)):
        return _too_many(request)
    token = request.GET.get("token", "")
    case = public_case(reference, token)
    add_form, accept_form = AddInfoForm(), AcceptanceForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "accept":
                accept_form = AcceptanceForm(request.POST)
                if accept_form.is_valid():
                    services.record_acceptance(case=case, actor=None,
                                               accepted=accept_form.cleaned_data["accepted"])
                    messages.success(request, _("Thank you, your answer is recorded."))
                    return redirect(tracking_path(case))
            else:
                add_form = AddInfoForm(request.POST)
                if add_form.is_valid():
                    services.add_message(case=case, body=add_form.cleaned_data["body"],
                                         direction=Message.Direction.IN, actor=None,
                                         channel=Channel.WEB)
                    messages.success(request, _("Thank you, we have added it to your request."))
                    return redirect(tracking_path(case))
        except DomainError as exc:
            messages.error(request, exc.detail)
        case.refresh_from_db()
    status = S(case.status)
    step = _STEP_OF[status]
    return render(request, "portal/track.html", {
        "case": case,
        "token": token,
        "stage_words": STAGE_WORDS[status],
        "steps": [{"label": label, "done": i < step, "current": i == step}
                  for i, (_s, label) in enumerate(STEPS)],
        "public_messages": _for_customer(case, case.messages.exclude(
            direction=Message.Direction.NOTE)),
        "add_form": add_form,
        "accept_form": accept_form,
        "can_add": status != S.CLOSED,
        "can_accept": status == S.DECIDED,
        "external_options": (case.external_options_given or services.default_external_options())
        if case.customer_accepted == "no" else "",
    })


def _for_customer(case, items) -> list:
    """The customer's messages with their own tracking link (shown, never saved)."""
    items = list(items)
    for message in items:
        message.body = notifications.for_customer(case, message.body)
    return items


def how_to_complain(request):
    """ISO 10002 visibility: where and how to complain, what happens, how long it takes."""
    policies = Policy.objects.filter(active=True).select_related("topic", "topic__parent")
    # Where a customer can write to us: an API call or a regulator's referral is not a channel
    # a customer chooses, so neither is listed.
    channels = [label for value, label in Channel.choices
                if value not in (Channel.API, Channel.REGULATOR)]
    return render(request, "portal/how.html", {
        "policies": sorted(policies, key=lambda p: (-p.specificity, p.pk)),
        "kinds": dict(Kind.choices), "channel_labels": dict(Channel.choices),
        "channels": channels,
    })
