"""The DuckDB store: the one place that opens taskmine databases and writes to them.

Concurrency rule: one writer process per database file. DuckDB takes an exclusive file
lock for a read-write connection, so a second writer (or a reader while a writer runs)
gets `DatabaseLockedError` naming the file and the process that holds it. Within a
process, share one `Store`; the recorder funnels all writes through one thread.

Every write runs in a transaction and goes through Arrow in bulk; a failed write rolls
back and leaves the file as it was. Event text never keeps a control character that XML
cannot hold (`storage.models.CONTROL_CHARACTERS`): they are dropped on the way in.
"""

from __future__ import annotations

import errno
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from storage.errors import (
    CorruptDatabaseError,
    DatabaseLockedError,
    DiskFullError,
    NoMiningRunError,
    SchemaTooNewError,
    StorageError,
)
from storage.models import (
    CONTROL_CHARACTERS,
    EVENT_SCHEMA,
    SCREENSHOT_SCHEMA,
    SESSION_SCHEMA,
    conform,
    strip_control_characters,
)
from storage.schema import MIGRATIONS, SCHEMA_VERSION

#: Mining result tables, in the order a run writes them.
RESULT_TABLES = ("instances", "instance_events", "processes", "process_steps", "variants")
#: Tables `Store.append_rows` writes: columns, the id column it numbers, conflict clause.
_ROW_TABLES: dict[str, tuple[dict[str, pl.DataType], str | None, str]] = {
    "sessions": (
        SESSION_SCHEMA,
        None,
        "ON CONFLICT (session_id) DO UPDATE SET ended_at = excluded.ended_at, "
        "dropped_events = excluded.dropped_events",
    ),
    "screenshots": (SCREENSHOT_SCHEMA, "screenshot_id", ""),
    "events": (EVENT_SCHEMA, "event_id", ""),
}
#: Rows per INSERT statement in `Store.append_rows` (a drained spool can be long).
_ROWS_PER_STATEMENT = 500
#: Event columns of text that no control character may enter (``attrs`` is JSON, which
#: escapes them).
_TEXT_COLUMNS = tuple(n for n, t in EVENT_SCHEMA.items() if t == pl.String and n != "attrs")
_CONTROL = re.compile(CONTROL_CHARACTERS)


def utcnow() -> datetime:
    """Naive UTC now, the convention of every TIMESTAMP column."""
    return datetime.now(UTC).replace(tzinfo=None)


