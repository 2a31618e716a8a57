"""Exporters: what is written reads back the same, traces follow mining, files appear whole."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from storage.errors import ExportError, NoMiningRunError
from storage.exporters import export_events, export_instances, read_instance_events
from storage.exporters.files import write_atomically
from storage.importers import import_logs
from storage.store import open_store
from taskmine.cli import main

COMPARED = ["user_id", "ts", "kind", "app", "window_title", "text", "x", "truth_instance"]


def _events() -> pl.DataFrame:
    """Two users over two days, with values XML and CSV must escape."""
    return pl.DataFrame(
        {
            "user_id": ["u1", "u1", "u1", "u2"],
            "ts": [
                datetime(2024, 3, 1, 9, 0, 0, 123456),
                datetime(2024, 3, 1, 9, 0, 1),
                datetime(2024, 3, 2, 10, 0, 0),
                datetime(2024, 3, 1, 9, 30, 0),
            ],
            "kind": ["click", "type", "paste", "copy"],
            "app": ["ERP", "ERP", "Excel", None],
            "window_title": ['Invoice <INV-1> & "Co"', "a,b\nc", "Book1 – Excel", None],
            "text": ["Müller", None, "tab\there", "\x01bell"],
            "x": [10, None, 30, 40],
            "truth_instance": ["i1", "i1", None, "i2"],
            "source_file": "in.csv",
            "source_row": [0, 1, 2, 3],
        }
    )


@pytest.fixture
def filled_db(db_path: Path) -> Path:
    with open_store(db_path) as store:
        store.append_events(_events())
    return db_path


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".xes"])
def test_export_then_import_gives_the_same_events(tmp_path, filled_db, suffix):
    out = tmp_path / f"events{suffix}"
    with open_store(filled_db, read_only=True) as store:
        assert export_events(store, out) == 4
        before = store.read_events(COMPARED)
    with open_store(tmp_path / "copy.duckdb") as store:
        import_logs(store, [out])
        after = store.read_events([*COMPARED, "attrs"])
    expected = before.with_columns(
        text=pl.when(pl.col("kind") == "copy").then(pl.lit("bell")).otherwise("text")
    )
    if suffix == ".xes":  # XML 1.0 cannot hold control characters: they are dropped
        before = expected
    assert after.select(COMPARED).equals(before)
    assert '"origin_file":"in.csv"' in after["attrs"][0]  # the earlier provenance is kept


def test_parquet_export_carries_screenshots_and_sessions(tmp_path, db_path):
    with open_store(db_path) as store:
        store.append_sessions(pl.DataFrame({"session_id": ["s1"], "user_id": ["u1"]}))
        [shot] = store.append_screenshots(
            pl.DataFrame({"ts": [datetime(2024, 3, 1)], "format": ["webp"], "image": [b"\x00img"]})
        )["screenshot_id"]
        store.append_events(_events().head(1).with_columns(screenshot_id=pl.lit(shot)))
        export_events(store, tmp_path / "spool.parquet")
    assert (tmp_path / "spool.screenshots.parquet").exists()
    with open_store(tmp_path / "analyst.duckdb") as store:
        # The analyst's database already has a screenshot with that id: ids are remapped.
        store.append_screenshots(
            pl.DataFrame({"ts": [datetime(2024, 1, 1)], "format": ["png"], "image": [b"old"]})
        )
        import_logs(store, [tmp_path / "spool.parquet"])
        new_id = store.read_events(["screenshot_id"])["screenshot_id"][0]
        assert store.screenshot(new_id) == ("webp", b"\x00img")
        assert store.count("sessions") == 1


def _mine(db_path: Path) -> None:
    """A fake finished mining run: events 1-2 in instance 7 of process 0, 4 in no process."""
    with open_store(db_path) as store:
        run = store.start_run({}, "test", seed=0)
        t0 = datetime(2024, 3, 1, 9)
        instances = pl.DataFrame(
            {
                "instance_id": [7, 8],
                "user_id": ["u1", "u2"],
                "process_id": [0, -1],
                "start_ts": [t0, t0],
                "end_ts": [t0, t0],
                "n_events": [2, 1],
                "duration_s": [1.0, 0.0],
            }
        )
        instance_events = pl.DataFrame(
            {
                "instance_id": [7, 7, 8],
                "event_id": [1, 2, 4],
                "position": [0, 1, 0],
                "action": ["click ERP", "type ERP", "copy"],
            }
        )
        processes = pl.DataFrame(
            {
                "process_id": [0],
                "signature": ["sig"],
                "name": ["Invoice entry"],
                "score": [1.0],
                "confidence": [1.0],
                "n_instances": [1],
                "n_users": [1],
            }
        )
        store.finish_run(
            run,
            {"instances": instances, "instance_events": instance_events, "processes": processes},
        )


def test_xes_traces_are_user_days_before_mining_and_instances_after(tmp_path, filled_db):
    def traces(path: Path) -> list[str]:
        text = path.read_text(encoding="utf-8")
        return [part.split('value="', 1)[1].split('"', 1)[0] for part in text.split("<trace>")[1:]]

    with open_store(filled_db, read_only=True) as store:
        export_events(store, tmp_path / "days.xes")
    assert traces(tmp_path / "days.xes") == ["u1/2024-03-01", "u1/2024-03-02", "u2/2024-03-01"]
    _mine(filled_db)
    with open_store(filled_db, read_only=True) as store:
        export_events(store, tmp_path / "mined.xes")
    assert traces(tmp_path / "mined.xes") == ["instance-7", "u1/2024-03-02", "instance-8"]


def test_instances_export_traces_every_event_to_its_input(filled_db):
    _mine(filled_db)
    with open_store(filled_db, read_only=True) as store:
        rows = read_instance_events(store)
    assert rows.columns[:7] == [
        "source_file",
        "source_row",
        "user_id",
        "ts",
        "instance_id",
        "process_id",
        "process_name",
    ]
    assert rows.select("event_id", "instance_id", "process_id", "process_name").rows() == [
        (1, "7", 0, "Invoice entry"),
        (2, "7", 0, "Invoice entry"),
        (4, "8", -1, None),
    ]


def test_an_instance_resumed_after_other_work_is_exported_one_stretch_at_a_time(db_path):
    """Task-recognition ground truth counts a maximal run of one instance's events as an
    instance: a form interrupted by a chat (in no instance) and by another instance,
    then finished, is written as three stretches that name the instance they belong to."""
    t0 = datetime(2024, 3, 1, 9)
    kinds = ["click", "type", "type", "click", "copy", "type", "click"]
    with open_store(db_path) as store:
        store.append_events(
            pl.DataFrame(
                {
                    "user_id": "u1",
                    "ts": [t0.replace(second=s) for s in range(len(kinds))],
                    "kind": kinds,
                    "source_file": "in.csv",
                    "source_row": list(range(len(kinds))),
                }
            )
        )
        run = store.start_run({}, "test", seed=0)
        form, other = [1, 2, 4, 6, 7], [5]  # event 3 is the chat
        store.finish_run(
            run,
            {
                "instances": pl.DataFrame(
                    {
                        "instance_id": [3, 4],
                        "user_id": "u1",
                        "process_id": -1,
                        "start_ts": t0,
                        "end_ts": t0,
                        "n_events": [len(form), len(other)],
                        "duration_s": 1.0,
                    }
                ),
                "instance_events": pl.DataFrame(
                    {
                        "instance_id": [3] * len(form) + [4] * len(other),
                        "event_id": form + other,
                        "position": list(range(len(form))) + [0],
                        "action": "a",
                    }
                ),
            },
        )
        rows = read_instance_events(store)
    assert rows.select("event_id", "instance_id").rows() == [
        (1, "3"), (2, "3"), (4, "3/2"), (5, "4"), (6, "3/3"), (7, "3/3"),
    ]  # fmt: skip


def test_cli_export_instances_writes_csv(tmp_path, filled_db, capsys):
    _mine(filled_db)
    out = tmp_path / "instances.csv"
    assert main(["export", "instances", "--db", str(filled_db), "--out", str(out)]) == 0
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["process_name"] for r in rows] == ["Invoice entry", "Invoice entry", ""]
    assert rows[0]["ts"] == "2024-03-01T09:00:00.123456Z"
    assert "wrote 3 events" in capsys.readouterr().err


def test_cli_export_instances_without_mining_says_what_to_run(tmp_path, filled_db, capsys):
    code = main(["export", "instances", "--db", str(filled_db), "--out", str(tmp_path / "x.csv")])
    assert code == 1
    assert "run `taskmine mine --db FILE` first" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_export_instances_without_mining_raises(tmp_path, filled_db):
    with open_store(filled_db, read_only=True) as store, pytest.raises(NoMiningRunError):
        export_instances(store, tmp_path / "x.csv")


def test_unknown_suffix_is_refused_before_writing(tmp_path, filled_db):
    with open_store(filled_db, read_only=True) as store, pytest.raises(ExportError, match=".xlsx"):
        export_events(store, tmp_path / "events.xlsx")
    assert not list(tmp_path.glob("*events*"))


def test_failed_write_leaves_the_previous_file_and_no_partial(tmp_path):
    target = tmp_path / "events.csv"
    target.write_text("previous export\n")

    def fail(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(5, "I/O error")

    with pytest.raises(ExportError, match="cannot write .*events.csv"):
        write_atomically(target, fail)
    assert target.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["events.csv"]


def test_cli_export_events_writes_the_format_of_the_suffix(tmp_path, filled_db, capsys):
    out = tmp_path / "all.xes"
    assert main(["export", "events", "--db", str(filled_db), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").count("<event>") == 4
    assert f"wrote 4 events to {out}" in capsys.readouterr().err
