"""Fixed-window rate limits on public endpoints, counted in the shared cache."""

import functools
import time

from django.core.cache import cache
from django.http import HttpRequest, JsonResponse


def client_ip(request: HttpRequest) -> str:
    # Behind a proxy set TRUSTED_PROXY so the real address comes from X-Forwarded-For.
    from django.conf import settings

    if getattr(settings, "TRUSTED_PROXY", False):
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "unknown")


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


def rate_limited(*, scope: str, per_minute: int):
    """Decorator for views: 429 with a problem-details body past `per_minute` per client IP."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not hit(scope=scope, key=client_ip(request), limit=per_minute):
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
