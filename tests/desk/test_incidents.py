"""Incidents: create, see linked cases, answer them all with one message."""

import pytest

from complaintdesk.cases import services
from complaintdesk.cases.models import Incident

pytestmark = pytest.mark.django_db


def test_supervisor_creates_an_incident(client, owner):
    client.force_login(owner)
    response = client.post("/desk/incidents/", {"title": "App down", "description": "500s"})
    incident = Incident.objects.get()
    assert response["Location"] == f"/desk/incidents/{incident.pk}/"
    assert incident.created_by == owner


def test_operator_cannot_see_incidents(client, teammate):
    client.force_login(teammate)
    assert client.get("/desk/incidents/").status_code == 403


def test_answer_all_linked_cases_and_resolve(client, owner, make_case):
    incident = services.create_incident(title="App down", actor=owner)
    cases = [make_case() for _ in range(2)]
    for case in cases:
        services.link_to_incident(case=case, incident=incident, actor=owner)
    client.force_login(owner)
    body = client.get(f"/desk/incidents/{incident.pk}/").content.decode()
    assert all(c.reference in body for c in cases)
    response = client.post(f"/desk/incidents/{incident.pk}/answer/",
                           {"body": "Fixed, sorry", "resolve": "on", "outcome": "upheld"},
                           follow=True)
    page = response.content.decode()
    assert all(f"{c.reference}: decided (Upheld)" in page for c in cases)
    incident.refresh_from_db()
    assert incident.state == "resolved"
    assert all(c.messages.filter(direction="out").exists() for c in cases)


def test_answer_without_resolving_only_messages(client, owner, make_case):
    incident = services.create_incident(title="Late couriers", actor=owner)
    case = make_case()
    services.link_to_incident(case=case, incident=incident, actor=owner)
    client.force_login(owner)
    client.post(f"/desk/incidents/{incident.pk}/answer/", {"body": "We are on it",
                                                           "outcome": "upheld"})
    case.refresh_from_db()
    assert case.status == "received" and case.messages.get().body == "We are on it"
