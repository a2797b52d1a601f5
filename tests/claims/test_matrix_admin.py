"""Matrices are edited in the admin; every edit is a new immutable version."""

import json

import pytest

from complaintdesk.accounts.models import User
from complaintdesk.claims.models import DecisionMatrix
from tests.claims.conftest import ATM_RULES


@pytest.fixture
def admin_client(client, queues):
    user = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


def form_data(matrix, **overrides):
    data = {"definition": json.dumps(matrix.definition), "monthly_cap": "1000000",
            "accepted_loss_rate": "0.01", "currency": "RUB", "audit_share": "0.05",
            "active": "on"}
    data.update(overrides)
    return data


def test_editing_a_matrix_saves_a_new_version_and_keeps_the_old_one(admin_client, atm_matrix):
    rules = dict(ATM_RULES, rules=ATM_RULES["rules"][1:])
    response = admin_client.post(f"/admin/claims/decisionmatrix/{atm_matrix.pk}/change/",
                                 form_data(atm_matrix, definition=json.dumps(rules)))
    assert response.status_code == 302, response.content.decode()[:2000]
    versions = list(DecisionMatrix.objects.filter(topic=atm_matrix.topic).order_by("version"))
    assert [(m.version, m.active) for m in versions] == [(1, False), (2, True)]
    old, new = versions
    assert old.definition == ATM_RULES and len(new.definition["rules"]) == 2
    assert new.created_by.username == "root"


def test_invalid_rules_are_shown_per_json_path(admin_client, atm_matrix):
    rules = {"rules": [{"name": "bad", "when": {"amount": {"lte": -1}, "shoe_size": {"eq": 1}},
                        "outcome": "reject"}]}
    response = admin_client.post(f"/admin/claims/decisionmatrix/{atm_matrix.pk}/change/",
                                 form_data(atm_matrix, definition=json.dumps(rules)))
    assert response.status_code == 200
    page = response.content.decode()
    assert "$.rules[0].when.amount.lte: amount cannot be negative" in page
    assert "$.rules[0].when.shoe_size: unknown factor" in page
    assert "$.rules[0].outcome: &#x27;reject&#x27; is never a valid outcome" in page
    assert DecisionMatrix.objects.count() == 1


def test_a_version_row_cannot_be_changed_in_place(atm_matrix):
    atm_matrix.monthly_cap = 1
    with pytest.raises(ValueError, match="immutable"):
        atm_matrix.save()


def test_adding_the_first_matrix_of_a_topic_makes_version_1(admin_client, queues):
    from complaintdesk.cases.models import Topic

    topic = Topic.objects.get(code="fees-unexpected")
    response = admin_client.post("/admin/claims/decisionmatrix/add/", {
        "topic": topic.pk, "definition": json.dumps(ATM_RULES), "monthly_cap": "",
        "accepted_loss_rate": "0.01", "currency": "RUB", "audit_share": "0.05", "active": "on"})
    assert response.status_code == 302
    assert DecisionMatrix.objects.get(topic=topic).version == 1
