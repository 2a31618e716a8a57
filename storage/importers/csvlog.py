"""Reading a CSV log into a raw frame of strings, with errors that name the line.

DuckDB's CSV reader does the work: it is parallel and, given the header's columns
explicitly, reports a ragged row, an unterminated quote or a byte that is not UTF-8 with
its line. Every value stays a string here; `columns.map_columns` parses what it maps.
"""

from __future__ import annotations

import csv
import mmap
import re
from collections import Counter
from pathlib import Path

import duckdb
import polars as pl

from storage.errors import ImportFormatError
from storage.importers.checks import check_width

_LINE = re.compile(r"CSV Error on Line: (\d+)")


def read_header(path: str | Path) -> list[str]:
    """The column names of a CSV file's first line (a UTF-8 byte-order mark is skipped)."""
    path = Path(path)
    with path.open("rb") as handle:
        first = handle.readline()
    try:
        header = next(csv.reader([first.decode("utf-8-sig")]), None)
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            str(path), "the header is not UTF-8 text", line=1, hint=_ENCODING_HINT
        ) from exc
    except csv.Error as exc:
        raise ImportFormatError(str(path), f"the header is not valid CSV ({exc})", line=1) from exc
    if not header or not any(name.strip() for name in header):
        raise ImportFormatError(str(path), "the file is empty (no header line)")
    check_width(len(header), str(path), line=1)
    blank = [i + 1 for i, name in enumerate(header) if not name.strip()]
    if blank:
        raise ImportFormatError(str(path), f"header column {blank[0]} has no name", line=1)
    dupes = sorted(name for name, n in Counter(header).items() if n > 1)
    if dupes:
        raise ImportFormatError(str(path), f"the header repeats the columns {dupes}", line=1)
    return header


def read_csv_raw(path: str | Path) -> pl.DataFrame:
    """All rows of a CSV file as strings, in file order (data row 0 is line 2)."""
    path = Path(path)
    header = read_header(path)
    columns = {name: "VARCHAR" for name in header}
    con = duckdb.connect()
    try:
        raw = con.sql(
            "SELECT * FROM read_csv(?, header = true, auto_detect = false, columns = ?, "
            "delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
            "null_padding = false)",
            params=[str(path), columns],
        ).pl()
    except duckdb.Error as exc:
        raise _csv_error(path, exc) from exc
    finally:
        con.close()
    if raw.height == 0:
        raise ImportFormatError(str(path), "the file has a header but no data rows", line=2)
    return raw


def data_row_line(path: str | Path, row: int) -> int:
    """The line where data row ``row`` starts, counting quoted values that span lines.

    Only called to report an error, so reading up to that row is fine.
    """
    with Path(path).open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        line = 1
        for index, _ in enumerate(reader):
            if index == row + 1:  # the header is index 0
                return line + 1
            line = reader.line_num
    return line + 1


_ENCODING_HINT = (
    "save the file as UTF-8 (for example `iconv -f latin1 -t utf-8 in.csv > out.csv`) "
    "and import it again; the database was left unchanged"
)


def _csv_error(path: Path, exc: duckdb.Error) -> ImportFormatError:
    message = str(exc)
    found = _LINE.search(message)
    line = int(found.group(1)) if found else None
    if "unicode" in message.lower() or "utf-8" in message.lower():
        return ImportFormatError(str(path), "the text is not UTF-8", line, hint=_ENCODING_HINT)
    if "unterminated quote" in message.lower():
        return ImportFormatError(
            str(path), "a quoted value never ends: the file looks truncated", line
        )
    columns = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if columns:
        expected, got = columns.groups()
        problem = f"the row has {got} columns, the header has {expected}"
        if int(got) < int(expected):
            problem += " (a truncated file ends this way)"
        return ImportFormatError(str(path), problem, line)
    if line is None and (mixed := _mixed_line_endings(path)) is not None:
        return mixed
    detail = next((ln for ln in message.splitlines() if ln.strip()), "unreadable CSV")
    return ImportFormatError(str(path), f"not readable as CSV ({detail.strip()})", line)


_SPECIAL = re.compile(rb'"|\r\n|\r|\n')
_ENDINGS = {b"\r\n": "\\r\\n (Windows)", b"\n": "\\n (Unix)", b"\r": "\\r (old Mac)"}


def _mixed_line_endings(path: Path) -> ImportFormatError | None:
    """The line where the line ending first differs from the header's, if it does.

    DuckDB's parser stops at such a line without naming it ("state machine reached an
    invalid state"). Only line ends outside quoted values count; only called on error.
    """
    first, line, quoted = None, 1, False
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for match in _SPECIAL.finditer(data):
            token = match.group()
            if token == b'"':
                quoted = not quoted
                continue
            if not quoted and first is None:
                first = token
            elif not quoted and token != first:
                return ImportFormatError(
                    str(path),
                    f"the line ends with {_ENDINGS[token]}, but line 1 with {_ENDINGS[first]}",
                    line,
                    hint="give the file one kind of line ending (for example with `dos2unix`) "
                    "and import it again; the database was left unchanged",
                )
            line += 1
    return None
