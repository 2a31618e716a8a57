"""The simulator's frames: schema, determinism, ground truth and the realism it promises."""

from __future__ import annotations

import io
import re
from datetime import date

import polars as pl
import pytest
from PIL import Image

from sample_logs import ROUTINES, SimulationError, simulate
from sample_logs.workday import SHOT_KINDS
from storage.models import EVENT_SCHEMA, RECORDED_KINDS, SCREENSHOT_SCHEMA, SESSION_SCHEMA

NOISE = "__noise__"


@pytest.fixture(scope="module")
def sim():
    return simulate(users=4, days=3, seed=11)


@pytest.fixture(scope="module")
def events(sim) -> pl.DataFrame:
    return sim.events


def test_same_arguments_give_identical_frames():
    a = simulate(users=2, days=2, seed=5)
    b = simulate(users=2, days=2, seed=5)
    assert a.events.equals(b.events)
    assert a.sessions.equals(b.sessions)
    assert a.screenshots.equals(b.screenshots)
    assert a.routines.equals(b.routines)


def test_another_seed_gives_other_work():
    a = simulate(users=1, days=1, seed=1, screenshots=False)
    b = simulate(users=1, days=1, seed=2, screenshots=False)
    assert a.events["user_id"][0] != b.events["user_id"][0]
    assert a.events.height != b.events.height or not a.events["ts"].equals(b.events["ts"])


def test_frames_have_the_store_schemas(sim):
    assert sim.events.schema == pl.Schema(EVENT_SCHEMA)
    assert sim.sessions.schema == pl.Schema(SESSION_SCHEMA)
    assert sim.screenshots.schema == pl.Schema(SCREENSHOT_SCHEMA)


def test_ids_provenance_and_sessions(sim, events):
    assert events["event_id"].to_list() == list(range(1, events.height + 1))
    assert events["source_row"].to_list() == list(range(events.height))
    assert set(events["source_file"]) == {"simulator"}
    assert all(re.fullmatch(r"user-[0-9a-f]{8}", u) for u in events["user_id"].unique())
    assert events["user_id"].n_unique() == 4
    # one session per user and working day, and events in time order within each user
    assert sim.sessions.height == 12 == events["session_id"].n_unique()
    assert events.group_by("user_id").agg(pl.col("ts").is_sorted())["ts"].all()
    assert events.group_by("session_id").agg(pl.col("ts").dt.date().n_unique())["ts"].max() == 1
    starts = sim.sessions.join(
        events.group_by("session_id").agg(first=pl.col("ts").min()), on="session_id"
    )
    assert (starts["started_at"] == starts["first"]).all()


def test_working_days_skip_the_weekend():
    thursday = date(2026, 3, 5)
    sim = simulate(users=1, days=3, seed=2, start=thursday, screenshots=False)
    days = sim.events["ts"].dt.date().unique().sort().to_list()
    assert days == [thursday, date(2026, 3, 6), date(2026, 3, 9)]


def test_volume_per_user_day(events):
    per_day = events.group_by("session_id").len()["len"]
    assert per_day.min() >= 1000
    assert per_day.max() <= 3500
    assert 1500 <= per_day.mean() <= 2600


def test_events_use_the_recorder_vocabulary(events):
    assert set(events["kind"].unique()) <= set(RECORDED_KINDS)
    assert set(RECORDED_KINDS) - {"cut", "paused"} <= set(events["kind"].unique())
    typed = events.filter(pl.col("kind") == "type")
    assert typed["text"].null_count() == 0
    lengths = typed["attrs"].str.json_path_match("$.length").cast(pl.Int64)
    keys = typed["attrs"].str.json_path_match("$.keys").cast(pl.Int64)
    assert (lengths == typed["text"].str.len_chars()).all()
    assert (keys >= lengths).all() and (keys > lengths).any()  # some typos were corrected
    # a long text typed with a pause in the middle is two bursts on the same field
    bursts = events.filter(
        pl.col("kind") == "type",
        pl.col("kind").shift() == "type",
        pl.col("element_name") == pl.col("element_name").shift(),
    )
    assert bursts.height > 0
    wheel = events.filter(pl.col("kind") == "scroll")["attrs"].str.json_path_match("$.dy")
    assert (wheel.cast(pl.Int64) < 0).all()
    clicks = events.filter(pl.col("kind") == "click")
    assert clicks["element_name"].null_count() == 0
    assert clicks["x"].is_between(0, 1920).all() and clicks["y"].is_between(0, 1080).all()
    browser = events.filter(pl.col("app") == "chrome.exe", pl.col("kind") != "idle")
    assert browser["url"].str.starts_with("https://").all()
    assert events.filter(pl.col("app") == "EXCEL.EXE")["url"].is_null().all()


