"""Domain errors that every entry point (API, UI, CLI, worker) turns into a clear message."""


class DomainError(Exception):
    """A request that is well-formed but not allowed now; the API answers 409."""

    status_code = 409
    title = "Conflict"

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInput(DomainError):
    """A value the domain cannot accept; the API answers 422."""

    status_code = 422
    title = "Invalid input"


class NotFound(DomainError):
    status_code = 404
    title = "Not found"


class ServiceBusy(DomainError):
    """The server could not finish in time; the client may retry (the API answers 503)."""

    status_code = 503
    title = "Busy"
