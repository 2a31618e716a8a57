"""The collector's own small database (SQLite): device tokens and landed uploads.

SQLite rather than DuckDB because several processes use it at once: the running service
writes the ledger while ``taskmine collect token add`` and ``collect status`` run beside
it. Tokens are 32 random bytes; only their SHA-256 is stored (a slow hash adds nothing to
a secret that cannot be guessed), and a presented token is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.collector.errors import ForbiddenError, TokenError, UnauthorizedError
from storage.collector.layout import LEDGER

_DDL = """
CREATE TABLE IF NOT EXISTS devices (
    name         TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    users        TEXT NOT NULL DEFAULT '[]',  -- JSON list; empty: bound by the first upload
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);
CREATE TABLE IF NOT EXISTS uploads (
    sha256     TEXT PRIMARY KEY,  -- of an events upload; its sidecars land with it
    device     TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    events     INTEGER NOT NULL,
    files      INTEGER NOT NULL,
    landed_at  TEXT NOT NULL
);
"""
_DEVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
TOKEN_PREFIX = "tmc_"


@dataclass(frozen=True)
class Device:
    name: str
    users: tuple[str, ...]  # the user ids it may ship; empty until its first upload


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


class Ledger:
    """One connection per use: cheap for SQLite, and safe across the server's threads."""

    def __init__(self, root: Path) -> None:
        self.path = root / LEDGER
        root.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_DDL)
        finally:
            con.close()

    @contextmanager
    def connect(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """A transaction; a writing one takes SQLite's write lock at once, so two
        writers wait for each other instead of failing half-way."""
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield con
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    # -- devices ------------------------------------------------------------------------

    def add_device(self, name: str, users: list[str]) -> str:
        """Create ``name`` and return its token (shown once; only its hash is kept)."""
        if not _DEVICE_NAME.fullmatch(name):
            raise TokenError(
                "a device name is 1 to 64 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        token = new_token()
        with self.connect() as con:
            row = con.execute("SELECT revoked_at FROM devices WHERE name = ?", [name]).fetchone()
            if row is not None and row[0] is None:
                raise TokenError(
                    f"device {name} already has a token",
                    "revoke it first (`taskmine collect token revoke NAME`) or pick another name",
                )
            # a revoked device gets a new token under its old name (its uploads stay its own)
            con.execute(
                "INSERT INTO devices (name, token_sha256, users, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET token_sha256 = excluded.token_sha256, "
                "users = excluded.users, created_at = excluded.created_at, revoked_at = NULL",
                [name, hash_token(token), json.dumps(sorted(set(users))), _now()],
            )
        return token

    def revoke_device(self, name: str) -> None:
        """Revoke ``name``'s token; its row stays so that status still shows its uploads."""
        with self.connect() as con:
            done = con.execute(
                "UPDATE devices SET revoked_at = ?, token_sha256 = 'revoked:' || name "
                "WHERE name = ? AND revoked_at IS NULL",
                [_now(), name],
            )
            if done.rowcount == 0:
                raise TokenError(f"no device with an active token is called {name!r}")

    def authenticate(self, token: str | None) -> Device:
        """The device the token belongs to, or `UnauthorizedError` (the token is not kept)."""
        if not token:
            raise UnauthorizedError("no token")
        digest = hash_token(token)
        with self.connect(write=False) as con:
            row = con.execute(
                "SELECT name, token_sha256, users FROM devices "
                "WHERE token_sha256 = ? AND revoked_at IS NULL",
                [digest],
            ).fetchone()
        if row is None or not hmac.compare_digest(row[1], digest):
            raise UnauthorizedError("unknown or revoked token")
        return Device(row[0], tuple(json.loads(row[2])))

    def claim_users(self, device: str, users: set[str]) -> None:
        """Check that ``device`` may ship ``users``, binding a device that names none yet
        to them, in one write transaction: two first uploads at once cannot both bind
        (the second sees the first's users), and a revoked device is refused."""
        with self.connect() as con:
            row = con.execute(
                "SELECT users FROM devices WHERE name = ? AND revoked_at IS NULL", [device]
            ).fetchone()
            if row is None:
                raise UnauthorizedError("unknown or revoked token")
            allowed = set(json.loads(row[0]))
            if not allowed:
                con.execute(
                    "UPDATE devices SET users = ? WHERE name = ?",
                    [json.dumps(sorted(users)), device],
                )
            elif not users <= allowed:
                raise ForbiddenError(
                    f"device {device} may ship only its own users; this upload holds others",
                    "give the device its own token (`taskmine collect token add NAME`)",
                )

    def active_devices(self) -> int:
        with self.connect(write=False) as con:
            row = con.execute("SELECT count(*) FROM devices WHERE revoked_at IS NULL").fetchone()
        return int(row[0])

    # -- uploads ------------------------------------------------------------------------

    def is_landed(self, sha256: str) -> bool:
        with self.connect(write=False) as con:
            row = con.execute("SELECT 1 FROM uploads WHERE sha256 = ?", [sha256]).fetchone()
        return row is not None

    def record_landing(self, sha256: str, device: str, size: int, events: int, files: int) -> None:
        with self.connect() as con:
            con.execute(
                "INSERT OR IGNORE INTO uploads VALUES (?, ?, ?, ?, ?, ?)",
                [sha256, device, size, events, files, _now()],
            )

    def devices_summary(self) -> list[dict]:
        """Each device with its users, state, uploads, events and last upload."""
        with self.connect(write=False) as con:
            con.row_factory = sqlite3.Row
            rows = con.execute(
                "SELECT d.name, d.users, d.created_at, d.revoked_at, count(u.sha256) AS uploads, "
                "coalesce(sum(u.events), 0) AS events, coalesce(sum(u.bytes), 0) AS bytes, "
                "max(u.landed_at) AS last_upload FROM devices d "
                "LEFT JOIN uploads u ON u.device = d.name GROUP BY d.name ORDER BY d.name"
            ).fetchall()
        return [dict(row) | {"users": json.loads(row["users"])} for row in rows]


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
