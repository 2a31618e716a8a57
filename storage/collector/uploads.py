"""Resumable, content-addressed uploads: the collector's side of the protocol.

A client names an upload by the SHA-256 of its bytes and sends it in chunks, each saying
at which offset it starts and how long the whole upload is. The collector appends each
chunk to ``partial/<sha256>`` (flushed to disk), so after a dropped connection or a
restart the client asks `Uploads.state` for the offset and sends the rest. The bytes are
hashed as they arrive (read back from disk only when the collector restarted
mid-upload). When the last byte arrives the collector checks the hash and the Parquet
(`batches.read_batch`), then either keeps a sidecar, checked and in its table's types, in
``received/`` until its events come, or lands an events upload with its sidecars and
records it in the ledger. An upload already landed is answered "landed" and changes
nothing: shipping the same file twice lands it once. Uploads in progress and sidecars
nobody touched for ``abandoned_after_days`` are removed (`Uploads.sweep`).

A refused upload (bad hash, not Parquet, a user the device may not ship) leaves nothing
behind: its partial file is removed and the landing area is untouched.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from storage.collector.batches import land_events, read_batch, users_of
from storage.collector.errors import (
    BadUploadError,
    ForbiddenError,
    InvalidBatchError,
    OffsetMismatchError,
    TooLargeError,
)
from storage.collector.layout import (
    KINDS,
    PARTIAL,
    RECEIVED,
    check_sha256,
    partial_path,
    received_path,
)
from storage.collector.ledger import Device, Ledger
from storage.errors import DiskFullError
from storage.exporters.files import write_atomically

log = logging.getLogger("taskmine.collector")

SIDECAR_KINDS = ("sessions", "screenshots")
#: How often, at most, a request looks for abandoned uploads.
SWEEP_EVERY_S = 3600.0
#: Running hashes kept at most (uploads in progress at once, and a few abandoned).
MAX_RUNNING_HASHES = 1024


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int
    max_chunk_bytes: int
    max_rows: int
    max_unpacked_bytes: int
    #: An upload in progress, or a sidecar waiting for its events, untouched this long is
    #: abandoned (its recorder died or was retired) and removed.
    abandoned_after_s: float = 7 * 86400.0


class Uploads:
    """Uploads into one data folder. Thread-safe: chunks of one upload are serialised."""

    def __init__(self, root: Path, limits: Limits) -> None:
        self.root = root
        self.limits = limits
        self.ledger = Ledger(root)
        self._locks = [threading.Lock() for _ in range(64)]
        self._next_sweep = 0.0
        #: sha256 → (bytes hashed, running hash) of uploads in progress: the bytes are
        #: hashed as they arrive instead of read back when the last one has
        self._digests: OrderedDict[str, tuple[int, Any]] = OrderedDict()
        self._digests_lock = threading.Lock()

    def state(self, sha256: str, kind: str) -> dict:
        """``{"state": "landed" | "partial" | "absent", "offset": bytes held}``."""
        _check_kind(kind)
        if self._is_landed(check_sha256(sha256), kind):
            return {"state": "landed", "offset": None}
        offset = _size(partial_path(self.root, sha256))
        return {"state": "partial" if offset else "absent", "offset": offset}

    def receive(
        self,
        device: Device,
        sha256: str,
        kind: str,
        offset: int,
        length: int,
        chunk: bytes,
        refs: dict[str, str] | None = None,
    ) -> dict:
        """Take one chunk; land the upload when it is complete. Returns the new state."""
        _check_kind(kind)
        check_sha256(sha256)
        if length > self.limits.max_upload_bytes:
            raise TooLargeError(
                f"the upload is {length:,} bytes; the collector takes at most "
                f"{self.limits.max_upload_bytes:,}"
            )
        if offset < 0 or length < 0 or offset + len(chunk) > length:
            raise BadUploadError("the chunk does not fit in the upload's length")
        if time.monotonic() >= self._next_sweep:
            self.sweep()
        with self._lock(sha256):
            if self._is_landed(sha256, kind):
                return {"state": "landed", "offset": None}
            partial = partial_path(self.root, sha256)
            held = _size(partial)
            if offset != held:
                raise OffsetMismatchError(held)
            _append(partial, chunk)
            self._hash_along(sha256, held, chunk)
            if held + len(chunk) < length:
                return {"state": "partial", "offset": held + len(chunk)}
            with self._digests_lock:
                running = self._digests.pop(sha256, None)
            return self._complete(device, sha256, kind, partial, refs or {}, running)

    def sweep(self, now: float | None = None) -> int:
        """Remove uploads in progress (``partial/``) and sidecars waiting for their events
        (``received/``) untouched for ``abandoned_after_s``; return how many went. Their
        recorder would have resumed or sent its events long ago: it died, was retired or
        lost its outbox, and the files would fill the disk. Runs at start and at most every
        `SWEEP_EVERY_S` on a request."""
        self._next_sweep = time.monotonic() + SWEEP_EVERY_S
        cutoff = (time.time() if now is None else now) - self.limits.abandoned_after_s
        removed = 0
        for folder in (PARTIAL, RECEIVED):
            for path in (self.root / folder).glob("*"):
                sha256 = path.name.split(".")[0]
                with self._lock(sha256):  # not while a chunk is being appended to it
                    try:
                        if path.is_file() and path.stat().st_mtime < cutoff:
                            path.unlink()
                            removed += 1
                    except FileNotFoundError:
                        continue  # landed or refused meanwhile
        if removed:
            log.info("removed %d abandoned upload(s) older than %.0f days", removed,
                     self.limits.abandoned_after_s / 86400)  # fmt: skip
        return removed

    def _hash_along(self, sha256: str, held: int, chunk: bytes) -> None:
        """Add ``chunk``, appended at ``held``, to the upload's running hash. Without one
        that covers exactly the bytes before it (the collector restarted mid-upload, an
        append failed half-way) there is none: the hash is read from disk at the end."""
        with self._digests_lock:  # one dict for uploads that hold different locks
            hashed, digest = self._digests.pop(sha256, (0, None))
        if held == 0:
            digest = hashlib.sha256()
        elif digest is None or hashed != held:
            return
        digest.update(chunk)
        with self._digests_lock:
            self._digests[sha256] = (held + len(chunk), digest)
            while len(self._digests) > MAX_RUNNING_HASHES:  # abandoned uploads: oldest go
                self._digests.popitem(last=False)

    def _lock(self, sha256: str) -> threading.Lock:
        """The lock serialising one upload's chunks (64 locks, shared by hash prefix)."""
        try:
            index = int(sha256[:4], 16)
        except ValueError:  # not an upload's name: a stray file in partial/ or received/
            index = 0
        return self._locks[index % len(self._locks)]

    def _complete(
        self,
        device: Device,
        sha256: str,
        kind: str,
        partial: Path,
        refs: dict[str, str],
        running: tuple[int, Any] | None,
    ) -> dict:
        try:
            _check_hash(partial, sha256, running)
            if kind in SIDECAR_KINDS:
                frame = self._read(partial, kind)
                target = received_path(self.root, sha256, kind)
                target.parent.mkdir(parents=True, exist_ok=True)
                # kept checked and in the table's types: landing reads it as it is
                write_atomically(target, lambda tmp: frame.write_parquet(tmp))
                partial.unlink()
                return {"state": "landed", "offset": None}
            return self._land(device, sha256, partial, refs)
        except (InvalidBatchError, ForbiddenError):
            partial.unlink(missing_ok=True)
            raise
        except OSError as exc:  # writing the landed files: the upload stays, to land later
            raise _disk_full(exc, self.root) from exc

    def _land(self, device: Device, sha256: str, partial: Path, refs: dict[str, str]) -> dict:
        events = self._read(partial, "events")
        sidecars = {kind: self._sidecar(refs.get(kind), kind) for kind in SIDECAR_KINDS}
        users = users_of(events) | (
            users_of(sidecars["sessions"]) if sidecars["sessions"] is not None else set()
        )
        # from the ledger, not ``device``: that was read before this upload's body arrived
        self.ledger.claim_users(device.name, users)
        files = land_events(self.root, sha256, events, **sidecars)
        self.ledger.record_landing(sha256, device.name, _size(partial), events.height, files)
        partial.unlink()
        for kind in SIDECAR_KINDS:
            if refs.get(kind):
                received_path(self.root, refs[kind], kind).unlink(missing_ok=True)
        return {"state": "landed", "offset": None, "events": events.height, "files": files}

    def _sidecar(self, sha256: str | None, kind: str) -> pl.DataFrame | None:
        if not sha256:
            return None
        path = received_path(self.root, check_sha256(sha256), kind)
        if not path.exists():
            raise BadUploadError(f"the {kind} upload {sha256[:12]}… has not arrived; send it first")
        return pl.read_parquet(path)  # checked when it arrived (`_complete`)

    def _read(self, path: Path, kind: str) -> pl.DataFrame:
        return read_batch(path, kind, self.limits.max_rows, self.limits.max_unpacked_bytes)

    def _is_landed(self, sha256: str, kind: str) -> bool:
        if kind in SIDECAR_KINDS:
            return received_path(self.root, sha256, kind).exists()
        return self.ledger.is_landed(sha256)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise BadUploadError(f"kind must be one of {', '.join(KINDS)}")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _append(path: Path, chunk: bytes) -> None:
    """Append and flush to disk. On a full disk a prefix of the chunk may stay: those are
    still the right bytes at the right offset, so the client resumes after them."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as out:
            out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        raise _disk_full(exc, path.parent) from exc


def _disk_full(exc: OSError, folder: Path) -> Exception:
    """`DiskFullError` (a 507: the client tries again later) for ENOSPC, else ``exc``."""
    if exc.errno == errno.ENOSPC:
        return DiskFullError(f"the disk holding {folder} is full")
    return exc


def _check_hash(path: Path, sha256: str, running: tuple[int, Any] | None = None) -> None:
    """The bytes at ``path`` have the SHA-256 ``sha256``: by the running hash when it
    covers all of them, else read from disk."""
    if running is not None and running[0] == _size(path):
        digest = running[1]
    else:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    if digest.hexdigest() != sha256:
        raise InvalidBatchError(
            "the bytes received do not have the SHA-256 the upload is named by; send it again"
        )
