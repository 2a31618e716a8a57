"""Importers: UI logs and recordings in, ``events`` rows out.

One module per format, each a ``read_<format>`` function returning event columns with
``source_row`` (0-based data row) and ``attrs`` (every input column without a field of its
own). This facade detects formats, adds ``source_file``, and writes files atomically:
`import_logs` reads and checks every file before it writes any, so a malformed input
leaves the database exactly as it was, and a file imported before adds nothing.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from storage.errors import ImportFormatError, StorageError
from storage.importers import actionlogger, generic_csv, smartrpa
from storage.importers.actionlogger import read_actionlogger
from storage.importers.columns import ColumnMap, column_map, load_column_map
from storage.importers.csvlog import read_header
from storage.importers.default_user import DefaultUserWarning
from storage.importers.generic_csv import read_csv_log
from storage.importers.parquet import SIDECARS, is_sidecar, read_parquet, sidecar_path
from storage.importers.smartrpa import read_smartrpa
from storage.importers.xes import read_xes
from storage.store import Store

__all__ = [
    "ColumnMap",
    "DefaultUserWarning",
    "ImportedLog",
    "ImportResult",
    "column_map",
    "content_digest",
    "detect_format",
    "import_logs",
    "load_column_map",
    "read_actionlogger",
    "read_csv_log",
    "read_log",
    "read_parquet",
    "read_smartrpa",
    "read_xes",
]

FORMATS = ("actionlogger", "smartrpa", "csv", "xes", "parquet")
_SUFFIXES = {".csv": "csv", ".xes": "xes", ".xes.gz": "xes", ".parquet": "parquet"}
_CSV_SIGNATURES = (
    ("actionlogger", actionlogger.SIGNATURE),
    ("smartrpa", smartrpa.SIGNATURE),
    ("csv", generic_csv.SIGNATURE),
)


@dataclass(frozen=True)
class ImportedLog:
    """One input file read and checked, ready to be written.

    ``notes`` are one-line warnings about what the import assumed (a default user).
    """

    path: Path
    fmt: str
    events: pl.DataFrame
    sidecars: dict[str, pl.DataFrame] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    path: Path
    fmt: str
    n_events: int  # events added; 0 when the same content was imported before
    already_imported: bool
    notes: tuple[str, ...] = ()  # what the import assumed, for the user to check


def detect_format(path: str | Path, cmap: ColumnMap | None = None) -> str:
    """The format of a file from its suffix and, for CSV, its header.

    A CSV matching no known header is the generic ``csv`` format when a column map is
    given, else an error that says how to import it.
    """
    path = Path(path)
    fmt = _SUFFIXES.get(_suffix(path))
    if fmt is None:
        raise ImportFormatError(
            str(path),
            f"cannot tell the format from the suffix {path.suffix!r}",
            hint="name it .csv, .xes, .xes.gz or .parquet, or pass --format",
        )
    if fmt != "csv":
        return fmt
    header = set(read_header(path))
    # The best-matching signature wins if it is at least half there, so a known log that
    # lost a column is reported as such rather than as an unknown CSV.
    share, name = max((len(sig & header) / len(sig), name) for name, sig in _CSV_SIGNATURES)
    if share == 1 or (share >= 0.5 and cmap is None):
        return name
    if cmap is not None:
        return "csv"
    raise ImportFormatError(
        str(path),
        "the header matches no known CSV log (Action Logger, SmartRPA, taskmine)",
        line=1,
        hint="pass --format csv --column-map MAP.toml (examples in sample_logs/maps/)",
    )


def read_log(path: str | Path, fmt: str = "auto", cmap: ColumnMap | None = None) -> ImportedLog:
    """Read and check one file; nothing is written.

    Example::

        log = read_log("cpn_log1_segmented.csv", "csv", load_column_map("maps/cpn_log.toml"))
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFormatError(str(path), "no such file", hint="check the path")
    fmt = detect_format(path, cmap) if fmt == "auto" else fmt
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DefaultUserWarning)
        events, sidecars = _read_format(path, fmt, cmap)
    notes = tuple(str(w.message) for w in caught if issubclass(w.category, DefaultUserWarning))
    events = events.with_columns(source_file=pl.lit(str(path.resolve())))
    return ImportedLog(path, fmt, events, sidecars, notes)


def _read_format(
    path: Path, fmt: str, cmap: ColumnMap | None
) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    sidecars: dict[str, pl.DataFrame] = {}
    if fmt == "actionlogger":
        events = read_actionlogger(path, cmap)
    elif fmt == "smartrpa":
        events = read_smartrpa(path, cmap)
    elif fmt == "csv":
        events = read_csv_log(path, cmap)
    elif fmt == "xes":
        events = read_xes(path, cmap)
    elif fmt == "parquet":
        events, sidecars = read_parquet(path, cmap)
    else:
        raise ImportFormatError(str(path), f"unknown format {fmt!r}; use one of {FORMATS}")
    return events, sidecars


