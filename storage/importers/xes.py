"""XES event logs (IEEE 1849, plain or gzipped), read with pm4py's iterparse importer.

Events keep document order (trace by trace), which is also ``source_row``. Default map:
``concept:name`` is the kind, ``time:timestamp`` the time, ``org:resource`` the user,
attributes named like event columns (as `storage.exporters.xes` writes them) fill those;
the trace's ``case:concept:name`` and every other attribute go to ``attrs``. A date pm4py
cannot parse leaves the event without a time, reported with the line of that event.
"""

from __future__ import annotations

import gzip
import math
import re
import zlib
from pathlib import Path
from typing import IO

import polars as pl

from storage.errors import ImportFormatError
from storage.importers.columns import MAPPABLE_FIELDS, ColumnMap, column_map, map_columns

XES_MAP = column_map({name: name for name in MAPPABLE_FIELDS}).overlay(
    column_map({"ts": "time:timestamp", "kind": "concept:name", "user_id": "org:resource"})
)

_EVENT_TAG = re.compile(rb"<event[\s>/]")


def read_xes(path: str | Path, overlay: ColumnMap | None = None) -> pl.DataFrame:
    """Events of an XES file; ``overlay`` adds or overrides mappings (e.g. a constant user)."""
    path = Path(path)
    raw = _read_raw(path)
    return map_columns(
        raw,
        XES_MAP.overlay(overlay),
        str(path),
        locate=lambda row: _event_line(path, row),
        header_line=None,
    )


def _read_raw(path: Path) -> pl.DataFrame:
    from pm4py.objects.conversion.log import converter
    from pm4py.objects.log.importer.xes import importer

    if path.stat().st_size == 0:
        raise ImportFormatError(str(path), "the file is empty")
    _check_root(path)
    params = {"show_progress_bar": False, "timestamp_sort": False, "encoding": "utf-8"}
    try:
        log = importer.apply(str(path), variant=importer.Variants.ITERPARSE, parameters=params)
        if not len(log) or not any(len(trace) for trace in log):
            raise ImportFormatError(str(path), "the log has no events")
        frame = converter.apply(log, variant=converter.Variants.TO_DATA_FRAME)
    except ImportFormatError:
        raise
    except Exception as exc:  # pm4py's parser fails in many ways on hostile files
        raise _unreadable(path, exc) from exc
    return _to_polars(frame)


def _check_root(path: Path) -> None:
    """Refuse early what is not XES at all (an HTML page, a gzip that is not one)."""
    from lxml import etree

    try:
        with _open(path) as handle:
            for _, element in etree.iterparse(
                handle, events=("start",), resolve_entities=False, no_network=True
            ):
                root = etree.QName(element).localname
                break
    except Exception as exc:
        raise _unreadable(path, exc) from exc
    if root != "log":
        raise ImportFormatError(
            str(path), f"not an XES log: the document is <{root}>, not <log>", line=1
        )


def _unreadable(path: Path, exc: Exception) -> ImportFormatError:
    """The one-line error for a file lxml, gzip or pm4py could not read."""
    from lxml.etree import XMLSyntaxError

    if isinstance(exc, XMLSyntaxError):
        problem = exc.msg or str(exc)
        if "utf-8" in problem.lower() or "encoding" in problem.lower():
            problem = f"the text is not UTF-8 ({problem})"
        elif "premature end" in problem.lower() or "not closed" in problem.lower():
            problem = f"the XML ends early: the file looks truncated ({problem})"
        return ImportFormatError(str(path), problem, exc.lineno or None)
    if isinstance(exc, gzip.BadGzipFile):
        return ImportFormatError(str(path), "not gzip-compressed, though the name ends in .gz")
    if isinstance(exc, EOFError | zlib.error):
        return ImportFormatError(
            str(path), "the compressed file ends early or is damaged: it looks truncated"
        )
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ImportFormatError(str(path), f"not a readable XES log ({detail})")


def _open(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def _to_polars(frame: object) -> pl.DataFrame:
    """A polars frame with time and number columns kept and every other column as text.

    A column pyarrow refuses (an integer beyond 64 bits, an attribute that is a number in
    one event and text in another) is read as text; a nested attribute (a list) as JSON.
    """
    raw = pl.DataFrame(
        [_column(name, frame[name]) for name in frame.columns]  # type: ignore[attr-defined]
    )
    return raw.with_columns(
        # {"v":…} encoded, then cut down to the value; named back after the attribute
        pl.struct(pl.col(name).alias("v"))
        .struct.json_encode()
        .str.slice(5)
        .str.head(-1)
        .alias(name)
        if dtype.is_nested()
        else pl.col(name).cast(pl.String)
        for name, dtype in raw.schema.items()
        if not (dtype.is_temporal() or dtype.is_numeric())
    )


def _column(name: str, values: object) -> pl.Series:
    try:
        return pl.Series(name, values)
    except (OverflowError, TypeError, ValueError, pl.exceptions.PolarsError):
        text = [None if _missing(v) else str(v) for v in values]  # type: ignore[attr-defined]
        return pl.Series(name, text, dtype=pl.String)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _event_line(path: Path, row: int) -> int | None:
    """The line where event number ``row`` (0-based, document order) starts."""
    with _open(path) as handle:
        seen = 0
        for number, text in enumerate(handle, start=1):
            for _ in _EVENT_TAG.finditer(text):
                if seen == row:
                    return number
                seen += 1
    return None
