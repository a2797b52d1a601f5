"""Under the Content-Security-Policy, in headless Chromium: the public form, the desk, the
charts (inline plotly with the nonce, and htmx-swapped ones drawn by cd.js) and the API docs
work, and the browser reports no violation."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from complaintdesk.cases.models import Case
from tests.conftest import MSK
from tests.portal.browser import shot
from tests.staffing.history import clone_cases, pattern_days

pytestmark = pytest.mark.django_db(transaction=True)


def watch(page) -> list[str]:
    """Every CSP violation and script error the page reports."""
    problems: list[str] = []

    def on_console(msg) -> None:
        # The browser asks for /favicon.ico on its own; we serve none.
        if msg.location.get("url", "").endswith("/favicon.ico"):
            return
        if "Content Security Policy" in msg.text or msg.type == "error":
            problems.append(f"{msg.text} ({msg.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    return problems


def log_in(page, user, *, next_path: str) -> None:
    page.goto(f"/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("pw-" + user.username)
    page.get_by_role("button", name="Log in").click()


def test_the_public_form_works_under_the_policy(new_page, queues):
    page = new_page()
    problems = watch(page)
    page.goto("/complain/")
    page.get_by_label("Your name").fill("Anna")
    page.get_by_label("E-mail or phone").fill("anna@example.com")
    page.get_by_label("What happened?").fill("The courier left the parcel in the rain.")
    page.get_by_label("I agree to the processing").check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/complain/thanks/**")
    assert Case.objects.count() == 1
    assert problems == []


def test_desk_charts_and_api_docs_work_under_the_policy(new_page, owner, make_case):
    # Four weeks of history up to today: the staffing forecast looks back from now.
    today = timezone.now().astimezone(MSK).date()
    first = today - timedelta(days=28)
    template = make_case(channel="phone", queue="first-line", kind="complaint",
                         received_at=timezone.now() - timedelta(days=1))
    clone_cases(template, pattern_days(datetime(first.year, first.month, first.day, tzinfo=MSK),
                                       28))
    page = new_page()
    problems = watch(page)
    log_in(page, owner, next_path="/desk/%3Ftab%3Dteam")
    page.locator("#bulk-form").wait_for()
    page.goto(f"/desk/cases/{template.reference}/")
    page.locator("#reply-form").wait_for()  # the reply box (the note box is its own form)

    page.goto(f"/desk/insights/?start={first.isoformat()}&end={today.isoformat()}")
    page.locator(".plotly-graph-div .main-svg").first.wait_for()  # inline plotly, nonce'd
    shot(page, "csp-insights")

    page.goto("/desk/staffing/?queue=first-line&channel=phone")
    page.locator("#chart-forecast .main-svg").first.wait_for()  # drawn by cd.js
    page.evaluate("() => document.querySelector('#plan').classList.add('before-swap')")
    page.locator("#id_aht_seconds").fill("600")  # htmx swaps the plan in
    page.locator("#out-aht").filter(has_text="600").wait_for()
    # The plan swapped in by htmx has its charts drawn again (cd.js, no inline script).
    page.wait_for_function(
        "() => { const plan = document.querySelector('#plan:not(.before-swap)');"
        " const el = plan && plan.querySelector('#chart-agents');"
        " return el && el.getAttribute('data-drawn') && el.querySelector('.main-svg')"
        " && el.offsetHeight > 100; }")
    shot(page, "csp-staffing")

    page.goto("/api/v1/docs")
    page.locator(".swagger-ui .info").wait_for()
    assert problems == [], problems


def test_the_claims_simulation_report_draws_its_inlined_plotly_under_the_policy(
    new_page, owner, decided_history
):
    page = new_page()
    problems = watch(page)
    log_in(page, owner, next_path="/desk/claims/")
    page.locator("#claims-summary").wait_for()
    page.goto("/desk/claims/simulate/?topic=cards-atm-cash")
    page.locator("#claims-topic-0 .main-svg").first.wait_for()  # plotly.js inlined, nonce'd
    assert problems == [], problems
