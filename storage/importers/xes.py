"""XES event logs (IEEE 1849, plain or gzipped), read with pm4py's iterparse importer.

Events keep document order (trace by trace), which is also ``source_row``. Default map:
``concept:name`` is the kind, ``time:timestamp`` the time, ``org:resource`` the user,
attributes named like event columns (as `storage.exporters.xes` writes them) fill those;
the trace's ``case:concept:name`` and every other attribute go to ``attrs``. A date pm4py
cannot parse leaves the event without a time, reported with the line of that event.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

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
    from lxml.etree import XMLSyntaxError
    from pm4py.objects.conversion.log import converter
    from pm4py.objects.log.importer.xes import importer

    if path.stat().st_size == 0:
        raise ImportFormatError(str(path), "the file is empty")
    params = {"show_progress_bar": False, "timestamp_sort": False, "encoding": "utf-8"}
    try:
        log = importer.apply(str(path), variant=importer.Variants.ITERPARSE, parameters=params)
    except XMLSyntaxError as exc:
        line = exc.lineno or None
        problem = exc.msg or str(exc)
        if "utf-8" in problem.lower() or "encoding" in problem.lower():
            problem = f"the text is not UTF-8 ({problem})"
        elif "premature end" in problem.lower() or "not closed" in problem.lower():
            problem = f"the XML ends early: the file looks truncated ({problem})"
        raise ImportFormatError(str(path), problem, line) from exc
    if not len(log) or not any(len(trace) for trace in log):
        raise ImportFormatError(str(path), "the log has no events")
    frame = converter.apply(log, variant=converter.Variants.TO_DATA_FRAME)
    return _to_polars(frame)


def _to_polars(frame: object) -> pl.DataFrame:
    """A polars frame with time and number columns kept and every other column as text."""
    raw = pl.from_pandas(frame)  # type: ignore[arg-type]
    return raw.with_columns(
        pl.col(name).cast(pl.String)
        for name, dtype in raw.schema.items()
        if not (dtype.is_temporal() or dtype.is_numeric())
    )


def _event_line(path: Path, row: int) -> int | None:
    """The line where event number ``row`` (0-based, document order) starts."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        seen = 0
        for number, text in enumerate(handle, start=1):
            for _ in _EVENT_TAG.finditer(text):
                if seen == row:
                    return number
                seen += 1
    return None
