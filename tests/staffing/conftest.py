import pytest

from complaintdesk.accounts.models import QueueMembership, Role, User
from complaintdesk.staffing.models import QueueStaffing


@pytest.fixture
def ivr(queues):
    """The IVR platform's integration user: a member of the 1st line."""
    user = User.objects.create_user(username="ivr", role=Role.OPERATOR)
    QueueMembership.objects.create(user=user, queue=queues["first-line"])
    return user


@pytest.fixture
def phone_staffing(queues):
    """1st line, phone: 10 agents, AHT 5 min, patience 3 min, callback above 10 minutes."""
    return QueueStaffing.objects.create(
        queue=queues["first-line"], channel="phone", agents_on_duty=10, aht_seconds=300,
        patience_seconds=180, model="erlang_c", callback_threshold_seconds=600,
    )
