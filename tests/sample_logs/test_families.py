"""Generated UI-log families: deterministic, importable by the real importers, truthful."""

from __future__ import annotations

import csv
import re
from collections import Counter
from itertools import groupby

import polars as pl
import pytest

from sample_logs.families import (
    FAMILIES,
    draw_routine,
    multi_routine_log,
    single_routine_log,
    write_uilog,
)
from sample_logs.families.layouts import SMARTRPA_COLUMNS
from sample_logs.families.systems import Clickstream
from storage.importers import import_logs
from storage.importers.actionlogger import ACTIONLOGGER_COLUMNS
from storage.store import open_store

SEEDS = (0, 1, 2)


def _runs(truth: pl.DataFrame) -> list[tuple[str, str]]:
    """The (Task, idx) of each maximal run of rows, in order."""
    keys = zip(truth["Task"].to_list(), truth["idx"].to_list(), strict=True)
    return [key for key, _ in groupby(keys)]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_seed_gives_the_same_log_and_another_seed_another_routine(family):
    first, again = single_routine_log(family, 4), single_routine_log(family, 4)
    assert first.table.equals(again.table) and first.truth.equals(again.truth)
    designs = {repr(draw_routine(family, seed)) for seed in range(6)}
    assert len(designs) == 6  # six seeds, six different routine designs


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("seed", SEEDS)
def test_single_routine_logs_import_with_the_real_importer(tmp_path, family, seed):
    log = single_routine_log(family, seed)
    log_path, _ = write_uilog(log, tmp_path)
    with open_store(tmp_path / "t.duckdb") as store:
        [result] = import_logs(store, [log_path])
        kinds = store.query("SELECT kind FROM events ORDER BY source_row")["kind"].to_list()
    assert (result.fmt, result.n_events) == (log.layout, log.table.height)
    kind_column = "eventType" if log.layout == "actionlogger" else "event_type"
    assert kinds == log.table[kind_column].to_list()


def test_multi_routine_logs_import_and_keep_their_users(tmp_path):
    checked = []
    for seed in (0, 1, 2, 3, 10):  # seed 10: two people's streams
        log = multi_routine_log(seed)
        log_path, _ = write_uilog(log, tmp_path / str(seed))
        with open_store(tmp_path / f"{seed}.duckdb") as store:
            [result] = import_logs(store, [log_path])
            users = store.query("SELECT DISTINCT user_id FROM events")["user_id"].to_list()
        assert result.n_events == log.table.height
        user_column = "userID" if log.layout == "actionlogger" else "user"
        if user_column in log.table.columns and log.table[user_column].str.len_chars().min():
            assert sorted(users) == sorted(log.table[user_column].unique().to_list())
            checked.append(len(users))
    assert 2 in checked  # a two-user log was among them


@pytest.mark.parametrize("seed", range(6))
def test_multi_routine_logs_have_3_to_4_families_and_100_to_250_instances(seed):
    log = multi_routine_log(seed)
    assert 3 <= len(set(log.families)) == len(log.families) <= 4
    instances = log.truth.filter(pl.col("Task") != "__noise__").select("Task", "idx").unique()
    assert 100 <= instances.height <= 250
    assert set(instances["Task"]) == set(log.routines)


def test_a_log_of_few_instances_is_the_same_routine_done_fewer_times():
    """`instances` sets how often the routine is done (the bench's few-instances
    group); the routine and the recording's other draws stay those of the seed."""
    for family in sorted(FAMILIES):
        short, full = single_routine_log(family, 3, instances=8), single_routine_log(family, 3)
        work = short.truth.filter(pl.col("Task") != "__noise__")
        assert work["idx"].n_unique() == 8
        assert short.routines == full.routines
    multi = multi_routine_log(4, instances=30).truth.filter(pl.col("Task") != "__noise__")
    assert multi.select("Task", "idx").unique().height == 30


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_ground_truth_has_a_row_per_event_and_instances_are_contiguous_unless_paused(family):
    for seed in SEEDS:
        log = single_routine_log(family, seed)
        assert log.truth.height == log.table.height
        assert 30 <= log.truth.filter(pl.col("Task") != "__noise__")["idx"].n_unique() <= 100
        noise = log.truth.filter(pl.col("Task") == "__noise__")["idx"]
        assert noise.n_unique() == noise.len()  # every noise event its own idx
        # without the noise, an instance is one run, or two when another paused it
        runs = Counter(idx for _, idx in _runs(log.truth.filter(pl.col("Task") != "__noise__")))
        assert max(runs.values()) <= 2


def test_paused_instances_resume_after_exactly_one_other_instance():
    paused = 0
    for seed in range(10):
        truth = multi_routine_log(seed).truth.filter(pl.col("Task") != "__noise__")
        runs = _runs(truth)  # noise inside an instance does not split it here
        for i, run in enumerate(runs):
            if run in runs[i + 1 :]:
                paused += 1
                resumed = runs.index(run, i + 1)
                assert len(set(runs[i + 1 : resumed])) == 1  # one whole instance in between
    assert paused > 0  # some logs are interleaved


