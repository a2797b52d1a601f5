"""Actions on the case page go through the services and show domain errors plainly."""

from decimal import Decimal

import pytest

from complaintdesk.cases.models import Case, EventType, Incident

pytestmark = pytest.mark.django_db


def url(case, action=""):
    return f"/desk/cases/{case.reference}/{action + '/' if action else ''}"


def reload(case):
    return Case.objects.get(pk=case.pk)


def test_page_offers_only_allowed_transitions_and_never_a_bare_decided(client, owner, make_case):
    case = make_case()  # received → acknowledged | assessment
    client.force_login(owner)
    body = client.get(url(case)).content.decode()
    assert 'data-to="acknowledged"' in body and 'data-to="assessment"' in body
    assert 'data-to="investigation"' not in body and 'data-to="decided"' not in body
    assert 'id="decision-form"' not in body


def test_specialist_takes_a_claim_investigates_and_decides(client, specialist, make_case):
    case = make_case(kind="claim", amount_claimed=Decimal("600"), currency="RUB")
    client.force_login(specialist)
    client.post(url(case, "assign"), {"self": "1"})
    client.post(url(case, "transition"), {"to": "assessment"})
    client.post(url(case, "transition"), {"to": "investigation"})
    response = client.post(url(case, "decide"),
                           {"outcome": "upheld", "amount_paid": "600", "text": "Refunded"})
    assert response.status_code == 302
    case = reload(case)
    assert case.assignee == specialist
    assert case.status == "decided" and case.decision == "upheld"
    assert case.decision_amount == Decimal("600")
    body = client.get(url(case)).content.decode()
    assert "600.00 RUB" in body and 'id="close-form"' in body


def test_domain_error_is_shown_as_a_clear_message(client, specialist, make_case):
    case = make_case(kind="claim", amount_claimed=Decimal("600"), currency="RUB")
    client.force_login(specialist)
    client.post(url(case, "transition"), {"to": "assessment"})
    response = client.post(url(case, "decide"), {"outcome": "upheld"}, follow=True)
    assert "say how much is paid back" in response.content.decode()
    assert reload(case).status == "assessment"


def test_illegal_transition_is_refused_with_the_allowed_ones(client, owner, make_case):
    case = make_case()
    client.force_login(owner)
    response = client.post(url(case, "transition"), {"to": "closed"}, follow=True)
    assert "cannot move from" in response.content.decode()


def test_closing_records_whether_the_customer_accepted(client, owner, make_case):
    case = make_case()
    client.force_login(owner)
    client.post(url(case, "transition"), {"to": "assessment"})
    client.post(url(case, "decide"), {"outcome": "rejected", "text": "No fault found"})
    client.post(url(case, "close"), {"customer_accepted": "no"})
    case = reload(case)
    assert case.status == "closed" and case.customer_accepted == "no"
    assert case.external_options_given


def test_reply_and_internal_note_are_kept_apart(client, owner, make_case):
    case = make_case()
    client.force_login(owner)
    client.post(url(case, "message"), {"direction": "out", "body": "We are on it"})
    client.post(url(case, "message"), {"direction": "note", "body": "Check the courier"})
    assert list(case.messages.values_list("direction", flat=True)) == ["out", "note"]
    assert case.outbox.filter(purpose="reply").count() == 1


def test_reclassify_changes_kind_and_topic(client, owner, make_case):
    case = make_case()
    client.force_login(owner)
    client.post(url(case, "classify"), {"kind": "complaint", "topic": "delivery-late"})
    case = reload(case)
    assert case.kind == "complaint" and case.topic.code == "delivery-late"
    assert case.events.filter(type=EventType.RECLASSIFIED).exists()


def test_supervisor_assigns_and_escalates_and_links(client, owner, teammate, make_case):
    case = make_case()
    incident = Incident.objects.create(title="Paper bags tear")
    client.force_login(owner)
    client.post(url(case, "assign"), {"assignee": teammate.pk})
    client.post(url(case, "escalate"), {"reason": "Third complaint this week"})
    client.post(url(case, "link"), {"incident": incident.pk})
    case = reload(case)
    assert case.assignee == teammate and case.incident == incident
    assert case.events.filter(type=EventType.ESCALATED).exists()


def test_operator_may_take_a_case_but_not_assign_others(client, teammate, owner, make_case):
    case = make_case()
    client.force_login(teammate)
    assert client.post(url(case, "assign"), {"assignee": owner.pk}).status_code == 403
    client.post(url(case, "assign"), {"self": "1"})
    assert reload(case).assignee == teammate


def test_operator_cannot_decide(client, teammate, make_case):
    case = make_case()
    client.force_login(teammate)
    client.post(url(case, "transition"), {"to": "assessment"})
    assert client.post(url(case, "decide"), {"outcome": "rejected"}).status_code == 403


def test_timeline_lists_the_events(client, owner, make_case):
    case = make_case()
    client.force_login(owner)
    client.post(url(case, "transition"), {"to": "assessment"})
    body = client.get(url(case)).content.decode()
    assert "Status changed" in body and "Status: Received → Assessment" in body
