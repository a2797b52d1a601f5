"""In a real browser: the API docs render with no request leaving the server, and the
supervisor's desk pages fit 1366 px (no sideways scroll, the menu on one line)."""

import pytest

from tests.portal.browser import shot

pytestmark = pytest.mark.django_db(transaction=True)

DESK_PAGES = ["/desk/", "/desk/new/", "/desk/board/", "/desk/incidents/", "/desk/claims/",
              "/desk/staffing/", "/desk/insights/", "/desk/insights/watchlist/", "/desk/channels/"]


@pytest.fixture
def wide_page(chromium, live_server, _flushable_append_only_tables):
    """A 1366 px wide page, in Russian (the longer labels), that refuses to leave the server."""
    context = chromium.new_context(base_url=live_server.url, locale="ru-RU",
                                   viewport={"width": 1366, "height": 900})
    context.set_default_timeout(20_000)
    outside: list[str] = []

    def only_our_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_our_server)
    page = context.new_page()
    page.outside = outside
    yield page
    context.close()


def test_the_api_docs_render_without_leaving_the_server(wide_page):
    wide_page.goto("/api/v1/docs")
    wide_page.locator(".swagger-ui .info .title").filter(has_text="complaintdesk API").wait_for()
    wide_page.locator(".opblock").first.wait_for()
    shot(wide_page, "api-docs-offline")
    assert wide_page.outside == []


def test_supervisor_desk_pages_fit_1366_px_with_the_menu_on_one_line(wide_page, owner):
    wide_page.goto("/accounts/login/")
    wide_page.locator("#id_username").fill(owner.username)
    wide_page.locator("#id_password").fill("pw-" + owner.username)
    wide_page.locator("form:has(#id_username) button[type=submit]").click()
    wide_page.locator(".cd-nav").wait_for()
    for path in DESK_PAGES:
        wide_page.goto(path, wait_until="load")
        scroll, client = wide_page.evaluate(
            "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
        assert scroll <= client, f"{path} scrolls sideways by {scroll - client} px"
        tops = wide_page.evaluate(
            "[...document.querySelectorAll('.cd-nav a')].map(a => Math.round(a.getBoundingClientRect().top))")
        # A supervisor's nine items: queues, new case, board, canned answers, incidents, claims,
        # staffing, insights, channels.
        assert len(tops) == 9 and len(set(tops)) == 1, f"{path}: the menu wraps ({tops})"
    shot(wide_page, "desk-claims-1366")
    # On a phone the claims tables scroll inside their cards (the page scrolled 1049 px).
    wide_page.set_viewport_size({"width": 390, "height": 844})
    wide_page.goto("/desk/claims/", wait_until="load")
    scroll, client = wide_page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
    assert scroll <= client, f"/desk/claims/ at 390 px scrolls sideways by {scroll - client} px"
    assert wide_page.outside == []
