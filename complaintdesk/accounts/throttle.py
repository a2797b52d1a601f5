"""Login throttling on top of django-axes: one account from one address, and one address.

django-axes (settings.AXES_*) counts failed logins per username+address and locks that pair out
after AXES_FAILURE_LIMIT failures; a password spray over many usernames from one address would
pass that, so this handler also locks the address once its failures, whatever the usernames,
reach LOGIN_FAILURES_PER_IP within the same cool-off. Locking per address+username (never per
username alone) keeps an attacker from locking a colleague out of their own account.
"""

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class WebLoginBackend(AxesStandaloneBackend):
    """axes' check on every login that comes with a request — Django's LoginView and the admin
    login always pass it. Without a request (the test client's login(), a script) there is no
    address to throttle, so it leaves the decision to the next backend instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def _address_failures(request: HttpRequest) -> int:
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    total = (AccessAttempt.objects
             .filter(ip_address=address, attempt_time__gte=get_cool_off_threshold(request))
             .aggregate(n=Sum("failures_since_start"))["n"])
    return total or 0


class AccountAndAddressHandler(AxesDatabaseHandler):
    """AXES_FAILURE_LIMIT per username+address (axes itself) and LOGIN_FAILURES_PER_IP per
    address (here)."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return _address_failures(request) >= settings.LOGIN_FAILURES_PER_IP

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if _address_failures(request) >= settings.LOGIN_FAILURES_PER_IP:
            # What axes' own handler sets on a lockout: AxesMiddleware answers with the page.
            request.axes_locked_out = True
            request.axes_credentials = credentials


def lockout_response(request: HttpRequest, original_response=None,
                     credentials: dict | None = None) -> HttpResponse:
    """The lockout page (desk and admin logins alike), translated, with 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
