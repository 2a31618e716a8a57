"""Where things live in a collector's data folder (see the package docstring).

User ids come from recorders, so they are hostile: a partition folder is never built from
one unchecked. `partition_dir` percent-encodes every byte outside ``A-Z a-z 0-9 _ - ~``
(``/``, ``.``, ``%``, NUL and the rest), so the id always stays one path component under
``user=`` and DuckDB's hive partitioning reads the same id back.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import quote

from storage.collector.errors import BadUploadError, InvalidBatchError

#: What an upload holds: events, or one of their two sidecars.
KINDS = ("events", "sessions", "screenshots")
LEDGER = "collector.sqlite"
PARTIAL = "partial"
RECEIVED = "received"
#: Longest encoded user id: a path component must stay under 255 bytes everywhere.
MAX_ENCODED_USER = 200
_SHA256 = re.compile(r"[0-9a-f]{64}")


def encode_user(user_id: str) -> str:
    """The user id as a partition value, or `InvalidBatchError` if it cannot be one."""
    if not user_id:
        raise InvalidBatchError("a row has an empty user_id")
    encoded = quote(user_id, safe="-_~").replace(".", "%2E")
    if len(encoded) > MAX_ENCODED_USER:
        raise InvalidBatchError(
            f"a user_id is {len(encoded)} characters long once encoded; "
            f"at most {MAX_ENCODED_USER} fit in a partition folder"
        )
    return encoded


def partition_dir(root: Path, kind: str, user_id: str, day: date) -> Path:
    """``root/<kind>/user=<encoded>/day=<YYYY-MM-DD>``."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    return root / kind / f"user={encode_user(user_id)}" / f"day={day.isoformat()}"


def landed_name(sha256: str) -> str:
    return f"{check_sha256(sha256)}.parquet"


def partial_path(root: Path, sha256: str) -> Path:
    return root / PARTIAL / check_sha256(sha256)


def received_path(root: Path, sha256: str, kind: str) -> Path:
    """A sidecar upload waiting for its events (no ``.parquet`` suffix: imports skip it)."""
    return root / RECEIVED / f"{check_sha256(sha256)}.{kind}"


def check_sha256(text: str) -> str:
    """``text`` if it is a lower-case hex SHA-256 (the only name an upload ever gets)."""
    if not _SHA256.fullmatch(text):
        raise BadUploadError("an upload is named by the lower-case hex SHA-256 of its bytes")
    return text