def import_logs(
    store: Store,
    paths: Sequence[str | Path],
    fmt: str = "auto",
    cmap: ColumnMap | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> list[ImportResult]:
    """Import files (folders are searched for .csv, .xes(.gz), .parquet) into ``store``.

    Every file is read and checked before the first write, so one bad file imports
    nothing; then all are written in one transaction, so a failed write imports nothing
    either. A file whose content (and column map) was imported before is skipped without
    being read. ``on_progress(done, total)`` counts files read and written;
    ``on_warning(message)`` hears of links skipped in folders.

    Example::

        with open_store("work.duckdb") as store:
            import_logs(store, ["spool/"])  # a recorder's Parquet files, any already there
    """
    files = expand_paths(paths, on_warning)
    total = 2 * len(files)
    pending: list[tuple[str, ImportedLog]] = []
    skipped: list[ImportResult] = []
    for done, path in enumerate(files, start=1):
        digest = content_digest(path, cmap)
        earlier = store.query("SELECT format FROM imports WHERE sha256 = ?", [digest])
        if earlier.height:
            skipped.append(ImportResult(path, earlier.item(), 0, already_imported=True))
        else:
            pending.append((digest, read_log(path, fmt, cmap)))
        if on_progress:
            on_progress(done, total)
    results = _write_logs(store, pending, on_progress, len(files), total)
    order = {path: i for i, path in enumerate(files)}
    return sorted(results + skipped, key=lambda r: order[r.path])


def _write_logs(
    store: Store,
    pending: list[tuple[str, ImportedLog]],
    on_progress: Callable[[int, int], None] | None,
    counted: int,
    total: int,
) -> list[ImportResult]:
    """Write every file read, all in one transaction; an error names the file it hit.

    Progress goes on from ``counted`` of ``total`` steps (the files read).
    """
    results = []
    with store.transaction():
        for done, (digest, log) in enumerate(pending, start=counted + 1):
            try:
                added = store.import_batch(
                    log.events,
                    sha256=digest,
                    source_file=str(log.path.resolve()),
                    fmt=log.fmt,
                    sessions=log.sidecars.get("sessions"),
                    screenshots=log.sidecars.get("screenshots"),
                )
            except StorageError as exc:
                raise _while_writing(exc, log.path) from exc
            results.append(ImportResult(log.path, log.fmt, added, added == 0, log.notes))
            if on_progress:
                on_progress(done, total)
    return results


def _while_writing(exc: StorageError, path: Path) -> StorageError:
    """The same error (a full disk stays a `DiskFullError`), saying which file it hit."""
    message = f"writing {path} failed, so nothing was imported: {exc.args[0]}"
    return type(exc)(message, exc.hint or None)  # store errors all take (message, hint)


def expand_paths(
    paths: Sequence[str | Path], on_warning: Callable[[str], None] | None = None
) -> list[Path]:
    """Files as given, and the importable files of folders in name order (no sidecars).

    A link inside a folder that leads out of it is skipped with a warning: importing a
    folder must not read ``/etc/passwd`` because someone put a link to it there.
    """
    files: list[Path] = []
    for given in map(Path, paths):
        if given.is_dir():
            inside, leaving = _folder_entries(given)
            for link in leaving:
                if on_warning:
                    on_warning(f"skipped {link}: the link leaves the folder {given}")
            found = sorted(
                p for p in inside if p.is_file() and _suffix(p) in _SUFFIXES and not is_sidecar(p)
            )
            if not found:
                raise ImportFormatError(str(given), "the folder has no file of a known format")
            files.extend(found)
        else:
            files.append(given)
    return files


def _folder_entries(folder: Path) -> tuple[list[Path], list[Path]]:
    """Everything under ``folder``, split into what stays inside it and links that leave."""
    root = folder.resolve()
    inside, leaving = [], []
    for entry in folder.rglob("*"):
        (inside if _stays_inside(entry, root) else leaving).append(entry)
    return inside, sorted(leaving)


def _stays_inside(entry: Path, root: Path) -> bool:
    if not entry.is_symlink():
        return True
    try:
        return entry.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a loop of links leads nowhere
        return False


def content_digest(path: str | Path, cmap: ColumnMap | None = None) -> str:
    """SHA-256 of a file, its sidecars and the column map: the key of idempotent imports."""
    path = Path(path)
    if not path.is_file():
        raise ImportFormatError(str(path), "no such file", hint="check the path")
    sidecars = [sidecar_path(path, kind) for kind in SIDECARS]
    digest = hashlib.sha256()
    for part in [path, *(p for p in sidecars if p.is_file())]:
        with part.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    if cmap is not None:
        digest.update(repr(cmap).encode())
    return digest.hexdigest()


def _suffix(path: Path) -> str:
    """The format suffix: ``.xes.gz`` counts as one."""
    name = path.name.lower()
    return ".xes.gz" if name.endswith(".xes.gz") else path.suffix.lower()
