"""Seeded fuzzing of `taskmine import` over all five formats (issue 13).

Valid files of each format are mutated (bytes flipped, spans cut or repeated, lines
swapped, troublesome bytes and extreme values put in; for Parquet also values, sidecars
and width). Every case must end in success or in one line that names the file (and, for
the CSV formats, the line), and a refused import must leave the database file byte for
byte as it was. A failure names the seed and case, so it can be replayed alone with
``FUZZ_CASE=format:index``; ``FUZZ_CASES=N`` runs N cases per format instead of the 80
that keep the test near a minute on CI's two cores (1,500 cases passed when it was written).
"""

from __future__ import annotations

import gzip
import os
import random
import re
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from storage.exporters import write_csv, write_parquet, write_xes
from storage.importers.actionlogger import ACTIONLOGGER_COLUMNS
from storage.importers.checks import EARLIEST, LATEST
from storage.models import CONTROL_CHARACTERS
from storage.store import open_store
from tests.storage.import_worker import ImportWorker

SEED = 1313
CASES_PER_FORMAT = int(os.environ.get("FUZZ_CASES", 80))
#: A hang guard, not a timing assertion: no import of these small files may run longer.
#: The case runs in a child process that is killed when the time is up.
HANG_AFTER_S = 10.0

TEXT_COLUMNS = ("kind", "app", "window_title", "url", "element_name", "text", "user_id")
TROUBLE = [
    b'"',
    b",",
    b"\n",
    b"\r",
    b"\r\n",
    b"\x00",
    b"\x07",
    b"\x1b[2J",
    b"<",
    b"&",
    b"]]>",
    b"\xff\xfe",
    b"\xc3",
    "ü€😀".encode(),
    b"=cmd|' /C calc'!A0",
    b"9" * 40,
    b"-",
    b"\t",
    b'<!ENTITY x "xx">',
    b"&#0;",
    b"{",
    b"0000-01-01T00:00:00Z",
    b"99999-12-31T23:59:59Z",
]
EXTREMES = [
    "0000-01-01T00:00:00Z",
    "-0001-01-01T00:00:00Z",
    "146140-01-01T00:00:00Z",
    "2024-13-45T25:61:61Z",
    "1e999",
    "-9223372036854775809",
    "100000000000000000000000",
    "NaN",
    "",
    '"',
    "\x00",
]


# -- valid inputs ------------------------------------------------------------------------


def _frame(n: int = 20) -> pl.DataFrame:
    start = datetime(2024, 3, 1, 9)
    values = ['Müller, "GmbH"', "two\nlines", "=SUM(A1)", "", "plain", "tab\there", "😀"]
    return pl.DataFrame(
        {
            "user_id": [f"u{i % 2}" for i in range(n)],
            "ts": [start + timedelta(seconds=3 * i, microseconds=250 * i) for i in range(n)],
            "kind": [("click", "type", "copy", "paste")[i % 4] for i in range(n)],
            "app": ["Excel" if i % 3 else "SAP GUI" for i in range(n)],
            "window_title": [f"Book{i}.xlsx - Excel" for i in range(n)],
            "text": [values[i % len(values)] for i in range(n)],
            "x": [10 * i for i in range(n)],
            "y": [-5 + i for i in range(n)],
            "attrs": [f'{{"n": {i}, "tag": "v{i}"}}' if i % 2 else None for i in range(n)],
        }
    )


