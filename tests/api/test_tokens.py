"""Bearer tokens: remembered for a few seconds per process, refused at once once revoked here."""

import pytest
from django.test import Client
from django.utils import timezone

from complaintdesk.accounts.models import ApiToken, Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _client(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_revoked_token_is_refused_at_once_by_the_process_that_revoked_it(queues):
    token, raw = ApiToken.issue(user=make_user("vera", Role.OPERATOR))
    assert _client(raw).get("/api/v1/cases").status_code == 200  # now remembered
    token.revoked_at = timezone.now()
    token.save()
    response = _client(raw).get("/api/v1/cases")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_deactivated_user_loses_api_access_at_once_in_this_process(queues):
    user = make_user("gleb", Role.OPERATOR)
    _, raw = ApiToken.issue(user=user)
    assert _client(raw).get("/api/v1/cases").status_code == 200
    user.is_active = False
    user.save()
    assert _client(raw).get("/api/v1/cases").status_code == 401


def test_an_unknown_token_is_not_remembered_and_a_new_one_works_at_once(queues):
    assert _client("cd_not-a-token").get("/api/v1/cases").status_code == 401
    _, raw = ApiToken.issue(user=make_user("nina", Role.OPERATOR))
    assert _client(raw).get("/api/v1/cases").status_code == 200


def test_each_request_gets_its_own_user_object(queues):
    user = make_user("lev", Role.OPERATOR, queues["first-line"])
    _, raw = ApiToken.issue(user=user)
    first, second = ApiToken.authenticate(raw), ApiToken.authenticate(raw)
    assert first == second and first is not second  # memoised memberships never leak
