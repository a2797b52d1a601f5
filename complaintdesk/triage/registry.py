"""Which topic model is active, loaded once per process and reused for every new case."""

from __future__ import annotations

import logging
import threading
from typing import Any

from complaintdesk.lib import configcache

log = logging.getLogger(__name__)

# (id, version) -> loaded model; a new active row or version loads anew, the old one is dropped.
_loaded: dict[tuple[int, str], Any] = {}
_lock = threading.Lock()


def _active_row(kind: str) -> tuple[int, str] | None:
    from complaintdesk.triage.models import TriageModel

    return configcache.cached(
        f"triage-active-{kind}",
        lambda: TriageModel.objects.filter(kind=kind, active=True)
        .values_list("id", "version")
        .first(),
    )


def active_topic_model() -> Any | None:
    """The active TopicModel, or None when none is active or its artefact cannot be loaded."""
    key = _active_row("topic")
    if key is None:
        return None
    with _lock:
        model = _loaded.get(key)
        if model is not None:
            return model
    from complaintdesk.triage.models import TriageModel

    try:
        model = TriageModel.objects.get(pk=key[0]).load()
    except Exception:  # noqa: BLE001 - a broken artefact must not stop case intake
        log.exception("triage: cannot load active topic model %s", key)
        return None
    with _lock:
        _loaded.clear()
        _loaded[key] = model
    return model


def topic_codes() -> frozenset[str]:
    """Codes of the case register's topics: a predicted topic is used only if it exists."""
    from complaintdesk.cases.models import Topic

    return configcache.cached(
        "triage-topic-codes", lambda: frozenset(Topic.objects.values_list("code", flat=True))
    )


def clear() -> None:
    with _lock:
        _loaded.clear()
