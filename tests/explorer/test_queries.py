"""Explorer queries on the hand-built database, where every figure is known."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from explorer import queries
from explorer.errors import MovedProcessError, UnknownProcessError
from explorer.figures import FACTORS
from explorer.queries.facts import working_time
from explorer.savings import Assumptions
from storage.errors import NoMiningRunError, StorageError
from storage.store import open_store
from tests.explorer.explorer_devdata import DAYS, PER_DAY, ROUTINES, USERS

PER_PROCESS = len(USERS) * DAYS * PER_DAY


def test_overview_counts_what_was_recorded(dev_db: Path) -> None:
    found = queries.read_overview(dev_db)
    skipped = len(USERS) * DAYS * (PER_DAY // 2)  # every other report run skips its hotkey
    events = len(USERS) * DAYS * PER_DAY * sum(len(r[4]) for r in ROUTINES) - skipped
    assert found.totals["events"] == events
    assert found.totals["users"] == len(USERS) and found.totals["days"] == DAYS
    assert found.totals["sessions"] == len(USERS) * DAYS
    assert set(found.per_app["app"]) == {"Outlook", "SAP", "CRM", "Excel"}
    assert 0 < found.totals["routine_share"] <= 1
    assert found.heatmap["dow"].max() <= 1  # Monday and Tuesday only


def test_ranking_is_by_score_and_low_confidence_goes_to_review(dev_db: Path) -> None:
    found = queries.read_opportunities(dev_db, queries.Filters(), review_below=0.5)
    assert found.ranking["name"].to_list() == ["Enter invoice", "Look up customer"]
    assert found.ranking["rank"].to_list() == [1, 2]
    assert found.review["name"].to_list() == ["Export report"]
    assert found.ranking["n_instances"].to_list() == [PER_PROCESS, PER_PROCESS]
    factors = [c for c in found.ranking.columns if c.startswith("factor_")]
    assert sorted(factors) == sorted(f"factor_{f}" for f in FACTORS)
    invoice = found.ranking.row(0, named=True)
    # 18 instances of 5+6+7+8+9 s between their events, over 2 recorded days (0.4 working
    # weeks), over 52/12 weeks; mining's duration (45 s) also counts the wait after the
    # last event, the explorer only the time between an instance's events
    assert invoice["hours_per_month"] == pytest.approx(18 * 35 / 3600 / 0.4 * 52 / 12)
    assert invoice["mean_duration_s"] == pytest.approx(35)
    assert invoice["per_week"] == pytest.approx(18 / 0.4)
    assert invoice["score"] == pytest.approx(
        invoice["hours_per_month"] * invoice["factor_automatability"]
    )
    # with no filter, the confidence is mining's
    assert found.ranking["confidence"].to_list() == pytest.approx([0.9, 0.8])
    assert invoice["hours_per_month_low"] <= invoice["hours_per_month"]
    assert invoice["hours_per_month"] <= invoice["hours_per_month_high"]


def test_savings_follow_the_assumptions(dev_db: Path) -> None:
    plain = queries.read_opportunities(dev_db, queries.Filters(), 0.5).ranking.row(0, named=True)
    assumptions = Assumptions(hourly_cost=50.0, automation_rate=0.8)
    found = queries.read_opportunities(dev_db, queries.Filters(), 0.5, assumptions)
    row = found.ranking.row(0, named=True)
    assert row["hours_saved_per_month"] == pytest.approx(0.8 * plain["hours_per_month"])
    assert row["money_per_month"] == pytest.approx(40 * plain["hours_per_month"])
    assert row["money_low"] == pytest.approx(40 * plain["hours_per_month_low"])
    assert row["score"] == plain["score"]  # the rank does not depend on money


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (queries.Filters(users=("u1",)), DAYS * PER_DAY),
        (queries.Filters(start=date(2026, 11, 17), end=date(2026, 11, 17)), len(USERS) * PER_DAY),
        (queries.Filters(app="SAP"), PER_PROCESS),
    ],
)
def test_filters_recompute_statistics(
    dev_db: Path, filters: queries.Filters, expected: int
) -> None:
    ranking = queries.read_opportunities(dev_db, filters, 0.5).ranking
    assert ranking["n_instances"][0] == expected
    # rates are per working week of the filtered period: one day is a fifth of a week
    days = 1 if filters.start else DAYS
    assert ranking["per_week"][0] == pytest.approx(expected / (days / 5))
    if filters.app:
        assert ranking["name"].to_list() == ["Enter invoice"]
    if filters.users:
        assert ranking["n_users"].to_list() == [1, 1]


def test_min_confidence_drops_candidates(dev_db: Path) -> None:
    ranking = queries.read_opportunities(dev_db, queries.Filters(min_confidence=0.85), 0.5).ranking
    assert ranking["name"].to_list() == ["Enter invoice"]


def _rerun(db: Path) -> None:
    """A second mining run whose process ids differ but signatures are the same."""
    with open_store(db) as store:
        results = {
            t: store.read_results(t).drop("run_id")
            for t in ("instances", "instance_events", "processes", "process_steps", "variants")
        }
        shift = {
            t: f.with_columns(pl.col("process_id") + 10)
            for t, f in results.items()
            if "process_id" in f.columns
        }
        run = store.start_run({"rerun": True}, "dev", 1)
        store.finish_run(run, {**results, **shift})


def test_decisions_apply_and_survive_a_new_mining_run(dev_db: Path) -> None:
    queries.record_decision(dev_db, "rename", "sig-invoice", value="Post supplier invoice")
    queries.record_decision(dev_db, "merge", "sig-invoice", other="sig-lookup")
    queries.record_decision(dev_db, "not_process", "sig-report")
    _rerun(dev_db)
    found = queries.read_opportunities(dev_db, queries.Filters(), 0.5)
    assert found.ranking["name"].to_list() == ["Post supplier invoice"]
    assert found.ranking["key"].to_list() == ["10"]  # the new run's id
    assert found.ranking["n_instances"][0] == 2 * PER_PROCESS
    assert found.ranking["note"][0] == "merged with Look up customer"
    assert found.dismissed["name"].to_list() == ["Export report"]
    assert found.review.is_empty()


def test_confirmations_and_splits_survive_a_new_mining_run(dev_db: Path) -> None:
    queries.record_decision(dev_db, "confirm", "sig-report")
    queries.record_decision(dev_db, "split", "sig-report")
    part = queries.read_units(dev_db).by_key("2.2")
    queries.record_decision(dev_db, "rename", part.signature, value="Export, quick")
    _rerun(dev_db)
    found = queries.read_opportunities(dev_db, queries.Filters(), 0.5)
    parts = found.ranking.filter(pl.col("key").str.starts_with("12."))  # the new run's id
    assert sorted(parts["key"].to_list()) == ["12.1", "12.2"]
    assert parts.filter(key="12.2")["name"].to_list() == ["Export, quick"]
    assert found.review.is_empty()  # confirmed: ranked despite a confidence of 0.3


def test_split_makes_main_variants_with_their_own_figures_and_undo_joins_them(
    dev_db: Path,
) -> None:
    # one app for all: the main variants are with and without the optional hotkey
    preview = queries.read_process(dev_db, "2").split_preview
    assert preview == [("with step 2: hotkey ctrl+s", 12), ("without step 2: hotkey ctrl+s", 6)]
    queries.record_decision(dev_db, "split", "sig-report")
    review = queries.read_opportunities(dev_db, queries.Filters(), 0.5).review.sort("key")
    assert review["key"].to_list() == ["2.1", "2.2"]
    assert review["n_instances"].to_list() == [12, 6]
    assert review["name"].to_list() == [f"Export report · {label}" for label, _ in preview]
    with_hotkey, without = review.iter_rows(named=True)
    assert with_hotkey["factor_rule_like_share"] == 1.0  # every step taken by all of them
    assert without["factor_rule_like_share"] == pytest.approx(2 / 3)
    assert with_hotkey["score"] != without["score"]
    with pytest.raises(MovedProcessError):
        queries.read_process(dev_db, "2")
    found = queries.read_units(dev_db)
    target = queries.undo_target(found, found.by_key("2.2"))
    queries.record_decision(dev_db, "undo", target.signature, value=str(target.decision_id))
    review = queries.read_opportunities(dev_db, queries.Filters(), 0.5).review
    assert review["key"].to_list() == ["2"]


def test_undo_takes_back_the_latest_decision_only(dev_db: Path) -> None:
    queries.record_decision(dev_db, "rename", "sig-invoice", value="Invoices")
    queries.record_decision(dev_db, "merge", "sig-invoice", other="sig-lookup")
    detail = queries.read_process(dev_db, "0")
    assert detail.undo == "merge of “Look up customer”"
    with pytest.raises(MovedProcessError) as moved:
        queries.read_process(dev_db, "1")
    assert moved.value.holders == [("0", "Invoices")]
    found = queries.read_units(dev_db)
    target = queries.undo_target(found, found.by_key("0"))
    queries.record_decision(dev_db, "undo", target.signature, value=str(target.decision_id))
    ranking = queries.read_opportunities(dev_db, queries.Filters(), 0.5).ranking
    assert ranking["name"].to_list() == ["Invoices", "Look up customer"]
    assert queries.read_process(dev_db, "0").undo == "rename to “Invoices”"


def test_process_detail_map_and_instances(dev_db: Path) -> None:
    detail = queries.read_process(dev_db, "2")
    assert detail.steps["step_no"].to_list() == [1, 2, 3]
    assert detail.variants["n_instances"].to_list() == [12, 6]
    edges = queries.read_process_map(dev_db, "2", min_share=0)
    counts = {(s, t): n for s, t, n in edges.select("source", "target", "count").iter_rows()}
    assert counts[("focus:Excel:Report.xlsx", "click:Excel:Export")] == 6
    assert counts[("focus:Excel:Report.xlsx", "hotkey:Excel:ctrl+s")] == 12
    # the hotkey is done in 2 of 3 instances: above 67% the map steps over it
    main = queries.read_process_map(dev_db, "2", min_share=80)
    counts = {(s, t): n for s, t, n in main.select("source", "target", "count").iter_rows()}
    assert counts[("focus:Excel:Report.xlsx", "click:Excel:Export")] == PER_PROCESS
    assert not any("hotkey" in s + t for s, t in counts)
    instances = queries.read_instances(dev_db, "2", limit=5)
    assert instances.height == 5 and instances["start_ts"].is_sorted(descending=True)
    events = queries.read_instance_events(dev_db, int(instances["instance_id"][0]), 100)
    assert events["position"].to_list() == list(range(events.height))
    assert events["screenshot_id"].null_count() == 0
    # every step shows a screen; a click's own screenshot marks where it clicked
    assert detail.steps["screenshot_id"].null_count() == 0


def test_unknown_process_is_a_clear_error(dev_db: Path) -> None:
    with pytest.raises(UnknownProcessError, match="no candidate process '99'"):
        queries.read_process(dev_db, "99")


def test_timeline_names_instances_after_decisions(dev_db: Path) -> None:
    queries.record_decision(dev_db, "rename", "sig-lookup", value="Find customer")
    tl = queries.read_timeline(dev_db, "u2", date(2026, 11, 16))
    assert tl.instances.height == 3 * PER_DAY
    assert "Find customer" in tl.instances["name"].to_list()
    assert tl.activity["events"].sum() > 0 and tl.sessions.height == 1


def test_missing_database_and_no_run(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        queries.read_overview(tmp_path / "nope.duckdb")
    open_store(tmp_path / "empty.duckdb").close()
    assert queries.read_overview(tmp_path / "empty.duckdb").totals["events"] == 0
    with pytest.raises(NoMiningRunError):
        queries.read_opportunities(tmp_path / "empty.duckdb", queries.Filters(), 0.5)


def test_working_time_leaves_an_interruption_out(tmp_path: Path) -> None:
    """Instance A (events at 0, 10, 20 and 40 s) is interrupted by a chat B (25, 27 s):
    A worked 20 s (its first-to-last span is 40 s), B 2 s."""
    start = datetime(2026, 11, 16, 9, 0)
    seconds = [0, 10, 20, 25, 27, 40]
    with open_store(tmp_path / "w.duckdb") as store:
        events = store.append_events(
            pl.DataFrame(
                {
                    "session_id": ["s"] * 6,
                    "user_id": ["u"] * 6,
                    "ts": [start + timedelta(seconds=s) for s in seconds],
                    "kind": ["click"] * 6,
                }
            )
        )
        run = store.start_run({}, "test", 0)
        members = pl.DataFrame(
            {
                "instance_id": [1, 1, 1, 2, 2, 1],
                "event_id": events["event_id"],
                "position": [0, 1, 2, 0, 1, 3],
                "action": ["a"] * 6,
            }
        )
        store.finish_run(run, {"instance_events": members})
        worked = dict(working_time(store, run).iter_rows())
    assert worked == {1: 20.0, 2: 2.0}