def _actionlogger(folder: Path) -> Path:
    frame = _frame()
    rows = {name: [""] * frame.height for name in ACTIONLOGGER_COLUMNS}
    rows |= {
        "timeStamp": frame["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_list(),
        "userID": frame["user_id"].to_list(),
        "targetApp": frame["app"].to_list(),
        "eventType": frame["kind"].to_list(),
        "content": frame["text"].to_list(),
        "target.workbookName": frame["window_title"].to_list(),
        "target.id": [f"A{i}" for i in range(frame.height)],
    }
    path = folder / "actionlogger.csv"
    pl.DataFrame(rows).write_csv(path)
    return path


def _smartrpa(folder: Path) -> Path:
    frame = _frame()
    path = folder / "smartrpa.csv"
    pl.DataFrame(
        {
            "timestamp": frame["ts"].dt.strftime("%Y-%m-%d %H:%M:%S:%3f"),
            "user": frame["user_id"],
            "category": ["Browser"] * frame.height,
            "application": frame["app"],
            "event_type": frame["kind"],
            "clipboard_content": frame["text"],
            "mouse_coord": [f"{x},{y}" for x, y in zip(frame["x"], frame["y"], strict=True)],
        }
    ).write_csv(path, include_bom=True)
    return path


def _taskmine_csv(folder: Path) -> Path:
    path = folder / "taskmine.csv"
    write_csv(path, _frame())
    return path


def _xes(folder: Path) -> Path:
    path = folder / "log.xes"
    write_xes(path, _frame().with_columns(case=pl.col("user_id")), case="case")
    return path


def _parquet(folder: Path) -> Path:
    path = folder / "spool.parquet"
    events = _frame().with_columns(session_id=pl.lit("s1"), screenshot_id=pl.Series([1, 2] * 10))
    sessions = pl.DataFrame({"session_id": ["s1"], "user_id": ["u0"], "host": ["pc"]})
    shots = pl.DataFrame(
        {
            "screenshot_id": [1, 2],
            "ts": [datetime(2024, 3, 1, 9)] * 2,
            "format": ["webp", "png"],
            "image": [b"RIFF0000WEBP", b"\x89PNG"],
        }
    )
    write_parquet(path, events, sessions=sessions, screenshots=shots)
    return path


VALID: dict[str, Callable[[Path], Path]] = {
    "actionlogger": _actionlogger,
    "smartrpa": _smartrpa,
    "csv": _taskmine_csv,
    "xes": _xes,
    "parquet": _parquet,
}


# -- mutations ---------------------------------------------------------------------------


def _flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _cut(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, 200) :]


def _insert(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(TROUBLE) * rng.choice([1, 1, 3]) + data[at:]


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))]


def _lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    if rng.random() < 0.5:
        lines.insert(j, lines[i])  # a repeated line (a repeated header, too)
    else:
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def _extreme(data: bytes, rng: random.Random) -> bytes:
    """An extreme value in place of a timestamp, a number or a quoted value."""
    spots = list(re.finditer(rb'\d{4}-\d\d-\d\d[T ][\d:.]+Z?|-?\d+|"[^"\n]*"', data))
    if not spots:
        return _insert(data, rng)
    spot = rng.choice(spots)
    value = rng.choice(EXTREMES).encode()
    if spot.group().startswith(b'"'):
        value = b'"' + value.replace(b'"', b'""') + b'"'
    return data[: spot.start()] + value + data[spot.end() :]


TEXT_MUTATIONS = [_flip, _cut, _insert, _truncate, _lines, _extreme]


def _mutate_text(path: Path, rng: random.Random) -> str:
    data = path.read_bytes()
    names = []
    for _ in range(rng.randint(1, 3)):
        mutation = rng.choice(TEXT_MUTATIONS)
        names.append(mutation.__name__.strip("_"))
        data = mutation(data, rng) if data else data
    path.write_bytes(data)
    return "+".join(names)


def _mutate_xes(path: Path, rng: random.Random) -> tuple[Path, str]:
    how = _mutate_text(path, rng)
    if rng.random() < 0.3:  # the same, gzipped, sometimes damaged after compression
        packed = path.with_name("log.xes.gz")
        data = gzip.compress(path.read_bytes(), mtime=0)
        if rng.random() < 0.5:
            data, how = rng.choice([_flip, _truncate, _cut])(data, rng), how + "+gz-damage"
        packed.write_bytes(data)
        path.unlink()
        return packed, how + "+gz"
    return path, how


def _bad_values(frame: pl.DataFrame, rng: random.Random) -> tuple[pl.DataFrame, str]:
    row = rng.randrange(frame.height)
    column = rng.choice(frame.columns)
    dtype = frame.schema[column]
    if dtype == pl.String:
        choices = [None, "", "{bad json", "\x07\x1b[31m", "x" * 100_000, "webp\" onerror='x'"]
    elif isinstance(dtype, pl.Datetime):
        choices = [None, datetime(1, 1, 1), datetime(9999, 12, 31), datetime(1970, 1, 1)]
    elif dtype == pl.Binary:
        choices = [None, b""]
    else:
        choices = [None, -(2**31), 2**31 - 1, 0]
    value = rng.choice(choices)
    values = frame[column].to_list()
    values[row] = value
    frame = frame.with_columns(pl.Series(column, values, dtype=dtype))
    return frame, f"{column}[{row}]={value!r:.30}"


