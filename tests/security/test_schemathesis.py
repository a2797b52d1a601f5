"""Schemathesis over the published OpenAPI document, against the real Django app (WSGI).

Every generated request is sent with an admin token and with an operator token. The run fails on
any 5xx, on a response its operation does not document (status code, content type, body
schema), on a schema-valid request refused and on a schema-violating request accepted.
SCHEMATHESIS_MAX_EXAMPLES sets the examples per operation and generation phase (default 10,
a couple of minutes on a loaded two-core machine); raise it for a longer run.
"""

import os
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from complaintdesk.accounts.models import ApiToken
from tests.conftest import make_user

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection, positive_data_acceptance]

# Django's own WSGI handler: complaintdesk.wsgi would also warm the server up (lib/warm.py), which
# reads the database at import time, before pytest-django allows it.
application = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# NUL is refused by design, with a 400 before any operation runs (lib/inputguard.py);
# tests/security/test_hostile_input.py covers it, so the generator leaves it out.
schema.config.generation.update(max_examples=MAX_EXAMPLES, allow_x00=False)

# Rules no JSON Schema can state, so the generator cannot know them: the codes of the queues,
# topics and users this deployment has configured, "not in the future" (it depends on the
# server's clock) and "two different customers". Generated values that break only these rules
# are moved within them; everything else the generator sends unchanged. Values of the wrong
# type are left alone, so a schema-violating request stays one.
KNOWN = {"queue": "first-line", "to_queue": "second-line", "topic": "", "assignee": "st-operator"}
AHEAD = {"received_at": timedelta(hours=1), "answered_at": timedelta(minutes=1)}


def _within_the_clock(body: dict) -> None:
    for name, slack in AHEAD.items():
        value = body.get(name)
        try:
            at = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            continue
        if at is not None and at.tzinfo is not None and at > datetime.now(UTC) + slack:
            body[name] = datetime.now(UTC).isoformat()


def within_the_rules(case) -> None:
    """Applied to every case before it is sent (a generation hook misses the coverage phase)."""
    body = case.body if isinstance(case.body, dict) else None
    if body is None:
        return
    for name, code in KNOWN.items():
        if isinstance(body.get(name), str) and body[name]:
            body[name] = code
    _within_the_clock(body)
    waits = body.get("waits")
    for wait in waits if isinstance(waits, list) else []:
        if isinstance(wait, dict):
            _within_the_clock(wait)
    keep, merge = case.path_parameters.get("customer_id"), body.get("merge")
    if isinstance(merge, int | float) and not isinstance(merge, bool) and str(keep).isdigit() \
            and int(keep) == merge:  # 1.0 is the integer 1 to JSON Schema
        body["merge"] = int(merge) - 1 if merge > 1 else 2


# Read by tests/security/conftest.py, which prints the total at the end of the run.
SENT = {"requests": 0}


@pytest.fixture(autouse=True)
def _one_connection_for_the_whole_test():
    """As Django's own test client does: the WSGI handler would close the database connection
    after each request, and with it the test's transaction (PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(queues, make_case):
    admin = make_user("st-admin", "admin")
    operator = make_user("st-operator", "operator", queues["first-line"])
    make_case()  # one real case, so a reference the generator borrows can exist
    return [ApiToken.issue(user=user)[1] for user in (admin, operator)]


@schema.parametrize()
# The tokens and the case are set up once per operation; every example only reads them or adds
# rows of its own, so sharing them across examples is what we want. Hypothesis's "too slow"
# check times the generation, which on a loaded machine says more about the load than the schema.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_api_answers_every_generated_request_as_documented(case, tokens):
    within_the_rules(case)
    for raw in tokens:
        SENT["requests"] += 1
        case.call_and_validate(headers={"Authorization": f"Bearer {raw}"}, checks=CHECKS)
