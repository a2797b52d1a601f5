"""Creating many cases at once: create_cases for a batch, and the web process's writer thread
that registers concurrent API requests together (group commit)."""

import queue
import threading

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import translation

from complaintdesk.accounts.models import Role
from complaintdesk.cases import batching, defaults, services
from complaintdesk.cases.models import Case, Event, IdempotencyKey, Outbox
from complaintdesk.lib.errors import DomainError, InvalidInput
from tests.conftest import ApiClient, make_user, new_case


def _request(text: str, *, actor=None, key: str = "", **overrides) -> services.CaseRequest:
    return services.CaseRequest(data=new_case(text=text, **overrides), actor=actor,
                                idempotency_key=key)


def test_a_batch_registers_each_case_with_its_own_reference_timeline_and_acknowledgement(queues):
    outcomes = services.create_cases([
        _request(f"The parcel {n} arrived broken", customer_email=f"c{n}@example.com")
        for n in range(5)
    ])
    cases = [case for case, created in outcomes if created]
    assert len(cases) == 5 and len({c.reference for c in cases}) == 5
    for case in cases:
        assert case.reference == f"CD-{case.received_at.year}-{case.pk:06d}"
        assert Event.objects.filter(case=case, type="created").count() == 1
        assert Outbox.objects.filter(case=case, purpose="ack").count() == 1


def test_a_bad_item_gets_its_own_error_and_the_rest_of_the_batch_is_registered(queues, analyst):
    outcomes = services.create_cases([
        _request("The app crashes at login"),
        _request("Where is my refund?", topic="no-such-topic"),
        _request("Nobody answers the phone", actor=analyst),  # analysts may not create
        _request(" "),
        _request("The branch was closed at noon"),
    ])
    assert isinstance(outcomes[0], tuple) and isinstance(outcomes[4], tuple)
    assert isinstance(outcomes[1], InvalidInput) and "no-such-topic" in outcomes[1].detail
    assert isinstance(outcomes[2], PermissionDenied)
    assert isinstance(outcomes[3], InvalidInput) and "text" in outcomes[3].detail
    assert Case.objects.count() == 2


def test_the_same_key_twice_in_one_batch_makes_one_case_and_replays_it(queues, owner):
    first, second = services.create_cases([
        _request("Charged twice for one order", actor=owner, key="k-1"),
        _request("Charged twice for one order", actor=owner, key="k-1"),
    ])
    assert first[1] is True and second[1] is False
    assert first[0].pk == second[0].pk
    assert Case.objects.count() == 1 and IdempotencyKey.objects.count() == 1


def test_the_same_key_with_another_body_in_one_batch_is_a_conflict(queues, owner):
    first, second = services.create_cases([
        _request("Charged twice for one order", actor=owner, key="k-2"),
        _request("Something else entirely", actor=owner, key="k-2"),
    ])
    assert first[1] is True
    assert isinstance(second, DomainError) and "Idempotency-Key" in second.detail
    assert Case.objects.count() == 1


def test_the_writer_words_each_refusal_in_the_language_of_the_request_that_sent_it():
    writer = batching.CreationBatcher()
    jobs = []
    for language in ("ru", "en"):
        with translation.override(language):  # as LocaleMiddleware leaves each request thread
            jobs.append(batching._Job(_request(" ")))
    waiting: queue.Queue = queue.Queue()
    for job in [*jobs, None]:  # both in one batch; None stops the writer
        waiting.put(job)
    thread = threading.Thread(target=writer._write_forever, args=(waiting,))
    thread.start()
    thread.join(timeout=60)
    russian, english = (job.outcome for job in jobs)
    assert isinstance(russian, InvalidInput) and isinstance(english, InvalidInput)
    assert russian.detail == "text: укажите текст обращения клиента"
    assert english.detail == "text: the customer's words are required"
    assert writer.batch_sizes == [1, 1]


# The writer thread has its own connection, so these tests commit for real; only PostgreSQL
# can empty the append-only timeline between tests (TRUNCATE; SQLite's flush DELETEs rows).
needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql",
                                    reason="committed data between tests needs PostgreSQL")


@pytest.fixture
def committed_queues(transactional_db, settings):
    """Queues committed for real: the writer thread has its own database connection."""
    defaults.install(django_apps)
    settings.COMPLAINTDESK = {**settings.COMPLAINTDESK, "API_CREATE_BATCHING": True}
    yield
    batching._batcher.close()  # the API's writer; its connection must not outlive the test


@needs_postgres
def test_concurrent_requests_through_the_writer_each_get_their_own_case(committed_queues):
    writer = batching.CreationBatcher()
    barrier = threading.Barrier(12)
    outcomes: dict[int, object] = {}

    def submit(n: int) -> None:
        barrier.wait()
        outcomes[n] = writer.create(_request(f"Call dropped {n}", key=f"t-{n}",
                                             customer_email=f"t{n}@example.com"))

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    writer.close()
    assert sorted(outcomes) == list(range(12))
    cases = [outcomes[n][0] for n in range(12)]
    assert all(outcomes[n][1] for n in range(12))
    assert len({c.pk for c in cases}) == 12 == Case.objects.count()
    assert sum(writer.batch_sizes) == 12


@needs_postgres
def test_the_api_answers_through_the_writer_and_a_retry_returns_the_first_case(committed_queues):
    client = ApiClient(make_user("ira", Role.OPERATOR))
    body = {"channel": "api", "text": "ATM kept 600 RUB", "kind": "claim",
            "amount_claimed": "600", "currency": "RUB", "customer": {"email": "ira@example.com"}}
    first = client.post("/cases", body, **{"Idempotency-Key": "retry-1"})
    again = client.post("/cases", body, **{"Idempotency-Key": "retry-1"})
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["reference"] == again.json()["reference"]
    assert first.json()["queue"] == "claims" and first.json()["resolve_by"]
    assert Case.objects.count() == 1