def test_every_routine_recurs_across_users(sim, events):
    assert len(ROUTINES) >= 6
    counts = (
        events.filter(pl.col("truth_process") != NOISE)
        .group_by("truth_process")
        .agg(n=pl.col("truth_instance").n_unique(), users=pl.col("user_id").n_unique())
    )
    assert set(counts["truth_process"]) == {r.name for r in ROUTINES}
    assert counts["n"].min() >= 2
    assert sim.routines["n_instances"].min() >= 2
    assert set(sim.routines["routine"]) == {r.name for r in ROUTINES}


def test_truth_columns_are_consistent(events):
    routine = events.filter(pl.col("truth_process") != NOISE)
    assert routine["truth_instance"].null_count() == 0
    assert events.filter(pl.col("truth_process") == NOISE)["truth_instance"].is_null().all()
    per_instance = routine.group_by("truth_instance").agg(
        pl.col("truth_process").n_unique(), pl.col("session_id").n_unique()
    )
    assert per_instance["truth_process"].max() == 1
    assert per_instance["session_id"].max() == 1
    assert events["truth_process"].null_count() == 0


def test_noise_is_a_real_share_of_the_day(events):
    share = (events["truth_process"] == NOISE).mean()
    assert 0.2 <= share <= 0.8
    noise_apps = set(events.filter(pl.col("truth_process") == NOISE)["app"].drop_nulls())
    assert {"OUTLOOK.EXE", "chrome.exe", "ms-teams.exe"} <= noise_apps


def _runs(events: pl.DataFrame) -> pl.DataFrame:
    """Contiguous runs of one truth_instance (noise as its own value) within each session."""
    return (
        events.with_columns(inst=pl.col("truth_instance").fill_null(NOISE))
        .with_columns(run=(pl.col("inst") != pl.col("inst").shift()).fill_null(True).cum_sum())
        .group_by("run", maintain_order=True)
        .agg(pl.col("inst").first(), pl.col("session_id").first(), pl.col("truth_process").first())
    )


def test_some_routines_are_interrupted_by_another_and_resumed(events):
    runs = _runs(events).filter(pl.col("inst") != NOISE)
    split = runs.group_by("inst").len().filter(pl.col("len") > 1)["inst"]
    assert split.len() >= 3
    # between the pieces of an interrupted execution there is another routine's execution
    interleaved = 0
    for inst in split:
        pieces = runs.filter(pl.col("inst") == inst)["run"]
        between = runs.filter(pl.col("run").is_between(pieces.min(), pieces.max()))
        interleaved += int(between["inst"].n_unique() > 1)
    assert interleaved >= 2


def test_copy_paste_carries_the_value_across_windows(events):
    clip = events.filter(pl.col("kind").is_in(["copy", "paste"])).with_columns(
        clipboard=pl.when(pl.col("kind") == "copy").then(pl.col("text")).forward_fill().over(
            "session_id"
        ),
        source_app=pl.when(pl.col("kind") == "copy").then(pl.col("window_title")).forward_fill()
        .over("session_id"),
    )  # fmt: skip
    pastes = clip.filter(pl.col("kind") == "paste", pl.col("truth_process") != NOISE)
    assert pastes.height >= 100
    assert (pastes["text"] == pastes["clipboard"]).all()
    assert (pastes["window_title"] != pastes["source_app"]).mean() > 0.9
    assert pastes["app"].n_unique() >= 4


def test_variants_differ_in_steps_and_titles(events):
    invoice = events.filter(pl.col("truth_process") == "invoice_entry")
    sequences = invoice.group_by("truth_instance").agg(
        pl.concat_str("kind", pl.col("element_name").fill_null("")).str.join("|")
    )
    assert sequences["kind"].n_unique() >= sequences.height // 2
    assert {"OUTLOOK.EXE", "AcroRd32.exe", "saplogon.exe"} <= set(invoice["app"].drop_nulls())
    pdf_titles = invoice.filter(pl.col("app") == "AcroRd32.exe")["window_title"]
    assert pdf_titles.n_unique() >= 10
    typed = invoice.filter(pl.col("kind").is_in(["type", "paste"]))["text"]
    assert typed.n_unique() >= 50


def test_private_breaks_pause_the_recorder(events):
    paused = events.filter(pl.col("kind") == "paused")
    assert 1 <= paused.height <= 12
    assert (paused["attrs"] == '{"by": "hotkey"}').all()
    after = events.filter(pl.col("kind").shift() == "paused")
    # the next input re-announces its window (unless another break follows at once)
    assert after["kind"].is_in(["focus", "idle", "paused"]).all()
    assert (after["kind"] == "focus").any()


