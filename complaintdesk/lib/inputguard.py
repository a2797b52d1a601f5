"""One gate for input no field can hold: NUL characters and oversized bodies, for the whole site.

PostgreSQL refuses U+0000 in text (SQLite keeps it), so a NUL that reached a query or a row used
to end in a 500 on one database and in stored garbage on the other. Every entry point is covered
here instead of field by field: the path, the query string, header values, form fields (desk,
portal, admin) and JSON bodies of the API. The answer is a 400 naming the field, nothing is read
further and nothing is written. A body over DATA_UPLOAD_MAX_MEMORY_SIZE (form fields, JSON) or
over REQUEST_MAX_BYTES (with files) is a 413 everywhere, as problem details under /api/.
"""

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

NUL = "\x00"
API_PREFIX = "/api/"


def _nul_in_json(value: Any, where: str = "") -> Iterator[str]:
    """The dotted path of each string (or key) in a parsed JSON document that holds a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield where or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if NUL in str(key):
                yield path
            yield from _nul_in_json(item, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_in_json(item, f"{where}.{index}" if where else str(index))


def find_nul(request: HttpRequest) -> str | None:
    """The name of the first part of the request that holds a NUL, or None."""
    if NUL in request.path:
        return "path"
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
            return key[5:].replace("_", "-").title()
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in v for v in values):
            return key.replace(NUL, "\\u0000")
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, values in request.POST.lists():
            if NUL in key or any(NUL in v for v in values):
                return key.replace(NUL, "\\u0000")
        for key, upload in request.FILES.items():
            if NUL in (upload.name or ""):
                return key
    elif content_type.endswith("json") and b"\\u0000" in request.body:
        # Escaped NULs are the only ones valid JSON can carry; a raw NUL byte makes the body
        # unparseable, which the API already answers with a 400.
        try:
            document = json.loads(request.body)
        except ValueError:
            return None
        return next(_nul_in_json(document), None)
    return None


def _refuse(request: HttpRequest, *, status: int, title: str, detail: str) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"type": "about:blank", "title": title, "status": status,
                             "detail": detail}, status=status,
                            content_type="application/problem+json")
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.REQUEST_MAX_BYTES:
            return _refuse(request, status=413, title="Request too large",
                           detail=_("The request body is larger than this server accepts."))
        try:
            field = find_nul(request)
        except RequestDataTooBig:
            return _refuse(request, status=413, title="Request too large",
                           detail=_("The request body is larger than this server accepts."))
        except (SuspiciousOperation, MultiPartParserError) as exc:  # too many fields, bad multipart
            return _refuse(request, status=400, title="Bad request", detail=str(exc))
        if field is not None:
            return _refuse(request, status=400, title="Bad request",
                           detail=_("%(field)s: contains a NUL character (\\u0000), which is "
                                    "not allowed") % {"field": field})
        return self.get_response(request)
