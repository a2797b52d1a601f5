"""CSAT after closure: invitation with contact policy, one-click score, low score → recovery call."""

from datetime import timedelta

import pytest

from complaintdesk.cases import services as case_services
from complaintdesk.cases.lifecycle import Status as S
from complaintdesk.cases.models import Case, Event, Outbox
from complaintdesk.insights import jobs
from complaintdesk.insights.models import RecoveryTask, SurveyInvitation
from tests.insights.conftest import NOW

pytestmark = pytest.mark.django_db


def closed(mk, **kw):
    case = mk(**kw)
    case = case_services.transition(case=case, to=S.ASSESSMENT, actor=None)
    case = case_services.decide(case=case, outcome="upheld", actor=None, notify=False)
    return case_services.transition(case=case, to=S.CLOSED, actor=None, customer_accepted="yes")


def test_a_closed_case_gets_one_invitation_with_one_click_links(mk, owner):
    case = closed(mk)
    sent = jobs.send_due_surveys(NOW)
    assert [inv.case_id for inv in sent] == [case.pk]
    row = Outbox.objects.get(dedupe_key=f"survey:{case.pk}")
    assert row.recipient == "ivan@example.com" and row.purpose == "survey"
    token = sent[0].token
    for score in range(1, 6):
        assert f"http://testserver/survey/{token}/?csat={score}" in row.body
    assert jobs.send_due_surveys(NOW + timedelta(minutes=5)) == []
    assert SurveyInvitation.objects.count() == 1


def test_open_and_resonance_cases_get_no_survey(mk, owner):
    mk(email="open@example.com")
    loud = closed(mk, email="loud@example.com")
    Case.objects.filter(pk=loud.pk).update(resonance=True, resonance_source="regulator")
    assert jobs.send_due_surveys(NOW) == []


def test_contact_policy_one_survey_per_customer_per_30_days(mk, owner, time_machine):
    first = closed(mk, email="same@example.com")
    second = closed(mk, email="same@example.com")
    sent = jobs.send_due_surveys(NOW)
    assert [inv.case_id for inv in sent] == [first.pk]
    later = NOW + timedelta(days=10)
    time_machine.move_to(later, tick=False)
    third = closed(mk, email="same@example.com", days_ago=-9)
    assert jobs.send_due_surveys(later) == []
    time_machine.move_to(NOW + timedelta(days=31), tick=False)
    fourth = closed(mk, email="same@example.com", days_ago=-30)
    sent = jobs.send_due_surveys(NOW + timedelta(days=31))
    # After 30 days the customer may be asked again; cases closed over 14 days ago are not.
    assert [inv.case_id for inv in sent] == [fourth.pk]
    assert not SurveyInvitation.objects.filter(case__in=[second, third]).exists()


def test_one_click_records_the_score_without_login(mk, owner, client):
    closed(mk)
    inv = jobs.send_due_surveys(NOW)[0]
    response = client.get(f"/survey/{inv.token}/?csat=5")
    assert response.status_code == 200
    assert "Your score 5 of 5 is recorded" in response.content.decode()
    inv.refresh_from_db()
    assert inv.csat == 5 and inv.answered_at == NOW
    assert not RecoveryTask.objects.exists()


def test_the_comment_form_adds_nps_and_a_comment(mk, owner, client):
    closed(mk)
    inv = jobs.send_due_surveys(NOW)[0]
    client.get(f"/survey/{inv.token}/?csat=4")
    response = client.post(f"/survey/{inv.token}/", {"csat": "4", "nps": "9", "comment": "Thanks!"})
    assert "your answer is saved" in response.content.decode()
    inv.refresh_from_db()
    assert (inv.csat, inv.nps, inv.comment) == (4, 9, "Thanks!")


def test_unknown_tokens_and_bad_scores_record_nothing(mk, owner, client):
    closed(mk)
    inv = jobs.send_due_surveys(NOW)[0]
    assert client.get("/survey/not-a-token/?csat=5").status_code == 404
    client.get(f"/survey/{inv.token}/?csat=9")
    inv.refresh_from_db()
    assert inv.csat is None and inv.answered_at is None


