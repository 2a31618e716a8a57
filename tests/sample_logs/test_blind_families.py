"""Blind UI-log families: one log per seed, truth for every row, `taskmine import` reads them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from sample_logs.families import (
    BLIND_FAMILIES,
    blind_fiori_log,
    blind_multi_log,
    blind_single_log,
    draw_blind_routine,
    write_uilog,
)
from sample_logs.families.inbox import APPS, FioriInbox

REPO = Path(__file__).resolve().parents[2]
NOISE = "__noise__"


MULTI = ("blind_multi", "fiori_multi")


def _log(name: str, seed: int):
    if name in MULTI:
        return blind_multi_log(seed) if name == "blind_multi" else blind_fiori_log(seed)
    return blind_single_log(name, seed)


def _kind_column(log) -> str:
    return "eventType" if log.layout == "actionlogger" else "event_type"


@pytest.mark.parametrize("name", [*sorted(BLIND_FAMILIES), *MULTI])
def test_a_seed_gives_the_same_log_and_another_seed_another_one(name):
    first, again, other = _log(name, 7), _log(name, 7), _log(name, 8)
    assert first.table.equals(again.table) and first.truth.equals(again.truth)
    assert not first.table.equals(other.table)
    if name not in MULTI:
        designs = {repr(draw_blind_routine(name, seed)) for seed in range(5)}
        assert len(designs) == 5


@pytest.mark.parametrize("name", [*sorted(BLIND_FAMILIES), *MULTI])
def test_the_truth_covers_every_event(name):
    for seed in (0, 1, 1000):
        log = _log(name, seed)
        truth = log.truth
        assert truth.height == log.table.height
        assert truth.null_count().sum_horizontal().item() == 0
        assert set(truth["Task"].unique()) <= {*log.routines, NOISE}
        noise = truth.filter(pl.col("Task") == NOISE)["idx"]
        assert noise.n_unique() == noise.len()  # every noise row its own idx
        instances = truth.filter(pl.col("Task") != NOISE).select("Task", "idx").unique()
        low, high = (100, 250) if name in MULTI else (30, 100)
        assert low <= instances.height <= high + 8  # a multi log rounds shares up to 4 each
        assert set(instances["Task"]) == set(log.routines)
        # every instance starts with work of its own, not a lone recorder duplicate
        assert truth.filter(pl.col("Task") != NOISE).group_by("idx").len()["len"].min() >= 2


@pytest.mark.parametrize("family", sorted(BLIND_FAMILIES))
def test_a_blind_log_of_few_instances_does_the_routine_that_often(family):
    log = blind_single_log(family, 3, instances=8)
    assert log.truth.filter(pl.col("Task") != NOISE)["idx"].n_unique() == 8
    assert log.routines == blind_single_log(family, 3).routines


def test_blind_multi_logs_have_3_to_4_routines_of_at_least_two_families():
    for seed in range(6):
        log = blind_multi_log(seed)
        assert 3 <= len(log.routines) == len(set(log.routines)) <= 4
        assert len(set(log.families)) >= 2


def test_fiori_multi_logs_are_apps_of_one_launchpad_changed_through_its_tiles():
    """One recorder (one target encoding) for 3-4 apps whose views' ids (or pages, for
    XPaths) carry the app, and a change of app goes home and through the app's tile
    (set-up: noise)."""
    marks = {
        "id": (r"^application-(\w+)-approve-component---", "shell-header-logo"),
        "xpath": (r"^/html/body/div\[1\]/div/div\[(\d)\]/", "/header/div[1]/a[1]/img"),
    }
    seen = set()
    for seed in range(8):
        log = blind_fiori_log(seed)
        assert 3 <= len(log.routines) == len(set(log.routines)) <= 4
        frame = log.table.hstack(log.truth)
        for column, (app, home) in marks.items():
            targets = frame[column].fill_null("")
            if not (targets != "").any():
                continue
            seen.add(column)
            assert targets.str.extract(app).drop_nulls().n_unique() == len(log.routines)
            work = frame.filter(pl.col("Task") != NOISE)["Task"]
            switches = (work != work.shift()).sum() - 1
            assert targets.str.contains(home, literal=True).sum() >= switches
    assert seen == set(marks)  # both encodings among the seeds


def test_fiori_multi_logs_of_odd_seeds_recorded_in_the_browser_have_the_launchpad_s_address():
    """The route names the app, or the launchpad's home, where its tiles are clicked."""
    addressed = 0
    for seed in range(12):
        log = blind_fiori_log(seed)
        recorded_in_browser = (log.table["id"].fill_null("") != "").any() or (
            log.table["xpath"].fill_null("") != ""
        ).any()
        routes = log.table["browser_url"].str.extract(r"/sap/bc/ui2/flp#(.*)$").drop_nulls()
        if seed % 2 == 0 or not recorded_in_browser:
            assert routes.is_empty()
            continue
        addressed += 1
        assert set(routes) == {"Shell-home"} | {f"{e}-approve" for e in _entities(log)}
    assert addressed >= 2


