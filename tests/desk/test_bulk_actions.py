"""Bulk actions on the list: permission first, then a per-case result summary."""

import pytest

from complaintdesk.cases.models import Case, Incident

pytestmark = pytest.mark.django_db


def test_operator_outsider_gets_403_on_bulk_actions(client, outsider, make_case):
    case = make_case()
    client.force_login(outsider)
    response = client.post("/desk/bulk/", {"action": "assign", "refs": [case.reference],
                                           "assignee": outsider.pk})
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).assignee is None


def test_supervisor_assigns_many_and_sees_a_summary(client, owner, teammate, make_case):
    cases = [make_case() for _ in range(3)]
    client.force_login(owner)
    response = client.post("/desk/bulk/", {
        "action": "assign", "refs": [c.reference for c in cases] + ["CD-2026-999999"],
        "assignee": teammate.pk, "next": "/desk/?tab=team"}, follow=True)
    assert {c.assignee for c in Case.objects.filter(pk__in=[c.pk for c in cases])} == {teammate}
    body = response.content.decode()
    assert "3 cases done" in body and "CD-2026-999999" in body and "no such case" in body


def test_bulk_transition_reports_illegal_moves(client, owner, make_case):
    a, b = make_case(), make_case()
    client.force_login(owner)
    client.post(f"/desk/cases/{b.reference}/transition/", {"to": "assessment"})
    response = client.post("/desk/bulk/", {"action": "transition", "to": "acknowledged",
                                           "refs": [a.reference, b.reference]}, follow=True)
    assert Case.objects.get(pk=a.pk).status == "acknowledged"
    assert "cannot move from" in response.content.decode()


def test_bulk_link_to_incident(client, owner, make_case):
    cases = [make_case() for _ in range(2)]
    incident = Incident.objects.create(title="Outage")
    client.force_login(owner)
    client.post("/desk/bulk/", {"action": "link", "incident": incident.pk,
                                "refs": [c.reference for c in cases]})
    assert incident.cases.count() == 2


def test_bulk_on_cases_of_other_queues_changes_nothing(client, queues, make_case):
    from tests.conftest import make_user

    stranger = make_user("sam", "supervisor", queues["second-line"])
    case = make_case()
    client.force_login(stranger)
    client.post("/desk/bulk/", {"action": "assign", "assignee": stranger.pk,
                                "refs": [case.reference]})
    assert Case.objects.get(pk=case.pk).assignee is None


def test_bulk_redirect_never_leaves_the_desk(client, owner, make_case):
    case = make_case()
    client.force_login(owner)
    response = client.post("/desk/bulk/", {"action": "assign", "refs": [case.reference],
                                           "next": "https://evil.example/"})
    assert response["Location"] == "/desk/"
