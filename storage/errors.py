"""Errors raised by the store, importers and exporters.

`TaskmineError` is the root of every domain error in taskmine; the CLI turns any of them
into one clear line (what failed, why, what to do) and shows the traceback only with
``--debug``. Other packages subclass it in their own ``errors.py``.
"""

from __future__ import annotations


class TaskmineError(Exception):
    """Base class for every error taskmine reports to a user."""

    hint: str = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message}; {self.hint}" if self.hint else message


class StorageError(TaskmineError):
    """Something went wrong reading or writing a taskmine database."""


class DatabaseLockedError(StorageError):
    """Another process holds the write lock on the database file."""

    hint = "stop the other process (or wait for it to finish) and try again"


class CorruptDatabaseError(StorageError):
    """The file exists but is not a readable DuckDB database."""

    hint = "restore it from a backup or point --db at another file; the file was not modified"


class SchemaTooNewError(StorageError):
    """The database was written by a newer taskmine than this one."""

    hint = "upgrade taskmine to open it"


class DiskFullError(StorageError):
    """A write failed because the disk is full; the transaction was rolled back."""

    hint = "free some disk space and run the command again; nothing was written"


class ImportFormatError(StorageError):
    """An input file is malformed. The message names the file, the line and the problem."""

    def __init__(self, path: str, problem: str, line: int | None = None, hint: str = "") -> None:
        where = f"line {line:,} of {path}" if line is not None else str(path)
        super().__init__(
            f"{where}: {problem}",
            hint or "fix the file and import it again; the database was left unchanged",
        )
        self.path = str(path)
        self.line = line
        self.problem = problem


class ExportError(StorageError):
    """An export could not be written."""


class NoMiningRunError(StorageError):
    """A command needs mining results but the database has none yet."""

    hint = "run `taskmine mine --db FILE` first"


class ConfigError(TaskmineError):
    """A configuration file, environment variable or flag has an unknown key or bad value."""
