"""Cases with a known arrival pattern, cloned in bulk from one real case (fast)."""

import copy
from datetime import datetime, timedelta

from django.db.models.base import ModelState

from complaintdesk.cases.models import Case
from tests.conftest import MSK

# Every day: 3 phone cases at 09:05, 1 at 09:40, 2 at 14:20, and 1 e-mail at 09:10 (Moscow).
DAILY_PATTERN = [((9, 5), "phone")] * 3 + [((9, 40), "phone"), ((14, 20), "phone"),
                                          ((14, 20), "phone"), ((9, 10), "email")]


def clone_cases(template: Case, stamps_and_channels) -> None:
    rows = []
    source = Case.objects.get(pk=template.pk)
    for i, (stamp, channel) in enumerate(stamps_and_channels):
        clone = copy.copy(source)
        clone.pk = None
        clone._state = ModelState()
        clone.reference = f"T-{template.pk}-{i}"
        clone.received_at = stamp
        clone.channel = channel
        rows.append(clone)
    Case.objects.bulk_create(rows)


def pattern_days(first_day: datetime, days: int):
    for d in range(days):
        day = first_day + timedelta(days=d)
        for (hour, minute), channel in DAILY_PATTERN:
            yield datetime(day.year, day.month, day.day, hour, minute, tzinfo=MSK), channel
