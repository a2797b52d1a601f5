"""Prints the authorisation matrix's size at the end of the run (for the closing note)."""

import pytest

SUMMARY = pytest.StashKey[str]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    summary = config.stash.get(SUMMARY, None)
    if summary:
        terminalreporter.write_sep("-", summary)
