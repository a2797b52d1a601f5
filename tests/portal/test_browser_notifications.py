"""Issue #21 in headless Chromium: a teammate sees a new notification without reloading when a
supervisor assigns them a case in another browser; j/k/Enter, ?, /, r and n on the keyboard."""

import pytest

from complaintdesk.cases import services
from tests.portal.browser import shot

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, user, *, next_path: str) -> None:
    page.goto(f"/accounts/login/?next={next_path}")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill("pw-" + user.username)
    page.locator("form button[type=submit]").last.click()


def watch(page) -> list[str]:
    """CSP violations and script errors the page reports (there must be none)."""
    problems: list[str] = []

    def on_console(msg) -> None:
        if msg.location.get("url", "").endswith("/favicon.ico"):
            return
        if "Content Security Policy" in msg.text or msg.type == "error":
            problems.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    return problems


@pytest.fixture
def quick_poll(settings):
    # The bell polls every 20 s in production; a second here keeps the test short.
    settings.COMPLAINTDESK = {**settings.COMPLAINTDESK, "NOTIFICATION_POLL_SECONDS": 1}


def test_a_teammate_sees_the_assignment_without_reloading(
        new_page, quick_poll, owner, teammate, make_case):
    case = make_case(subject="Torn bags")
    mate = new_page()
    problems = watch(mate)
    log_in(mate, teammate, next_path="/desk/?tab=team")
    mate.locator("#bell").wait_for()
    mate.locator("#bell-count[data-unread='0']").wait_for(state="attached")
    mate.evaluate("window.__sameDocument = true")

    boss = new_page()
    log_in(boss, owner, next_path=f"/desk/cases/{case.reference}/")
    boss.locator("form[action$='/assign/'] select[name=assignee]").select_option(label="timur")
    boss.locator("#assign form.form button[type=submit]").click()
    boss.get_by_text("Assignee saved.").wait_for()

    mate.locator("#bell-count[data-unread='1']").wait_for()  # polled, not reloaded
    assert mate.locator("#bell-count").inner_text().startswith("1")
    assert mate.evaluate("window.__sameDocument === true")  # no reload happened
    shot(mate, "21-notification-bell")
    mate.locator("#bell").click()
    mate.locator("#notifications").get_by_text(case.reference).wait_for()
    assert mate.locator("#notifications tr.unread").count() == 1
    shot(mate, "21-notification-list")
    mate.goto("/desk/?tab=team")
    mate.locator("#bell-count[data-unread='0']").wait_for(state="attached")
    assert problems == []


def test_keyboard_moves_through_the_queue_and_opens_a_case(new_page, owner, teammate, make_case):
    cases = [make_case(subject=f"Case {i}", customer_email=f"k{i}@example.com") for i in range(3)]
    services.add_message(case=cases[0], body="Are you there?", direction="in", actor=None)
    page = new_page()
    problems = watch(page)
    log_in(page, teammate, next_path="/desk/?tab=team")
    page.locator("#cases").wait_for()
    refs = page.locator("#cases tbody tr[data-ref]").evaluate_all(
        "rows => rows.map(r => r.dataset.ref)")
    assert len(refs) == 3
    current = "document.querySelector('#cases tr.kbd-current')?.dataset.ref"
    page.keyboard.press("j")
    assert page.evaluate(current) == refs[0]
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")  # stays on the last row
    assert page.evaluate(current) == refs[2]
    page.keyboard.press("k")
    assert page.evaluate(current) == refs[1]
    shot(page, "21-queue-keyboard")

    # "/" goes to the search box (the queue's own while the header has none).
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "q"
    page.keyboard.press("Escape")
    # Typing in a field is typing, not a shortcut.
    page.locator("#save-view summary").click()
    page.locator("#view-name").click()
    page.keyboard.type("jk")
    assert page.locator("#view-name").input_value() == "jk"
    assert page.evaluate(current) == refs[1]
    page.keyboard.press("Escape")

    page.keyboard.press("?")
    help_box = page.locator("#shortcuts-help")
    help_box.wait_for(state="visible")
    assert "j" in help_box.inner_text() and "Keyboard shortcuts" in help_box.inner_text()
    shot(page, "21-shortcuts-help")
    page.keyboard.press("?")
    help_box.wait_for(state="hidden")

    page.keyboard.press("Enter")
    page.wait_for_url(f"**/desk/cases/{refs[1]}/")
    # Reply and note are separate forms: "n" goes to the note's box, "r" to the reply's.
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.id") == "note-body"
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reply-body"
    assert problems == []


def test_the_shortcut_list_and_the_queue_markers_in_russian(new_page, teammate, make_case):
    case = make_case(subject="Порвались пакеты")
    services.add_message(case=case, body="Где ответ?", direction="in", actor=None)
    page = new_page("ru-RU")
    log_in(page, teammate, next_path="/desk/?tab=team")
    page.locator("#cases").wait_for()
    row = page.locator(f"#cases tr[data-ref='{case.reference}']")
    assert "клиент ответил" in row.inner_text() and "Порвались пакеты" in row.inner_text()
    page.keyboard.press("?")
    page.locator("#shortcuts-help").wait_for(state="visible")
    assert "Клавиатурные сокращения" in page.locator("#shortcuts-help").inner_text()
    shot(page, "21-shortcuts-help-ru")


def test_a_supervisor_saves_the_current_filters_as_a_team_view_and_it_becomes_a_tab(
        new_page, owner, teammate, make_case):
    make_case(kind="claim", amount_claimed=100, currency="RUB", subject="ATM kept my card")
    make_case(subject="Rude courier")
    boss = new_page()
    problems = watch(boss)
    log_in(boss, owner, next_path="/desk/?tab=team")
    boss.locator("#cases").wait_for()
    boss.locator("select[name=kind]").select_option("claim")  # htmx: the address follows
    boss.wait_for_url("**kind=claim**")
    boss.locator("#save-view summary").click()
    boss.locator("#view-name").fill("Claims of the team")
    boss.locator("#view-scope").select_option("team")
    boss.locator("#save-view button[type=submit]").click()
    tab = boss.locator("#saved-views a", has_text="Claims of the team")
    tab.wait_for()
    assert tab.get_attribute("aria-current") == "page"
    assert "ATM kept my card" in boss.locator("#cases").inner_text()
    assert "Rude courier" not in boss.locator("#cases").inner_text()
    shot(boss, "21-saved-view-tabs")
    assert problems == []

    mate = new_page()
    log_in(mate, teammate, next_path="/desk/me/notifications/")
    mate.locator("#preferences-form").wait_for()
    shot(mate, "21-notification-preferences")
    mate.goto("/desk/?tab=team")
    mate.locator("#saved-views a", has_text="Claims of the team").click()
    mate.wait_for_url("**kind=claim**")
