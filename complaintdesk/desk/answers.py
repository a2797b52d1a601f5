"""Canned answers in the desk: supervisors list, create, edit and deactivate them; the reply box
asks for one filled in for its case (htmx)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaintdesk.accounts import permissions
from complaintdesk.accounts.models import ReadAccess
from complaintdesk.accounts.read_audit import record_read
from complaintdesk.desk.common import case_for
from complaintdesk.replies import services as replies
from complaintdesk.replies.forms import CannedAnswerForm
from complaintdesk.replies.models import CannedAnswer


@login_required
def answer_list(request):
    permissions.require(request.user, "answers")
    answers = CannedAnswer.objects.select_related("topic", "topic__parent") \
        .order_by("-active", "language", "title")
    return render(request, "desk/answers.html", {"answers": answers})


@login_required
def answer_edit(request, pk: int | None = None):
    """New (no pk) or edit; deactivating is unticking «active» (answers stay for the counts)."""
    user = request.user
    permissions.require(user, "answers")
    answer = get_object_or_404(CannedAnswer, pk=pk) if pk is not None else None
    form = CannedAnswerForm(request.POST or None, instance=answer)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if saved.created_by_id is None:
            saved.created_by = user
        saved.save()
        messages.success(request, _("Canned answer «%(title)s» saved.") % {"title": saved.title})
        return redirect("desk:answers")
    status = 400 if request.method == "POST" else 200
    return render(request, "desk/answer_form.html", {"form": form, "answer": answer},
                  status=status)


@login_required
@require_POST
def answer_text(request, reference: str):
    """The reply box with the chosen answer, filled for this case, added after what the person
    has typed so far (nothing typed is lost). Answers only those who may reply on the case."""
    user = request.user
    case = case_for(user, reference)
    permissions.require_case(user, case, "message")
    try:
        pk = int(request.POST.get("pick") or 0)
    except ValueError:
        pk = 0
    typed = request.POST.get("body", "")[:20_000]
    answer = CannedAnswer.objects.filter(pk=pk, active=True).first() if pk else None
    if pk and answer is None:
        raise Http404("No such canned answer.")
    text = typed
    if answer is not None:
        record_read(request=request, user=user, channel=ReadAccess.Channel.DESK,
                    kind=ReadAccess.Kind.CASE, object_ref=case.reference,
                    customer_id=case.customer_id, what="canned answer")
        filled = replies.render(answer, case)
        text = f"{typed.rstrip()}\n\n{filled}" if typed.strip() else filled
    return render(request, "desk/_reply_editor.html",
                  {"body": text, "answer": answer, "case": case})