def test_a_low_score_opens_one_recovery_call_for_the_queue_supervisor(mk, owner, client):
    case = closed(mk)
    inv = jobs.send_due_surveys(NOW)[0]
    client.get(f"/survey/{inv.token}/?csat=1")
    client.get(f"/survey/{inv.token}/?csat=2")  # a second click must not open a second task
    task = RecoveryTask.objects.get()
    assert task.case == case and task.owner == owner and task.state == "open"
    note = Event.objects.filter(case=case, type="note").last()
    assert "recovery call" in note.data["text"]
    assert Outbox.objects.filter(dedupe_key=f"recovery:{inv.pk}", recipient=owner.email).count() == 1


def test_the_supervisor_closes_the_recovery_call(mk, owner, client, login):
    closed(mk)
    inv = jobs.send_due_surveys(NOW)[0]
    client.get(f"/survey/{inv.token}/?csat=1")
    task = RecoveryTask.objects.get()
    page = login(owner).get("/desk/insights/recovery/").content.decode()
    assert inv.case.reference in page
    login(owner).post("/desk/insights/recovery/", {"task": task.pk, "note": "Called, apologised"})
    task.refresh_from_db()
    assert task.state == "done" and task.note == "Called, apologised"


def test_a_recovery_call_of_another_queue_is_neither_listed_nor_closable(mk, owner, client,
                                                                         login, queues):
    from tests.conftest import make_user

    closed(mk)
    inv = jobs.send_due_surveys(NOW)[0]
    client.get(f"/survey/{inv.token}/?csat=1")
    task = RecoveryTask.objects.get()
    stranger = make_user("stan", "supervisor", queues["second-line"])
    page = login(stranger).get("/desk/insights/recovery/").content.decode()
    assert inv.case.reference not in page
    response = login(stranger).post("/desk/insights/recovery/", {"task": task.pk})
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.state == "open"


def test_closing_a_recovery_call_with_a_malformed_task_id_is_404(owner, login):
    assert login(owner).post("/desk/insights/recovery/", {"task": "1 OR 1"}).status_code == 404


def test_survey_results_feed_the_satisfaction_dashboard(mk, owner, client, login):
    closed(mk, topic="delivery-late")
    inv = jobs.send_due_surveys(NOW)[0]
    client.get(f"/survey/{inv.token}/?csat=4")
    response = login(owner).get("/desk/insights/export/satisfaction_topic.csv?start=2026-02-01")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "delivery-late" in text and ",1,4.0,100.0," in text


def test_survey_goes_through_the_cases_channel_and_sms_gets_a_short_link(mk, owner, settings):
    from complaintdesk.cases.models import Customer
    from complaintdesk.channels.models import ChannelLink

    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/send"
    by_phone = closed(mk, email="phoneonly@example.com")
    Customer.objects.filter(pk=by_phone.customer_id).update(email="", phone="+79001234567")
    chat = closed(mk, email="chat@example.com")
    ChannelLink.objects.create(case=chat, channel="telegram", address="4242")
    nowhere = closed(mk, email="nowhere@example.com")
    Customer.objects.filter(pk=nowhere.customer_id).update(email="", phone="")
    sent = {inv.case_id: inv for inv in jobs.send_due_surveys(NOW)}
    assert set(sent) == {by_phone.pk, chat.pk}
    sms = Outbox.objects.get(dedupe_key=f"survey:{by_phone.pk}")
    assert (sms.channel, sms.recipient) == ("sms", "+79001234567")
    assert len(sms.body) <= 160 and f"http://testserver/survey/{sent[by_phone.pk].token}/" in sms.body
    tg = Outbox.objects.get(dedupe_key=f"survey:{chat.pk}")
    assert (tg.channel, tg.recipient) == ("telegram", "4242")
    assert "?csat=5" in tg.body
