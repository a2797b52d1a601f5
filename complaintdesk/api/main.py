"""The one NinjaAPI object: authentication, RFC 9457 problem details, and each app's router."""

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from complaintdesk.accounts.models import ApiToken, User
from complaintdesk.lib.errors import DomainError


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


class DeskSession(SessionAuth):
    """The desk's session cookie, CSRF-checked, but only for a request that relies on it: one
    with a bearer token, or with no session cookie at all, is answered by the token check (a
    401), never by a "CSRF check Failed" 403 that would hide what is wrong."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if "Authorization" in request.headers or self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)


PROBLEM_TYPE = "application/problem+json"

# Which failures an operation documents (RFC 9457 problem details), by what can cause them.
_PROBLEMS_ALWAYS = {
    "400": "Malformed request (unreadable body, NUL characters, bad encoding)",
    "404": "No such resource (or none this caller may see)",
    "422": "A value that is not acceptable",
    "409": "Not allowed in the current state (of the case, or of this deployment's settings)",
    "429": "Too many requests",
    "503": "The server is busy or cannot reach its database; retry later",
}
_PROBLEMS_AUTHENTICATED = {
    "401": "No valid bearer token or desk session",
    "403": "The caller's role or queues do not allow this",
}
_PROBLEMS_WRITING = {
    "413": "The request body is larger than this server accepts",
}


class ProblemDetails(Schema):
    """RFC 9457 problem details, the body of every error answer."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[Any] | None = None


class DocumentedApi(NinjaAPI):
    """Adds the error answers to every operation of the OpenAPI document, so clients (and
    schemathesis) know each one's problem-details body, instead of success statuses only."""

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = document.setdefault("components", {}).setdefault("schemas", {})
        components["ProblemDetails"] = ProblemDetails.model_json_schema()
        reference = {"$ref": "#/components/schemas/ProblemDetails"}
        for path_item in document["paths"].values():
            for method, operation in path_item.items():
                problems = dict(_PROBLEMS_ALWAYS)
                if operation.get("security"):
                    problems.update(_PROBLEMS_AUTHENTICATED)
                if method in ("post", "put", "patch", "delete"):
                    problems.update(_PROBLEMS_WRITING)
                responses = operation.setdefault("responses", {})
                for status, description in problems.items():
                    responses.setdefault(status, {
                        "description": description,
                        "content": {PROBLEM_TYPE: {"schema": reference}},
                    })
        return document


api = DocumentedApi(
    title="complaintdesk API",
    version="1",
    description=(
        "Complaints and claims register (ISO 10002). Authenticate with "
        "`Authorization: Bearer <token>` (`complaintdesk token USERNAME`) or a desk session. "
        "Errors are RFC 9457 problem details."
    ),
    auth=[BearerToken(), DeskSession()],
    urls_namespace="api",
)


def problem(
    request: HttpRequest, *, status: int, title: str, detail: str, **extra: object
) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM_TYPE
    return response


def _describe(error: dict) -> str:
    where = ".".join(str(p) for p in error.get("loc", []) if p not in ("body", "payload"))
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return f"{where}: unknown field"
    if kind == "missing":
        return f"{where}: required"
    return f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", "invalid")


@api.exception_handler(ValidationError)
def _validation(request, exc: ValidationError):
    errors = [
        {"field": ".".join(str(p) for p in e.get("loc", [])[1:]) or None,
         "message": _describe(e)}
        for e in exc.errors
    ]
    return problem(request, status=422, title="Invalid request",
                   detail="; ".join(e["message"] for e in errors), errors=errors)


@api.exception_handler(DomainError)
def _domain(request, exc: DomainError):
    return problem(request, status=exc.status_code, title=exc.title, detail=exc.detail,
                   **exc.extra)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem(request, status=401, title="Unauthorized",
                   detail="Send 'Authorization: Bearer <token>' or log in to the desk.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    detail = str(exc)
    if detail.startswith("Cannot parse request body"):
        detail = "The request body is not valid JSON."
    return problem(request, status=exc.status_code, title="Bad request", detail=detail)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    request.forbidden_reason = str(exc)  # for the one-line 403 log (lib/weblog.py)
    return problem(request, status=403, title="Forbidden",
                   detail=str(exc) or "You may not do this.")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem(request, status=404, title="Not found", detail=str(exc) or "Not found.")


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return problem(request, status=413, title="Request too large",
                   detail="The request body is larger than this server accepts.")


@api.get("/health", auth=None, tags=["operations"], summary="Liveness and database check")
def health(request: HttpRequest):
    """For load balancers and monitoring: 200 when this process can reach its database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return problem(request, status=503, title="Database unreachable",
                       detail="This server cannot reach its database.")
    return {"status": "ok", "database": connection.vendor}


def current_user(request: HttpRequest) -> User:
    return request.auth if isinstance(request.auth, User) else request.user


from complaintdesk.cases.api import router as cases_router  # noqa: E402

api.add_router("/", cases_router)
from complaintdesk.claims.api import router as claims_router  # noqa: E402

api.add_router("/", claims_router)
api.add_router("/", "complaintdesk.staffing.api.router")

from complaintdesk.insights.api import router as insights_router  # noqa: E402

api.add_router("/", insights_router)
