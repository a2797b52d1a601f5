"""Fixed-window rate limits on public endpoints, counted in the shared cache."""

import functools
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies of ours the
    N-th address from the right of X-Forwarded-For. Each proxy appends the address it saw, so
    only the rightmost N entries were written by someone we trust; whatever the client sent
    itself stands further left and is ignored. The one rule for rate limits, login throttling
    (AXES_CLIENT_IP_CALLABLE) and the read audit."""
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if count <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if not hops:
        return remote
    # Fewer entries than proxies: the first proxy reached was ours, so its entry is the client.
    candidate = hops[-count] if len(hops) >= count else hops[0]
    return candidate if _valid_ip(candidate) else remote


def hit(*, scope: str, key: str, limit: int, window_seconds: int = 60) -> bool:
    """Count one hit; True while the caller is within the limit."""
    bucket = int(time.time() // window_seconds)
    cache_key = f"rl:{scope}:{key}:{bucket}"
    if cache.add(cache_key, 1, timeout=window_seconds + 5):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:
        cache.set(cache_key, 1, timeout=window_seconds + 5)
        count = 1
    return count <= limit


def rate_limited(*, scope: str, per_minute: int, template: str | None = None):
    """Decorator for views: 429 past `per_minute` per client IP — a problem-details body, or
    `template` rendered for pages people read."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not hit(scope=scope, key=client_ip(request), limit=per_minute):
                response: HttpResponse
                if template is not None:
                    response = render(request, template, status=429)
                else:
                    response = JsonResponse(
                        {"type": "about:blank", "title": "Too many requests", "status": 429,
                         "detail": "Too many requests from your address; wait a minute and retry."},
                        status=429,
                    )
                    response["Content-Type"] = "application/problem+json"
                response["Retry-After"] = "60"
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
