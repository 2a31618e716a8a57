"""Where exports land (issue 13, item 12): never through a link, never over a device or an
existing file without --force, and one line on a missing folder or a full disk."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from storage.store import open_store
from taskmine.cli import main
from tests.explorer.explorer_devdata import build_dev_db


@pytest.fixture(scope="module")
def mined_dev_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_dev_db(tmp_path_factory.mktemp("dest") / "dev.duckdb")


def _process(db: Path, out: Path, *extra: str) -> int:
    return main(
        [
            "export",
            "process",
            "0",
            "--db",
            str(db),
            "--format",
            "workflow",
            "--out",
            str(out),
            *extra,
        ]
    )


def _events(db: Path, out: Path) -> int:
    return main(["export", "events", "--db", str(db), "--out", str(out), "--format", "csv"])


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


def test_export_process_refuses_to_overwrite_without_force(mined_dev_db, tmp_path, capsys):
    out = tmp_path / "flow.json"
    out.write_text("the analyst's edited copy")
    assert _process(mined_dev_db, out) == 1
    assert f"{out} exists; pass --force" in _one_line_error(capsys)
    assert out.read_text() == "the analyst's edited copy"
    assert _process(mined_dev_db, out, "--force") == 0
    assert out.read_text().startswith("{")


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_export_process_never_writes_through_a_link(mined_dev_db, tmp_path, capsys, force):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    link = tmp_path / "flow.json"
    link.symlink_to(target)
    assert _process(mined_dev_db, link, *force) == 1
    assert "is a symbolic link" in _one_line_error(capsys)
    assert target.read_text() == "keep me" and link.is_symlink()


def test_export_process_into_a_linked_folder_is_refused(mined_dev_db, tmp_path, capsys):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "exports").symlink_to(tmp_path / "elsewhere")
    assert _process(mined_dev_db, tmp_path / "exports") == 1
    assert "is a symbolic link" in _one_line_error(capsys)
    assert not list((tmp_path / "elsewhere").iterdir())


@pytest.mark.parametrize("export", [_process, _events])
def test_no_export_replaces_a_special_file(mined_dev_db, tmp_path, capsys, export):
    pipe = tmp_path / "out.csv"
    os.mkfifo(pipe)  # stands for /dev/full, which root would otherwise turn into a file
    assert export(mined_dev_db, pipe) == 1
    assert "is not a regular file" in _one_line_error(capsys)
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


@pytest.mark.parametrize("export", [_process, _events])
def test_an_export_into_a_missing_folder_is_one_line(mined_dev_db, tmp_path, capsys, export):
    out = tmp_path / "no" / "such" / "out.csv"
    assert export(mined_dev_db, out) == 1
    assert f"folder {out.parent} does not exist" in _one_line_error(capsys)


def test_export_events_still_replaces_its_own_earlier_file(mined_dev_db, tmp_path):
    """The contract's `export events` overwrites a regular file, as it always did."""
    out = tmp_path / "events.csv"
    out.write_text("an older export")
    assert _events(mined_dev_db, out) == 0
    assert out.read_text(encoding="utf-8-sig").startswith("event_id,")


def test_exports_onto_a_full_disk_say_so_and_leave_nothing(tmp_path, small_disk, capsys):
    db = tmp_path / "big.duckdb"
    n = 60_000
    start = datetime(2024, 3, 1)
    events = pl.DataFrame(
        {
            "user_id": ["u1"] * n,
            "ts": [start + timedelta(seconds=i) for i in range(n)],
            "kind": ["type"] * n,
            "text": [os.urandom(60).hex() for _ in range(n)],  # ~7 MB of CSV > 6 MB
        }
    )
    with open_store(db) as store:
        store.append_events(events)
    out = small_disk / "events.csv"
    assert _events(db, out) == 1
    assert f"the disk holding {out} is full" in _one_line_error(capsys)
    assert list(small_disk.iterdir()) == []
