"""Fixtures shared with other test folders: the portal's browser fixtures (Debian's Chromium
against live_server) and the claims tests' decided history (for the simulation report)."""

from tests.claims.test_claims_page import decided_history  # noqa: F401
from tests.portal.conftest import (  # noqa: F401  (pytest finds fixtures by name here)
    _flushable_append_only_tables,
    _fresh_rate_limits,
    chromium,
    new_page,
)
