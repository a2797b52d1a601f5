"""ISO 10002 visibility: channels, stages and deadlines from the active policies."""

import pytest

from complaintdesk.sla.models import Policy

pytestmark = pytest.mark.django_db


def test_page_lists_channels_stages_and_the_active_deadlines(client, queues):
    Policy.objects.filter(name__startswith="Question").update(active=False)
    body = client.get("/how-to-complain/").content.decode()
    assert "Web form" in body and "Phone" in body
    assert "Decision" in body and "Closing" in body
    assert "10 calendar days" in body and "1 working day" in body
    assert ">5 working days<" not in body  # the inactive question policy
    assert "What to include" in body


def test_where_to_complain_lists_only_channels_a_customer_can_use(client, queues):
    body = client.get("/how-to-complain/").content.decode()
    where = body[body.index("Where to complain"):body.index("What happens next")]
    assert "<li>E-mail</li>" in where and "<li>Letter</li>" in where
    assert "Regulator referral" not in where and "API" not in where