class Store:
    """An open taskmine database. Use `open_store` (or the class as a context manager)."""

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.con = _connect(self.path, read_only)
        self._in_transaction = False
        try:
            if read_only:
                self._check_version()
            else:
                self._migrate()
        except Exception:
            self.con.close()
            raise

    # -- lifecycle -----------------------------------------------------------------

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run the block in one transaction; on any error roll back and re-raise.

        Nested blocks join the outer transaction, so several writes (a recorder batch's
        screenshots and events) commit together or not at all.
        """
        if self._in_transaction:
            try:
                yield self.con
            except duckdb.Error as exc:
                raise _translate(exc, self.path) from exc
            return
        self.con.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield self.con
            self.con.execute("COMMIT")
        except BaseException as exc:
            # After a fatal error (a failed checkpoint on a full disk) DuckDB refuses even
            # ROLLBACK; the original error is the one worth reporting.
            with suppress(duckdb.Error):
                self.con.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error):
                raise _translate(exc, self.path) from exc
            raise
        finally:
            self._in_transaction = False

    @property
    def schema_version(self) -> int:
        return _read_version(self.con)

    def _check_version(self) -> None:
        version = _read_version(self.con)
        if version > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"{self.path} has schema version {version}, this taskmine knows {SCHEMA_VERSION}"
            )
        if version < SCHEMA_VERSION:
            raise StorageError(
                f"{self.path} has schema version {version} and needs upgrading to {SCHEMA_VERSION}",
                "open it once read-write (for example `taskmine import` or `taskmine mine`)",
            )

    def _migrate(self) -> None:
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version "
            "(version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL, description VARCHAR)"
        )
        current = _read_version(self.con)
        if current > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"{self.path} has schema version {current}, this taskmine knows {SCHEMA_VERSION}"
            )
        for version, description, ddl in MIGRATIONS:
            if version <= current:
                continue
            with self.transaction() as con:
                con.execute(ddl)
                con.execute(
                    "INSERT INTO schema_version VALUES (?, ?, ?)",
                    [version, utcnow(), description],
                )

    # -- generic reads -------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pl.DataFrame:
        """Run a read query and return a polars DataFrame."""
        try:
            return self.con.sql(sql, params=list(params or [])).pl()
        except duckdb.Error as exc:
            raise _translate(exc, self.path) from exc

    def count(self, table: str) -> int:
        return _scalar(self.con, f"SELECT count(*) FROM {_ident(table)}")

    # -- recordings ----------------------------------------------------------------

    def append_events(self, events: pl.DataFrame) -> pl.DataFrame:
        """Append events in one transaction and return them with their new ``event_id``.

        Event ids continue the database's sequence in the frame's row order, so ties in
        ``ts`` keep input order when read back ordered by ``(ts, event_id)``.
        """
        with self.transaction() as con:
            return self._insert_events(con, events)

    def _insert_events(self, con: duckdb.DuckDBPyConnection, events: pl.DataFrame) -> pl.DataFrame:
        start = _scalar(con, "SELECT coalesce(max(event_id), 0) + 1 FROM events")
        frame = conform(events.drop("event_id", strict=False), EVENT_SCHEMA).with_columns(
            *(strip_control_characters(pl.col(name)) for name in _TEXT_COLUMNS),
            event_id=pl.int_range(start, start + events.height, dtype=pl.Int64),
        )
        _insert(con, "events", frame)
        return frame

    def append_sessions(self, sessions: pl.DataFrame) -> None:
        """Insert sessions, or update ``ended_at``/``dropped_events`` of known ones."""
        frame = conform(sessions, SESSION_SCHEMA)
        with self.transaction() as con:
            _upsert_sessions(
                con,
                frame,
                "DO UPDATE SET ended_at = excluded.ended_at, "
                "dropped_events = excluded.dropped_events",
            )

    def append_screenshots(self, shots: pl.DataFrame) -> pl.DataFrame:
        """Append screenshots and return them with their new ``screenshot_id``."""
        with self.transaction() as con:
            start = _scalar(con, "SELECT coalesce(max(screenshot_id), 0) + 1 FROM screenshots")
            frame = conform(shots.drop("screenshot_id", strict=False), SCREENSHOT_SCHEMA)
            frame = frame.with_columns(
                screenshot_id=pl.int_range(start, start + frame.height, dtype=pl.Int64)
            )
            _insert(con, "screenshots", frame)
            return frame

    def append_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Append plain rows (column → value) to ``sessions``, ``screenshots`` or ``events``
        in one transaction, as `append_sessions` (upserting), `append_screenshots` and
        `append_events` (returning the new ids) do. Without a DataFrame a small batch costs
        less, and a process that only records never starts polars' thread pools. Rows
        that all carry their id (numbered from `next_id`) keep it.

        Example::

            row = {"user_id": "u1", "ts": utcnow(), "kind": "click"}
            (event_id,) = store.append_rows("events", [row])
        """
        schema, id_column, on_conflict = _ROW_TABLES[table]
        unknown = {name for row in rows for name in row} - set(schema)
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)}")
        if table == "events":
            rows = [_without_control_characters(row) for row in rows]
        columns = [c for c in schema if c != id_column and any(c in row for row in rows)]
        names = ([id_column] if id_column else []) + columns
        marks = "(" + ", ".join("?" * len(names)) + ")"
        ids: list[int] = []
        with self.transaction() as con:
            if id_column and rows and all(id_column in row for row in rows):
                ids = [row[id_column] for row in rows]  # numbered by `next_id`
            elif id_column and rows:
                ids = list(range(start := self.next_id(table), start + len(rows)))
            for first in range(0, len(rows), _ROWS_PER_STATEMENT):
                chunk = rows[first : first + _ROWS_PER_STATEMENT]
                params = [
                    value
                    for i, row in enumerate(chunk, first)
                    for value in ([ids[i]] if id_column else []) + [row.get(c) for c in columns]
                ]
                con.execute(
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES "
                    f"{', '.join([marks] * len(chunk))} {on_conflict}",
                    params,
                )
        return ids

    def next_id(self, table: str) -> int:
        """The id `append_rows` gives the next row of ``table``. Rows that carry their id
        (numbered from this within one transaction) can point at each other, as a recorder's
        changed screenshot points at its base in the same batch."""
        id_column = _ROW_TABLES[table][1]
        return _scalar(self.con, f"SELECT coalesce(max({id_column}), 0) + 1 FROM {table}")

    def import_batch(
        self,
        events: pl.DataFrame,
        *,
        sha256: str,
        source_file: str,
        fmt: str,
        sessions: pl.DataFrame | None = None,
        screenshots: pl.DataFrame | None = None,
    ) -> int:
        """Write one imported file atomically; return the number of events added.

        A file whose content (``sha256``) was imported before adds nothing and returns 0,
        which makes re-importing a recorder's spool folder idempotent. Screenshots keep
        their ids when free; otherwise events are re-pointed to the new ids.
        """
        with self.transaction() as con:
            seen = _first_row(con, "SELECT 1 FROM imports WHERE sha256 = ?", [sha256])
            if seen:
                return 0
            if screenshots is not None and screenshots.height:
                events = self._insert_screenshots_remapped(con, screenshots, events)
            if sessions is not None and sessions.height:
                _upsert_sessions(con, conform(sessions, SESSION_SCHEMA), "DO NOTHING")
            self._insert_events(con, events)
            con.execute(
                "INSERT INTO imports VALUES (?, ?, ?, ?, ?)",
                [sha256, source_file, fmt, utcnow(), events.height],
            )
            return events.height

    def _insert_screenshots_remapped(
        self, con: duckdb.DuckDBPyConnection, shots: pl.DataFrame, events: pl.DataFrame
    ) -> pl.DataFrame:
        start = _scalar(con, "SELECT coalesce(max(screenshot_id), 0) + 1 FROM screenshots")
        shots = conform(shots, SCREENSHOT_SCHEMA)
        mapping = shots.select(
            old=pl.col("screenshot_id"),
            new=pl.int_range(start, start + shots.height, dtype=pl.Int64),
        )
        shots = shots.with_columns(
            screenshot_id=mapping["new"],
            # Importers refuse a base that is not in the same file: replace_strict raises.
            base_id=pl.col("base_id").replace_strict(
                mapping["old"], mapping["new"], return_dtype=pl.Int64
            ),
        )
        _insert(con, "screenshots", shots)
        if "screenshot_id" not in events.columns:
            return events
        return (
            events.join(mapping, left_on="screenshot_id", right_on="old", how="left")
            .with_columns(screenshot_id=pl.col("new"))
            .drop("new")
        )

    def read_events(
        self, columns: Sequence[str] | None = None, user_ids: Sequence[str] | None = None
    ) -> pl.DataFrame:
        """Events ordered by user, time and file order (``event_id`` breaks ties)."""
        cols = ", ".join(_ident(c) for c in (columns or EVENT_SCHEMA))
        where, params = "", []
        if user_ids is not None:
            where, params = "WHERE user_id IN (SELECT unnest(?))", [list(user_ids)]
        return self.query(
            f"SELECT {cols} FROM events {where} ORDER BY user_id, ts, event_id", params
        )

    def screenshot(self, screenshot_id: int) -> tuple[str, bytes] | None:
        """A screenshot's format and bytes, always a full frame (one stored as the change
        since another is rebuilt: `storage.screenshots`); None if there is none to show."""
        # Imported here: Pillow is loaded only by the commands that show screenshots.
        from storage.screenshots import CHAIN_SQL, MAX_CHAIN, full_frame

        return full_frame(self.con.execute(CHAIN_SQL, [screenshot_id, MAX_CHAIN]).fetchall())

    # -- mining runs ---------------------------------------------------------------

    def start_run(self, config: dict[str, Any], code_version: str, seed: int) -> int:
        """Create a ``mining_runs`` row in state ``running`` and return its id."""
        with self.transaction() as con:
            run_id = _scalar(con, "SELECT coalesce(max(run_id), 0) + 1 FROM mining_runs")
            con.execute(
                "INSERT INTO mining_runs (run_id, started_at, status, config, code_version, "
                "seed) VALUES (?, ?, 'running', ?, ?, ?)",
                [
                    run_id,
                    utcnow(),
                    json.dumps(config, sort_keys=True, default=str),
                    code_version,
                    seed,
                ],
            )
        return run_id

    def finish_run(
        self, run_id: int, results: dict[str, pl.DataFrame | Iterable[pl.DataFrame]]
    ) -> None:
        """Write a run's result tables and mark it done, all in one transaction.

        ``results`` maps table names of `RESULT_TABLES` to frames whose columns are a
        subset of the table's (``run_id`` is filled in here), or to frames to write one
        after another (any iterable of them but for ``instances`` and ``processes``,
        which are counted): a table of a row per event need not be in memory at once.
        """
        unknown = set(results) - set(RESULT_TABLES)
        if unknown:
            raise StorageError(f"unknown result tables {sorted(unknown)}")
        with self.transaction() as con:
            for table in RESULT_TABLES:
                if table in results:
                    value = results[table]
                    for part in [value] if isinstance(value, pl.DataFrame) else value:
                        frame = part.with_columns(run_id=pl.lit(run_id, pl.Int32))
                        _insert(con, table, frame, by_name=True)
            counts = {
                t: results[t].height if t in results else 0 for t in ("instances", "processes")
            }
            n_events = _scalar(con, "SELECT count(*) FROM events")
            con.execute(
                "UPDATE mining_runs SET status = 'done', finished_at = ?, n_events = ?, "
                "n_instances = ?, n_processes = ? WHERE run_id = ?",
                [utcnow(), n_events, counts["instances"], counts["processes"], run_id],
            )

    def fail_run(self, run_id: int) -> None:
        with self.transaction() as con:
            con.execute(
                "UPDATE mining_runs SET status = 'failed', finished_at = ? WHERE run_id = ?",
                [utcnow(), run_id],
            )

    def latest_run_id(self) -> int:
        """The newest finished run; `NoMiningRunError` when there is none."""
        run_id = _scalar(self.con, "SELECT max(run_id) FROM mining_runs WHERE status = 'done'")
        if run_id is None:
            raise NoMiningRunError(f"{self.path} has no finished mining run")
        return int(run_id)

    def read_results(self, table: str, run_id: int | None = None) -> pl.DataFrame:
        """One result table of a run (default: the latest)."""
        if table not in RESULT_TABLES:
            raise StorageError(f"unknown result table {table!r}")
        run_id = self.latest_run_id() if run_id is None else run_id
        return self.query(f"SELECT * FROM {table} WHERE run_id = ?", [run_id])


