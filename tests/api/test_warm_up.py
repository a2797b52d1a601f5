"""A server process loads its URLconf, catalogues, templates and triage models when the WSGI app
is imported (before gunicorn forks with --preload), so no first request loads them."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("complaintdesk.", "sklearn", "scipy", "plotly.graph_objs", "plotly.validators", "ninja.")
SCRIPT = """
import json, os, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
before = set(sys.modules)
import complaintdesk.wsgi
warmed = set(sys.modules)
from django.test import Client
from complaintdesk.accounts.models import User
client = Client()
client.force_login(User.objects.create_user("boss", password="x", role="supervisor"))
status = [client.get(path).status_code for path in ("/desk/", "/desk/insights/", "/complain/")]
heavy = tuple(sys.argv[1:])
print(json.dumps({
    "status": status,
    "warmed": sorted(m for m in warmed - before if m.startswith(heavy)),
    "loaded_by_requests": sorted(m for m in set(sys.modules) - warmed if m.startswith(heavy)),
}))
"""


def run_server_process(tmp_path, **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    clean.update(DJANGO_SETTINGS_MODULE="complaintdesk.settings", COMPLAINTDESK_VAR_DIR=str(tmp_path),
                 COMPLAINTDESK_LANGUAGE="ru", **env)
    out = subprocess.run([sys.executable, "-c", SCRIPT, *HEAVY], cwd=ROOT, env=clean, check=True,
                         capture_output=True, text=True, timeout=600).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_importing_the_wsgi_app_loads_what_first_requests_would(tmp_path):
    result = run_server_process(tmp_path)
    assert result["status"] == [200, 200, 200]
    assert "complaintdesk.urls" in result["warmed"] and "complaintdesk.api.main" in result["warmed"]
    assert any(m.startswith("sklearn") for m in result["warmed"])
    assert result["loaded_by_requests"] == []


def test_warming_can_be_switched_off_for_tests_of_the_server_process(tmp_path):
    result = run_server_process(tmp_path, COMPLAINTDESK_WARM_MODELS="0")
    assert "complaintdesk.urls" not in result["warmed"]
    assert "complaintdesk.urls" in result["loaded_by_requests"]
