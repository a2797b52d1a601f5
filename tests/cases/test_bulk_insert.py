"""lib/bulk.insert_all: several tables' new rows at once (COPY on PostgreSQL), all or none."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from complaintdesk.cases.models import Case, Customer, Event, IdempotencyKey
from complaintdesk.lib.bulk import insert_all
from complaintdesk.lib.ids import reserve_ids

AWKWARD = "tab\there, new\nline, back\\slash, quote ' \" , NUL-free émoji 🙂, \\N and %s"


def _customer_and_case(queues, *, email: str) -> tuple[Customer, Case]:
    customer = Customer(name=AWKWARD, email=email)
    customer.pk = reserve_ids(Customer, 1)[0]
    case = Case(customer=customer, channel="api", text=AWKWARD, kind="claim",
                queue=queues["claims"], amount_claimed=Decimal("1500.50"), currency="RUB",
                received_at=datetime(2026, 3, 3, 10, 0, 5, 123456, tzinfo=ZoneInfo("Europe/Moscow")))
    case.pk = reserve_ids(Case, 1)[0]
    case.reference = f"CD-2026-{case.pk:06d}"
    return customer, case


@pytest.mark.django_db(transaction=False)
def test_insert_all_writes_parents_and_children_with_every_value_intact(queues):
    with transaction.atomic():
        customer, case = _customer_and_case(queues, email="a@example.com")
        event = Event(case=case, type="created", actor_label="system",
                      after={"kind": "claim", "text": AWKWARD, "n": [1, 2.5, None]}, before=None)
        key = IdempotencyKey(scope="system", key="k-1", request_hash="h", case=case)
        insert_all([customer], [case], [event], [], [key])

    stored = Case.objects.select_related("customer").get(pk=case.pk)
    assert stored.text == AWKWARD and stored.customer.name == AWKWARD
    assert stored.amount_claimed == Decimal("1500.50")
    assert stored.received_at == case.received_at  # microseconds and zone kept
    assert stored.reference == case.reference
    stored_event = Event.objects.get(case=case)
    assert stored_event.after == {"kind": "claim", "text": AWKWARD, "n": [1, 2.5, None]}
    assert stored_event.before is None and stored_event.pk is not None
    assert IdempotencyKey.objects.get(case=case).key == "k-1"
    assert not case._state.adding


@pytest.mark.django_db(transaction=False)
def test_insert_all_refusal_keeps_none_of_the_call_and_is_an_integrity_error(queues):
    with transaction.atomic():
        customer, case = _customer_and_case(queues, email="b@example.com")
        insert_all([customer], [case],
                   [IdempotencyKey(scope="system", key="same", request_hash="h", case=case)])
    with transaction.atomic():
        other_customer, other_case = _customer_and_case(queues, email="c@example.com")
        with pytest.raises(IntegrityError):
            insert_all([other_customer], [other_case],
                       [IdempotencyKey(scope="system", key="same", request_hash="h2",
                                       case=other_case)])
    assert not Customer.objects.filter(email="c@example.com").exists()
    assert not Case.objects.filter(pk=other_case.pk).exists()
    assert IdempotencyKey.objects.get(key="same").case_id == case.pk


@pytest.mark.django_db
def test_insert_all_refuses_rows_where_only_some_have_a_primary_key():
    given = Customer(name="given")
    given.pk = 10_000
    with pytest.raises(ValueError, match="every row its primary key, or none"):
        insert_all([given, Customer(name="left out")])
    assert not Customer.objects.exists()
