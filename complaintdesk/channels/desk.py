"""The supervisors' channels page: /desk/channels/."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from complaintdesk.accounts.models import Role
from complaintdesk.channels.stats import channel_stats


def may_see(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser
                                           or user.role in (Role.SUPERVISOR, Role.ADMIN)))


@login_required
def channels_page(request):
    if not may_see(request.user):
        raise PermissionDenied(_("The channels page is for supervisors and administrators."))
    return render(request, "channels/page.html", channel_stats())


app_name = "channels-desk"
urlpatterns = [path("", channels_page, name="page")]
