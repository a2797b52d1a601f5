"""Issue #21, "know what needs you": notifications in the desk and by e-mail, marked read when
seen, never about a case the person may not see."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaintdesk.cases import services
from complaintdesk.cases.models import Outbox, Queue
from complaintdesk.cases.worker import run_pass
from complaintdesk.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db

KIND = Notification.Kind


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


def _alerts_to(user) -> list[Outbox]:
    return list(Outbox.objects.filter(purpose=Outbox.Purpose.ALERT, recipient=user.email))


def test_assigning_a_case_notifies_the_assignee_in_the_desk_and_by_email(make_case, owner, teammate):
    case = make_case()
    services.assign(case=case, assignee=teammate, actor=owner)
    assert _kinds(teammate) == [KIND.ASSIGNED]
    assert _kinds(owner) == []  # the one who acted is not told about it
    [mail] = _alerts_to(teammate)
    assert case.reference in mail.subject and "Assigned to you" in mail.subject
    assert f"/desk/cases/{case.reference}/" in mail.body


def test_taking_a_case_yourself_notifies_nobody(make_case, teammate):
    case = make_case()
    services.assign(case=case, assignee=teammate, actor=teammate)
    assert not Notification.objects.exists()
    assert not Outbox.objects.filter(purpose=Outbox.Purpose.ALERT).exists()


def test_the_customer_replying_notifies_the_assignee(make_case, owner, teammate):
    case = make_case()
    services.assign(case=case, assignee=teammate, actor=owner)
    services.add_message(case=case, body="Any news?", direction="in", actor=None)
    assert _kinds(teammate) == [KIND.ASSIGNED, KIND.CUSTOMER_REPLIED]
    assert [m.subject.split("] ")[1] for m in _alerts_to(teammate)] == [
        "Assigned to you", "The customer replied"]


def test_a_reply_on_an_unassigned_case_notifies_nobody(make_case):
    case = make_case()
    services.add_message(case=case, body="Any news?", direction="in", actor=None)
    assert not Notification.objects.exists()


def test_escalation_notifies_the_assignee_by_email_and_the_supervisor_in_the_desk_only(
        make_case, owner, teammate, specialist):
    case = make_case()
    services.assign(case=case, assignee=teammate, actor=owner)
    services.escalate(case=case, actor=specialist, reason="The customer threatens court")
    assert _kinds(teammate) == [KIND.ASSIGNED, KIND.ESCALATED]
    assert _kinds(owner) == [KIND.ESCALATED]
    assert "Your case is escalated" in _alerts_to(teammate)[-1].subject
    # The supervisor already gets the escalation alert the core sends; no second e-mail.
    assert _alerts_to(owner) == []
    assert Outbox.objects.filter(purpose=Outbox.Purpose.ESCALATION,
                                 recipient=owner.email).count() == 1


def test_the_deadline_warning_notifies_the_assignee_in_the_desk_without_a_second_email(
        make_case, owner, teammate, frozen):
    case = make_case()
    services.assign(case=case, assignee=teammate, actor=owner)
    run_pass(worker_id="t", now=None)
    frozen.move_to(case.warn_at + timedelta(minutes=1))
    steps = run_pass(worker_id="t").sla_steps
    assert (case.reference, "warning") in steps
    assert _kinds(teammate) == [KIND.ASSIGNED, KIND.SLA_WARNING]
    warnings = Outbox.objects.filter(case=case, recipient=teammate.email)
    assert sorted(warnings.values_list("purpose", flat=True)) == ["alert", "sla_warning"]


def test_email_preferences_turn_off_the_email_but_never_the_desk_notification(
        client, make_case, owner, teammate):
    client.force_login(teammate)
    page = client.get("/desk/me/notifications/")
    assert page.status_code == 200 and b"email_assigned" in page.content
    response = client.post("/desk/me/notifications/", {"email_escalated": "on"})
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=teammate)
    assert (pref.email_assigned, pref.email_customer_replied, pref.email_escalated) == (
        False, False, True)
    case = make_case()
    services.assign(case=case, assignee=teammate, actor=owner)
    services.add_message(case=case, body="Hello?", direction="in", actor=None)
    assert _kinds(teammate) == [KIND.ASSIGNED, KIND.CUSTOMER_REPLIED]
    assert _alerts_to(teammate) == []


def test_emails_are_written_in_the_recipients_language(client, make_case, owner, teammate,
                                                      specialist):
    # The site speaks English here; the teammate chooses Russian on the preferences page.
    client.force_login(teammate)
    client.post("/desk/me/notifications/", {"email_assigned": "on", "language": "ru"})
    teammate.refresh_from_db()
    assert teammate.language == "ru"
    case = make_case()
    services.assign(case=case, assignee=teammate, actor=owner)
    [mail] = _alerts_to(teammate)
    assert "Назначено вам" in mail.subject and "Срок" in mail.body
    services.assign(case=case, assignee=specialist, actor=owner)
    assert "Assigned to you" in _alerts_to(specialist)[0].subject


def test_a_language_that_is_not_offered_is_refused_and_nothing_changes(client, teammate):
    client.force_login(teammate)
    response = client.post("/desk/me/notifications/", {"email_assigned": "on", "language": "xx"})
    assert response.status_code == 400 and b"xx" in response.content
    teammate.refresh_from_db()
    assert teammate.language == "" and not NotificationPreference.objects.exists()


def test_nobody_is_notified_about_a_case_they_may_not_see(make_case, owner, teammate, outsider):
    # The 2nd line's supervisor is an operator who cannot see the 1st line.
    Queue.objects.filter(code="second-line").update(supervisor=outsider)
    case = make_case()
    services.assign(case=case, assignee=teammate, actor=owner)
    services.escalate(case=case, actor=owner, reason="Needs the 2nd line",
                      to_queue=Queue.objects.get(code="first-line"))
    # Escalated towards a queue the outsider supervises, but the case is not in it.
    Queue.objects.filter(code="first-line").update(supervisor=outsider)
    services.escalate(case=case, actor=owner, reason="Again")
    assert _kinds(outsider) == []


def test_moving_a_case_away_withdraws_notifications_of_people_who_lose_sight_of_it(
        client, make_case, owner, teammate):
    case = make_case()
    services.assign(case=case, assignee=teammate, actor=owner)
    services.move_to_queue(case=case, queue=Queue.objects.get(code="second-line"), actor=owner)
    assert _kinds(teammate) == []
    client.force_login(teammate)
    assert b'data-unread="0"' in client.get("/desk/notifications/count/").content
    assert case.reference.encode() not in client.get("/desk/notifications/").content


def test_the_bell_counts_unread_with_one_count_query(client, make_case, owner, teammate):
    for _ in range(3):
        services.assign(case=make_case(), assignee=teammate, actor=owner)
    client.force_login(teammate)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/desk/notifications/count/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b'data-unread="3"' in response.content
    touching = [q["sql"] for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
    assert len(touching) == 1 and "COUNT(" in touching[0].upper()
    assert "no-cache" in response.headers.get("Cache-Control", "")


def test_the_desk_header_has_the_bell_that_polls_without_reloading(client, teammate):
    client.force_login(teammate)
    html = client.get("/desk/").content.decode()
    assert 'id="bell"' in html and 'hx-get="/desk/notifications/count/"' in html
    assert "every 20s" in html


def test_opening_the_case_marks_its_notifications_read(client, make_case, owner, teammate):
    first, second = make_case(), make_case()
    services.assign(case=first, assignee=teammate, actor=owner)
    services.assign(case=second, assignee=teammate, actor=owner)
    client.force_login(teammate)
    assert client.get(f"/desk/cases/{first.reference}/").status_code == 200
    unread = Notification.objects.filter(user=teammate, read_at__isnull=True)
    assert list(unread.values_list("case_id", flat=True)) == [second.pk]
    assert b'data-unread="1"' in client.get("/desk/notifications/count/").content


def test_the_list_page_shows_and_marks_read_and_mark_all_read_clears_the_rest(
        client, make_case, owner, teammate):
    case = make_case()
    services.assign(case=case, assignee=teammate, actor=owner)
    client.force_login(teammate)
    page = client.get("/desk/notifications/")
    assert page.status_code == 200
    assert case.reference.encode() in page.content and b"Assigned to you" in page.content
    assert not Notification.objects.filter(user=teammate, read_at__isnull=True).exists()
    services.add_message(case=case, body="Hello?", direction="in", actor=None)
    assert Notification.objects.filter(user=teammate, read_at__isnull=True).count() == 1
    response = client.post("/desk/notifications/read/")
    assert response.status_code == 302
    assert not Notification.objects.filter(user=teammate, read_at__isnull=True).exists()


def test_one_persons_notifications_are_not_anothers(client, make_case, owner, teammate, specialist):
    case = make_case()
    services.assign(case=case, assignee=teammate, actor=owner)
    client.force_login(specialist)
    assert case.reference.encode() not in client.get("/desk/notifications/").content
    client.post("/desk/notifications/read/")
    assert Notification.objects.filter(user=teammate, read_at__isnull=True).count() == 1


def test_the_bell_and_pages_need_a_login(client):
    assert client.get("/desk/notifications/count/").status_code == 302
    assert client.get("/desk/me/notifications/").status_code == 302


def test_a_tab_whose_session_ended_stops_polling_instead_of_showing_the_login_page(client):
    response = client.get("/desk/notifications/count/", HTTP_HX_REQUEST="true")
    assert response.status_code == 286 and response.content == b""
