"""Staff workspace: queue lists, the case page and its actions. Views stay thin: the services
change state, permissions decide who may."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaintdesk.accounts import permissions
from complaintdesk.accounts.models import ReadAccess, Role, User
from complaintdesk.accounts.read_audit import record_read
from complaintdesk.cases import notifications, services
from complaintdesk.cases.bulk import run_bulk
from complaintdesk.cases.lifecycle import Status as S
from complaintdesk.cases.lifecycle import allowed_targets
from complaintdesk.cases.models import Attachment, Case, Message, Queue, Status, Topic
from complaintdesk.desk import forms
from complaintdesk.desk.common import case_action, case_for, customer_display, form_errors
from complaintdesk.desk.queries import (
    SEARCH_COUNT_CAP,
    TABS,
    CappedPaginator,
    first_line,
    queue_cases,
    row_activity,
    search_text,
    tab_counts,
    with_activity,
)
from complaintdesk.desk.sla_badges import ROW_RELATED, badge, with_pauses
from complaintdesk.lib.errors import DomainError
from complaintdesk.notifications import services as notification_services
from complaintdesk.replies import services as replies
from complaintdesk.replies.models import CannedAnswer

PAGE_SIZE = 25


def _assign_candidates(user: User, queue_ids=None):
    """People who may work cases of these queues (members, plus administrators)."""
    qs = User.objects.filter(is_active=True)
    who = Q(role=Role.ADMIN) | Q(is_superuser=True)
    if queue_ids is None:
        who |= Q(memberships__isnull=False)
    else:
        who |= Q(memberships__queue_id__in=queue_ids)
    return qs.filter(who).exclude(role=Role.ANALYST).distinct().order_by("username")


@login_required
def queue(request):
    """The queue lists (tabs), filtered and sorted from GET parameters, one page at a time."""
    user = request.user
    permissions.require(user, "view")
    now = timezone.now()
    qs, tab, sort = queue_cases(user, request.GET, now=now)
    cap = SEARCH_COUNT_CAP if search_text(request.GET) else None
    page = CappedPaginator(with_activity(with_pauses(qs.select_related(*ROW_RELATED))), PAGE_SIZE,
                           cap=cap).get_page(request.GET.get("page"))
    rows = [{"case": c, "badge": badge(c, now=now), "customer": customer_display(user, c.customer),
             "about": first_line(c), **row_activity(c)}
            for c in page.object_list]
    topics = list(Topic.objects.select_related("parent"))
    context = {
        "tab": tab, "tabs": TABS, "sort": sort, "page": page, "rows": rows,
        "counts": tab_counts(user, now),
        "filters": forms.FilterForm(request.GET or None, topics=topics),
        "can_bulk": permissions.can(user, "bulk"),
        "bulk_result": request.session.pop("bulk_result", None),
        "refresh_query": request.GET.urlencode(),
        "refresh_seconds": settings.COMPLAINTDESK["QUEUE_REFRESH_SECONDS"],
    }
    if context["can_bulk"]:
        context["bulk_assignees"] = _assign_candidates(user, permissions.visible_queue_ids(user))
        context["bulk_statuses"] = [(v, label) for v, label in Status.choices
                                    if v != S.DECIDED]
        context["bulk_incidents"] = forms.LinkForm().fields["incident"].queryset
    if request.htmx and not request.htmx.boosted:
        # The filters' and the refresh's swaps: the table alone.
        return render(request, "desk/_queue_table.html", context)
    context.update({
        "saved_views": list(notification_services.views_for(user).select_related("queue")),
        "may_share_views": notification_services.may_share(user),
        "view_queues": _shareable_queues(user),
        "current_view": request.GET.get("view", ""),
    })
    return render(request, "desk/queue.html", context)


def _shareable_queues(user: User) -> list:
    """Queues a supervisor may address a team view to (none for others: no query)."""
    if not notification_services.may_share(user):
        return []
    ids = permissions.visible_queue_ids(user)
    qs = Queue.objects.order_by("name")
    return list(qs if ids is None else qs.filter(pk__in=ids))


@login_required
@require_POST
def bulk(request):
    """Bulk assign / transition / link; each case is checked on its own and reported."""
    user = request.user
    permissions.require(user, "bulk")
    form = forms.BulkForm(request.POST)
    back = request.POST.get("next") or "/desk/"
    if not back.startswith("/desk/"):
        back = "/desk/"
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    data = form.cleaned_data
    action = data["action"]
    if action == "assign":
        assignee = data["assignee"]
        result = run_bulk(user=user, references=data["refs"], capability="assign",
                          action=lambda c: services.assign(case=c, assignee=assignee, actor=user))
    elif action == "transition":
        to = data["to"]
        result = run_bulk(user=user, references=data["refs"], capability="transition",
                          action=lambda c: services.transition(case=c, to=to, actor=user))
    else:
        incident = data["incident"]
        result = run_bulk(user=user, references=data["refs"], capability="link",
                          action=lambda c: services.link_to_incident(case=c, incident=incident,
                                                                     actor=user))
    request.session["bulk_result"] = result
    if result["done"]:
        messages.success(request, _("Done for %(n)d case(s).") % {"n": len(result["done"])})
    if result["failed"]:
        messages.error(request, _("Failed for %(n)d case(s).") % {"n": len(result["failed"])})
    return redirect(back)


@login_required
def case_detail(request, reference: str):
    user = request.user
    case = case_for(user, reference)
    record_read(request=request, user=user, channel=ReadAccess.Channel.DESK,
                kind=ReadAccess.Kind.CASE, object_ref=case.reference,
                customer_id=case.customer_id, what="page")
    notification_services.mark_case_read(user=user, case=case)  # seen: the bell counts it no more
    now = timezone.now()
    status = S(case.status)
    targets = allowed_targets(status)
    can = {cap: permissions.can(user, cap) for cap in
           ("transition", "assign", "assign_self", "message", "note", "classify", "decide",
            "escalate", "link")}
    writable = permissions.writable_queue_ids(user)
    if writable is not None and case.queue_id not in writable:
        can = dict.fromkeys(can, False)  # read-only membership: show, never offer actions
    other_cases = (permissions.cases_visible_to(user, Case.objects.filter(customer=case.customer))
                   .exclude(pk=case.pk).select_related("topic").order_by("-received_at")[:10])
    context = {
        "case": case,
        "badge": badge(case, now=now),
        "customer": customer_display(user, case.customer),
        "events": case.events.all(),
        "messages_": _for_staff(case, case.messages.all()),
        "attachments": case.attachments.all(),
        "other_cases": other_cases,
        "can": can,
        "transitions": [t for t in targets if t not in (S.DECIDED, S.CLOSED)],
        "can_decide_now": S.DECIDED in targets and can["decide"],
        "can_close_now": S.CLOSED in targets and can["transition"],
        "classify_form": forms.ClassifyForm(initial={
            "kind": case.kind, "topic": case.topic.code if case.topic_id else None}),
        "reply_form": forms.MessageForm(initial={
            "direction": Message.Direction.OUT,
            "body": request.session.pop(_draft_key(case, Message.Direction.OUT), "")}),
        "note_form": forms.MessageForm(initial={
            "direction": Message.Direction.NOTE,
            "body": request.session.pop(_draft_key(case, Message.Direction.NOTE), "")}),
        "answers": replies.for_case(case) if can["message"] else ([], []),
        "assign_form": forms.AssignForm(
            candidates=_assign_candidates(user, [case.queue_id]),
            initial={"assignee": case.assignee_id}),
        "escalate_form": forms.EscalateForm(),
        "link_form": forms.LinkForm(initial={"incident": case.incident_id}),
        "decision_form": forms.DecisionForm(initial={
            "amount_paid": case.amount_claimed if case.amount_claimed else None}),
        "close_form": forms.CloseForm(),
        "status_choices": Status.choices,
    }
    return render(request, "desk/case.html", context)


def _for_staff(case: Case, items) -> list:
    """Messages with the customer's tracking link left out (shown, never saved)."""
    items = list(items)
    for message in items:
        message.body = notifications.for_staff(case, message.body)
    return items