def open_store(path: str | Path, read_only: bool = False, create: bool = True) -> Store:
    """Open (and upgrade) a taskmine database.

    Example::

        with open_store("work.duckdb") as store:
            store.append_events(frame)
    """
    path = Path(path)
    if not path.exists() and (read_only or not create):
        raise StorageError(
            f"database {path} does not exist",
            "create one with `taskmine import`, `taskmine record` or `taskmine simulate`",
        )
    return Store(path, read_only=read_only)


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    if not path.parent.exists():
        raise StorageError(f"folder {path.parent} does not exist", "create it first")
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise _translate(exc, path) from exc


def _read_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = _scalar(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    )
    if not exists:
        return 0
    return _scalar(con, "SELECT coalesce(max(version), 0) FROM schema_version")


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> Any:
    rows = con.execute(sql, list(params)).fetchall()
    return rows[0][0] if rows else None


def _first_row(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> tuple | None:
    rows = con.execute(sql, list(params)).fetchall()
    return rows[0] if rows else None


class _ArrowStream:
    """A frame seen only through the Arrow C stream interface, which DuckDB scans
    directly: writes then never load pyarrow (about 40 MB less in the recorder)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self.frame.__arrow_c_stream__(requested_schema)


def _without_control_characters(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: _CONTROL.sub("", v) if isinstance(v, str) and k in _TEXT_COLUMNS else v
        for k, v in row.items()
    }


def _upsert_sessions(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, on_conflict: str) -> None:
    con.register("_sessions", _ArrowStream(frame))
    con.execute(
        f"INSERT INTO sessions SELECT * FROM _sessions ON CONFLICT (session_id) {on_conflict}"
    )
    con.unregister("_sessions")


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, by_name: bool = False
) -> None:
    """Bulk-insert a frame through Arrow (one statement, no per-row work)."""
    name = f"_insert_{table}"
    con.register(name, _ArrowStream(frame))
    by = "BY NAME " if by_name else ""
    con.execute(f"INSERT INTO {table} {by}SELECT * FROM {name}")
    con.unregister(name)  # only on success: an aborted transaction refuses it; rollback drops it


def _ident(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise StorageError(f"invalid column or table name {name!r}")
    return name


_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")


def _translate(exc: duckdb.Error, path: Path) -> StorageError:
    """Turn a DuckDB exception into the domain error a user can act on."""
    message = str(exc)
    if "Could not set lock" in message or "Conflicting lock" in message:
        holder = _LOCK_HOLDER.search(message)
        who = f"process {holder.group(2)} ({holder.group(1)})" if holder else "another process"
        return DatabaseLockedError(f"database {path} is in use by {who}")
    if "No space left on device" in message or f"errno {errno.ENOSPC}" in message.lower():
        return DiskFullError(f"the disk holding {path} is full")
    if any(
        s in message
        for s in (
            "not a valid DuckDB",
            "Corrupt",
            "corrupt",
            "checksum",
            "Serialization",
            "database file",
        )
    ):
        return CorruptDatabaseError(
            f"{path} is not a readable taskmine database ({_first(message)})"
        )
    return StorageError(f"database {path}: {_first(message)}")


def _first(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "unknown error"
