"""Issue #21: the queue's filters saved as a personal or a team view, shown as tabs."""

import pytest

from complaintdesk.cases.models import Queue
from complaintdesk.notifications.models import SavedView

pytestmark = pytest.mark.django_db


def _save(client, **data):
    values = {"name": "My claims", "scope": "personal", "query": "tab=team&kind=claim&page=3"}
    values.update(data)
    return client.post("/desk/views/", values)


def test_saving_keeps_the_filters_and_the_view_appears_as_a_tab(client, teammate, make_case):
    client.force_login(teammate)
    response = _save(client)
    view = SavedView.objects.get()
    assert (view.owner, view.scope, view.query) == (teammate, "personal", "tab=team&kind=claim")
    assert response.status_code == 302 and response["Location"] == \
        f"/desk/?tab=team&kind=claim&view={view.pk}"
    page = client.get(response["Location"]).content.decode()
    assert 'id="saved-views"' in page and f'data-view="{view.pk}"' in page
    assert f'href="?tab=team&amp;kind=claim&amp;view={view.pk}"' in page
    assert 'aria-current="page"' in page.split(f'data-view="{view.pk}"')[1].split(">")[0]


def test_a_personal_view_is_its_owners_alone(client, teammate, specialist):
    client.force_login(teammate)
    _save(client)
    client.force_login(specialist)
    assert "My claims" not in client.get("/desk/").content.decode()


def test_only_supervisors_create_team_views(client, owner, teammate):
    client.force_login(teammate)
    assert _save(client, name="Everyone's", scope="team").status_code == 403
    assert not SavedView.objects.exists()
    client.force_login(owner)
    assert _save(client, name="Everyone's", scope="team").status_code == 302
    assert SavedView.objects.get().scope == "team"


def test_a_team_view_for_everyone_is_shown_to_every_member(client, owner, teammate, outsider):
    client.force_login(owner)
    _save(client, name="Overdue claims", scope="team", query="tab=overdue&kind=claim")
    for person in (teammate, outsider):
        client.force_login(person)
        assert "Overdue claims" in client.get("/desk/").content.decode()


def test_a_team_view_of_a_queue_is_shown_to_that_queues_members_only(
        client, owner, teammate, outsider):
    client.force_login(owner)
    _save(client, name="First line today", scope="team", queue="first-line")
    assert SavedView.objects.get().queue == Queue.objects.get(code="first-line")
    client.force_login(teammate)
    assert "First line today" in client.get("/desk/").content.decode()
    client.force_login(outsider)
    assert "First line today" not in client.get("/desk/").content.decode()


def test_a_supervisor_cannot_address_a_view_to_a_queue_they_cannot_see(client, owner):
    client.force_login(owner)  # supervisor of first-line and claims only
    assert _save(client, scope="team", queue="second-line").status_code == 403
    assert not SavedView.objects.exists()


def test_only_your_own_views_can_be_deleted(client, owner, teammate):
    client.force_login(owner)
    _save(client, name="Team one", scope="team")
    view = SavedView.objects.get()
    client.force_login(teammate)
    assert client.post(f"/desk/views/{view.pk}/delete/").status_code == 403
    assert SavedView.objects.filter(pk=view.pk).exists()
    client.force_login(owner)
    assert client.post(f"/desk/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()


def test_bad_input_is_refused_with_a_message_and_saves_nothing(client, teammate):
    client.force_login(teammate)
    response = _save(client, name="  ")
    assert response.status_code == 400 and not SavedView.objects.exists()
    page = response.content.decode()
    # The filters are kept for the next attempt, and the reason is said.
    assert 'value="tab=team&amp;kind=claim&amp;page=3"' in page and 'role="alert"' in page
    response = _save(client, scope="galaxy")
    assert response.status_code == 400 and not SavedView.objects.exists()
    assert "galaxy" in response.content.decode()
    assert client.post("/desk/views/9999/delete/").status_code == 404
    assert client.get("/desk/views/").status_code == 405


def test_the_save_form_offers_team_views_to_supervisors_only(client, owner, teammate):
    client.force_login(teammate)
    html = client.get("/desk/").content.decode()
    assert 'id="save-view"' in html and 'id="view-scope"' not in html
    client.force_login(owner)
    html = client.get("/desk/").content.decode()
    assert 'id="view-scope"' in html and 'value="first-line"' in html