def _entities(log) -> set[str]:
    """The business objects of a Fiori launchpad log's apps ("SalesOrder")."""
    return {APPS[name.removeprefix("fiori_inbox: ")][0] for name in log.routines}


@pytest.mark.parametrize("name", [*sorted(BLIND_FAMILIES), *MULTI])
def test_taskmine_import_reads_every_row(tmp_path, name):
    log = _log(name, 2)
    log_path, _ = write_uilog(log, tmp_path)
    db = tmp_path / "t.duckdb"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "taskmine.cli", "import", str(log_path), "--db", str(db)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"imported {log.table.height:,} events" in done.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        kinds = [
            k for (k,) in con.execute("SELECT kind FROM events ORDER BY source_row").fetchall()
        ]
    assert kinds == log.table[_kind_column(log)].to_list()


def _batched_inbox_log():
    for seed in range(40):
        routine = draw_blind_routine("fiori_inbox", seed)
        assert isinstance(routine, FioriInbox)
        if routine.batch_rate >= 0.7 and routine.encoding == "css":
            return blind_single_log("fiori_inbox", seed)
    raise AssertionError("no batching inbox design among 40 seeds")


def test_a_batch_approval_belongs_to_its_last_item_and_interleaves_instances():
    log = _batched_inbox_log()
    frame = log.table.hstack(log.truth)
    ids = frame["id"].to_list()  # SmartRPA: a click recorder outside the browser
    idx = frame["idx"].to_list()
    approvals = [i for i, e in enumerate(ids) if e.endswith("approveButton-BDI-content")]
    batched = 0
    for i in approvals:
        ticks = []
        j = i - 1
        while "selectMulti" in ids[j]:
            ticks.append(j)
            j -= 1
        if ticks:  # a batch: the ticked items' instances, the shared click with the last
            batched += 1
            assert idx[i] == idx[ticks[0]]
            assert len({idx[t] for t in ticks}) == len({ids[t] for t in ticks})  # duplicates
            opened = [k for k in range(j) if idx[k] == idx[ticks[-1]]]
            assert opened  # the first ticked item was opened before, apart from its tick
    assert batched >= 3


def test_the_recorder_duplicates_and_reorders_a_few_milliseconds():
    late, dupes = 0, 0
    for seed in range(6):
        log = blind_single_log("request_wizard", seed, layout="actionlogger")
        stamps = [datetime.fromisoformat(t[:-1]) for t in log.table["timeStamp"]]
        steps = [(b - a).total_seconds() for a, b in zip(stamps, stamps[1:], strict=False)]
        late += sum(-0.03 < s < 0 for s in steps)
        assert min(steps) > -0.03  # out of order by milliseconds, never by more
        rows = log.table.drop("timeStamp").hstack(log.truth)
        dupes += rows.height - rows.unique(maintain_order=True).height
    assert late and dupes


def test_a_sitting_ends_and_the_workbook_is_opened_again_mid_log():
    reopened = 0
    for seed in range(10):
        log = blind_single_log("sheet_to_portal", seed, layout="actionlogger")
        frame = log.table.hstack(log.truth).with_row_index()
        opens = frame.filter(pl.col("eventType") == "openWorkbook")
        assert (opens["Task"] == NOISE).all()  # opening the tools is no instance's work
        reopened += opens.filter(pl.col("index") > 0).height
    assert reopened


def test_the_cli_writes_a_blind_log(tmp_path, capsys):
    from taskmine.cli import main

    args = ["simulate-uilog", "--family", "fiori_inbox", "--seed", "3", "--out", str(tmp_path)]
    assert main(args) == 0
    expected = blind_single_log("fiori_inbox", 3)
    log_path = tmp_path / "logs" / "fiori_inbox-single-3.csv"
    assert log_path.read_bytes().count(b"\n") == expected.table.height + 1
    assert f"wrote {expected.table.height:,} events" in capsys.readouterr().err


def test_fiori_multi_work_is_in_the_app_whose_tile_was_opened_last():
    """Launchpad apps share one window: after a break the person opens the apps' tiles
    again, and the last one opened is the app worked in next (it is what the screen
    shows), so every tile is followed by the work of one app only."""
    checked = 0
    for seed in range(12):
        log = blind_fiori_log(seed)
        frame = log.table.hstack(log.truth).with_columns(pl.col("id").fill_null(""))
        if not (frame["id"] != "").any():
            continue
        checked += 1
        followed = (
            frame.sort("user", "timestamp", maintain_order=True)
            .with_columns(
                tile=pl.when(pl.col("id").str.contains(r"^__tile\d+$")).then(pl.col("id")),
                app=pl.col("id").str.extract(r"^application-(\w+)-approve-component---"),
            )
            .with_columns(pl.col("tile").forward_fill().over("user"))
            .filter((pl.col("Task") != NOISE) & pl.col("app").is_not_null())
            .group_by("tile")
            .agg(pl.col("app").n_unique())
        )
        assert followed["app"].max() == 1, (seed, followed)
    assert checked >= 3
