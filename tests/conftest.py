"""Shared fixtures: an owner, a teammate and an outsider, with queues and frozen time."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.test import Client

from complaintdesk.accounts.models import ApiToken, QueueMembership, Role, User
from complaintdesk.cases import defaults, services
from complaintdesk.cases.models import Queue

MSK = ZoneInfo("Europe/Moscow")
# A Tuesday morning in Moscow, working hours, no holiday around.
TUESDAY_10AM = datetime(2026, 3, 3, 10, 0, tzinfo=MSK)


@pytest.fixture(autouse=True)
def _english_and_fast(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SITE_URL = "http://testserver"
    # Not the checkout's var/static: a manifest left there by `make demo` would make pages link
    # hashed names; tests see the plain names unless they collect static files themselves.
    settings.STATIC_ROOT = tmp_path / "static"
    from django.core.cache import cache

    cache.clear()  # rate limits and job throttles must not leak from one test to the next


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(TUESDAY_10AM, tick=False)
    return time_machine


@pytest.fixture
def queues(db):
    defaults.install(django_apps)
    return {q.code: q for q in Queue.objects.all()}


def make_user(username: str, role: str, *queues: Queue, email: str = "") -> User:
    user = User.objects.create_user(username=username, password="pw-" + username, role=role,
                                    email=email or f"{username}@example.com")
    for queue in queues:
        QueueMembership.objects.create(user=user, queue=queue)
    return user


@pytest.fixture
def owner(queues):
    """A supervisor of the 1st line and the claims department."""
    user = make_user("olga", Role.SUPERVISOR, queues["first-line"], queues["claims"])
    for code in ("first-line", "claims"):
        Queue.objects.filter(code=code).update(supervisor=user)
    return user


@pytest.fixture
def teammate(queues):
    """An operator of the 1st line."""
    return make_user("timur", Role.OPERATOR, queues["first-line"])


@pytest.fixture
def specialist(queues):
    return make_user("sofia", Role.SPECIALIST, queues["claims"], queues["first-line"])


@pytest.fixture
def outsider(queues):
    """An operator of the 2nd line only: sees nothing of the 1st line or claims."""
    return make_user("oscar", Role.OPERATOR, queues["second-line"])


@pytest.fixture
def analyst(queues):
    return make_user("anna", Role.ANALYST)


@pytest.fixture
def admin_user(queues):
    return make_user("adam", Role.ADMIN)


class ApiClient:
    """The Django test client with a bearer token and JSON helpers."""

    def __init__(self, user: User) -> None:
        _, raw = ApiToken.issue(user=user)
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path, body=None, *, raw: str | None = None, **headers):
        data = raw if raw is not None else json.dumps(body or {}, default=str)
        return self.client.post(f"/api/v1{path}", data=data, content_type="application/json",
                                headers=headers)


@pytest.fixture
def api_as():
    return ApiClient


def new_case(**overrides) -> services.NewCase:
    values = dict(
        channel="email", text="The courier brought the groceries in paper bags; they tore.",
        customer_name="Ivan Petrov", customer_email="ivan@example.com",
    )
    values.update(overrides)
    return services.NewCase(**values)


@pytest.fixture
def make_case(queues):
    def make(*, actor=None, **overrides):
        case, _ = services.create_case(data=new_case(**overrides), actor=actor)
        return case

    return make
