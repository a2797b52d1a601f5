"""Portal test fixtures; the browser ones drive Debian's Chromium against live_server."""

import shutil

import pytest

from tests.portal.browser import ARGS, CHROMIUM


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the process-wide local-memory cache; start each test empty."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def chromium():
    """One browser per test module; stopped afterwards so its event loop never outlives it."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: run scripts/ensure-chromium")
    # Playwright's sync API keeps an event loop running in this thread; Django would refuse
    # ORM calls from the test body without this.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            yield browser
            browser.close()


@pytest.fixture
def _flushable_append_only_tables(transactional_db):
    """Let the flush after a transactional test empty the append-only tables on SQLite.

    SQLite flushes with DELETE, which the append-only triggers refuse; PostgreSQL truncates,
    which row triggers ignore. Empty them with the triggers briefly lifted, then restore them.
    """
    yield
    import importlib

    from django.db import connection

    if connection.vendor != "sqlite":
        return
    migration = importlib.import_module(
        "complaintdesk.cases.migrations.0003_append_only_and_defaults")
    with connection.schema_editor() as editor:
        migration.drop_triggers(None, editor)
        for table in migration.APPEND_ONLY_TABLES:
            editor.execute(f"DELETE FROM {table}")
        migration.create_triggers(None, editor)


@pytest.fixture
def new_page(chromium, live_server, _flushable_append_only_tables):
    """Pages in fresh contexts (one per person: the customer and the staff member)."""
    contexts = []

    def make(locale: str = "en-GB"):
        context = chromium.new_context(base_url=live_server.url, locale=locale,
                                       viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
