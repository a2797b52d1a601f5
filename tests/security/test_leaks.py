"""Personal-data leaks of issue #20 (1–7) and the incident-resolution defect of issue #22.

Each test states what a person must NOT learn or change, through the real HTTP client."""

from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from complaintdesk.accounts.models import QueueMembership, Role
from complaintdesk.cases import services
from complaintdesk.cases.models import Case, Customer, Message, Outbox
from complaintdesk.cases.worker import run_pass
from complaintdesk.claims.models import Payout
from tests.claims.conftest import make_matrix
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

NONCE = "0123456789abcdef0123456789abcdef"
VICTIM = {"customer_name": "Maria Secretova", "customer_email": "maria@victim.example",
          "customer_phone": "+7 916 555-44-33"}


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def read_only(user, queue) -> None:
    QueueMembership.objects.create(user=user, queue=queue, can_write=False)


@pytest.fixture
def victim_claim(make_case):
    """A customer known only to the claims department."""
    return make_case(queue="claims", **VICTIM)


@pytest.fixture
def atm_claim(make_case):
    """An ATM claim of the claims department; the matrix decides it inside create_case."""
    return lambda amount: make_case(kind="claim", topic="cards-atm-cash", currency="RUB",
                                    amount_claimed=Decimal(amount), channel="web",
                                    customer_email="ivan@example.com",
                                    text="The ATM took my cash and did not credit it.")


@pytest.fixture
def second_line_supervisor(queues):
    return make_user("sam", Role.SUPERVISOR, queues["second-line"])


# ---------------------------------------------------------------- 1. public form


