"""Another port: `make demo PORT=8101` / `serve --bind` move every printed and e-mailed link."""

import os
import subprocess
import sys

import pytest

from complaintdesk.cases.management.commands.serve import child_env
from complaintdesk.lib.site import site_url_for_bind


@pytest.mark.parametrize(("bind", "url"), [
    ("127.0.0.1:8101", "http://127.0.0.1:8101"),
    ("0.0.0.0:9000", "http://127.0.0.1:9000"),
    (":8102", "http://127.0.0.1:8102"),
    ("8103", "http://127.0.0.1:8103"),
    ("[::]:8104", "http://[::1]:8104"),
    ("desk.example.org:80", "http://desk.example.org:80"),
])
def test_the_site_address_follows_the_bound_address(bind, url):
    assert site_url_for_bind(bind) == url


def test_serve_hands_gunicorn_and_the_worker_the_bound_port(settings):
    settings.SITE_URL_CONFIGURED = False
    assert child_env(bind="127.0.0.1:8101")["SITE_URL"] == "http://127.0.0.1:8101"


def test_a_configured_site_url_is_kept_whatever_the_port(settings, monkeypatch):
    settings.SITE_URL_CONFIGURED = True
    monkeypatch.setenv("SITE_URL", "https://complaints.example.org")
    assert child_env(bind="127.0.0.1:8101")["SITE_URL"] == "https://complaints.example.org"


def _settings_in_a_fresh_process(**env) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "BIND", "PORT")}
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'complaintdesk.settings'; "
            "django.setup(); from django.conf import settings; print(settings.SITE_URL); "
            "print(settings.BIND)")
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, check=True,
                         capture_output=True, text=True).stdout
    return out.split()


def test_port_alone_sets_where_demo_serves_and_what_it_prints(tmp_path):
    var = str(tmp_path)
    assert _settings_in_a_fresh_process(PORT="8101", COMPLAINTDESK_VAR_DIR=var) == [
        "http://127.0.0.1:8101", "127.0.0.1:8101"]
    assert _settings_in_a_fresh_process(COMPLAINTDESK_VAR_DIR=var) == [
        "http://127.0.0.1:8000", "127.0.0.1:8000"]
    assert _settings_in_a_fresh_process(PORT="8101", SITE_URL="https://x.example/",
                                        COMPLAINTDESK_VAR_DIR=var) == ["https://x.example",
                                                                       "127.0.0.1:8101"]
