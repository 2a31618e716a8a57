"""Errors raised by mining and its engines (reported by the CLI as one line)."""

from __future__ import annotations

from storage.errors import TaskmineError


class MiningError(TaskmineError):
    """Mining could not run."""


class LandingAreaError(MiningError):
    """A collector's landing area is missing or holds a file mining cannot read."""


class EngineError(MiningError):
    """The engine that runs mining's steps could not start or lost its workers."""
