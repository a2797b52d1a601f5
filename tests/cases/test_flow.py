"""Working a case: transitions, clock pauses, reclassification, decisions, incidents."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from complaintdesk.cases import services
from complaintdesk.cases.models import Case, EventType, Message, Outbox
from complaintdesk.lib.errors import DomainError, InvalidInput
from tests.conftest import MSK


def _to(case, *statuses, actor=None):
    for status in statuses:
        case = services.transition(case=case, to=status, actor=actor)
    return case


def test_illegal_transition_names_the_allowed_ones(make_case):
    case = make_case()
    with pytest.raises(DomainError) as info:
        services.transition(case=case, to="closed", actor=None)
    assert "Allowed from 'Received': Acknowledged, Assessment." in str(info.value)
    assert info.value.extra["allowed"] == ["acknowledged", "assessment"]


def test_claim_clock_pauses_while_waiting_for_customer(make_case, frozen):
    case = make_case(kind="claim")
    original = case.resolve_by
    case = _to(case, "assessment", "investigation", "waiting_customer")
    assert case.clock_paused_since is not None and case.next_sla_check_at is None
    frozen.shift(timedelta(days=3))
    case = _to(case, "investigation")
    assert case.clock_paused_since is None
    assert case.resolve_by == original + timedelta(days=3)


def test_customer_message_resumes_a_paused_clock_to_the_previous_stage(make_case, frozen):
    case = _to(make_case(kind="complaint"), "assessment", "waiting_customer")
    frozen.shift(timedelta(hours=2))
    services.add_message(case=case, body="Here is my receipt", direction="in", actor=None)
    case.refresh_from_db()
    assert case.status == "assessment" and case.clock_paused_since is None


def test_business_clock_pause_over_a_night_adds_only_working_time(make_case, frozen):
    case = _to(make_case(kind="complaint"), "assessment", "waiting_customer")
    original = case.resolve_by
    # Paused Tuesday 10:00 → Wednesday 10:00: nine working hours.
    frozen.shift(timedelta(days=1))
    case = _to(case, "assessment")
    assert case.resolve_by == datetime(2026, 3, 19, 10, 0, tzinfo=MSK)
    assert case.resolve_by - original == timedelta(days=1)


def test_reclassifying_a_complaint_as_claim_recomputes_deadline_and_is_recorded(
    make_case, specialist, frozen
):
    case = make_case(kind="complaint")
    case = services.reclassify(case=case, kind="claim", actor=specialist)
    assert case.resolve_by == datetime(2026, 3, 13, 10, 0, tzinfo=MSK)
    event = case.events.get(type=EventType.RECLASSIFIED)
    assert event.before["kind"] == "complaint" and event.after["kind"] == "claim"
    assert event.data["by"] == "person"


def test_decision_records_outcome_amount_and_tells_the_customer(make_case, specialist):
    case = make_case(kind="claim", amount_claimed=Decimal("600"), currency="RUB")
    case = _to(case, "assessment", "investigation")
    case = services.decide(case=case, outcome="upheld", amount_paid=Decimal("600"),
                           text="Refund approved", actor=specialist)
    assert case.status == "decided" and case.decision_amount == Decimal("600")
    mail = Outbox.objects.get(case=case, purpose="decision")
    assert "600" in mail.body and "Upheld" in mail.body
    assert case.events.filter(type=EventType.DECISION).get().after["outcome"] == "upheld"


def test_upheld_claim_without_an_amount_paid_is_refused(make_case, specialist):
    case = _to(make_case(kind="claim", amount_claimed=Decimal("600"), currency="RUB"),
               "assessment")
    with pytest.raises(InvalidInput, match="how much is paid back"):
        services.decide(case=case, outcome="upheld", actor=specialist)


def test_an_operator_may_not_decide(make_case, teammate):
    case = _to(make_case(kind="complaint"), "assessment")
    with pytest.raises(PermissionDenied):
        services.decide(case=case, outcome="upheld", actor=teammate)


def test_closing_records_whether_the_customer_accepted_and_the_options_given(make_case):
    case = _to(make_case(kind="complaint"), "assessment")
    case = services.decide(case=case, outcome="rejected", actor=None, text="Sorry")
    case = services.record_acceptance(case=case, accepted="no", actor=None)
    assert case.status == "closed" and case.customer_accepted == "no"
    assert "ombudsman" in case.external_options_given
    assert case.events.filter(type=EventType.ACCEPTANCE).exists()


def test_reopening_a_closed_case_does_not_count_the_closed_time(make_case, frozen):
    case = _to(make_case(kind="claim"), "assessment")
    case = services.decide(case=case, outcome="rejected", actor=None)
    case = _to(case, "closed")
    deadline = case.resolve_by
    frozen.shift(timedelta(days=2))
    case = _to(case, "investigation")
    assert case.resolve_by == deadline + timedelta(days=2)
    assert case.decision == "" and case.customer_accepted == "unknown"


def test_outsider_cannot_touch_a_first_line_case(make_case, outsider):
    case = make_case()
    with pytest.raises(PermissionDenied):
        services.transition(case=case, to="assessment", actor=outsider)
    with pytest.raises(PermissionDenied):
        services.add_message(case=case, body="hi", direction="out", actor=outsider)


def test_assigning_to_someone_without_queue_access_is_refused(make_case, owner, outsider):
    with pytest.raises(InvalidInput, match="no access to queue"):
        services.assign(case=make_case(), assignee=outsider, actor=owner)


def test_operator_may_take_a_case_but_not_hand_it_to_others(make_case, teammate, owner):
    case = make_case()
    services.assign(case=case, assignee=teammate, actor=teammate)
    with pytest.raises(PermissionDenied):
        services.assign(case=case, assignee=owner, actor=teammate)


def test_resonance_flag_moves_the_case_to_the_special_group(make_case, owner):
    case = services.flag_resonance(case=make_case(), source="media", actor=owner)
    assert case.queue.code == "special" and case.resonance_source == "media"


def test_internal_note_is_not_sent_to_the_customer(make_case, teammate):
    case = make_case()
    services.add_message(case=case, body="customer sounds upset", direction="note",
                         actor=teammate)
    assert not Outbox.objects.filter(case=case, purpose="reply").exists()
    assert not Message.objects.get(case=case).visible_to_customer


def test_answering_an_incident_resolves_and_decides_every_linked_case(make_case, owner):
    incident = services.create_incident(title="App outage 3 March", actor=owner)
    cases = [make_case(text=f"App down {i}") for i in range(3)]
    cases[1] = _to(cases[1], "assessment", "waiting_customer")
    for case in cases:
        services.link_to_incident(case=case, incident=incident, actor=owner)
    result = services.answer_incident(incident=incident, body="Fixed, sorry.", actor=owner,
                                      resolve=True)
    assert sorted(result["decided"]) == sorted(c.reference for c in cases)
    for case in Case.objects.filter(incident=incident):
        # Decided, not closed: each customer still accepts or disputes (issue #22).
        assert case.status == "decided" and case.decision_text == "Fixed, sorry."
        assert case.events.filter(type=EventType.DECISION).count() == 1
    incident.refresh_from_db()
    assert incident.state == "resolved"