def test_idle_gaps_lunch_and_working_hours(events):
    idle = events.filter(pl.col("kind") == "idle")
    seconds = idle["attrs"].str.json_path_match("$.duration_s").cast(pl.Float64)
    assert seconds.min() >= 60  # the recorder's idle threshold
    lunch = idle.with_columns(s=seconds).filter(
        pl.col("s") >= 1800, pl.col("ts").dt.hour().is_between(11, 13)
    )
    assert lunch["session_id"].n_unique() == 12
    hours = events["ts"].dt.hour()
    assert hours.min() >= 6 and hours.max() <= 18


def test_think_times_are_human(events):
    gaps = events.with_columns(gap=pl.col("ts").diff().over("session_id").dt.total_seconds(
        fractional=True))["gap"].drop_nulls()  # fmt: skip
    assert gaps.min() >= 0  # an idle event is stamped at the last input, as recorded
    assert (gaps == 0).sum() <= (events["kind"] == "idle").sum()
    assert 1.0 <= gaps.median() <= 10.0
    assert gaps.quantile(0.99) > 30


def test_catalogue_gives_hours_a_bot_would_save(sim, events):
    cat = sim.routines
    assert cat["work_hours"].is_sorted(descending=True)
    assert (cat["work_hours"] > 0).all()
    assert cat["steps"].list.len().min() >= 5
    assert cat.filter(pl.col("routine") == "invoice_entry")["per_user_day"][0] > 0
    # the hours are no larger than the executions' spans
    spans = (
        events.filter(pl.col("truth_instance").is_not_null())
        .group_by("truth_process", "truth_instance")
        .agg(span=(pl.col("ts").max() - pl.col("ts").min()).dt.total_seconds(fractional=True))
        .group_by("truth_process")
        .agg(pl.col("span").sum() / 3600)
    )
    both = cat.join(spans, left_on="routine", right_on="truth_process")
    assert (both["work_hours"] <= both["span"] + 1e-9).all()


def test_screenshots_decode_and_belong_to_their_user(sim, events):
    shots = sim.screenshots
    assert shots.height > 0
    assert shots["screenshot_id"].is_unique().all()
    for row in shots.unique("phash").head(20).iter_rows(named=True):
        image = Image.open(io.BytesIO(row["image"]))
        assert image.format == "WEBP"
        assert image.size == (row["width"], row["height"])
        assert len(row["image"]) == row["size_bytes"]
    # as the recorder: a screenshot with clicks, focus changes, hotkeys and clipboard use
    referenced = events.filter(pl.col("screenshot_id").is_not_null())
    assert set(referenced["kind"].unique()) == set(SHOT_KINDS) - {"cut"}
    assert events.filter(pl.col("kind").is_in(SHOT_KINDS))["screenshot_id"].null_count() == 0
    owners = referenced.join(
        shots.select("screenshot_id", shot_session="session_id"), on="screenshot_id"
    )
    assert owners.height == referenced.height
    same_user = owners["shot_session"].str.split("/").list.first() == owners["user_id"]
    assert same_user.all()
    assert shots["phash"].n_unique() >= 50


def test_screenshots_can_be_left_out():
    sim = simulate(users=1, days=1, seed=3, screenshots=False)
    assert sim.screenshots.height == 0
    assert sim.screenshots.schema == pl.Schema(SCREENSHOT_SCHEMA)
    assert sim.events["screenshot_id"].is_null().all()


@pytest.mark.parametrize(("users", "days"), [(0, 1), (1, 0), (-2, 3)])
def test_nothing_to_simulate_is_a_clear_error(users, days):
    with pytest.raises(SimulationError, match="at least 1"):
        simulate(users=users, days=days)


def test_users_have_their_own_habits(events):
    switches = events.group_by("user_id").agg(
        alt_tab=(pl.col("text") == "alt+tab").sum() / (pl.col("kind") == "focus").sum(),
        tabbing=((pl.col("kind") == "hotkey") & (pl.col("text") == "tab")).sum()
        / (pl.col("kind") == "type").sum(),
    )
    assert switches["alt_tab"].max() > 2 * switches["alt_tab"].min()
    assert switches["tabbing"].max() > 1.5 * switches["tabbing"].min()


def test_progress_is_reported_per_user_day():
    calls = []
    simulate(
        users=2, days=2, seed=1, screenshots=False, on_progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
