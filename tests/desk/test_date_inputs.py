"""Date and datetime inputs carry ISO values on Russian pages, so browsers show and keep them."""

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from django.test import Client

from complaintdesk.insights.models import Cause, CorrectiveAction, ReportSchedule, RootCause
from tests.portal.browser import shot
from tests.portal.conftest import (  # noqa: F401  (fixtures of the browser tests)
    _flushable_append_only_tables,
    chromium,
    new_page,
)

DEADLINE = date(2026, 12, 31)


class _FormValues(HTMLParser):
    """What a browser would post back from the page's form: inputs, selects, textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "radio"):
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "input" and a.get("name") and "checked" in a:
            self.values[a["name"]] = a.get("value") or "on"
        elif tag == "select":
            self._select = a.get("name")
            self._chosen = False
        elif tag == "option" and self._select and ("selected" in a or not self._chosen):
            # No option marked selected: a browser posts the first one.
            self.values[self._select] = a.get("value") or ""
            self._chosen = "selected" in a
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea or ""] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data.lstrip("\n")


def form_values(html: str) -> dict[str, str]:
    parser = _FormValues()
    parser.feed(html)
    return parser.values


def value_of(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no input {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def russian(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(user)
    return client


@pytest.fixture
def action(queues, analyst):
    rc = RootCause.objects.create(title="Поздние доставки", whys=["Курьер перегружен"])
    cause = Cause.objects.create(root_cause=rc, text="Диспетчер не видит загрузку", depth=1)
    return CorrectiveAction.objects.create(cause=cause, title="Экран загрузки", owner=analyst,
                                           deadline=DEADLINE)


def test_a_corrective_actions_deadline_is_rendered_iso_on_a_russian_page(action, analyst):
    html = russian(analyst).get(f"/desk/insights/actions/{action.pk}/").content.decode()
    assert value_of(html, "deadline") == "2026-12-31"


def test_saving_a_corrective_action_unchanged_keeps_its_deadline(action, analyst):
    client = russian(analyst)
    html = client.get(f"/desk/insights/actions/{action.pk}/").content.decode()
    response = client.post(f"/desk/insights/actions/{action.pk}/", form_values(html))
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.deadline == DEADLINE


def test_theme_period_defaults_are_rendered_iso(analyst, frozen):
    html = russian(analyst).get("/desk/insights/themes/").content.decode()
    assert value_of(html, "start") == "2026-02-02" and value_of(html, "end") == "2026-03-03"


def test_next_run_at_is_local_iso_and_round_trips(analyst, frozen):
    client = russian(analyst)
    html = client.get("/desk/insights/schedules/").content.decode()
    # Frozen at 10:00 in Moscow (07:00 UTC): the field speaks the reader's local time.
    assert value_of(html, "next_run_at") == "2026-03-03T10:00"
    values = form_values(html) | {"name": "Еженедельный", "recipients": "boss@example.com"}
    assert client.post("/desk/insights/schedules/", values).status_code == 302
    assert ReportSchedule.objects.get().next_run_at == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)


def test_the_organisation_base_accepts_the_iso_dates_a_browser_sends(analyst, admin_user):
    from complaintdesk.insights.models import OrganisationBase

    response = russian(admin_user).post("/desk/insights/base/", {
        "period_start": "2026-01-01", "period_end": "2026-12-31", "customers": "1000",
        "orders": "5000"})
    assert response.status_code == 302
    base = OrganisationBase.objects.get()
    assert (base.period_start, base.period_end) == (date(2026, 1, 1), DEADLINE)


@pytest.mark.django_db(transaction=True)
def test_in_a_russian_browser_the_deadline_shows_and_survives_an_unchanged_save(
    new_page, action, analyst  # noqa: F811
):
    page = new_page(locale="ru-RU")
    page.goto(f"/accounts/login/?next=/desk/insights/actions/{action.pk}/")
    page.locator("input[name=username]").fill(analyst.username)
    page.locator("input[name=password]").fill("pw-" + analyst.username)
    page.get_by_role("button", name="Войти").click()
    deadline = page.locator("input[name=deadline]")
    deadline.wait_for()
    assert deadline.input_value() == "2026-12-31"
    shot(page, "desk-action-deadline-ru")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url(f"**/rootcauses/{action.cause.root_cause_id}/")
    action.refresh_from_db()
    assert action.deadline == DEADLINE
