"""Endpoints for an IVR or chat platform: expected wait for a caller, answered waits back."""

import os
from datetime import timedelta
from typing import Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.security import HttpBearer
from pydantic import ConfigDict

from complaintdesk.accounts import permissions
from complaintdesk.accounts.models import ApiToken, User
from complaintdesk.cases.models import Queue
from complaintdesk.lib import ratelimit
from complaintdesk.lib.errors import DomainError, InvalidInput
from complaintdesk.lib.moments import Moment
from complaintdesk.staffing import services
from complaintdesk.staffing.models import AnsweredWait

ChannelName = Literal["phone", "email", "web", "chat", "social", "sms", "regulator", "letter", "api"]
MAX_WAITS_PER_BATCH = 1000
FUTURE_TOLERANCE = timedelta(minutes=5)


class IntegrationToken(HttpBearer):
    """Machine-to-machine only: the IVR or chat platform's user sends a bearer token."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


router = Router(tags=["staffing"], auth=IntegrationToken())


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class WaitIn(Strict):
    waited_seconds: float = Field(..., ge=0, le=86_400, description="time in queue before answer")
    answered_at: Moment | None = Field(None, description="default: now; at most five minutes "
                                                         "ahead of the server's clock")
    channel: ChannelName | None = Field(None, description="default: the batch's channel")


class WaitsIn(Strict):
    channel: ChannelName | None = None
    waits: list[WaitIn] = Field(..., min_length=1, max_length=MAX_WAITS_PER_BATCH)


class WaitsOut(Schema):
    queue: str
    created: int


class Estimates(Schema):
    erlang_c: float | None = Field(None, description="(k+1)·AHT/N")
    erlang_a: float | None = Field(None, description="Σ_{j=0..k} 1/(Nμ + jθ)")
    delay_history: float | None = Field(None, description="mean of recent answered waits")


class EwtOut(Schema):
    queue: str
    channel: str | None
    position: int
    agents_on_duty: int
    aht_seconds: float
    patience_seconds: float
    estimates: Estimates
    answered_waits_used: int
    method: str
    ewt_seconds: float | None
    announce_minutes: int
    offer_callback: bool
    callback_threshold_seconds: float
    message: str


class TooManyRequests(DomainError):
    status_code = 429
    title = "Too many requests"


def _limit(user: User) -> None:
    """Per integration user, generous: an IVR asks once per caller and announcement.
    Set STAFFING_API_PER_MINUTE in the settings or the environment; 0 switches it off."""
    per_minute = getattr(settings, "STAFFING_API_PER_MINUTE", None)
    if per_minute is None:
        per_minute = int(os.environ.get("STAFFING_API_PER_MINUTE", "6000"))
    if per_minute > 0 and not ratelimit.hit(scope="staffing-api", key=str(user.pk), limit=per_minute):
        raise TooManyRequests(_("More than %(limit)d staffing API requests a minute from this "
                                "token; wait a minute and retry.") % {"limit": per_minute})


class NotConfigured(DomainError):
    status_code = 409
    title = "Staffing not configured"


def _queue(code: str) -> Queue:
    queue = Queue.objects.filter(code=code).first()
    if queue is None:
        raise Http404(f"No queue {code!r}.")
    return queue


def _require_queue(user: User, queue: Queue, *, write: bool) -> None:
    visible = permissions.visible_queue_ids(user)
    if visible is not None and queue.pk not in visible:
        raise PermissionDenied(_("You have no access to queue '%(queue)s'.") % {"queue": queue.code})
    if write:
        writable = permissions.writable_queue_ids(user)
        if writable is not None and queue.pk not in writable:
            raise PermissionDenied(_("You may read queue '%(queue)s' but not report to it.")
                                   % {"queue": queue.code})


@router.get("/queues/{queue}/ewt", response=EwtOut, summary="Expected wait for a caller")
def expected_wait(
    request: HttpRequest,
    queue: str,
    position: int = Query(..., ge=0, le=services.MAX_POSITION,
                          description="callers ahead of this one (k ≥ 0)"),
    channel: ChannelName | None = None,
):
    """The caller's expected wait with `position` callers ahead: Erlang C, Erlang A and
    delay-history estimates, the one the queue's settings choose, and what to announce
    (offer a callback above the queue's threshold, 10 minutes by default)."""
    _limit(request.auth)
    setting = services.settings_for_code(queue, channel or "")
    if setting is None:
        found = _queue(queue)
        _require_queue(request.auth, found, write=False)
        raise NotConfigured(_("Queue '%(queue)s' has no staffing settings: add them in the admin.")
                            % {"queue": found.code})
    _require_queue(request.auth, setting.queue, write=False)
    return services.expected_wait(setting, position=position, channel=channel or "")


@router.post("/queues/{queue}/answered-waits", response={201: WaitsOut},
             summary="Report answered waits")
def answered_waits(request: HttpRequest, queue: str, payload: WaitsIn):
    """A batch (up to 1000) of how long callers waited before an agent answered; the
    delay-history estimate of the EWT averages the most recent ones."""
    _limit(request.auth)
    found = _queue(queue)
    _require_queue(request.auth, found, write=True)
    now = timezone.now()
    rows = []
    for i, wait in enumerate(payload.waits):
        at = wait.answered_at or now
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        if at > now + FUTURE_TOLERANCE:
            raise InvalidInput(_("waits.%(index)d.answered_at: %(at)s is in the future")
                               % {"index": i, "at": at.isoformat()})
        rows.append(AnsweredWait(queue=found, channel=wait.channel or payload.channel or "",
                                 waited_seconds=wait.waited_seconds, answered_at=at))
    AnsweredWait.objects.bulk_create(rows)
    return Status(201, {"queue": found.code, "created": len(rows)})