@case_action
def classify(request, case: Case) -> HttpResponse | None:
    form = forms.ClassifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return None
    topic = form.cleaned_data["topic"]
    before = (case.kind, case.topic_id, case.needs_review, case.queue_id)
    saved = services.reclassify(case=case, actor=request.user, kind=form.cleaned_data["kind"],
                                topic=topic, clear_topic=topic is None)
    if saved.queue_id != before[3]:
        messages.success(request, _("Classification saved; the case moved to the queue "
                                    "«%(queue)s».") % {"queue": saved.queue.name})
        if not permissions.can_see_case(request.user, saved):
            return redirect("desk:queue")
    elif (saved.kind, saved.topic_id) != before[:2]:
        messages.success(request, _("Classification saved."))
    elif before[2] and not saved.needs_review:
        messages.success(request, _("Classification confirmed."))
    else:
        messages.info(request, _("Nothing changed."))
    return None


def _draft_key(case: Case, direction: str) -> str:
    return f"draft:{case.reference}:{direction}"


@case_action
def add_message(request, case: Case) -> None:
    """The reply box and the note box post here, each with its own direction."""
    form = forms.MessageForm(request.POST)
    direction = request.POST.get("direction", "")
    try:
        if not form.is_valid():
            raise DomainError(form_errors(form))
        data = form.cleaned_data
        uploads = request.FILES.getlist("attachments")
        if data["direction"] == Message.Direction.NOTE:
            services.add_message(case=case, body=data["body"], direction=Message.Direction.NOTE,
                                 actor=request.user, uploads=uploads)
            messages.success(request, _("Internal note saved; the customer does not see it."))
            return
        answer = (CannedAnswer.objects.filter(pk=data["answer"], active=True).first()
                  if data["answer"] else None)
        sent = replies.send_reply(case=case, body=data["body"], actor=request.user,
                                  uploads=uploads, answer=answer)
    except DomainError:
        # Loses nothing: the text comes back in its box with the error above it.
        if direction in Message.Direction.values:
            request.session[_draft_key(case, direction)] = request.POST.get("body", "")[:20_000]
        raise
    messages.success(request, _("Reply sent to the customer."))
    if sent.status_set:
        messages.info(request, _("Status changed to «%(status)s».")
                      % {"status": Status(sent.status_set).label})
    elif sent.status_skipped:
        messages.warning(request, _("The answer sets «%(status)s», which this case cannot take "
                                    "now; the status is unchanged.")
                         % {"status": Status(sent.status_skipped).label})


