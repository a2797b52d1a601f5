"""Fixtures shared with other test folders: the portal's browser fixtures (Debian's Chromium
against live_server) and the claims tests' decided history (for the simulation report); and, at
the end of the run, the authorisation matrix's size and the number of requests schemathesis sent
(for the closing note)."""

import sys

import pytest

from tests.claims.test_claims_page import decided_history  # noqa: F401
from tests.portal.conftest import (  # noqa: F401  (pytest finds fixtures by name here)
    _flushable_append_only_tables,
    _fresh_rate_limits,
    chromium,
    new_page,
)

SUMMARY = pytest.StashKey[str]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    summary = config.stash.get(SUMMARY, None)
    if summary:
        terminalreporter.write_sep("-", summary)
    run = sys.modules.get("tests.security.test_schemathesis")
    if run is not None and run.SENT["requests"]:
        terminalreporter.write_line(
            f"schemathesis: {run.SENT['requests']} requests sent "
            f"(max_examples={run.MAX_EXAMPLES}, admin and operator tokens)")
