"""The customer's status page: secret link, plain words, messages, acceptance."""

from decimal import Decimal

import pytest

from complaintdesk.cases import services
from complaintdesk.cases.models import Case

pytestmark = pytest.mark.django_db


def track(case):
    return f"/track/{case.reference}/?token={case.public_token}"


def test_wrong_token_and_unknown_reference_are_the_same_404(client, make_case):
    case = make_case()
    wrong = client.get(f"/track/{case.reference}/?token=nope")
    unknown = client.get(f"/track/CD-2026-999999/?token={case.public_token}")
    missing = client.get(f"/track/{case.reference}/")
    assert wrong.status_code == unknown.status_code == missing.status_code == 404
    for response in (wrong, unknown, missing):
        body = response.content.decode()
        assert "Not found" in body and "Your request" not in body and case.text not in body


def test_status_page_shows_stage_in_plain_words_and_the_deadline(client, make_case):
    case = make_case()
    body = client.get(track(case)).content.decode()
    assert "We have received your request" in body
    assert "We confirm receipt by" in body and "We will answer by" in body


def test_internal_notes_are_never_shown_to_the_customer(client, owner, make_case):
    case = make_case()
    services.add_message(case=case, body="Customer is difficult", direction="note", actor=owner)
    services.add_message(case=case, body="We are looking into it", direction="out", actor=owner)
    body = client.get(track(case)).content.decode()
    assert "We are looking into it" in body and "Customer is difficult" not in body


def test_customer_adds_information_and_the_paused_clock_resumes(client, owner, make_case):
    case = make_case()
    services.transition(case=case, to="acknowledged", actor=owner)
    services.transition(case=case, to="waiting_customer", actor=owner)
    assert "Our deadline stands still" in client.get(track(case)).content.decode()
    response = client.post(track(case), {"action": "add", "body": "Here is my receipt number"})
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.clock_paused_since is None and case.status == "investigation"
    message = case.messages.get()
    assert message.direction == "in" and message.author is None


def _decided(owner, make_case):
    case = make_case(kind="claim", amount_claimed=Decimal("600"), currency="RUB")
    services.transition(case=case, to="assessment", actor=owner)
    return services.decide(case=case, outcome="upheld", amount_paid=Decimal("600"),
                           actor=owner, text="We refund you")


def test_decision_is_shown_and_the_customer_accepts(client, owner, make_case):
    case = _decided(owner, make_case)
    body = client.get(track(case)).content.decode()
    assert "Upheld" in body and "600.00 RUB" in body and "Do you accept" in body
    client.post(track(case), {"action": "accept", "accepted": "yes"})
    case = Case.objects.get(pk=case.pk)
    assert case.status == "closed" and case.customer_accepted == "yes"
    body = client.get(track(case)).content.decode()
    assert "Do you accept" not in body and "If you disagree" not in body


def test_refusing_the_decision_shows_the_external_options(client, owner, make_case, settings):
    settings.COMPLAINTDESK = {**settings.COMPLAINTDESK,
                              "EXTERNAL_OPTIONS": "Write to the financial ombudsman."}
    case = _decided(owner, make_case)
    client.post(track(case), {"action": "accept", "accepted": "no"})
    body = client.get(track(case)).content.decode()
    assert 'id="external-options"' in body and "Write to the financial ombudsman." in body


def test_accepting_before_a_decision_is_refused_plainly(client, make_case):
    case = make_case()
    response = client.post(track(case), {"action": "accept", "accepted": "yes"}, follow=True)
    assert "only a decided case" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "received"


def test_posting_with_a_wrong_token_is_404(client, make_case):
    case = make_case()
    response = client.post(f"/track/{case.reference}/?token=bad", {"action": "add", "body": "x"})
    assert response.status_code == 404 and not case.messages.exists()