def test_public_form_with_a_known_phone_reveals_nothing_and_acknowledges_only_what_was_typed(
        client, victim_claim):
    response = client.post("/complain/", {
        "name": "Mallory", "contact": "8 (916) 555-44-33", "text": "Where is my parcel?",
        "remedy": "apology", "currency": "RUB", "consent": "on", "nonce": NONCE, "website": ""},
        follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "maria@victim.example" not in page and "Secretova" not in page
    new = Case.objects.exclude(pk=victim_claim.pk).get()
    assert new.customer_id != victim_claim.customer_id
    assert new.customer.name == "Mallory" and new.customer.email == ""
    assert not Outbox.objects.filter(recipient="maria@victim.example", case=new).exists()
    victim = Customer.objects.get(pk=victim_claim.customer_id)
    assert (victim.name, victim.email) == ("Maria Secretova", "maria@victim.example")


def test_public_form_with_a_known_email_joins_that_customer_and_shows_back_only_the_email(
        client, make_case):
    # All we would send goes to the e-mail typed, so the history is kept; nothing else shows.
    earlier = make_case(queue="claims", **VICTIM)
    client.post("/complain/", {
        "name": "Maria", "contact": "Maria@Victim.example", "text": "Late again.",
        "remedy": "apology", "currency": "RUB", "consent": "on", "nonce": NONCE, "website": ""})
    case = Case.objects.exclude(pk=earlier.pk).get()
    assert case.customer_id == earlier.customer_id
    page = client.get(f"/complain/thanks/{case.reference}/?token={case.public_token}")
    text = page.content.decode()
    assert "maria@victim.example" in text
    assert "Secretova" not in text and "555" not in text and "79165554433" not in text
    assert Outbox.objects.get(case=case, purpose="ack").recipient == "maria@victim.example"


# ---------------------------------------------------------------- 2. API creation


@pytest.mark.parametrize(("given", "hidden"), [
    ({"email": "maria@victim.example"}, ["Secretova", "555-44-33", "79165554433"]),
    ({"phone": "8 916 555 44 33"}, ["Secretova", "maria@victim.example"]),
])
def test_creating_a_case_for_another_queues_customer_returns_only_what_the_caller_typed(
        api_as, victim_claim, outsider, given, hidden):
    client = api_as(outsider)
    response = client.post("/cases", {"text": "Card blocked", "queue": "second-line",
                                      "customer": given})
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    # Neither the answer, nor the case afterwards, nor the desk show the stored record.
    shown = [response.content.decode(), client.get(f"/cases/{reference}").content.decode(),
             login(outsider).get(f"/desk/cases/{reference}/").content.decode()]
    for text in shown:
        assert not [value for value in hidden if value in text]
    assert client.get(f"/customers/{victim_claim.customer_id}").status_code == 404
    # The claims department still sees its customer unchanged.
    assert Customer.objects.get(pk=victim_claim.customer_id).name == "Maria Secretova"


def test_a_caller_who_sees_all_of_a_customers_cases_still_joins_the_existing_record(
        api_as, owner, victim_claim):
    response = api_as(owner).post("/cases", {"text": "Another one", "queue": "first-line",
                                             "customer": {"email": "maria@victim.example"}})
    assert response.json()["customer"]["id"] == victim_claim.customer_id
    assert response.json()["customer"]["name"] == "Maria Secretova"


# ---------------------------------------------------------------- 3. merge


def test_merge_into_another_queues_customer_is_403_and_changes_nothing(
        api_as, make_case, victim_claim, second_line_supervisor):
    own = make_case(queue="second-line", customer_name="Mallory", customer_email="m@x.example")
    response = api_as(second_line_supervisor).post(
        f"/customers/{victim_claim.customer_id}/merge", {"merge": own.customer_id})
    assert response.status_code == 403
    assert "Secretova" not in response.content.decode()
    assert "maria@victim.example" not in response.content.decode()
    assert Customer.objects.filter(pk=own.customer_id).exists()
    assert Case.objects.get(pk=own.pk).customer_id == own.customer_id


def test_a_read_only_member_cannot_merge_customers_of_that_queue(
        api_as, make_case, queues, victim_claim, second_line_supervisor):
    read_only(second_line_supervisor, queues["claims"])
    own = make_case(queue="second-line", customer_name="Mallory", customer_email="m@x.example")
    for keep, merge in ((own, victim_claim), (victim_claim, own)):
        response = api_as(second_line_supervisor).post(
            f"/customers/{keep.customer_id}/merge", {"merge": merge.customer_id})
        assert response.status_code == 403
    assert Case.objects.get(pk=victim_claim.pk).customer_id == victim_claim.customer_id
    assert Case.objects.get(pk=own.pk).customer_id == own.customer_id


def test_a_supervisor_of_both_queues_still_merges(api_as, make_case, owner, victim_claim):
    other = make_case(queue="first-line", customer_name="M. Secretova", customer_phone="123456789")
    response = api_as(owner).post(f"/customers/{victim_claim.customer_id}/merge",
                                  {"merge": other.customer_id})
    assert response.status_code == 200
    assert Case.objects.get(pk=other.pk).customer_id == victim_claim.customer_id


# ---------------------------------------------------------------- 4. tracking token


def test_the_tracking_token_is_in_no_message_staff_can_read_but_reaches_the_customer(
        api_as, frozen, owner, analyst, make_case):
    case = make_case(queue="first-line", kind="complaint")
    services.transition(case=case, to="assessment", actor=owner)
    services.decide(case=case, outcome="upheld", actor=owner, text="We apologise.")
    services.add_message(case=case, body="One more thing.", direction="out", actor=owner)
    for user in (analyst, owner):
        messages = api_as(user).get(f"/cases/{case.reference}/messages")
        assert messages.status_code == 200 and len(messages.json()) == 2
        assert case.public_token not in messages.content.decode()
        page = login(user).get(f"/desk/cases/{case.reference}/").content.decode()
        assert "We apologise." in page
        if user is analyst:
            assert case.public_token not in page
    assert not any(case.public_token in m.body for m in Message.objects.filter(case=case))
    assert not any(case.public_token in o.body for o in Outbox.objects.filter(case=case))
    run_pass(worker_id="test", periodic=False)
    sent = [m.body for m in mail.outbox if case.reference in m.subject]
    assert len(sent) == 3  # acknowledgement, decision, reply
    assert all(f"/track/{case.reference}/?token={case.public_token}" in body for body in sent)


def test_old_messages_with_a_stored_token_are_masked_for_staff(api_as, analyst, make_case):
    case = make_case(queue="first-line")
    Message.objects.create(case=case, direction="out", channel="email", author_label="system",
                           body=f"Accept here: http://testserver/track/{case.reference}/"
                                f"?token={case.public_token}")
    response = api_as(analyst).get(f"/cases/{case.reference}/messages")
    assert case.public_token not in response.content.decode()
    assert case.public_token not in login(analyst).get(
        f"/desk/cases/{case.reference}/").content.decode()


# ---------------------------------------------------------------- 5. claim audits


def test_audit_sample_and_audit_action_are_scoped_by_queue(
        frozen, queues, owner, second_line_supervisor, atm_claim):
    make_matrix(audit_share="1")
    case = atm_claim("600")
    payout = Payout.objects.get(case=case)
    assert payout.audit_selected and case.queue.code == "claims"
    assert case.reference in login(owner).get("/desk/claims/").content.decode()
    outsider_client = login(second_line_supervisor)
    assert case.reference not in outsider_client.get("/desk/claims/").content.decode()
    response = outsider_client.post(f"/desk/claims/audits/{payout.pk}/", {"result": "unfounded"})
    assert response.status_code == 403
    payout.refresh_from_db()
    assert payout.audit_result == ""


def test_a_read_only_claims_member_may_not_record_an_audit(
        frozen, queues, second_line_supervisor, atm_claim):
    read_only(second_line_supervisor, queues["claims"])
    make_matrix(audit_share="1")
    payout = Payout.objects.get(case=atm_claim("600"))
    response = login(second_line_supervisor).post(f"/desk/claims/audits/{payout.pk}/",
                                                  {"result": "founded"})
    assert response.status_code == 403
    payout.refresh_from_db()
    assert payout.audit_result == ""


# ---------------------------------------------------------------- 6. incidents list references


def test_incidents_show_only_references_of_cases_the_user_may_see(
        api_as, owner, queues, make_case, victim_claim):
    # Incidents are read by specialists and supervisors; this one supervises the 2nd line only.
    second_line_lead = make_user("sergei", Role.SUPERVISOR, queues["second-line"])
    incident = services.create_incident(title="ATM outage", actor=owner)
    own = make_case(queue="second-line")
    for case in (victim_claim, own):
        services.link_to_incident(case=case, incident=incident, actor=None)
    client = api_as(second_line_lead)
    listed = client.get("/incidents")
    one = client.get(f"/incidents/{incident.pk}")
    for response in (listed, one):
        assert response.status_code == 200
        assert victim_claim.reference not in response.content.decode()
        assert own.reference in response.content.decode()
    second_specialist = make_user("sid", Role.SPECIALIST, queues["second-line"])
    desk = login(second_specialist)
    for path in ("/desk/incidents/", f"/desk/incidents/{incident.pk}/"):
        page = desk.get(path)
        assert page.status_code == 200 and victim_claim.reference not in page.content.decode()


# ---------------------------------------------------------------- 7. incident answer, all or nothing


def test_answering_an_incident_with_a_case_the_user_may_not_change_is_403_and_changes_nothing(
        api_as, owner, queues, make_case):
    boss = make_user("bella", Role.SUPERVISOR, queues["first-line"])
    read_only(boss, queues["claims"])
    incident = services.create_incident(title="App down", actor=owner)
    mine = make_case(queue="first-line", kind="complaint")
    theirs = make_case(queue="claims", kind="complaint")
    for case in (mine, theirs):
        services.link_to_incident(case=case, incident=incident, actor=owner)
    before = Outbox.objects.count()
    for resolve in (True, False):
        response = api_as(boss).post(f"/incidents/{incident.pk}/answer",
                                     {"body": "Fixed", "resolve": resolve})
        assert response.status_code == 403
    for case in (mine, theirs):
        case.refresh_from_db()
        assert case.status == "received" and not case.decision
        assert not case.messages.exists()
    assert Outbox.objects.count() == before
    incident.refresh_from_db()
    assert incident.state == "open"


def test_answering_an_incident_with_a_case_in_an_unseen_queue_names_no_reference(
        api_as, owner, queues, make_case):
    boss = make_user("bella", Role.SUPERVISOR, queues["first-line"])
    incident = services.create_incident(title="App down", actor=owner)
    mine = make_case(queue="first-line", kind="complaint")
    hidden = make_case(queue="claims", kind="complaint")
    for case in (mine, hidden):
        services.link_to_incident(case=case, incident=incident, actor=owner)
    response = api_as(boss).post(f"/incidents/{incident.pk}/answer",
                                 {"body": "Fixed", "resolve": True})
    assert response.status_code == 403
    assert hidden.reference not in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == "received"


# ---------------------------------------------------------------- 8. issue #22


def test_resolving_an_incident_pays_each_claim_its_own_amount_and_lets_the_customer_answer(
        frozen, owner, make_case, client):
    incident = services.create_incident(title="ATM outage", actor=owner)
    claim = make_case(queue="claims", kind="claim", amount_claimed=Decimal("600"),
                      currency="RUB")
    complaint = make_case(queue="first-line", kind="complaint")
    for case in (claim, complaint):
        services.link_to_incident(case=case, incident=incident, actor=owner)
    response = login(owner).post(f"/desk/incidents/{incident.pk}/answer/",
                                 {"body": "Деньги вернём", "resolve": "on",
                                  "outcome": "upheld"}, follow=True)
    page = response.content.decode()
    assert claim.reference in page and complaint.reference in page
    assert "600" in page
    claim.refresh_from_db()
    complaint.refresh_from_db()
    assert claim.decision == "upheld" and claim.decision_amount == Decimal("600")
    assert claim.status == "decided" and complaint.status == "decided"
    assert claim.customer_accepted == "unknown" and claim.closed_at is None
    incident.refresh_from_db()
    assert incident.state == "resolved"
    # The customer still accepts or disputes the decision on the tracking page.
    answer = client.post(f"/track/{claim.reference}/?token={claim.public_token}",
                         {"action": "accept", "accepted": "no"})
    assert answer.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "closed" and claim.customer_accepted == "no"


def test_a_partly_upheld_incident_answer_needs_each_claims_amount_and_changes_nothing_without(
        api_as, owner, make_case):
    incident = services.create_incident(title="ATM outage", actor=owner)
    claim = make_case(queue="claims", kind="claim", amount_claimed=Decimal("600"),
                      currency="RUB")
    services.link_to_incident(case=claim, incident=incident, actor=owner)
    client = api_as(owner)
    refused = client.post(f"/incidents/{incident.pk}/answer",
                          {"body": "Half back", "resolve": True, "outcome": "partly"})
    assert refused.status_code == 422 and claim.reference in refused.content.decode()
    claim.refresh_from_db()
    assert claim.status == "received"
    done = client.post(f"/incidents/{incident.pk}/answer",
                       {"body": "Half back", "resolve": True, "outcome": "partly",
                        "amounts": {claim.reference: "300"}})
    assert done.status_code == 200, done.content
    claim.refresh_from_db()
    assert claim.decision == "partly" and claim.decision_amount == Decimal("300")


def test_a_bad_amount_on_the_last_case_leaves_the_first_case_undecided(api_as, owner, make_case):
    incident = services.create_incident(title="ATM outage", actor=owner)
    first = make_case(queue="first-line", kind="complaint")
    claim = make_case(queue="claims", kind="claim", amount_claimed=Decimal("600"),
                      currency="RUB")
    for case in (first, claim):
        services.link_to_incident(case=case, incident=incident, actor=owner)
    before = Outbox.objects.count()
    response = api_as(owner).post(f"/incidents/{incident.pk}/answer", {
        "body": "Sorry", "resolve": True, "amounts": {claim.reference: "999999"}})
    assert response.status_code == 422
    first.refresh_from_db()
    assert first.status == "received" and not first.decision and not first.messages.exists()
    assert Outbox.objects.count() == before
    incident.refresh_from_db()
    assert incident.state == "open"
