"""POST /api/v1/queues/{queue}/answered-waits: the platform reports waits; EWT history uses them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaintdesk.staffing.models import AnsweredWait, QueueStaffing

pytestmark = pytest.mark.django_db


def test_a_batch_of_waits_is_stored_with_its_channel(api_as, ivr, phone_staffing, frozen):
    now = timezone.now()
    response = api_as(ivr).post("/queues/first-line/answered-waits", {
        "channel": "phone",
        "waits": [{"waited_seconds": 40, "answered_at": now - timedelta(minutes=2)},
                  {"waited_seconds": 65.5},
                  {"waited_seconds": 10, "channel": "chat"}],
    })
    assert response.status_code == 201, response.content
    assert response.json() == {"queue": "first-line", "created": 3}
    stored = list(AnsweredWait.objects.order_by("answered_at", "pk")
                  .values_list("channel", "waited_seconds", "answered_at"))
    assert stored == [("phone", 40.0, now - timedelta(minutes=2)), ("phone", 65.5, now),
                      ("chat", 10.0, now)]


def test_the_history_estimate_averages_the_latest_waits(api_as, ivr, phone_staffing, frozen):
    QueueStaffing.objects.filter(pk=phone_staffing.pk).update(history_window=3)
    now = timezone.now()
    client = api_as(ivr)
    waits = [{"waited_seconds": w, "answered_at": now - timedelta(minutes=10 - i)}
             for i, w in enumerate([500, 30, 60, 90])]
    assert client.post("/queues/first-line/answered-waits",
                       {"channel": "phone", "waits": waits}).status_code == 201
    body = client.get("/queues/first-line/ewt", position=2, channel="phone").json()
    assert body["estimates"]["delay_history"] == pytest.approx((30 + 60 + 90) / 3)
    assert body["answered_waits_used"] == 3
    assert body["method"] == "erlang_c"  # the queue still announces the queueing model


def test_a_queue_set_to_delay_history_announces_it(api_as, ivr, phone_staffing, frozen):
    QueueStaffing.objects.filter(pk=phone_staffing.pk).update(
        ewt_estimator="delay_history", history_window=1)
    client = api_as(ivr)
    client.post("/queues/first-line/answered-waits",
                {"channel": "phone", "waits": [{"waited_seconds": 700}]})
    body = client.get("/queues/first-line/ewt", position=0, channel="phone").json()
    assert body["method"] == "delay_history" and body["ewt_seconds"] == 700
    assert body["offer_callback"] is True


def test_delay_history_falls_back_to_the_model_without_recent_waits(
        api_as, ivr, phone_staffing, frozen):
    QueueStaffing.objects.filter(pk=phone_staffing.pk).update(
        ewt_estimator="delay_history", history_max_age_seconds=1800)
    AnsweredWait.objects.create(queue=phone_staffing.queue, channel="phone", waited_seconds=900,
                                answered_at=timezone.now() - timedelta(hours=1))
    body = api_as(ivr).get("/queues/first-line/ewt", position=0, channel="phone").json()
    assert body["estimates"]["delay_history"] is None
    assert body["method"] == "erlang_c" and body["ewt_seconds"] == pytest.approx(30)


def test_waits_of_other_channels_are_not_used(api_as, ivr, phone_staffing, frozen):
    AnsweredWait.objects.create(queue=phone_staffing.queue, channel="chat", waited_seconds=900)
    body = api_as(ivr).get("/queues/first-line/ewt", position=0, channel="phone").json()
    assert body["estimates"]["delay_history"] is None


@pytest.mark.parametrize("body", [
    {"waits": []},
    {"waits": [{"waited_seconds": -1}]},
    {"waits": [{"waited_seconds": 10, "surprise": 1}]},
    {"channel": "pigeon", "waits": [{"waited_seconds": 10}]},
])
def test_invalid_batches_are_a_422(api_as, ivr, phone_staffing, body):
    response = api_as(ivr).post("/queues/first-line/answered-waits", body)
    assert response.status_code == 422
    assert not AnsweredWait.objects.exists()


def test_a_wait_answered_in_the_future_is_a_422(api_as, ivr, phone_staffing, frozen):
    later = timezone.now() + timedelta(hours=1)
    response = api_as(ivr).post("/queues/first-line/answered-waits",
                                {"waits": [{"waited_seconds": 5, "answered_at": later}]})
    assert response.status_code == 422 and "future" in response.json()["detail"]


def test_more_than_a_thousand_waits_in_one_batch_is_a_422(api_as, ivr, phone_staffing):
    waits = [{"waited_seconds": 1}] * 1001
    response = api_as(ivr).post("/queues/first-line/answered-waits", {"waits": waits})
    assert response.status_code == 422


def test_posting_needs_a_token(client, phone_staffing):
    response = client.post("/api/v1/queues/first-line/answered-waits",
                           data={"waits": [{"waited_seconds": 1}]},
                           content_type="application/json")
    assert response.status_code == 401


def test_posting_to_a_queue_of_others_is_a_403(api_as, outsider, phone_staffing):
    response = api_as(outsider).post("/queues/first-line/answered-waits",
                                     {"waits": [{"waited_seconds": 1}]})
    assert response.status_code == 403
    assert not AnsweredWait.objects.exists()


def test_an_analyst_may_not_post_waits(api_as, analyst, phone_staffing):
    response = api_as(analyst).post("/queues/first-line/answered-waits",
                                    {"waits": [{"waited_seconds": 1}]})
    assert response.status_code == 403


def test_posting_to_an_unknown_queue_is_a_404(api_as, ivr, phone_staffing):
    response = api_as(ivr).post("/queues/nope/answered-waits", {"waits": [{"waited_seconds": 1}]})
    assert response.status_code == 404