def test_excel_rows_advance_one_per_instance():
    log = single_routine_log("excel_to_web", 2, layout="actionlogger")
    frame = pl.concat([log.table, log.truth], how="horizontal")
    cells = frame.filter(pl.col("eventType").is_in(["copyCell", "getCell"]))
    for idx, group in cells.group_by("idx", maintain_order=True):
        rows = {re.sub(r"^[A-Z]+", "", ref) for ref in group["target.id"]}
        n = int(str(idx[0]).rsplit("-", 1)[1])
        assert rows == {str(n + 2)}  # instance 0 reads row 2 (A2, B2, …), instance 1 row 3


def test_layout_columns_are_the_tools_own(tmp_path):
    al = single_routine_log("web_form", 1, layout="actionlogger")
    smart = single_routine_log("web_form", 1, layout="smartrpa")
    assert set(al.table.columns) <= set(ACTIONLOGGER_COLUMNS)
    assert set(al.table.columns) >= set(ACTIONLOGGER_COLUMNS) - {"userID"}
    assert set(smart.table.columns) >= set(SMARTRPA_COLUMNS) - {"user"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", al.table["timeStamp"][0])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}", smart.table["timestamp"][0])
    assert "editField" not in smart.table["event_type"].to_list()  # SmartRPA logs no keystrokes
    smart_path, truth_path = write_uilog(smart, tmp_path)
    assert smart_path.read_bytes().startswith(b"\xef\xbb\xbf")
    with truth_path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:2] == ["Task", "idx"] and len(rows) == smart.table.height
    # the labels taskrec_eval.py compares, in Action Logger names whatever the layout
    assert [r["eventType"] for r in rows] == smart.table["event_type"].to_list()


def test_some_logs_lack_the_user_column_or_leave_it_empty():
    styles = set()
    for family in sorted(FAMILIES):
        for seed in range(8):
            table = single_routine_log(family, seed).table
            column = "userID" if "userID" in table.columns else "user"
            if column not in table.columns:
                styles.add("absent")
            else:
                styles.add("empty" if (table[column] == "").any() else "filled")
    assert styles == {"absent", "empty", "filled"}


def test_click_streams_have_no_titles_and_jittered_positions():
    seeds = [s for s in range(30) if draw_routine("clickstream", s).encoding == "xy"]
    routine = draw_routine("clickstream", seeds[0])
    assert isinstance(routine, Clickstream)
    log = single_routine_log("clickstream", seeds[0])
    assert log.layout == "smartrpa"
    routine_rows = log.table.filter(log.truth["Task"] != "__noise__")
    assert routine_rows["title"].str.len_chars().max() == 0 or routine.url
    assert routine_rows["xpath"].str.len_chars().max() == 0
    tiles = routine_rows.filter(pl.col("mouse_coord") != "").head(200)["mouse_coord"]
    assert tiles.n_unique() > 20  # the same elements, clicked a few pixels apart


def test_a_recording_may_start_with_setup_that_belongs_to_no_instance():
    starts = Counter()
    for seed in range(12):
        log = single_routine_log("excel_to_web", seed, layout="actionlogger")
        first_task = log.truth["Task"][0]
        starts[first_task == "__noise__" and log.table["eventType"][0] == "openWorkbook"] += 1
    assert starts[True] and starts[False]  # some recordings open the workbook first, some not


def test_the_cli_writes_a_log_and_its_truth(tmp_path, capsys):
    from taskmine.cli import main

    code = main(["simulate-uilog", "--family", "web_form", "--seed", "5", "--out", str(tmp_path)])
    assert code == 0
    expected = single_routine_log("web_form", 5)
    log_path = tmp_path / "logs" / "web_form-single-5.csv"
    assert log_path.read_bytes().count(b"\n") == expected.table.height + 1
    assert (tmp_path / "truth" / "web_form-single-5.csv").is_file()
    assert f"wrote {expected.table.height:,} events" in capsys.readouterr().err


def test_the_cli_refuses_an_unknown_family_or_an_impossible_layout(tmp_path, capsys):
    from taskmine.cli import main

    assert main(["simulate-uilog", "--family", "tax", "--out", str(tmp_path)]) == 1
    assert "unknown family 'tax'" in capsys.readouterr().err
    xy = next(s for s in range(40) if draw_routine("clickstream", s).encoding == "xy")
    args = ["--family", "clickstream", "--seed", str(xy), "--layout", "actionlogger"]
    assert main(["simulate-uilog", *args, "--out", str(tmp_path)]) == 1
    assert "no element ids" in capsys.readouterr().err
    assert not (tmp_path / "logs").exists()
