"""The inputs file of a replay: one run per CSV row, read whole and checked before any action.

A file a person saved from Excel or a text editor: UTF-8 (with or without a byte-order
mark), else Windows-1252, else Latin-1 (which decodes any byte), so a European export
never stops replay with a decoding traceback. Bounded: size, rows and value length.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from recorder.replay import InputsError, shown

MAX_INPUTS_BYTES = 64 * 2**20
MAX_RUNS = 100_000
MAX_CELL_CHARS = 100_000
#: Encodings tried in order: Excel writes Windows-1252 in Western Europe.
INPUT_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


def read_inputs(path: Path, workflow: dict[str, Any]) -> list[dict[str, str]]:
    """The rows of a CSV inputs file (UTF-8, else Windows-1252 or Latin-1); `InputsError`
    names every required column it lacks, or the line that cannot be read."""
    path = Path(path)
    rows, columns = _read_csv(path, _decoded(path))
    missing = [i for i in workflow["inputs"] if i["required"] and i["name"] not in columns]
    if missing:
        needed = ", ".join(f"{i['name']!r} (step {i['step']})" for i in missing)
        have = ", ".join(shown(c) for c in columns) or "none"
        raise InputsError(
            f"{path} has no column {needed}; its columns are: {have}",
            "add the column (one value per run) and run again; nothing was replayed",
        )
    if not rows:
        raise InputsError(f"{path} has no rows", "add one row per run; nothing was replayed")
    return rows


def _decoded(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_INPUTS_BYTES:  # before reading: a mistaken path may be a disk image
            raise InputsError(f"inputs file {path} is larger than {MAX_INPUTS_BYTES:,} bytes")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputsError(f"inputs file {path} does not exist") from exc
    except OSError as exc:
        raise InputsError(f"inputs file {path} cannot be read ({exc.strerror})") from exc
    for encoding in INPUT_ENCODINGS[:-1]:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode(INPUT_ENCODINGS[-1])  # Latin-1 decodes any byte


def _read_csv(path: Path, text: str) -> tuple[list[dict[str, str]], list[str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        rows = []
        for row in reader:
            if len(rows) >= MAX_RUNS:
                raise InputsError(f"{path} has more than {MAX_RUNS:,} rows; split it")
            values = [v for v in row.values() if isinstance(v, str)]
            if any(len(v) > MAX_CELL_CHARS for v in values):
                raise InputsError(f"line {reader.line_num} of {path}: a value is too long")
            if any("\x00" in v for v in values):
                raise InputsError(f"line {reader.line_num} of {path}: a value holds a NUL byte")
            rows.append({k: v for k, v in row.items() if isinstance(k, str)})
        columns = reader.fieldnames or []
    except csv.Error as exc:
        line = reader.line_num + 1  # the line being read when it failed
        raise InputsError(f"line {line} of {path} is not CSV ({exc})") from exc
    return rows, list(columns)
