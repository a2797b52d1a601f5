"""Prints how many requests the schemathesis run sent (the integrator records the number)."""

import sys


def pytest_terminal_summary(terminalreporter):
    run = sys.modules.get("tests.security.test_schemathesis")
    if run is not None and run.SENT["requests"]:
        terminalreporter.write_line(
            f"schemathesis: {run.SENT['requests']} requests sent "
            f"(max_examples={run.MAX_EXAMPLES}, admin and operator tokens)")
