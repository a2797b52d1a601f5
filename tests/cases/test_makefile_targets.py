"""The Makefile: the demo installs only the app, `make bench` runs a script that exists, PORT
reaches both demo commands."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not shutil.which("make"), reason="make is not installed")


def dry_run(*args: str) -> str:
    # A venv path that does not exist: make prints every step, including the installs.
    return subprocess.run(["make", "-n", "VENV=/nonexistent-venv", *args], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout


def test_demo_installs_the_app_without_dev_tools_or_the_encoder():
    steps = dry_run("demo")
    assert "pip install -q -e ." in steps
    assert "[dev" not in steps and "encoder" not in steps


def test_test_installs_the_dev_tools_and_the_encoder():
    assert "pip install -q -e '.[dev,encoder]'" in dry_run("test")


def test_demo_on_another_port_passes_it_to_both_commands():
    steps = dry_run("demo", "PORT=8101")
    assert "PORT=8101 /nonexistent-venv/bin/complaintdesk demo" in steps
    assert "PORT=8101 /nonexistent-venv/bin/complaintdesk serve --with-worker" in steps


def test_bench_runs_a_script_that_exists():
    (script,) = re.findall(r"bin/python (bench/\S+\.py)", dry_run("bench"))
    assert (ROOT / script).is_file()
