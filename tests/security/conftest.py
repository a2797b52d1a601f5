"""The browser fixtures of the portal tests (Debian's Chromium against live_server)."""

from tests.portal.conftest import (  # noqa: F401  (pytest finds fixtures by name here)
    _flushable_append_only_tables,
    _fresh_rate_limits,
    chromium,
    new_page,
)