def _mutate_parquet(path: Path, rng: random.Random) -> str:
    """A value, a sidecar, the width, or the bytes of a Parquet recording."""
    kind = rng.choice(["events", "sessions", "screenshots", "wide", "bytes", "bytes-sidecar"])
    target = (
        path
        if kind in ("events", "wide", "bytes")
        else path.with_name(
            f"spool.{'screenshots' if kind in ('screenshots', 'bytes-sidecar') else 'sessions'}"
            ".parquet"
        )
    )
    if kind.startswith("bytes"):
        return f"{kind}:{_mutate_text(target, rng)}"
    frame = pl.read_parquet(target)
    if kind == "wide":
        extra = rng.choice([50, 1_200])
        frame = frame.with_columns(pl.lit("v").alias(f"extra{i}") for i in range(extra))
        how = f"{extra} more columns"
    elif kind == "screenshots" and rng.random() < 0.4:
        frame = pl.concat([frame, frame.head(1)])
        how = "a screenshot id twice"
    else:
        frame, how = _bad_values(frame, rng)
    frame.write_parquet(target)
    return f"{kind}:{how}"


def _make_case(fmt: str, folder: Path, rng: random.Random) -> tuple[Path, str]:
    path = VALID[fmt](folder)
    if fmt == "parquet":
        return path, _mutate_parquet(path, rng)
    if fmt == "xes":
        return _mutate_xes(path, rng)
    return path, _mutate_text(path, rng)


# -- checks ------------------------------------------------------------------------------


def _problems(fmt: str, path: Path, answer: tuple[int, str] | None, db: Path, before: bytes):
    """What is wrong with one case's outcome (empty when it is fine)."""
    if answer is None:
        return [f"still running after {HANG_AFTER_S:.0f} s (hang guard)"]
    code, err = answer
    if code == 0:
        return _stored_problems(db)
    problems = []
    if code != 1 or not err.startswith("error: ") or err.count("\n") != 1:
        problems.append(f"not a one-line error (exit {code}): {err[:2000]!r}")
    if str(path.with_suffix("")) not in err:  # the file or one of its sidecars
        problems.append(f"the error does not name the file: {err!r}")
    line = re.search(r"\bline ([\d,]+) of ", err)
    if fmt in ("actionlogger", "smartrpa", "csv") and not line and "is empty" not in err:
        problems.append(f"a CSV error without its line: {err!r}")
    if line and path.suffix != ".gz":
        n_lines = path.read_bytes().count(b"\n") + 1
        if not 1 <= int(line.group(1).replace(",", "")) <= n_lines + 1:
            problems.append(f"line {line.group(1)} is not in the file ({n_lines} lines)")
    if db.read_bytes() != before or Path(f"{db}.wal").exists():
        problems.append("the database changed although the import was refused")
    return problems


def _stored_problems(db: Path) -> list[str]:
    """After a success: no control character and no timestamp outside the window stored."""
    text = " || ".join(f"coalesce({c}, '')" for c in TEXT_COLUMNS)
    with open_store(db, read_only=True) as store:
        dirty = store.query(
            f"SELECT count(*) FROM events WHERE regexp_matches({text}, ?)",
            [CONTROL_CHARACTERS.replace("\\ufffe\\uffff", "")],
        ).item()
        outside = store.query(
            "SELECT count(*) FROM events WHERE ts < ? OR ts >= ?", [EARLIEST, LATEST]
        ).item()
    found = [(dirty, "hold control characters"), (outside, "are outside the time window")]
    return [f"{n} stored events {what}" for n, what in found if n]


# -- the test ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def worker():
    started = ImportWorker()
    yield started
    started.close()


@pytest.fixture(scope="module")
def used_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding one earlier import, copied for every case."""
    folder = tmp_path_factory.mktemp("fuzz-base")
    db = folder / "base.duckdb"
    with open_store(db) as store:
        store.append_events(_frame(5).with_columns(user_id=pl.lit("earlier")))
    return db


def _cases(fmt: str) -> list[int]:
    only = os.environ.get("FUZZ_CASE", "")
    if only:
        wanted, index = only.split(":")
        return [int(index)] if wanted == fmt else []
    return list(range(CASES_PER_FORMAT))


@pytest.mark.parametrize("fmt", list(VALID))
def test_mutated_inputs_import_or_fail_in_one_line_and_change_nothing(
    fmt, worker, used_db, tmp_path
):
    failures = []
    for index in _cases(fmt):
        rng = random.Random(f"{SEED}:{fmt}:{index}")
        folder = tmp_path / f"case{index}"
        folder.mkdir()
        path, how = _make_case(fmt, folder, rng)
        db = folder / "work.duckdb"
        shutil.copy(used_db, db)
        before = db.read_bytes()
        answer = worker.run(path, db, HANG_AFTER_S)
        for problem in _problems(fmt, path, answer, db, before):
            failures.append(f"FUZZ_CASE={fmt}:{index} ({how}): {problem}")
        shutil.rmtree(folder)
    assert not failures, "\n".join(failures)
