"""Errors of the collector; each carries the HTTP status an upload refused with it gets."""

from __future__ import annotations

from storage.errors import TaskmineError


class CollectorError(TaskmineError):
    """Base class of the collector's errors."""

    status_code = 500


class InsecureBindError(CollectorError):
    """A bind other machines can reach, without TLS or without any device token."""


class TokenError(CollectorError):
    """A token command was given a bad device name, or a device that does not exist."""


class UnauthorizedError(CollectorError):
    """No token, an unknown one or a revoked one."""

    status_code = 401


class ForbiddenError(CollectorError):
    """The upload holds users this device may not ship."""

    status_code = 403


class BadUploadError(CollectorError):
    """A request that makes no sense (bad hash, offset past the end, unknown kind)."""

    status_code = 400


class OffsetMismatchError(CollectorError):
    """A chunk does not start where the collector's copy ends (the client resumes there)."""

    status_code = 409

    def __init__(self, offset: int) -> None:
        super().__init__(f"the collector holds {offset:,} bytes of this upload; resume there")
        self.offset = offset


class TooLargeError(CollectorError):
    """An upload or a chunk larger than the collector accepts."""

    status_code = 413


class InvalidBatchError(CollectorError):
    """The uploaded bytes are not a Parquet file of the interchange schema."""

    status_code = 422
