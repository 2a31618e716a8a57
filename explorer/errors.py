"""Errors of the explorer; the CLI turns them into one line with the fix."""

from __future__ import annotations

from storage.errors import TaskmineError


class ExplorerError(TaskmineError):
    """The explorer cannot serve or export what was asked."""


class InsecureBindError(ExplorerError):
    """A non-loopback address was asked for without any credentials configured."""

    hint = (
        "set TASKMINE_EXPLORER_TOKEN (or TASKMINE_EXPLORER_USERNAME and "
        "TASKMINE_EXPLORER_PASSWORD), or the same keys in the [explorer] section of --config"
    )


class UnknownProcessError(ExplorerError):
    """The process id asked for is not a candidate of the mining run."""

    hint = "list the candidates on the explorer's Opportunities page or with `taskmine explore`"


class MovedProcessError(UnknownProcessError):
    """The candidate asked for was merged into another one, or split into parts."""

    hint = "open the candidate it went into"

    def __init__(self, message: str, holders: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.holders = holders  # (key, name) of the units that hold it now
