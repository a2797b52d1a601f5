"""Evidence flags from integrations re-evaluate claims that nobody has decided yet."""

from complaintdesk.claims.models import ClaimEvaluation, ClaimEvidence, Payout


def test_an_atm_surplus_flag_auto_approves_a_claim_waiting_for_investigation(
        frozen, atm_matrix, atm_claim, api_as, specialist):
    case = atm_claim("60000")  # too much for "small first claim": investigated
    assert case.status != "decided"

    response = api_as(specialist).post(f"/cases/{case.reference}/evidence",
                                       {"flag": "atm_surplus", "value": True})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["re_evaluated"] and body["outcome"] == "auto_approve"
    assert body["rule"] == "surplus found" and body["status"] == "decided"
    assert Payout.objects.filter(case=case).exists()
    assert ClaimEvidence.objects.get(case=case).value is True
    triggers = list(ClaimEvaluation.objects.filter(case=case).values_list("trigger", flat=True))
    assert triggers == ["registered", "evidence"]
    assert case.events.filter(data__kind="claim_evidence").count() == 1


def test_evidence_on_an_auto_decided_claim_is_stored_but_not_re_evaluated(
        frozen, atm_matrix, atm_claim, api_as, specialist):
    case = atm_claim("600")
    response = api_as(specialist).post(f"/cases/{case.reference}/evidence",
                                       {"flag": "atm_surplus", "value": False})
    assert response.status_code == 200 and response.json()["re_evaluated"] is False
    assert ClaimEvaluation.objects.filter(case=case).count() == 1


def test_the_same_flag_twice_records_once(frozen, atm_matrix, atm_claim, api_as, specialist):
    case = atm_claim("60000")
    client = api_as(specialist)
    client.post(f"/cases/{case.reference}/evidence", {"flag": "atm_checked", "value": True})
    second = client.post(f"/cases/{case.reference}/evidence", {"flag": "atm_checked", "value": True})
    assert second.json()["re_evaluated"] is False
    assert case.events.filter(data__kind="claim_evidence").count() == 1


def test_evidence_needs_the_right_to_decide_and_a_valid_flag(
        frozen, atm_matrix, atm_claim, api_as, teammate, outsider, specialist):
    case = atm_claim("60000", queue="first-line")
    assert api_as(teammate).post(f"/cases/{case.reference}/evidence",
                                 {"flag": "atm_surplus", "value": True}).status_code == 403
    assert api_as(outsider).post(f"/cases/{case.reference}/evidence",
                                 {"flag": "atm_surplus", "value": True}).status_code == 403
    bad = api_as(specialist).post(f"/cases/{case.reference}/evidence",
                                  {"flag": "ATM Surplus!", "value": True})
    assert bad.status_code == 422
    assert api_as(specialist).post("/cases/CD-0000-000000/evidence",
                                   {"flag": "x", "value": True}).status_code == 404
    assert not ClaimEvidence.objects.exists()
