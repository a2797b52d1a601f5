"""Issue #21: a case reclassified as a claim goes to the claims queue by intake's routing rule,
recorded on the timeline; the desk's New case form leaves the kind to triage by default."""

import re

import pytest
from django.test import Client

from complaintdesk.cases import services
from complaintdesk.cases.models import Case, EventType, Kind


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def complaint(make_case, frozen):
    return make_case(queue="first-line", kind="complaint")


def test_a_complaint_reclassified_as_a_claim_moves_to_the_claims_queue(complaint, owner):
    saved = services.reclassify(case=complaint, actor=owner, kind=Kind.CLAIM)
    assert saved.queue.code == "claims"
    case = Case.objects.get(pk=complaint.pk)
    assert case.queue.code == "claims" and case.kind == "claim"
    moved = case.events.get(type=EventType.QUEUE_CHANGED)
    assert moved.before == {"queue": "first-line"} and moved.after == {"queue": "claims"}
    assert moved.actor == owner and moved.data["reason"] == "reclassified as a claim"
    reclassified = case.events.get(type=EventType.RECLASSIFIED)
    assert reclassified.id < moved.id


def test_the_claims_deadline_follows_the_new_kind(complaint, owner):
    before = complaint.resolve_by
    saved = services.reclassify(case=complaint, actor=owner, kind=Kind.CLAIM)
    assert saved.resolve_by != before  # claims: 10 calendar days, complaints: 10 business days


def test_an_operator_who_moves_a_case_out_of_reach_lands_on_the_queue_with_a_message(
        complaint, teammate):
    client = login(teammate)
    response = client.post(f"/desk/cases/{complaint.reference}/classify/",
                           {"kind": "claim", "topic": ""})
    assert response.status_code == 302 and response["Location"] == "/desk/"
    assert Case.objects.get(pk=complaint.pk).queue.code == "claims"
    page = client.get("/desk/").content.decode()
    assert "the case moved to the queue" in page and complaint.reference not in page


def test_a_supervisor_of_both_queues_stays_on_the_case_page_and_sees_the_move(complaint,
                                                                                owner):
    client = login(owner)
    response = client.post(f"/desk/cases/{complaint.reference}/classify/",
                           {"kind": "claim", "topic": ""})
    assert response["Location"] == f"/desk/cases/{complaint.reference}/"
    page = client.get(response["Location"]).content.decode()
    timeline = re.search(r'<ol class="timeline".*?</ol>', page, re.S).group(0)
    assert "Moved to queue" in timeline and "reclassified as a claim" in timeline


def test_the_api_classification_moves_it_the_same_way(complaint, owner, api_as):
    response = api_as(owner).post(f"/cases/{complaint.reference}/classification",
                                  {"kind": "claim"})
    assert response.status_code == 200
    assert Case.objects.get(pk=complaint.pk).queue.code == "claims"


def test_a_resonance_case_stays_with_the_special_group(complaint, owner):
    services.flag_resonance(case=complaint, source="media", actor=owner)
    saved = services.reclassify(case=complaint, actor=None, kind=Kind.CLAIM)
    assert saved.queue.code == "special"


def test_a_case_already_in_the_claims_queue_or_staying_a_complaint_does_not_move(
        make_case, owner, frozen):
    claim = make_case(queue="claims", kind="complaint")
    services.reclassify(case=claim, actor=owner, kind=Kind.CLAIM)
    question = make_case(queue="first-line", kind="complaint")
    services.reclassify(case=question, actor=owner, kind=Kind.QUESTION)
    for case in (claim, question):
        assert not case.events.filter(type=EventType.QUEUE_CHANGED).exists()
    assert Case.objects.get(pk=question.pk).queue.code == "first-line"


def test_the_new_case_form_leaves_the_kind_to_triage_by_default(teammate):
    page = login(teammate).get("/desk/new/").content.decode()
    select = re.search(r'<select name="kind".*?</select>', page, re.S).group(0)
    assert re.search(r'<option value="unclassified" selected>', select)


def test_a_phone_claim_logged_with_the_default_kind_is_separated_to_the_claims_queue(
        teammate, frozen):
    text = ("Банкомат не выдал наличные 5000 рублей, а деньги списали с карты. "
            "Требую вернуть 5000 рублей на счёт.")
    response = login(teammate).post("/desk/new/", {
        "channel": "phone", "customer_name": "Пётр Сидоров", "customer_phone": "+79161234567",
        "text": text, "kind": "unclassified", "nonce": "n-claim"})
    assert response.status_code == 302
    case = Case.objects.get(text=text)
    assert case.kind == "claim" and case.queue.code == "claims"
