"""Incidents: one problem behind many cases, answered (and resolved) together."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaintdesk.accounts import permissions
from complaintdesk.cases import services
from complaintdesk.cases.lifecycle import Status as S
from complaintdesk.cases.models import Incident, Outcome
from complaintdesk.desk import forms
from complaintdesk.desk.common import form_errors
from complaintdesk.lib.errors import DomainError


@login_required
def incident_list(request):
    user = request.user
    permissions.require_incident_reader(user)
    incidents = Incident.objects.annotate(
        n_cases=Count("cases"), n_open=Count("cases", filter=~Q(cases__status=S.CLOSED)),
    ).order_by("state", "-created_at")
    form = forms.IncidentForm()
    if request.method == "POST":
        form = forms.IncidentForm(request.POST)
        if form.is_valid():
            try:
                incident = services.create_incident(
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"], actor=user)
            except DomainError as exc:
                messages.error(request, exc.detail)
            else:
                messages.success(request, _("Incident created."))
                return redirect("desk:incident", pk=incident.pk)
    return render(request, "desk/incidents.html", {
        "incidents": incidents, "form": form, "can_create": permissions.can(user, "incident"),
    })


@login_required
def incident_detail(request, pk: int):
    user = request.user
    permissions.require_incident_reader(user)
    incident = get_object_or_404(Incident, pk=pk)
    cases = permissions.cases_visible_to(user, incident.cases.all()).select_related(
        "queue", "topic", "assignee").order_by("status", "received_at")
    return render(request, "desk/incident.html", {
        "incident": incident, "cases": cases,
        "answer_form": forms.IncidentAnswerForm(),
        "can_answer": permissions.can(user, "incident") and incident.state == Incident.State.OPEN,
    })


@login_required
@require_POST
def incident_answer(request, pk: int):
    user = request.user
    permissions.require(user, "incident")
    incident = get_object_or_404(Incident, pk=pk)
    form = forms.IncidentAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("desk:incident", pk=pk)
    try:
        result = services.answer_incident(
            incident=incident, body=form.cleaned_data["body"], actor=user,
            resolve=form.cleaned_data["resolve"], outcome=form.cleaned_data["outcome"])
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        for line in _what_happened(result["cases"]):
            messages.success(request, line)
        if not result["cases"]:
            messages.info(request, _("No open case is linked to this incident."))
    return redirect("desk:incident", pk=pk)


def _what_happened(cases: list[dict]) -> list[str]:
    """One line per case: what answering the incident did to it."""
    outcomes = dict(Outcome.choices)
    lines = []
    for item in cases:
        values = {"ref": item["reference"], "outcome": outcomes.get(item["outcome"], ""),
                  "amount": formats.number_format(item["amount_paid"] or 0, 2),
                  "currency": item["currency"] or ""}
        if item["result"] == "answered":
            lines.append(_("%(ref)s: the message is sent.") % values)
        elif item["result"] == "already_decided":
            lines.append(_("%(ref)s: already decided earlier and waiting for the customer's "
                           "answer; left as it is.") % values)
        elif item["amount_paid"]:
            lines.append(_("%(ref)s: decided (%(outcome)s), %(amount)s %(currency)s to be paid "
                           "back; the customer is asked to accept or dispute it.") % values)
        else:
            lines.append(_("%(ref)s: decided (%(outcome)s); the customer is asked to accept or "
                           "dispute it.") % values)
    return lines
