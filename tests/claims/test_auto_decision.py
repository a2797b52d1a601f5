"""A new claim is evaluated against its topic's matrix inside the registering transaction."""

from datetime import timedelta
from decimal import Decimal

from complaintdesk.cases import services
from complaintdesk.cases.models import Customer, Event, EventType, Priority
from complaintdesk.claims.auto import EVALUATION_KIND
from complaintdesk.claims.models import ClaimEvaluation, Payout
from tests.claims.conftest import make_matrix


def evaluation_events(case):
    return list(Event.objects.filter(case=case, type=EventType.CLAIM_EVALUATED, data__kind=EVALUATION_KIND)
                .order_by("pk"))


def test_a_600_rub_atm_claim_from_a_first_time_customer_is_auto_approved_with_an_audit_trail(
        frozen, atm_matrix, atm_claim):
    case = atm_claim("600")

    assert case.status == "decided" and case.decision == "upheld"
    assert case.decision_amount == Decimal("600") and case.decided_by is None
    decision = Event.objects.get(case=case, type=EventType.DECISION)
    assert decision.data["matrix_version"] == 1 and decision.data["rule"] == "small first claim"
    assert decision.data["factors"]["claims_365d"] == 0
    assert Decimal(decision.data["factors"]["amount"]) == Decimal("600")
    [event] = evaluation_events(case)
    assert event.data["matrix_version"] == 1 and event.data["rule"] == "small first claim"
    assert event.data["factors"]["serial_claimant"] is False
    payout = Payout.objects.get(case=case)
    assert payout.idempotency_key == f"payout:{case.pk}" and payout.status == "pending"
    assert payout.amount == Decimal("600") and payout.currency == "RUB"


def test_a_repeat_claimant_goes_to_investigation_not_to_auto_approval(frozen, atm_matrix,
                                                                       atm_claim):
    first = atm_claim("600")
    frozen.shift(timedelta(days=30))
    second = atm_claim("700")

    assert first.status == "decided"
    assert second.status != "decided" and not Payout.objects.filter(case=second).exists()
    [event] = evaluation_events(second)
    assert event.after["outcome"] == "investigate" and event.after["rule"] == "default"
    assert event.data["factors"]["claims_90d"] == 1 and event.data["factors"]["claims_365d"] == 1
    assert event.data["factors"]["upheld_claims_365d"] == 1


def test_prior_claims_count_the_window_start_but_not_the_same_second(frozen, atm_matrix,
                                                                      make_case, atm_claim):
    make_case(kind="claim", topic="cards-blocked", customer_email="ivan@example.com",
              received_at=services.timezone.now() - timedelta(days=365))
    make_case(kind="complaint", customer_email="ivan@example.com")
    case = atm_claim("600")
    [event] = evaluation_events(case)
    assert event.data["factors"]["claims_365d"] == 1 and event.data["factors"]["claims_90d"] == 0


def test_a_serial_claimant_is_never_auto_approved(frozen, atm_matrix, atm_claim):
    Customer.objects.create(email="ivan@example.com", serial_claimant=True)
    case = atm_claim("600")
    assert case.status != "decided" and not Payout.objects.exists()


def test_a_fast_track_rule_moves_the_claim_to_the_claims_queue_as_urgent(
        frozen, atm_matrix, atm_claim, queues):
    Customer.objects.create(email="vip@example.com", segment="premium")
    case = atm_claim("90000", email="vip@example.com", queue="first-line")

    assert case.queue.code == "claims" and case.priority == Priority.URGENT
    moved = Event.objects.get(case=case, type=EventType.QUEUE_CHANGED)
    assert "premium" in moved.data["reason"]
    assert evaluation_events(case)[0].after["outcome"] == "fast_track"


def test_the_matrix_never_rejects_even_when_every_rule_fails(frozen, queues, atm_claim):
    make_matrix(rules={"rules": [{"name": "tiny", "when": {"amount": {"lte": 1}},
                                  "outcome": "auto_approve"}]})
    for i in range(5):
        case = atm_claim(str(100 + i * 50000), email=f"c{i}@example.com")
        assert case.decision == "" and case.status not in ("decided", "closed")
    assert set(ClaimEvaluation.objects.values_list("outcome", flat=True)) == {"investigate"}


def test_the_parent_topics_matrix_applies_when_the_topic_has_none(frozen, queues, atm_claim):
    make_matrix("cards")
    case = atm_claim("600")
    assert case.status == "decided"


def test_a_claim_without_a_matrix_or_imported_with_history_is_left_alone(frozen, queues,
                                                                         atm_claim):
    case = atm_claim("600")
    assert case.status == "received" and not ClaimEvaluation.objects.exists()


def test_a_claim_in_another_currency_goes_to_people(frozen, atm_matrix, atm_claim):
    case = atm_claim("600", currency="USD")
    assert case.status != "decided"
    assert "USD" in evaluation_events(case)[0].data["reason"]


def test_reclassifying_a_complaint_as_a_claim_evaluates_it(frozen, atm_matrix, make_case, owner):
    case = make_case(kind="complaint", topic="cards-atm-cash", amount_claimed=Decimal("600"),
                     currency="RUB")
    assert not ClaimEvaluation.objects.exists()
    case = services.reclassify(case=case, actor=owner, kind="claim")
    assert case.status == "decided"
    assert ClaimEvaluation.objects.get(case=case).trigger == "reclassified"


def test_a_broken_matrix_never_blocks_registering_a_claim(frozen, queues, atm_claim):
    make_matrix(rules={"rules": [{"name": "x", "when": {"shoe_size": {"eq": 1}},
                                  "outcome": "reject"}]})
    case = atm_claim("600")
    assert case.pk and case.status == "received" and not ClaimEvaluation.objects.exists()


def test_an_automatic_approval_of_a_case_registered_quietly_tells_the_customer_nothing(
        frozen, atm_matrix, atm_claim):
    from complaintdesk.cases.models import Outbox

    told = atm_claim("600", email="told@example.com")
    quiet, _ = services.create_case(data=services.NewCase(
        kind="claim", topic="cards-atm-cash", amount_claimed=Decimal("600"), currency="RUB",
        customer_email="quiet@example.com", channel="web",
        text="The ATM took my cash and did not credit it."), actor=None, notify=False)
    assert told.decision == quiet.decision == "upheld"
    assert Outbox.objects.filter(case=told, purpose="decision").count() == 1
    assert not Outbox.objects.filter(case=quiet).exists()
