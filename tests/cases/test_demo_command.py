"""`complaintdesk demo`: users for every role, cases in every state, some awaiting review."""

from io import StringIO

import pytest
from django.core.management import call_command

from complaintdesk.accounts.models import User
from complaintdesk.cases.models import Case

pytestmark = pytest.mark.django_db


def test_demo_prepares_logins_cases_and_open_cases_for_review(settings, tmp_path):
    settings.COMPLAINTDESK = {**settings.COMPLAINTDESK, "SHARED_DATA_DIR": str(tmp_path)}
    out = StringIO()
    call_command("demo", cases=20, imported=0, stdout=out)
    printed = out.getvalue()
    assert "password demo-supervisor" in printed and "API token (supervisor):" in printed
    assert User.objects.get(username="operator").check_password("demo-operator")
    assert Case.objects.count() == 24
    in_review = Case.objects.filter(needs_review=True).exclude(status="closed")
    assert in_review.count() >= 2
    assert all(case.kind != "unclassified" for case in in_review)


def test_running_demo_again_adds_no_cases(settings, tmp_path):
    settings.COMPLAINTDESK = {**settings.COMPLAINTDESK, "SHARED_DATA_DIR": str(tmp_path)}
    call_command("demo", cases=5, imported=0, stdout=StringIO())
    call_command("demo", cases=5, imported=0, stdout=StringIO())
    assert Case.objects.count() == 9
