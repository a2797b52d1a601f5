"""GET /api/v1/queues/{queue}/ewt: the estimates match the formulas; the advice follows policy."""

import math

import pytest
from django.core.cache import cache

from complaintdesk.staffing.models import QueueStaffing

pytestmark = pytest.mark.django_db


def erlang_a_sum(k, n, aht, patience):
    return sum(1 / (n / aht + j / patience) for j in range(k + 1))


def test_with_nobody_ahead_the_wait_is_one_aht_over_the_agents(api_as, ivr, phone_staffing):
    response = api_as(ivr).get("/queues/first-line/ewt", position=0, channel="phone")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["estimates"]["erlang_c"] == pytest.approx(300 / 10)
    assert body["estimates"]["erlang_a"] == pytest.approx(erlang_a_sum(0, 10, 300, 180))
    assert body["estimates"]["delay_history"] is None
    assert body["method"] == "erlang_c" and body["ewt_seconds"] == pytest.approx(30.0)
    assert body["announce_minutes"] == 1 and body["offer_callback"] is False


def test_with_five_ahead_both_queueing_formulas_hold(api_as, ivr, phone_staffing):
    body = api_as(ivr).get("/queues/first-line/ewt", position=5, channel="phone").json()
    assert body["estimates"]["erlang_c"] == pytest.approx(6 * 300 / 10)
    assert body["estimates"]["erlang_a"] == pytest.approx(erlang_a_sum(5, 10, 300, 180))
    assert body["estimates"]["erlang_a"] < body["estimates"]["erlang_c"]  # callers ahead hang up
    assert body["position"] == 5 and body["agents_on_duty"] == 10


def test_erlang_a_queue_announces_the_erlang_a_estimate(api_as, ivr, phone_staffing):
    QueueStaffing.objects.filter(pk=phone_staffing.pk).update(model="erlang_a")
    body = api_as(ivr).get("/queues/first-line/ewt", position=5, channel="phone").json()
    assert body["method"] == "erlang_a"
    assert body["ewt_seconds"] == pytest.approx(erlang_a_sum(5, 10, 300, 180))
    assert body["announce_minutes"] == math.ceil(body["ewt_seconds"] / 60)


def test_a_wait_above_the_threshold_offers_a_callback(api_as, ivr, phone_staffing):
    body = api_as(ivr).get("/queues/first-line/ewt", position=20, channel="phone").json()
    assert body["ewt_seconds"] == pytest.approx(21 * 300 / 10)  # 630 s > 600 s
    assert body["offer_callback"] is True and "call you back" in body["message"]
    assert body["announce_minutes"] == 11


def test_the_callback_threshold_is_configurable(api_as, ivr, phone_staffing):
    QueueStaffing.objects.filter(pk=phone_staffing.pk).update(callback_threshold_seconds=60)
    body = api_as(ivr).get("/queues/first-line/ewt", position=5, channel="phone").json()
    assert body["offer_callback"] is True and body["callback_threshold_seconds"] == 60


def test_a_channel_without_its_own_settings_uses_the_queue_wide_row(api_as, ivr, queues):
    QueueStaffing.objects.create(queue=queues["first-line"], channel="", agents_on_duty=4,
                                 aht_seconds=120)
    body = api_as(ivr).get("/queues/first-line/ewt", position=3, channel="chat").json()
    assert body["estimates"]["erlang_c"] == pytest.approx(4 * 120 / 4)
    assert body["channel"] == "chat"


def test_no_agents_on_duty_gives_no_estimate_and_offers_a_callback(api_as, ivr, phone_staffing):
    QueueStaffing.objects.filter(pk=phone_staffing.pk).update(agents_on_duty=0)
    body = api_as(ivr).get("/queues/first-line/ewt", position=0, channel="phone").json()
    assert body["ewt_seconds"] is None and body["offer_callback"] is True
    assert body["estimates"]["erlang_c"] is None


def test_unknown_queue_is_a_404_problem(api_as, ivr, phone_staffing):
    response = api_as(ivr).get("/queues/no-such-queue/ewt", position=0)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "no-such-queue" in response.json()["detail"]


@pytest.mark.parametrize("position", ["-1", "two", ""])
def test_a_negative_or_missing_position_is_a_422(api_as, ivr, phone_staffing, position):
    response = api_as(ivr).get("/queues/first-line/ewt", position=position)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "position"


def test_missing_position_is_a_422(api_as, ivr, phone_staffing):
    response = api_as(ivr).get("/queues/first-line/ewt")
    assert response.status_code == 422
    assert "position" in response.json()["detail"]


def test_an_unknown_channel_is_a_422(api_as, ivr, phone_staffing):
    response = api_as(ivr).get("/queues/first-line/ewt", position=0, channel="pigeon")
    assert response.status_code == 422


def test_without_a_token_it_is_a_401(client, phone_staffing):
    response = client.get("/api/v1/queues/first-line/ewt", {"position": 0})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_desk_session_is_not_enough(client, owner, phone_staffing):
    client.force_login(owner)
    response = client.get("/api/v1/queues/first-line/ewt", {"position": 0})
    assert response.status_code == 401


def test_a_user_outside_the_queue_gets_a_403(api_as, outsider, phone_staffing):
    response = api_as(outsider).get("/queues/first-line/ewt", position=0)
    assert response.status_code == 403
    assert response.json()["title"] == "Forbidden"


def test_a_queue_without_staffing_settings_is_a_409(api_as, ivr, queues):
    response = api_as(ivr).get("/queues/first-line/ewt", position=0)
    assert response.status_code == 409
    assert "no staffing settings" in response.json()["detail"]


def test_past_the_per_minute_limit_it_is_a_429(api_as, ivr, phone_staffing, settings):
    settings.STAFFING_API_PER_MINUTE = 2
    cache.clear()  # the counters live in the cache, shared by earlier tests in this minute
    client = api_as(ivr)
    codes = [client.get("/queues/first-line/ewt", position=0, channel="phone").status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]


def test_an_estimate_costs_a_handful_of_queries(api_as, ivr, phone_staffing,
                                                django_assert_max_num_queries, settings):
    settings.STAFFING_API_PER_MINUTE = 0
    client = api_as(ivr)
    client.get("/queues/first-line/ewt", position=0, channel="phone")  # token's last_used_at
    # token, settings with queue, membership, recent answered waits
    with django_assert_max_num_queries(4):
        assert client.get("/queues/first-line/ewt", position=3,
                          channel="phone").status_code == 200
