"""Telegram bot: webhook and long polling in, sendMessage out, against a local Bot API."""

import json

import pytest
from django.core.management import call_command
from django.test import Client

from complaintdesk.cases import services
from complaintdesk.cases.models import Case, Customer, Message, Outbox
from complaintdesk.cases.worker import run_pass
from complaintdesk.channels import telegram
from complaintdesk.channels.base import delivery_for
from complaintdesk.channels.models import ChannelState, InboundRecord

TOKEN = "123456:TEST-token"
SECRET = "hook-secret-1"


@pytest.fixture
def bot(http_server, settings):
    settings.TELEGRAM_API_BASE = http_server.url
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    counter = {"n": 500}

    def send_message(request):
        counter["n"] += 1
        return 200, {"ok": True, "result": {
            "message_id": counter["n"], "date": 1772521200,
            "chat": {"id": int(request["body"]["chat_id"]), "type": "private"},
            "text": request["body"]["text"]}}

    http_server.routes[("POST", f"/bot{TOKEN}/sendMessage")] = send_message
    return http_server


def update(update_id: int, text: str, *, user_id=7001, first="Ivan", lang="ru") -> dict:
    """The shape the Bot API sends (getUpdates result item / webhook body)."""
    message = {
        "message_id": update_id * 10,
        "from": {"id": user_id, "is_bot": False, "first_name": first, "last_name": "Petrov",
                 "username": "ivanp", "language_code": lang},
        "chat": {"id": user_id, "first_name": first, "last_name": "Petrov",
                 "username": "ivanp", "type": "private"},
        "date": 1772521200,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text.split()[0]),
                                "type": "bot_command"}]
    return {"update_id": update_id, "message": message}


def post_update(body, secret=SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return Client().post("/channels/telegram/webhook/", data=json.dumps(body),
                         content_type="application/json", headers=headers)


def sent_texts(bot):
    return [(r["body"]["chat_id"], r["body"]["text"])
            for r in bot.calls(f"/bot{TOKEN}/sendMessage")]


@pytest.mark.parametrize("secret", [None, "wrong"])
def test_the_webhook_refuses_a_request_without_the_secret_token_and_stores_nothing(
        bot, queues, secret):
    response = post_update(update(1, "hello"), secret=secret)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert Case.objects.count() == 0 and InboundRecord.objects.count() == 0


def test_a_customers_first_message_opens_a_case_and_the_bot_acknowledges_in_the_chat(
        bot, queues):
    response = post_update(update(1, "Банкомат забрал мои деньги, 5000 рублей"))

    assert response.status_code == 200
    case = Case.objects.get()
    assert case.channel == "chat"
    assert case.customer.external_id == "tg:7001"
    assert case.customer.name == "Ivan Petrov"
    assert case.language == "ru"
    assert delivery_for(case).channel == "telegram" and delivery_for(case).recipient == "7001"
    run_pass(worker_id="t")
    ((chat_id, text),) = sent_texts(bot)
    assert chat_id == "7001" and case.reference in text
    case.refresh_from_db()
    assert case.status == "acknowledged"


def test_further_messages_continue_the_open_case_and_a_repeated_update_counts_once(bot, queues):
    post_update(update(1, "The ATM kept my card"))
    post_update(update(2, "It was at Lenina 1"))
    post_update(update(2, "It was at Lenina 1"))

    case = Case.objects.get()
    assert list(case.messages.filter(direction="in").values_list("body", flat=True)) == [
        "It was at Lenina 1"]
    assert InboundRecord.objects.filter(channel="telegram").count() == 2


def test_a_message_after_the_case_is_closed_opens_a_new_case(bot, queues):
    post_update(update(1, "First problem"))
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(status="closed")  # however it got there
    post_update(update(2, "Another problem"))
    assert Case.objects.count() == 2


def test_an_operators_reply_goes_back_to_the_chat_through_send_message(
        bot, queues, teammate):
    post_update(update(1, "Where is my parcel? It is late again."))
    case = Case.objects.get()
    run_pass(worker_id="t")

    services.add_message(case=case, body="The refund was sent today.", direction="out",
                         actor=teammate)
    run_pass(worker_id="t")

    row = Outbox.objects.get(purpose="reply")
    assert (row.channel, row.recipient, row.state) == ("telegram", "7001", "sent")
    assert sent_texts(bot)[-1][0] == "7001"
    assert sent_texts(bot)[-1][1].startswith("The refund was sent today.")


def test_status_lists_the_customers_open_cases(bot, queues):
    post_update(update(1, "Problem one"))
    post_update(update(2, "/status"))
    run_pass(worker_id="t")
    case = Case.objects.get()
    status_reply = sent_texts(bot)[-1][1]
    assert case.reference in status_reply
    assert Case.objects.count() == 1 and case.messages.count() == 0


def test_status_without_cases_says_so(bot, queues):
    post_update(update(1, "/status", lang="en"))
    run_pass(worker_id="t")
    assert "no open requests" in sent_texts(bot)[-1][1]
    assert Customer.objects.count() == 0


def test_a_bot_api_error_is_a_delivery_error_and_retried(bot, queues):
    bot.routes[("POST", f"/bot{TOKEN}/sendMessage")] = (
        403, {"ok": False, "error_code": 403,
              "description": "Forbidden: bot was blocked by the user"})
    post_update(update(1, "hello"))
    report = run_pass(worker_id="t")
    assert report.failed == 1
    row = Outbox.objects.get()
    assert row.state == "pending" and "blocked" in row.last_error


def test_long_polling_processes_each_update_once_and_remembers_the_offset(bot, queues):
    pending = [update(41, "Courier was rude"), update(42, "He threw the parcel")]

    def get_updates(request):
        offset = request["body"].get("offset", 0)
        return 200, {"ok": True, "result": [u for u in pending if u["update_id"] >= offset]}

    bot.routes[("POST", f"/bot{TOKEN}/getUpdates")] = get_updates

    call_command("channels", "telegram-poll", "--once")
    call_command("channels", "telegram-poll", "--once")

    assert ChannelState.objects.get(name="telegram:offset").value == "43"
    offsets = [c["body"]["offset"] for c in bot.calls(f"/bot{TOKEN}/getUpdates")]
    assert offsets == [0, 43]
    case = Case.objects.get()
    assert case.text == "Courier was rude"
    assert Message.objects.get(case=case).body == "He threw the parcel"
    # Even if the offset were lost, the updates are not processed again.
    ChannelState.objects.all().delete()
    assert telegram.poll_once() == 2
    assert Case.objects.count() == 1 and Message.objects.count() == 1


def test_worker_polls_telegram_only_in_polling_mode(bot, queues, settings):
    bot.routes[("POST", f"/bot{TOKEN}/getUpdates")] = (200, {"ok": True, "result": [
        update(5, "hi")]})
    assert telegram.poll_telegram() == 0
    settings.TELEGRAM_MODE = "polling"
    assert telegram.poll_telegram() == 1
    assert Case.objects.count() == 1


def test_a_malformed_update_is_a_400_and_stores_nothing(bot, queues):
    response = post_update({"message": {"text": "no update id"}})
    assert response.status_code == 400 and "update_id" in response.json()["detail"]
    assert InboundRecord.objects.count() == 0
