"""Shipping to a collector: the outbox of session files, uploaded until acknowledged.

`recorder.ship.ship_sessions` writes each closed session into an outbox folder as an
interchange file with sidecars; `upload_outbox` sends each to the collector (resumable,
content-addressed: see `storage.collector.uploads`) and, only once the collector answers
that the events landed, leaves an ``.acknowledged`` marker and removes the files. A
collector that is down, or a connection that drops, leaves the outbox as it was: the next
run resumes where the collector's copy ends, so nothing is lost and nothing lands twice.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import requests

from recorder.destination import check_collector_url, check_token
from recorder.errors import ShipError
from recorder.outbox import REFUSED_DIR
from recorder.ship import acknowledged_marker, is_acknowledged
from storage.importers.parquet import is_sidecar, sidecar_path

SIDECAR_KINDS = ("sessions", "screenshots")
#: Called after each chunk the collector took: (file, kind, offset reached, length).
ChunkFn = Callable[[Path, str, int, int], None]


@dataclass(frozen=True)
class Collector:
    """Where to ship: ``url`` is ``https://HOST:PORT`` (``http://`` on loopback only)."""

    url: str
    token: str
    cacert: str | None = None  # a CA file for a collector with its own certificate
    chunk_bytes: int = 4 << 20
    timeout_s: float = 60.0


def check_collector(collector: Collector) -> None:
    """Refuse what would leak the token (plain HTTP to another machine, credentials in
    the address) and shipping without one."""
    check_collector_url(collector.url)
    check_token(collector.token)


def upload_outbox(
    folder: Path, collector: Collector, on_chunk: ChunkFn | None = None
) -> list[Path]:
    """Upload every session file of ``folder`` not acknowledged yet; return those the
    collector acknowledged now. Stops at the first connection error (`ShipError`).
    A file the collector refuses (it will never take it as it is: another user's
    events for this device, too large, not a valid batch) is moved with its sidecars
    and the collector's reason into ``folder/refused``: kept for a person to look at,
    not uploaded again every round; reported (`ShipError`) after the others were tried."""
    check_collector(collector)
    client = _Client(collector, on_chunk)
    done, refused = [], []
    for path in sorted(folder.glob("*.parquet")):
        if is_sidecar(path):
            continue
        if is_acknowledged(path):
            _remove(path)  # acknowledged before a crash could remove it
            continue
        try:
            client.ship_file(path)
        except _Refused as exc:
            _set_aside(path, str(exc))
            refused.append(f"{path.name}: {exc}")
            continue
        _acknowledge(path)
        done.append(path)
    if refused:
        raise ShipError(
            f"the collector refused {len(refused)} file(s), kept in {folder / REFUSED_DIR} "
            f"and not sent again; first: {refused[0]}"
        )
    return done


class _Refused(Exception):
    """The collector answered that it will never take this file as it is."""


class _Client:
    def __init__(self, collector: Collector, on_chunk: ChunkFn | None) -> None:
        self.base = collector.url.rstrip("/") + "/v1/uploads/"
        self.collector = collector
        self.on_chunk = on_chunk
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {collector.token}"
        # per request: a session's own `verify` loses to $REQUESTS_CA_BUNDLE
        self.verify = collector.cacert or True

    def ship_file(self, path: Path) -> None:
        """Sidecars first, then the events naming them; done when the events landed."""
        sha = _sha256(path)
        state = self._state(sha, "events")
        if state.get("state") == "landed":
            return
        refs: dict[str, str] = {}
        for kind in SIDECAR_KINDS:
            side = sidecar_path(path, kind)
            if side.exists():
                refs[kind] = _sha256(side)
                self._upload(side, refs[kind], kind, {})
        landed = self._upload(path, sha, "events", refs, state).get("events")
        expected = pq.read_metadata(path).num_rows
        if landed is not None and landed != expected:
            raise ShipError(f"the collector landed {landed} of the {expected} events of {path}")

    def _upload(
        self, path: Path, sha: str, kind: str, refs: dict[str, str], state: dict | None = None
    ) -> dict:
        """Send what the collector lacks of ``path`` (``state``: its answer about it, if
        already asked); return its last answer (for events that landed now, it counts
        them)."""
        length = path.stat().st_size
        state = state or self._state(sha, kind)
        chunk_bytes = min(self.collector.chunk_bytes, state.get("max_chunk_bytes") or 1 << 20)
        sent_from: set[int] = set()
        with path.open("rb") as data:
            while state.get("state") != "landed":
                offset = state.get("offset") or 0
                if not isinstance(offset, int) or not 0 <= offset <= length or offset in sent_from:
                    raise ShipError(
                        f"the collector's answers make no progress on {path.name}; "
                        "the outbox is kept"
                    )
                sent_from.add(offset)
                data.seek(offset)
                chunk = data.read(chunk_bytes)
                params = {"kind": kind, "offset": offset, "length": length, **refs}
                state = self._request("PUT", sha, params, chunk)
                if self.on_chunk:
                    self.on_chunk(path, kind, state.get("offset") or length, length)
        return state

    def _state(self, sha: str, kind: str) -> dict:
        return self._request("GET", sha, {"kind": kind})

    def _request(self, method: str, sha: str, params: dict, body: bytes | None = None) -> dict:
        try:
            response = self.http.request(
                method, self.base + sha, params=params, data=body, verify=self.verify,
                timeout=self.collector.timeout_s,
            )  # fmt: skip
        except requests.RequestException as exc:
            raise ShipError(
                f"cannot reach the collector at {self.collector.url} ({_reason(exc)}); "
                "the outbox is kept and the next run resumes"
            ) from exc
        answer = _json(response)
        if response.status_code == 409 and isinstance(answer.get("offset"), int):
            return {"state": "partial", "offset": answer["offset"]}  # resume where it holds
        if response.status_code == 401:
            raise ShipError(
                "the collector refused the device token (unknown or revoked)",
                "ask its administrator for one: `taskmine collect token add NAME`",
            )
        if response.status_code in (400, 403, 413, 422):
            raise _Refused(answer.get("error") or f"HTTP {response.status_code}")
        if response.status_code != 200:
            detail = f": {answer['error']}" if answer.get("error") else ""
            raise ShipError(
                f"the collector answered HTTP {response.status_code}{detail}",
                "the outbox is kept and the next run resumes",
            )
        return answer


def _reason(exc: requests.RequestException) -> str:
    """The innermost cause in one short line (a refused connection, a bad certificate)."""
    while exc.__context__ is not None and str(exc.__context__):
        exc = exc.__context__
    return (
        f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
        if str(exc)
        else type(exc).__name__
    )


def _json(response: requests.Response) -> dict:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _acknowledge(path: Path) -> None:
    with acknowledged_marker(path).open("w") as out:
        os.fsync(out.fileno())
    _remove(path)


def _set_aside(path: Path, reason: str) -> None:
    """Move a refused file and its sidecars into the outbox's refused folder, with the
    collector's reason beside them (sidecars first: the events file names them)."""
    aside = path.parent / REFUSED_DIR
    aside.mkdir(exist_ok=True)
    (aside / f"{path.name}.reason.txt").write_text(reason + "\n", encoding="utf-8")
    for kind in SIDECAR_KINDS:
        side = sidecar_path(path, kind)
        if side.exists():
            side.replace(aside / side.name)
    path.replace(aside / path.name)


def _remove(path: Path) -> None:
    for kind in SIDECAR_KINDS:
        sidecar_path(path, kind).unlink(missing_ok=True)
    path.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
