"""The outbox: session files waiting for a collector, one folder per collector in the
recorder's state folder, and the lock that lets one shipper at a time use a folder.

Two shippers on one outbox (the service's schedule and a manual ``taskmine recorder
ship``, or a timer and a manual run) would send the same chunks at once and remove files
the other is still reading. `outbox_lock` is an OS lock on ``.lock`` in the folder
(``flock`` on POSIX, ``msvcrt.locking`` on Windows): the OS drops it when its holder
dies, so a killed shipper never leaves the outbox locked.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from recorder.errors import OutboxBusyError
from storage.importers.parquet import is_sidecar

LOCK_NAME = ".lock"
#: Where an outbox keeps the files its collector refused (`recorder.upload`).
REFUSED_DIR = "refused"


def outbox_dir(state_dir: Path, url: str) -> Path:
    """One outbox per collector, inside the recorder's state folder."""
    return state_dir / "outbox" / quote(urlsplit(url).netloc, safe="")


def outbox_backlog(state_dir: Path, refused: bool = False) -> dict[str, int]:
    """Collector address → session files waiting in its outbox (only those with any);
    with ``refused``, those the collector refused (kept in the outbox's ``refused``
    folder, `recorder.upload`)."""
    backlog = {}
    for folder in sorted((state_dir / "outbox").glob("*")):
        where = folder / REFUSED_DIR if refused else folder
        waiting = sum(1 for p in where.glob("*.parquet") if not is_sidecar(p))
        if waiting:
            backlog[unquote(folder.name)] = waiting
    return backlog


@contextmanager
def outbox_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder``'s lock, or raise `OutboxBusyError` at once if another holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK_NAME).open("a+b") as handle:
        try:
            _lock(handle.fileno())
        except OSError as exc:
            raise OutboxBusyError(
                f"another shipper is uploading the outbox {folder} now"
                f"{_holder(folder / LOCK_NAME)}",
                "nothing to do: it ships the same files; try again when it is done",
            ) from exc
        try:
            handle.truncate(0)
            handle.write(str(os.getpid()).encode())
            handle.flush()
            yield
        finally:
            _unlock(handle.fileno())


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):  # Windows: the locked byte cannot be read
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
