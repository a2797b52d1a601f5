"""Registering cases: customer matching, references, routing, deadlines, the timeline."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.utils.dateparse import parse_datetime

from complaintdesk.cases import services
from complaintdesk.cases.models import Case, Event, EventType, Outbox
from complaintdesk.lib.errors import DomainError, InvalidInput
from tests.conftest import MSK, new_case


def test_new_case_gets_a_human_reference_and_a_secret_token(make_case, frozen):
    case = make_case()
    assert case.reference == f"CD-2026-{case.pk:06d}"
    assert len(case.public_token) >= 20
    assert case.status == "received"


def test_second_case_with_the_same_email_attaches_to_the_same_customer(make_case):
    first = make_case(customer_email="Ivan@Example.com")
    second = make_case(customer_email="ivan@example.com ", customer_name="")
    assert first.customer_id == second.customer_id


def test_phone_numbers_written_with_8_and_plus7_match(make_case):
    first = make_case(customer_email="", customer_phone="8 (912) 345-67-89")
    second = make_case(customer_email="", customer_phone="+7 912 345 67 89")
    assert first.customer_id == second.customer_id


def test_claims_route_to_claims_department_and_resonance_to_special_group(make_case):
    assert make_case(kind="claim").queue.code == "claims"
    assert make_case(kind="complaint").queue.code == "first-line"
    assert make_case(kind="claim", resonance_source="regulator").queue.code == "special"


def test_complaint_gets_ten_business_days_and_an_hour_to_acknowledge(make_case, frozen):
    case = make_case(kind="complaint")
    # Tuesday 10:00 + 10 × 9 business hours; Monday 9 March is the day off for 8 March.
    assert case.resolve_by == datetime(2026, 3, 18, 10, 0, tzinfo=MSK)
    assert case.acknowledge_by == datetime(2026, 3, 3, 11, 0, tzinfo=MSK)


def test_atm_claim_gets_one_business_day(make_case, frozen):
    case = make_case(kind="claim", topic="cards-atm-cash")
    assert case.policy.name.startswith("Claim, ATM")
    assert case.resolve_by == datetime(2026, 3, 4, 10, 0, tzinfo=MSK)


def test_claim_gets_ten_calendar_days(make_case, frozen):
    case = make_case(kind="claim")
    assert case.resolve_by == datetime(2026, 3, 13, 10, 0, tzinfo=MSK)


def test_regulator_referral_gets_fifteen_business_days_across_march_8_holiday(make_case, frozen):
    case = make_case(channel="regulator")
    # 2026-03-09 (Monday) is the day off for March 8 falling on a Sunday.
    assert case.resolve_by == datetime(2026, 3, 25, 10, 0, tzinfo=MSK)


def test_creation_writes_created_and_deadline_events_and_queues_an_acknowledgement(
    make_case, time_machine
):
    # Inside business hours the deadline keeps the clock's microseconds; the timeline's JSON
    # (DjangoJSONEncoder) keeps milliseconds. Frozen so the test does not depend on the hour.
    time_machine.move_to(datetime(2026, 3, 10, 10, 15, 7, 476384, tzinfo=MSK), tick=False)
    case = make_case()
    types = list(case.events.values_list("type", flat=True))
    assert types == [EventType.CREATED, EventType.CLASSIFIED]
    created = case.events.get(type=EventType.CREATED)
    assert case.resolve_by.microsecond == 476384
    assert parse_datetime(created.after["resolve_by"]) == case.resolve_by.replace(microsecond=476000)
    ack = Outbox.objects.get(case=case)
    assert ack.purpose == "ack" and ack.recipient == "ivan@example.com"
    assert case.reference in ack.subject


def test_a_phone_case_is_acknowledged_in_the_call(make_case):
    case = make_case(channel="phone", customer_email="", customer_phone="+79123456789")
    assert case.status == "acknowledged" and case.acknowledged_at == case.received_at
    assert not Outbox.objects.filter(case=case).exists()


def test_invalid_input_names_every_problem_and_stores_nothing(queues):
    with pytest.raises(InvalidInput) as info:
        services.create_case(data=new_case(text=" ", channel="fax", amount_claimed=Decimal("5")),
                             actor=None)
    message = str(info.value)
    assert "text" in message and "channel" in message and "currency" in message
    assert Case.objects.count() == 0


def test_unknown_topic_is_refused_and_nothing_is_half_written(queues):
    with pytest.raises(InvalidInput, match="no topic 'nope'"):
        services.create_case(data=new_case(topic="nope"), actor=None)
    assert Case.objects.count() == 0 and Event.objects.count() == 0


def test_idempotency_key_returns_the_same_case_on_retry(queues):
    first, created = services.create_case(data=new_case(), actor=None, idempotency_key="k1")
    again, created_again = services.create_case(data=new_case(), actor=None,
                                                idempotency_key="k1")
    assert created and not created_again and again.pk == first.pk
    assert Case.objects.count() == 1


def test_idempotency_key_reused_for_another_body_is_a_conflict(queues):
    services.create_case(data=new_case(), actor=None, idempotency_key="k1")
    with pytest.raises(DomainError, match="different request body"):
        services.create_case(data=new_case(text="something else"), actor=None,
                             idempotency_key="k1")


def test_timeline_events_cannot_be_edited_or_deleted(make_case):
    case = make_case()
    event = case.events.first()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(type="note")
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get(pk=event.pk).type == EventType.CREATED


def test_deleting_a_user_keeps_their_cases_and_their_name_on_the_timeline(make_case, teammate):
    case = make_case(actor=teammate)
    services.assign(case=case, assignee=teammate, actor=teammate)
    teammate.delete()
    case.refresh_from_db()
    assert case.assignee is None
    assert case.events.filter(actor_label="timur").count() == 2


def test_triage_fills_kind_amount_and_remedy_and_records_its_model_version(queues):
    case, _ = services.create_case(data=new_case(
        text="Банкомат не зачислил 600 рублей на карту, верните деньги"), actor=None)
    assert case.kind == "claim" and case.queue.code == "claims"
    assert (case.amount_claimed, case.currency) == (Decimal("600"), "RUB")
    assert case.remedy_sought == "money_back" and case.language == "ru"
    event = case.events.get(type=EventType.CLASSIFIED)
    assert event.data["model_version"] and event.data["explanation"]
    assert 0 < case.kind_confidence <= 1


def test_explicit_values_are_never_overwritten_by_triage(queues):
    case, _ = services.create_case(data=new_case(
        text="Банкомат не зачислил 600 рублей, верните деньги", kind="complaint",
        amount_claimed=Decimal("500"), currency="BYN"), actor=None)
    assert (case.kind, case.amount_claimed, case.currency) == ("complaint", Decimal("500"), "BYN")


def test_a_mention_of_the_regulator_flags_resonance_at_once(queues):
    case, _ = services.create_case(data=new_case(
        text="Третий раз пишу, ответа нет. Подаю жалобу в Центробанк и Роспотребнадзор."),
        actor=None)
    assert case.resonance and case.resonance_source == "regulator"
    assert case.queue.code == "special"


def test_received_at_in_the_past_sets_deadlines_from_receipt(make_case, frozen):
    received = datetime(2026, 3, 2, 10, 0, tzinfo=MSK)
    case = make_case(received_at=received, kind="claim")
    assert case.resolve_by == received + timedelta(days=10)


def test_a_huge_number_in_the_text_is_not_taken_as_the_amount(queues):
    case, _ = services.create_case(data=new_case(
        text="Верните 5000000000000000 рублей, списанные с карты"), actor=None)
    assert case.amount_claimed is None


def test_an_amount_beyond_twelve_digits_is_refused_clearly(queues):
    with pytest.raises(InvalidInput, match="at most 999,999,999,999.99"):
        services.create_case(data=new_case(amount_claimed=Decimal("10") ** 13, currency="RUB"),
                             actor=None)
