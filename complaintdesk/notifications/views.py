"""The bell, the notification list, e-mail preferences and saved queue views (desk pages)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from complaintdesk.accounts import permissions
from complaintdesk.lib.errors import DomainError
from complaintdesk.notifications import forms, services

LIST_SIZE = 50


# htmx stops polling on this status: a tab left open after its session ended asks no more,
# instead of swapping the login page into the bell.
STOP_POLLING = 286


@never_cache
def bell(request):
    """What the bell polls: the unread count, one indexed COUNT query."""
    if not request.user.is_authenticated and request.htmx:
        return HttpResponse(status=STOP_POLLING)
    return _bell(request)


@login_required
def _bell(request):
    permissions.require(request.user, "view")
    return render(request, "notifications/_bell_count.html",
                  {"unread": services.unread_count(request.user)})


@login_required
def notification_list(request):
    """The latest notifications; what the page shows counts as seen."""
    user = request.user
    permissions.require(user, "view")
    items = list(services.visible_notifications(user)
                 .select_related("case").order_by("-created_at", "-pk")[:LIST_SIZE])
    services.mark_read(user=user, ids=[n.pk for n in items if n.read_at is None])
    return render(request, "notifications/list.html", {"items": items})


@login_required
@require_POST
def mark_all_read(request):
    permissions.require(request.user, "view")
    done = services.mark_read(user=request.user)
    messages.success(request, _("%(n)d notification(s) marked read.") % {"n": done})
    return redirect("notifications:list")


@login_required
def preferences(request):
    user = request.user
    permissions.require(user, "view")
    current = user.notification_preference if hasattr(user, "notification_preference") else None
    form = forms.PreferenceForm(request.POST or None, instance=current,
                                initial={"language": user.language})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            services.set_preferences(user=user, email_assigned=data["email_assigned"],
                                     email_customer_replied=data["email_customer_replied"],
                                     email_escalated=data["email_escalated"],
                                     language=data["language"])
            messages.success(request, _("Preferences saved."))
            return redirect("notifications:preferences")
        return render(request, "notifications/preferences.html", {"form": form}, status=400)
    return render(request, "notifications/preferences.html", {"form": form})


@login_required
@require_POST
def save_view(request):
    user = request.user
    permissions.require(user, "view")
    form = forms.SavedViewForm(request.POST)
    if not form.is_valid():
        return _view_refused(request, form, "; ".join(e for errs in form.errors.values() for e in errs))
    data = form.cleaned_data
    try:
        view = services.save_view(owner=user, name=data["name"], scope=data["scope"],
                                  queue=data["queue"], params=QueryDict(data["query"]))
    except DomainError as exc:
        return _view_refused(request, form, exc.detail)
    messages.success(request, _("View saved."))
    return redirect(f"/desk/?{view.query}&view={view.pk}" if view.query else f"/desk/?view={view.pk}")


def _view_refused(request, form, error: str):
    """400 with the form as sent: the name and the filters are kept, the reason is shown."""
    return render(request, "notifications/save_view.html",
                  {"form": form, "error": error,
                   "query": request.POST.get("query", ""),
                   "may_share_views": services.may_share(request.user)}, status=400)


@login_required
@require_POST
def delete_view(request, pk: int):
    user = request.user
    permissions.require(user, "view")
    view = get_object_or_404(services.views_for(user), pk=pk)
    services.delete_view(user=user, view=view)
    messages.success(request, _("View deleted."))
    return redirect("desk:queue")


