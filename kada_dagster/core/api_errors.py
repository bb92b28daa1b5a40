"""What can go wrong talking to a vendor API, as types: each one says whether a retry can help."""

from __future__ import annotations


class ApiError(Exception):
    """A vendor API call failed in a way the caller should report; the message never holds a secret."""

    def __init__(self, message: str, *, status: int | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.path = path


class AuthError(ApiError):
    """401/403: never retried; the message names the credential setting to fix."""


class NotFoundError(ApiError):
    """404 on a referenced object: callers log, count and skip it."""


class ClientError(ApiError):
    """Another 4xx: the request itself is wrong (a bad parameter), so sending it again cannot help."""


class TransientError(ApiError):
    """A failure worth sending the same request again for; the retry policy decides how often."""


class TransientStatusError(TransientError):
    """An HTTP status the retry policy lists as transient; `retry_after` is the server's Retry-After."""

    def __init__(self, message: str, *, status: int, path: str | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message, status=status, path=path)
        self.retry_after = retry_after


class RateLimitedError(TransientStatusError):
    """429: the vendor's window is full; every caller of the client holds back."""


class ServerError(TransientStatusError):
    """5xx (or another status the policy lists as transient)."""


class ConnectionFailedError(TransientError):
    """The connection broke, was refused or timed out before a whole response arrived."""


class MalformedResponseError(TransientError):
    """A 2xx whose body is not what the endpoint answers: empty, not JSON, truncated, or JSON of the
    wrong shape (a proxy's page, a cut-off body). Retried; never read as an empty page."""


class RetriesExhaustedError(ApiError):
    """A transient failure that outlasted the retry policy; `last` is the final one."""

    def __init__(self, message: str, last: TransientError) -> None:
        super().__init__(message, status=last.status, path=last.path)
        self.last = last
