"""The customer page: one person's contacts, every case the user may see, totals, satisfaction
answers, watch-list flags, products, and merging a second record of the same person into it."""

import re
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case as When_
from django.db.models import Count, IntegerField, Q, Sum, Value, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaintdesk.accounts import permissions
from complaintdesk.accounts.models import ReadAccess, User
from complaintdesk.accounts.read_audit import record_read
from complaintdesk.cases import services
from complaintdesk.cases.importer import ImportFileError
from complaintdesk.cases.models import Case, Customer, Outcome, Status
from complaintdesk.cases.product_import import import_products
from complaintdesk.desk import forms
from complaintdesk.desk.common import customer_display, customer_for, form_errors
from complaintdesk.insights.models import SurveyInvitation

# The insights watch list's thresholds (insights/reports.py watch_list): several cases within
# its default 90 days, two or more open without an answer, or any resonance case.
WATCH_DAYS = 90
WATCH_MIN_CASES = 3
MAX_ERRORS_SHOWN = 10


def _totals(visible, now) -> tuple[list[dict], dict]:
    """One grouped query per currency, one for the counts; over visible cases only."""
    paid = Q(decision__in=(Outcome.UPHELD, Outcome.PARTLY))
    money = list(visible.order_by().values("currency").annotate(
        claimed=Sum("amount_claimed"), paid=Sum("decision_amount", filter=paid),
    ).order_by("currency"))
    counts = visible.order_by().aggregate(
        total=Count("pk"),
        open=Count("pk", filter=~Q(status=Status.CLOSED)),
        unanswered=Count("pk", filter=Q(decided_at__isnull=True) & ~Q(status=Status.CLOSED)),
        resonance=Count("pk", filter=Q(resonance=True)),
        recent=Count("pk", filter=Q(received_at__gte=now - timedelta(days=WATCH_DAYS))),
    )
    return money, counts


@login_required
def customer_page(request, customer_id: int):
    user = request.user
    permissions.require(user, "view")
    customer = customer_for(user, customer_id)
    record_read(request=request, user=user, channel=ReadAccess.Channel.DESK,
                kind=ReadAccess.Kind.CUSTOMER, object_ref=str(customer.pk),
                customer_id=customer.pk, what="page")
    now = timezone.now()
    visible = permissions.cases_visible_to(user, Case.objects.filter(customer=customer))
    cases = list(visible.select_related("topic", "queue").annotate(
        closed_last=When_(When(status=Status.CLOSED, then=Value(1)), default=Value(0),
                          output_field=IntegerField()),
    ).order_by("closed_last", "-received_at", "-pk"))
    money, counts = _totals(visible, now)
    surveys = list(SurveyInvitation.objects.filter(case__in=visible, answered_at__isnull=False)
                   .select_related("case").order_by("-answered_at"))
    shows_personal = permissions.sees_personal_data(user)
    products = list(customer.products.all())
    for product in products:
        product.account_shown = (product.account_number if shows_personal
                                 else permissions.mask_account(product.account_number))
    display = customer_display(user, customer)
    display["external_id"] = (customer.external_id if shows_personal
                              else permissions.mask_text(customer.external_id))
    flags = {
        "serial_claimant": customer.serial_claimant,
        "resonance": counts["resonance"],
        "watch": counts["resonance"] > 0 or counts["unanswered"] >= 2
        or counts["recent"] >= WATCH_MIN_CASES,
    }
    return render(request, "desk/customer.html", {
        "customer": customer, "shown": display, "cases": cases,
        "open_cases": [c for c in cases if c.status != Status.CLOSED],
        "closed_cases": [c for c in cases if c.status == Status.CLOSED],
        "money": money, "counts": counts, "surveys": surveys, "products": products,
        "flags": flags, "watch_days": WATCH_DAYS,
        "can_merge": permissions.can(user, "assign"),
        "can_import": permissions.can(user, "import"),
        "merge_form": forms.MergeCustomerForm(),
        "upload_form": forms.ProductUploadForm(),
    })


_REFERENCE = re.compile(r"^[A-Za-z]{2,}-\d{4}-\d+$")


def find_other_customer(user: User, text: str, *, exclude: int) -> tuple[Customer | None, str]:
    """The one customer the text names among those the user may see, or a reason why not."""
    text = text.strip()
    visible_customers = Customer.objects.exclude(pk=exclude)
    ids = permissions.visible_queue_ids(user)
    if ids is not None:
        visible_customers = visible_customers.filter(cases__queue_id__in=ids)
    if text.isdigit() and visible_customers.filter(pk=int(text)).exists():
        return visible_customers.distinct().get(pk=int(text)), ""
    if _REFERENCE.match(text):
        case = permissions.cases_visible_to(user).filter(reference__iexact=text).first()
        if case is not None and case.customer_id != exclude:
            return Customer.objects.get(pk=case.customer_id), ""
        return None, _("No case you may see has this reference, or it is this customer's own.")
    if "@" in text:
        found = visible_customers.filter(email__iexact=text)
    else:
        # Phones are stored normalised at intake (services.normalise_phone): 8…/+7… alike.
        phone = services.normalise_phone(text)
        if len(phone) < 7:
            return None, _("Give a customer id, a case reference, a phone number or an e-mail.")
        found = visible_customers.filter(phone=phone)
    matches = list(found.distinct().order_by("pk")[:2])
    if not matches:
        return None, _("No other customer you may see matches this.")
    if len(matches) > 1:
        return None, _("Several customers match this; give the customer id instead.")
    return matches[0], ""


@login_required
@require_POST
def merge(request, customer_id: int):
    """Fold another record of the same person into this one (cases, missing contacts,
    products). merge_customers refuses unless the user may change every case of both."""
    user = request.user
    permissions.require(user, "assign")
    keep = customer_for(user, customer_id)
    form = forms.MergeCustomerForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("desk:customer", customer_id=keep.pk)
    other, reason = find_other_customer(user, form.cleaned_data["other"], exclude=keep.pk)
    if other is None:
        messages.error(request, reason)
        return redirect("desk:customer", customer_id=keep.pk)
    moved = other.cases.count()
    services.merge_customers(keep=keep, merge=other, actor=user)
    messages.success(request, _("Merged: %(n)d case(s) moved to this customer.") % {"n": moved})
    return redirect("desk:customer", customer_id=keep.pk)


@login_required
@require_POST
def upload_products(request, customer_id: int):
    """Administrators load a products CSV (any customers' rows, found by their identifiers)."""
    user = request.user
    permissions.require(user, "import")
    customer = customer_for(user, customer_id)
    form = forms.ProductUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("desk:customer", customer_id=customer.pk)
    try:
        report = import_products(form.cleaned_data["file"].read(), actor=user)
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("desk:customer", customer_id=customer.pk)
    messages.success(request, _("Products: %(created)d created, %(updated)d updated, "
                                "%(bad)d bad rows.") % {"created": report.created,
                                                         "updated": report.updated,
                                                         "bad": len(report.errors)})
    for number, reason in report.errors[:MAX_ERRORS_SHOWN]:
        messages.error(request, _("Row %(n)d: %(reason)s") % {"n": number, "reason": reason})
    return redirect("desk:customer", customer_id=customer.pk)

