"""Per-process cache of small configuration tables (policies, queues, topics, calendars).

Every case creation needs them; reading them once a minute instead of on every request keeps
creation cheap. Saving or deleting a row clears this process's cache at once; other processes
see the change within the TTL.
"""

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models.signals import post_delete, post_save

TTL_SECONDS = 60.0
T = TypeVar("T")

_store: dict[str, tuple[float, Any]] = {}
_lock = threading.Lock()


def cached(key: str, loader: Callable[[], T], *, ttl: float = TTL_SECONDS) -> T:
    now = time.monotonic()
    with _lock:
        hit = _store.get(key)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
    value = loader()
    with _lock:
        _store[key] = (now, value)
    return value


def forget(key: str) -> None:
    with _lock:
        _store.pop(key, None)


def forget_prefix(prefix: str) -> None:
    with _lock:
        for key in [k for k in _store if k.startswith(prefix)]:
            del _store[key]


def clear(**_kwargs: object) -> None:
    with _lock:
        _store.clear()


def watch(*models: type) -> None:
    """Clear the cache whenever a row of these models is saved or deleted."""
    for model in models:
        post_save.connect(clear, sender=model, weak=False)
        post_delete.connect(clear, sender=model, weak=False)
