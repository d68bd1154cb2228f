"""Errors the user can act on, and the single place that maps them to HTTP status."""


class KernelManagerError(Exception):
    """A refusal with a human-readable message and a stable machine-readable reason."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


class BadRequest(KernelManagerError):
    """The request itself is malformed (bad name, bad body)."""


class Forbidden(KernelManagerError):
    """The target exists but is not the user's to change."""


class NotFound(KernelManagerError):
    """The target does not exist."""


class Conflict(KernelManagerError):
    """The target is in a state that prevents the change (in use, unreadable)."""


HTTP_STATUS = {BadRequest: 400, Forbidden: 403, NotFound: 404, Conflict: 409}


def http_status(error: KernelManagerError) -> int:
    """The HTTP status for an error, honouring subclasses of the types above."""
    return next(HTTP_STATUS[cls] for cls in type(error).__mro__ if cls in HTTP_STATUS)
