"""Errors of the recorder. The CLI turns each into one line with the fix."""

from __future__ import annotations

from storage.errors import TaskmineError


class RecorderError(TaskmineError):
    """Base class of the recorder's errors."""


class BackendUnavailableError(RecorderError):
    """The desktop the recorder should watch cannot be reached (no display, no API)."""


class ServiceError(RecorderError):
    """Installing, removing or querying the desktop service failed."""


class ShipError(RecorderError):
    """Closed sessions could not be shipped to a spool folder or a collector."""


class OutboxBusyError(ShipError):
    """Another shipper holds the lock of the collector's outbox."""
