"""`complaintdesk demo` looks like a live desk on whatever day it is started: recent dates, the
shared data sets moved up to the last days, only a few open cases past a deadline."""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from complaintdesk.cases.models import Case

pytestmark = pytest.mark.django_db
SHARED = Path(settings.COMPLAINTDESK["SHARED_DATA_DIR"])


def test_generated_cases_are_recent_and_seldom_overdue(settings, tmp_path):
    settings.COMPLAINTDESK = {**settings.COMPLAINTDESK, "SHARED_DATA_DIR": str(tmp_path)}
    call_command("demo", cases=60, imported=0, stdout=StringIO())
    now = timezone.now()
    open_cases = Case.objects.exclude(status__in=["closed", "decided"])
    assert open_cases.count() >= 20
    assert not open_cases.filter(received_at__lt=now - timedelta(days=4)).exists()
    overdue = open_cases.filter(resolve_by__lt=now).count()
    assert overdue <= open_cases.count() // 4
    assert not Case.objects.filter(received_at__lt=now - timedelta(days=46)).exists()


@pytest.mark.skipif(not (SHARED / "cfpb_complaints_2015_2020.csv").exists(),
                    reason="the shared data sets are not on this machine")
def test_imported_rows_are_moved_so_the_newest_arrived_two_days_ago():
    call_command("demo", cases=0, imported=40, stdout=StringIO())
    today = timezone.localdate()
    for source in ("cfpb", "myfin"):
        newest = Case.objects.filter(source=source).order_by("-received_at").first().received_at
        assert (today - timezone.localdate(newest)).days == 2, source
    oldest_open = Case.objects.exclude(status="closed").order_by("received_at").first()
    assert oldest_open is None or oldest_open.received_at > timezone.now() - timedelta(days=60)
