"""Writing a file so that a reader never sees half of it: write beside it, then rename.

The destination is checked first: an export never writes through a symbolic link (which
could point anywhere, ``/etc/passwd`` included) and never replaces what is not a regular
file (``/dev/full`` would become a file when run as root). Without ``overwrite`` an
existing file is left alone, atomically: the finished file is hard-linked into place,
which fails if a file appeared there meanwhile.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.errors import DiskFullError, ExportError

_NO_HARD_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV)


@contextmanager
def atomic_path(path: str | Path, overwrite: bool = True) -> Iterator[Path]:
    """Yield a new temporary path next to ``path``; on success it becomes ``path``."""
    path = Path(path)
    check_destination(path, overwrite)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        # O_EXCL: a link or file an attacker placed under the temporary name is refused
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666))
        yield tmp
        _move_into_place(tmp, path, overwrite)
    except OSError as exc:
        # polars reports the OS error in its message only ("… (os error 28)")
        if exc.errno == errno.ENOSPC or f"(os error {errno.ENOSPC})" in str(exc):
            raise DiskFullError(f"the disk holding {path} is full") from exc
        raise ExportError(f"cannot write {path} ({exc.strerror or exc})") from exc
    finally:
        tmp.unlink(missing_ok=True)


def write_atomically(
    path: str | Path, write: Callable[[Path], None], overwrite: bool = True
) -> None:
    """Call ``write(tmp)`` and move the result to ``path`` only if it succeeded.

    Example: ``write_atomically("out.json", lambda tmp: tmp.write_text(text), overwrite=False)``.
    """
    with atomic_path(path, overwrite) as tmp:
        write(tmp)


def check_destination(path: Path, overwrite: bool) -> None:
    """Refuse a missing folder, a link, anything but a regular file, or (without
    ``overwrite``) an existing file, before anything is written."""
    if not path.parent.is_dir():
        raise ExportError(f"cannot write {path}: folder {path.parent} does not exist")
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise ExportError(
            f"{path} is a symbolic link; taskmine does not write through links",
            "remove the link or choose another name",
        )
    if not stat.S_ISREG(mode):
        raise ExportError(
            f"{path} exists and is not a regular file (a folder, device or pipe)",
            "choose another name",
        )
    if not overwrite:
        raise ExportError(f"{path} exists", "pass --force to replace it, or choose another name")


def _move_into_place(tmp: Path, path: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(tmp, path)  # replaces a link itself, never what it points to
        return
    try:
        os.link(tmp, path, follow_symlinks=False)
    except FileExistsError as exc:
        raise ExportError(
            f"{path} appeared while it was written", "pass --force to replace it"
        ) from exc
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        check_destination(path, overwrite=False)  # a file system without hard links
        os.replace(tmp, path)
