"""Domain errors of kansenkaart.

Every error carries a Dutch message that is safe to show to a user (``str(err)``) and,
optionally, structured details (row, field) for reports and HTTP responses. The HTTP
layer maps these classes to status codes in one table (``api/errors.py``).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthError",
    "BadFileError",
    "CRSError",
    "ConflictError",
    "DownloadError",
    "ForbiddenError",
    "KansenkaartError",
    "LimitError",
    "NetworkError",
    "NotFoundError",
    "PreconditionError",
    "RegionError",
    "TeVeelPogingenError",
    "UnknownLayerError",
    "ValidationError",
]


class KansenkaartError(Exception):
    """Base class for all domain errors.

    Parameters
    ----------
    message
        Dutch message, safe to show to a user.
    details
        Optional structured details, e.g. ``{"veld": "status", "rij": 4}``.
    """

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}


class ValidationError(KansenkaartError, ValueError):
    """Input does not satisfy a schema, code list or rule."""


class CRSError(ValidationError):
    """A geometry has no CRS, or a CRS that cannot be used here."""


class BadFileError(KansenkaartError, ValueError):
    """A file cannot be read at all (wrong format, empty, missing sheet)."""


class UnknownLayerError(KansenkaartError, KeyError):
    """A layer name that the workspace does not know."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable.
        return self.message


class NotFoundError(KansenkaartError, KeyError):
    """A feature, user or file that does not exist."""

    def __str__(self) -> str:
        return self.message


class RegionError(KansenkaartError, ValueError):
    """A region configuration that cannot be found or parsed."""


class ConflictError(KansenkaartError):
    """A write conflicts with stored state (duplicate id, deleted feature)."""


class PreconditionError(KansenkaartError):
    """An update was based on a stale version (HTTP 412)."""


class AuthError(KansenkaartError):
    """Missing or wrong credentials (HTTP 401)."""


class ForbiddenError(KansenkaartError):
    """The user may not do this (HTTP 403)."""


class LimitError(KansenkaartError, ValueError):
    """A request or file exceeds a configured limit (HTTP 413/400/429)."""


class NetworkError(KansenkaartError):
    """The walking network is missing, empty or unusable."""


class DownloadError(KansenkaartError):
    """An online source (PDOK, Overpass) could not be reached or answered with an error."""


class TeVeelPogingenError(LimitError):
    """Too many failed login attempts (HTTP 429 with ``Retry-After``).

    ``details["retry_after"]`` holds the number of seconds to wait.
    """
