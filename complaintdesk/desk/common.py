"""Helpers every desk view shares: finding a case the user may see, showing domain errors."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from complaintdesk.accounts import permissions
from complaintdesk.accounts.models import User
from complaintdesk.cases.models import Case, Customer
from complaintdesk.lib.errors import DomainError


def case_for(user: User, reference: str, capability: str = "view") -> Case:
    """The case, or 404 when it does not exist; PermissionDenied (403) when it is not theirs."""
    case = (Case.objects.select_related("queue", "customer", "topic", "topic__parent",
                                        "assignee", "incident", "policy", "policy__calendar",
                                        "queue__calendar")
            .filter(reference=reference).first())
    if case is None:
        raise Http404("No such case.")
    permissions.require_case(user, case, capability)
    return case


def customer_for(user: User, customer_id: int) -> Customer:
    """The customer, or 404 when it does not exist or the user sees none of its cases (the
    answer is the same, so the page does not tell who is a customer of a hidden queue)."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise Http404("No such customer.")
    if permissions.visible_queue_ids(user) is not None and not permissions.cases_visible_to(
            user, Case.objects.filter(customer_id=customer_id)).exists():
        raise Http404("No such customer among the cases you can see.")
    return customer


def customer_display(user: User, customer) -> dict[str, str]:
    """Name and contacts as this user may see them (masked for analysts and the like)."""
    if permissions.sees_personal_data(user):
        return {"name": customer.name, "email": customer.email, "phone": customer.phone,
                "short": str(customer)}
    name = permissions.mask_text(customer.name)
    email = permissions.mask_email(customer.email)
    phone = permissions.mask_phone(customer.phone)
    return {"name": name, "email": email, "phone": phone,
            "short": name or email or phone or f"#{customer.pk}"}


def form_errors(form) -> str:
    return "; ".join(
        f"{form.fields[name].label}: {' '.join(errs)}" if name in form.fields else " ".join(errs)
        for name, errs in form.errors.items()
    )


def case_action(view):
    """A POST on a case: load it (403 if not visible), run the view, show DomainError politely."""

    @login_required
    @require_POST
    @functools.wraps(view)
    def wrapper(request, reference: str):
        case = case_for(request.user, reference)
        try:
            response = view(request, case)
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            if response is not None:  # e.g. the case left the user's queues
                return response
        return redirect("desk:case", reference=case.reference)

    return wrapper
