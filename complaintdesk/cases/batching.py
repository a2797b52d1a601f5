"""Group commit for case creation inside a web process.

Each API request hands its case to one writer thread per process and waits. The writer takes
whatever has queued up while it was writing the last batch and registers it with one
services.create_cases call (one per language of the askers, so that refusals are worded for
each): one transaction and one INSERT per table for the whole batch instead of a round of
statements and a commit per case. A lone request is never delayed (the
writer does not wait for company), so batches grow only under load, which is when it pays.
On two cores this is what lets creation keep up with dozens of concurrent clients.

Off unless settings.COMPLAINTDESK["API_CREATE_BATCHING"] is set (`complaintdesk serve` sets
it): the writer has its own database connection, which a test's open transaction would not see.
"""

import logging
import os
import queue
import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import translation
from django.utils.translation import gettext as _

from complaintdesk.cases import services
from complaintdesk.lib.errors import ServiceBusy

log = logging.getLogger(__name__)

# More than this per transaction buys little and holds row locks longer.
MAX_BATCH = 64
# How long a request waits for the writer before it answers "try again" (the case may still
# be registered; a retry with the same Idempotency-Key then returns it).
WAIT_SECONDS = 30.0


@dataclass(eq=False)
class _Job:
    request: services.CaseRequest
    # The asker's: the writer words each refusal, and a thread has its own active language.
    language: str | None = field(default_factory=translation.get_language)
    done: threading.Event = field(default_factory=threading.Event)
    outcome: services.CreateOutcome | None = None
    error: BaseException | None = None


class CreationBatcher:
    """One writer thread per process (started on first use, again after a fork)."""

    def __init__(self, *, max_batch: int = MAX_BATCH) -> None:
        self.max_batch = max_batch
        self.batch_sizes: list[int] = []  # the last few, for tests and the bench
        self._queue: queue.Queue[_Job | None] = queue.Queue()  # None: stop the writer
        self._lock = threading.Lock()
        self._owner_pid: int | None = None

    def create(self, request: services.CaseRequest, *,
               wait_seconds: float = WAIT_SECONDS) -> services.CreateOutcome:
        job = _Job(request)
        self._ensure_writer()
        self._queue.put(job)
        if not job.done.wait(wait_seconds):
            raise ServiceBusy(_("The server is busy registering cases; retry with the same "
                                "Idempotency-Key."))
        if job.error is not None:
            raise job.error
        assert job.outcome is not None
        return job.outcome

    def _ensure_writer(self) -> None:
        with self._lock:
            if self._owner_pid != os.getpid():  # first use, or a forked worker process
                self._queue = queue.Queue()
                threading.Thread(target=self._write_forever, args=(self._queue,),
                                 name="case-writer", daemon=True).start()
                self._owner_pid = os.getpid()

    def close(self) -> None:
        """Stop the writer once what is queued is written, and close its connection (tests;
        a server process simply exits)."""
        with self._lock:
            if self._owner_pid == os.getpid():
                self._queue.put(None)
                self._owner_pid = None

    def _write_forever(self, jobs_queue: "queue.Queue[_Job | None]") -> None:
        stop = False
        while not stop:
            first = jobs_queue.get()
            if first is None:
                break
            jobs = [first]
            while len(jobs) < self.max_batch:
                try:
                    job = jobs_queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                jobs.append(job)
            by_language: dict[str | None, list[_Job]] = {}
            for job in jobs:
                by_language.setdefault(job.language, []).append(job)
            for group in by_language.values():
                self._write(group)
        connection.close()

    def _write(self, jobs: list[_Job]) -> None:
        close_old_connections()  # honour CONN_MAX_AGE and drop a broken connection
        self.batch_sizes = [*self.batch_sizes[-99:], len(jobs)]
        try:
            with translation.override(jobs[0].language):
                outcomes = services.create_cases([job.request for job in jobs])
            for job, outcome in zip(jobs, outcomes, strict=True):
                job.outcome = outcome
        except Exception as exc:  # the database is gone, say: every waiter hears it
            log.exception("writing a batch of %d cases failed", len(jobs))
            for job in jobs:
                job.error = exc
        finally:
            for job in jobs:
                job.done.set()


_batcher = CreationBatcher()


def create(request: services.CaseRequest) -> tuple:
    """(case, created) for one request, through the process's writer when batching is on."""
    if settings.COMPLAINTDESK.get("API_CREATE_BATCHING", False):
        outcome = _batcher.create(request)
    else:
        outcome = services.create_cases([request])[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome
