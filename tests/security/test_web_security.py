"""Issue #20, web security: login throttling, the client-IP rule, rate limits on public pages,
headers (CSP, HSTS, cookies, deploy checks), one-line 403 logs and write-only secrets."""

import json
import logging
import os
import re
import secrets
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.test import Client, RequestFactory

from complaintdesk.accounts.models import User
from complaintdesk.channels import conf
from complaintdesk.channels.models import Mailbox, WebhookSource
from complaintdesk.channels.webhook import BadSignature, sign, verify
from complaintdesk.lib.ratelimit import client_ip
from tests.conftest import MSK
from tests.staffing.history import clone_cases, pattern_days

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Many logins per test: a cheap hasher (users are created after this runs)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def wrong_password(client: Client, username: str, *, ip: str = "203.0.113.5",
                   path: str = LOGIN, **extra):
    return client.post(path, {"username": username, "password": "not-the-password"},
                       REMOTE_ADDR=ip, **extra)


def right_password(client: Client, user: User, *, ip: str = "203.0.113.5", path: str = LOGIN,
                   **extra):
    return client.post(path, {"username": user.username, "password": "pw-" + user.username},
                       REMOTE_ADDR=ip, **extra)


# ---------------------------------------------------------------- login throttling


def test_five_wrong_passwords_lock_the_account_from_that_address_even_for_the_right_one(
    client, teammate
):
    for _ in range(4):
        assert wrong_password(client, "timur").status_code == 200  # the form, with its error
    locked = wrong_password(client, "timur")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    again = right_password(client, teammate)
    assert again.status_code == 429 and "_auth_user_id" not in client.session
    # What administrators see of the attempts never holds a typed password.
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get()
    assert "not-the-password" not in attempt.post_data and "pw-timur" not in attempt.post_data


def test_the_lockout_message_is_in_russian_for_a_russian_browser(client, teammate):
    for _ in range(5):
        response = wrong_password(client, "timur", HTTP_ACCEPT_LANGUAGE="ru")
    body = response.content.decode()
    assert response.status_code == 429
    assert "Слишком много неудачных попыток входа" in body and "15 минут" in body


def test_the_lockout_holds_one_account_at_one_address_not_the_colleague_elsewhere(
    client, teammate
):
    for _ in range(5):
        wrong_password(client, "timur", ip="203.0.113.5")
    elsewhere = right_password(Client(), teammate, ip="198.51.100.20")
    assert elsewhere.status_code == 302 and elsewhere["Location"] == "/desk/"


def test_the_lockout_ends_after_the_cool_off(client, teammate, time_machine):
    time_machine.move_to("2026-03-03 10:00:00+03:00", tick=False)
    for _ in range(5):
        wrong_password(client, "timur")
    assert right_password(client, teammate).status_code == 429
    time_machine.move_to("2026-03-03 10:16:00+03:00", tick=False)
    assert right_password(client, teammate).status_code == 302


def test_many_usernames_from_one_address_lock_the_address(client, teammate, settings):
    settings.LOGIN_FAILURES_PER_IP = 12
    for i in range(12):  # a spray: never more than one guess per username
        wrong_password(client, f"user{i}")
    response = right_password(client, teammate)
    assert response.status_code == 429 and "Too many failed logins" in response.content.decode()
    assert right_password(Client(), teammate, ip="198.51.100.20").status_code == 302


def test_the_admin_login_is_throttled_too(client, admin_user):
    admin_user.is_staff = True
    admin_user.save()
    for _ in range(5):
        wrong_password(client, "adam", path="/admin/login/")
    response = right_password(client, admin_user, path="/admin/login/")
    assert response.status_code == 429 and "Too many failed logins" in response.content.decode()


def test_a_right_password_still_logs_in(client, teammate):
    response = right_password(client, teammate)
    assert response.status_code == 302 and response["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200


def test_the_test_clients_login_still_works(client, teammate):
    assert client.login(username="timur", password="pw-timur")
    assert client.get("/desk/").status_code == 200


# ---------------------------------------------------------------- the client-IP rule


def forwarded(remote: str, xff: str = ""):
    extra = {"REMOTE_ADDR": remote}
    if xff:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(forwarded("198.51.100.9", "1.2.3.4")) == "198.51.100.9"


def test_behind_one_proxy_the_address_it_appended_counts_not_what_the_client_wrote(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(forwarded("10.0.0.2", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(forwarded("10.0.0.2", "203.0.113.7")) == "203.0.113.7"


def test_behind_two_proxies_the_second_address_from_the_right_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(forwarded("10.0.0.3", "9.9.9.9, 203.0.113.7, 10.0.0.2")) == "203.0.113.7"


def test_a_missing_or_garbage_forwarded_address_falls_back_to_the_socket(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(forwarded("10.0.0.2")) == "10.0.0.2"
    assert client_ip(forwarded("10.0.0.2", "not-an-address")) == "10.0.0.2"


def test_forged_forwarded_addresses_do_not_dodge_the_public_form_limit(client, queues, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = [
        client.post("/complain/", {"text": "x"}, REMOTE_ADDR="10.0.0.2",
                    HTTP_X_FORWARDED_FOR=f"1.1.1.{i}, 203.0.113.7").status_code
        for i in range(6)
    ]
    assert statuses[-1] == 429


def test_login_throttling_uses_the_same_rule(client, teammate, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for i in range(5):
        wrong_password(client, "timur", ip="10.0.0.2",
                       HTTP_X_FORWARDED_FOR=f"1.1.1.{i}, 203.0.113.7")
    assert right_password(client, teammate, ip="10.0.0.2",
                          HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.7").status_code == 429
    # Another client behind the same proxy is not locked out.
    assert right_password(Client(), teammate, ip="10.0.0.2",
                          HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 302


def run_settings(env: dict[str, str], code: str, tmp_path) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    full.update({"COMPLAINTDESK_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE":
                 "complaintdesk.settings", **env})
    return subprocess.run([sys.executable, *code.split("\0")], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=120)


def production_env() -> dict[str, str]:
    return {"SITE_URL": "https://complaints.example.com", "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "complaints.example.com"}


def test_settings_take_the_proxy_count_from_the_environment_and_secure_https(tmp_path):
    code = ("-c\0import django; django.setup(); from django.conf import settings as s; "
            "print(json.dumps([s.TRUSTED_PROXY_COUNT, s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, "
            "s.SECURE_PROXY_SSL_HEADER]))").replace("import django;", "import django, json;")
    done = run_settings({**production_env(), "TRUSTED_PROXY_COUNT": "2"}, code, tmp_path)
    assert done.returncode == 0, done.stderr
    count, session_secure, csrf_secure, hsts, redirect, proxy_header = json.loads(done.stdout)
    assert count == 2 and session_secure and csrf_secure and redirect
    assert hsts >= 31_536_000 and proxy_header == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_the_deploy_checks_are_clean_with_production_settings(tmp_path):
    done = run_settings(production_env(),
                        "-m\0complaintdesk\0check\0--deploy\0--fail-level\0WARNING", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNINGS" not in done.stdout + done.stderr


# ---------------------------------------------------------------- rate limits on public pages


def test_the_thanks_page_is_rate_limited(client, make_case):
    case = make_case()
    url = f"/complain/thanks/{case.reference}/?token={case.public_token}"
    statuses = [client.get(url).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    last = client.get(url)
    assert last["Retry-After"] == "60" and "Too many requests" in last.content.decode()


def test_guessing_survey_tokens_is_rate_limited(client, queues):
    statuses = [client.get(f"/survey/guess-{i}/").status_code for i in range(31)]
    assert statuses[:30] == [404] * 30
    assert statuses[30] == 429


# ---------------------------------------------------------------- headers


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    parts = (p.strip().split(" ", 1) for p in header.split(";") if p.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def test_pages_carry_a_strict_content_security_policy(client, owner, queues):
    client.force_login(owner)
    for path in ("/complain/", "/desk/", "/accounts/login/", "/api/v1/docs"):
        response = client.get(path)
        assert response.status_code == 200, path
        csp = policy(response)
        assert "'unsafe-inline'" not in csp["script-src"], path
        assert "'unsafe-eval'" not in csp["script-src"], path
        assert csp["default-src"] == "'self'" and csp["object-src"] == "'none'", path
        assert csp["frame-ancestors"] == "'none'", path


def test_the_api_docs_are_served_locally(client, owner):
    client.force_login(owner)
    body = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body and "cdn.jsdelivr" not in body


INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)


def inline_scripts_without_nonce(html: str, nonce: str) -> list[str]:
    found = []
    for attrs in SCRIPT_TAG.findall(html):
        if "src=" in attrs or 'type="application/json"' in attrs:
            continue
        if f'nonce="{nonce}"' not in attrs:
            found.append(attrs)
    return found


def test_no_template_has_an_inline_event_handler_or_an_un_nonced_script():
    for path in (ROOT / "complaintdesk" / "templates").rglob("*.html"):
        text = path.read_text()
        assert not INLINE_HANDLER.search(text), path
        for attrs in SCRIPT_TAG.findall(text):
            assert "src=" in attrs or "nonce=" in attrs or "application/json" in attrs, path


def test_chart_pages_render_no_script_the_policy_would_block(client, owner, make_case, frozen):
    template = make_case(channel="phone", queue="first-line", kind="complaint")
    clone_cases(template, pattern_days(datetime(2026, 2, 3, tzinfo=MSK), 28))
    client.force_login(owner)
    for path, chart in (("/desk/insights/", "Plotly.newPlot"),
                        ("/desk/staffing/?queue=first-line&channel=phone", "data-figure=")):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert chart in html, path  # the page does draw charts
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
        assert inline_scripts_without_nonce(html, nonce.group(1) if nonce else "-") == [], path
        assert not INLINE_HANDLER.search(html), path


# ---------------------------------------------------------------- one-line 403 logs


def forbidden_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records
            if r.name == "django.request" and getattr(r, "status_code", None) == 403]


def test_a_refused_desk_page_logs_one_line_with_method_path_user_and_reason(
    client, teammate, caplog
):
    client.force_login(teammate)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/desk/claims/").status_code == 403
    [record] = forbidden_records(caplog)
    assert record.exc_info is None and record.exc_text is None
    message = record.getMessage()
    assert "\n" not in message
    assert "GET /desk/claims/" in message and "user=timur" in message
    assert "The claims page is for supervisors, analysts and administrators." in message


def test_a_refused_api_call_logs_one_line_with_the_reason(api_as, analyst, make_case, caplog):
    case = make_case()
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = api_as(analyst).post(f"/cases/{case.reference}/messages", {"body": "hi"})
    assert response.status_code == 403
    [record] = forbidden_records(caplog)
    assert record.exc_info is None
    message = record.getMessage()
    assert f"POST /api/v1/cases/{case.reference}/messages" in message and "user=anna" in message
    assert "may not" in message


# ---------------------------------------------------------------- secrets in configuration


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="pw-root", email="root@example.com")


@pytest.fixture
def mailbox(queues):
    return Mailbox.objects.create(name="Support", address="support@example.com",
                                  imap_host="imap.example.com", username="support",
                                  password="imap-Secret-1", smtp_host="smtp.example.com",
                                  smtp_user="support", smtp_password="smtp-Secret-2")


def mailbox_form(mailbox: Mailbox, **overrides) -> dict[str, str]:
    data = {"name": mailbox.name, "address": mailbox.address, "queue": "",
            "imap_host": mailbox.imap_host, "imap_port": "993", "imap_ssl": "on",
            "username": mailbox.username, "password": "", "password_file": "",
            "folder": "INBOX", "smtp_host": mailbox.smtp_host, "smtp_port": "587",
            "smtp_user": mailbox.smtp_user, "smtp_password": "", "smtp_password_file": "",
            "smtp_starttls": "on", "active": "on", "last_polled_at_0": "",
            "last_polled_at_1": "", "last_error": ""}
    data.update(overrides)
    return data


def test_the_mailbox_admin_never_shows_the_stored_passwords(client, superuser, mailbox):
    client.force_login(superuser)
    for path in (f"/admin/channels/mailbox/{mailbox.pk}/change/", "/admin/channels/mailbox/",
                 f"/admin/channels/mailbox/{mailbox.pk}/history/"):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert "imap-Secret-1" not in body and "smtp-Secret-2" not in body, path
    change = client.get(f"/admin/channels/mailbox/{mailbox.pk}/change/").content.decode()
    assert 'type="password" name="password"' in change
    assert 'type="password" name="smtp_password"' in change


def test_saving_the_mailbox_with_blank_passwords_keeps_them(client, superuser, mailbox):
    client.force_login(superuser)
    response = client.post(f"/admin/channels/mailbox/{mailbox.pk}/change/",
                           mailbox_form(mailbox, folder="Complaints"))
    assert response.status_code == 302, response.content.decode()[:2000]
    mailbox.refresh_from_db()
    assert mailbox.folder == "Complaints"
    assert mailbox.password == "imap-Secret-1" and mailbox.smtp_password == "smtp-Secret-2"


def test_a_typed_password_replaces_and_the_remove_box_clears(client, superuser, mailbox):
    client.force_login(superuser)
    client.post(f"/admin/channels/mailbox/{mailbox.pk}/change/",
                mailbox_form(mailbox, password="new-Imap-3", forget_smtp_password="on"))
    mailbox.refresh_from_db()
    assert mailbox.password == "new-Imap-3" and mailbox.smtp_password == ""


def test_the_webhook_secret_is_write_only_and_kept_when_blank(client, superuser, queues):
    source = WebhookSource.objects.create(slug="chat", name="Chat", secret="hook-Secret-4")
    client.force_login(superuser)
    page = client.get(f"/admin/channels/webhooksource/{source.pk}/change/")
    assert page.status_code == 200 and "hook-Secret-4" not in page.content.decode()
    response = client.post(f"/admin/channels/webhooksource/{source.pk}/change/", {
        "slug": "chat", "name": "Chat widget", "secret": "", "secret_file": "",
        "callback_url": "", "case_channel": "chat", "queue": "", "active": "on"})
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.name == "Chat widget" and source.secret == "hook-Secret-4"


def test_a_new_webhook_source_needs_a_secret_or_a_secret_file(client, superuser, queues):
    client.force_login(superuser)
    response = client.post("/admin/channels/webhooksource/add/", {
        "slug": "open", "name": "Open", "secret": "", "secret_file": "", "callback_url": "",
        "case_channel": "chat", "queue": "", "active": "on"})
    assert response.status_code == 200
    assert "needs a secret or a secret file" in response.content.decode()
    assert not WebhookSource.objects.filter(slug="open").exists()


def test_secrets_can_live_in_files(tmp_path, mailbox, settings):
    smtp_file, hook_file, token_file = (tmp_path / "smtp", tmp_path / "hook", tmp_path / "tg")
    smtp_file.write_text("from-File-5\n")
    hook_file.write_text("hook-File-6\n")
    token_file.write_text("tg-File-7\n")
    mailbox.smtp_password_file = str(smtp_file)
    assert mailbox.smtp_login_password() == "from-File-5"
    source = WebhookSource(slug="f", name="F", secret="", secret_file=str(hook_file))
    body = b'{"x": 1}'
    verify(source, timestamp="1000", signature=sign("hook-File-6", "1000", body), body=body,
           now=1000)
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    settings.TELEGRAM_WEBHOOK_SECRET_FILE = str(token_file)
    assert conf.telegram_webhook_secret() == "tg-File-7"


def test_an_unreadable_secret_file_refuses_the_telegram_webhook_not_500(client, settings,
                                                                        tmp_path, queues):
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    settings.TELEGRAM_WEBHOOK_SECRET_FILE = str(tmp_path / "missing")
    response = client.post("/channels/telegram/webhook/", data="{}",
                           content_type="application/json",
                           HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="")
    assert response.status_code == 401


def test_a_webhook_source_without_a_readable_secret_refuses_every_signature(tmp_path):
    source = WebhookSource(slug="f", name="F", secret="", secret_file=str(tmp_path / "missing"))
    body = b"{}"
    with pytest.raises(BadSignature):
        verify(source, timestamp="1000", signature=sign("", "1000", body), body=body, now=1000)


def test_failures_further_apart_than_the_cool_off_never_lock(client, teammate, time_machine):
    start = datetime(2026, 3, 3, 10, 0, tzinfo=MSK)
    for i in range(6):
        time_machine.move_to(start + timedelta(minutes=16 * i), tick=False)
        wrong_password(client, "timur")
    assert right_password(client, teammate).status_code == 302
