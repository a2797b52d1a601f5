"""Request logging: a refused request is one line, not a traceback."""

import logging


class OneLineForbidden(logging.Filter):
    """On the `django.request` logger: a 403 becomes one line with method, path, user and the
    reason. Django logs PermissionDenied with its full traceback, which buries real errors under
    routine refusals; the reason is all an operator needs."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Each django.setup() (a WSGI handler built in tests, a management command) configures
        # logging again, which adds this filter to the logger once more: shorten a record once.
        if getattr(record, "status_code", None) != 403 or getattr(record, "one_line", False):
            return True
        record.one_line = True
        request = getattr(record, "request", None)
        reason = ""
        if record.exc_info and record.exc_info[1] is not None:
            reason = str(record.exc_info[1])
        reason = reason or str(getattr(request, "forbidden_reason", "") or "")
        user = getattr(request, "user", None)
        who = user.get_username() if user is not None and user.is_authenticated else "anonymous"
        record.msg = "Forbidden: %s %s user=%s reason=%s"
        record.args = (getattr(request, "method", "-"), getattr(request, "path", "-"), who,
                       reason or "-")
        record.exc_info = None
        record.exc_text = None
        return True