@case_action
def transition(request, case: Case) -> None:
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return
    services.transition(case=case, to=form.cleaned_data["to"], actor=request.user)
    messages.success(request, _("Status changed."))


@case_action
def close(request, case: Case) -> None:
    form = forms.CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return
    services.transition(case=case, to=S.CLOSED, actor=request.user,
                        note=form.cleaned_data["note"],
                        customer_accepted=form.cleaned_data["customer_accepted"])
    messages.success(request, _("Case closed."))


@case_action
def assign(request, case: Case) -> None:
    user = request.user
    if request.POST.get("self"):
        assignee = user
    else:
        form = forms.AssignForm(request.POST,
                                candidates=_assign_candidates(user, [case.queue_id]))
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return
        assignee = form.cleaned_data["assignee"]
    services.assign(case=case, assignee=assignee, actor=user)
    messages.success(request, _("Assignee saved."))


@case_action
def escalate(request, case: Case) -> None:
    form = forms.EscalateForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return
    services.escalate(case=case, actor=request.user, reason=form.cleaned_data["reason"],
                      to_queue=form.cleaned_data["to_queue"])
    messages.success(request, _("Case escalated."))


@case_action
def link(request, case: Case) -> None:
    form = forms.LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return
    services.link_to_incident(case=case, incident=form.cleaned_data["incident"],
                              actor=request.user)
    messages.success(request, _("Incident link saved."))


@case_action
def decide(request, case: Case) -> None:
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return
    amount: Decimal | None = form.cleaned_data["amount_paid"]
    services.decide(case=case, outcome=form.cleaned_data["outcome"], actor=request.user,
                    amount_paid=amount, text=form.cleaned_data["text"])
    messages.success(request, _("Decision recorded; the customer is informed."))


@login_required
def attachment(request, pk: int):
    """Files are served only to people who may see the case."""
    item = get_object_or_404(Attachment.objects.select_related("case"), pk=pk)
    permissions.require_case(request.user, item.case, "view")
    record_read(request=request, user=request.user, channel=ReadAccess.Channel.DESK,
                kind=ReadAccess.Kind.ATTACHMENT, object_ref=str(item.pk),
                customer_id=item.case.customer_id, what="file")
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    return FileResponse(handle, as_attachment=True, filename=item.filename,
                        content_type=item.content_type)
