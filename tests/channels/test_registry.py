"""One interface for every channel: a new channel is one registered sender."""

import pytest

from complaintdesk.cases import services
from complaintdesk.cases.models import Outbox
from complaintdesk.cases.worker import run_pass
from complaintdesk.channels import base
from complaintdesk.channels.text import html_to_text


def test_every_built_in_channel_has_a_sender():
    assert {"email", "telegram", "sms", "webhook"} <= set(base.registered_channels())


def test_an_unknown_channel_is_a_delivery_error():
    with pytest.raises(base.DeliveryError):
        base.sender_for("pigeon")


def test_a_new_channel_is_one_registered_sender(queues, monkeypatch):
    delivered = []

    class Pigeon:
        def send(self, *, row, message_id):
            delivered.append((row.recipient, message_id))
            return "coo"

    monkeypatch.setitem(base._FACTORIES, "pigeon", Pigeon)
    base.register_sender("pigeon", Pigeon)
    case, _ = services.create_case(data=services.NewCase(channel="letter", text="x",
                                                         customer_name="Ivan"), actor=None)
    services.enqueue(case=case, purpose=Outbox.Purpose.REPLY, recipient="roof 3", subject="s",
                     body="b", dedupe_key="p1", channel="pigeon")
    assert run_pass(worker_id="t").sent == 1
    assert delivered[0][0] == "roof 3"


def test_replies_fall_back_to_email_then_phone(queues, settings):
    case, _ = services.create_case(data=services.NewCase(
        channel="phone", text="x", customer_email="a@example.com", customer_phone="+79160000000"),
        actor=None)
    assert base.customer_route(case) == {"channel": "email", "recipient": "a@example.com"}
    case.customer.email = ""
    assert base.delivery_for(case) == base.Delivery("email", "")
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/send"
    assert base.delivery_for(case) == base.Delivery("sms", "79160000000")


def test_html_to_text_keeps_words_and_links_and_drops_markup():
    text = html_to_text('<div>Hi&nbsp;there<br>see <a href="https://ex.com/x">this</a>'
                        '<script>evil()</script></div><table><tr><td>a</td><td>b</td></tr>'
                        '</table>')
    assert "Hi there\nsee this (https://ex.com/x)" in text
    assert "evil" not in text and "a b" in text
