"""Calendars and SLA policies set up through the real admin forms."""

import json
import re

import pytest

from complaintdesk.accounts.models import User
from complaintdesk.lib import configcache
from complaintdesk.sla.models import Calendar, Policy

WEEK = {"mon": [["08:00", "17:00"]], "tue": [["08:00", "17:00"]], "wed": [["08:00", "17:00"]],
        "thu": [["08:00", "17:00"]], "fri": [["08:00", "16:00"]], "sat": [], "sun": []}


@pytest.fixture(autouse=True)
def _forget_cached_configuration():
    """These tests change calendars, queues and policies inside a transaction that is rolled
    back; the per-process configuration cache must not carry them into the next test."""
    yield
    configcache.clear()


@pytest.fixture
def admin_client(client, queues):
    user = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


def calendar_form(**overrides):
    data = {"code": "ru-ekb", "name": "Екатеринбург", "timezone": "Asia/Yekaterinburg",
            "week": json.dumps(WEEK),
            "holidays-TOTAL_FORMS": "1", "holidays-INITIAL_FORMS": "0",
            "holidays-MIN_NUM_FORMS": "0", "holidays-MAX_NUM_FORMS": "1000",
            "holidays-0-date": "2027-01-01", "holidays-0-kind": "holiday",
            "holidays-0-name": "Новый год"}
    data.update(overrides)
    return data


def test_a_second_calendar_with_its_holidays_is_added_through_the_admin(admin_client):
    response = admin_client.post("/admin/sla/calendar/add/", calendar_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    calendar = Calendar.objects.get(code="ru-ekb")
    assert calendar.timezone == "Asia/Yekaterinburg"
    assert [(str(h.date), h.kind) for h in calendar.holidays.all()] == [("2027-01-01", "holiday")]
    work = calendar.to_work_calendar()
    assert work.tz == "Asia/Yekaterinburg" and len(work.holidays) == 1


def test_an_interval_that_ends_before_it_starts_is_refused_and_nothing_saved(admin_client):
    week = dict(WEEK, mon=[["17:00", "08:00"]])
    response = admin_client.post("/admin/sla/calendar/add/", calendar_form(week=json.dumps(week)))
    assert response.status_code == 200
    assert "17:00–08:00" in response.content.decode()
    assert not Calendar.objects.filter(code="ru-ekb").exists()


def policy_form(**overrides):
    data = {"name": "Претензии с сайта", "kind": "claim", "channel": "web", "priority": "",
            "calendar": str(Calendar.objects.get(code="ru-moscow").pk),
            "acknowledge_minutes": "60", "resolve_amount": "2", "resolve_unit": "days",
            "resolve_measure": "business", "warn_share": "0.75", "second_escalation_hours": "24",
            "active": "on"}
    data.update(overrides)
    return data


@pytest.mark.parametrize(("field", "typed"), [("kind", "Claim"), ("channel", "Web"),
                                              ("priority", "HIGH")])
def test_a_policy_value_no_case_can_have_is_refused(admin_client, field, typed):
    before = Policy.objects.count()
    response = admin_client.post("/admin/sla/policy/add/", policy_form(**{field: typed}))
    assert response.status_code == 200
    assert Policy.objects.count() == before


def test_a_policy_with_the_case_registers_codes_is_saved_and_matches(admin_client, make_case,
                                                                     frozen):
    response = admin_client.post("/admin/sla/policy/add/", policy_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = Policy.objects.get(name="Претензии с сайта")
    case = make_case(channel="web", kind="claim")
    assert case.policy == policy


def test_the_policy_form_offers_the_codes_and_preselects_the_moscow_calendar(admin_client):
    html = admin_client.get("/admin/sla/policy/add/").content.decode()
    kind = re.search(r'<select name="kind".*?</select>', html, re.S).group(0)
    assert 'value="claim"' in kind and 'value=""' in kind
    calendar = re.search(r'<select name="calendar".*?</select>', html, re.S).group(0)
    moscow = Calendar.objects.get(code="ru-moscow").pk
    assert re.search(rf'<option value="{moscow}" selected>', calendar)
