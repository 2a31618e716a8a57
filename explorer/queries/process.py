"""One candidate: its detail, process map, instances and an export bundle, under filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from explorer.decisions import Unit, describe
from explorer.errors import ExplorerError, MovedProcessError, UnknownProcessError
from explorer.process_paths import MAIN_PATH_SHARE, path_edges, share_for, shown_steps, step_shares
from explorer.queries.candidates import Filters, filtered, read_opportunities
from explorer.queries.evidence import selection, step_evidence
from explorer.queries.facts import RunFacts, read_run_facts
from explorer.queries.reader import cached_by_file, reading
from explorer.queries.units import Units, read_units, undo_target
from explorer.savings import Assumptions


@dataclass(frozen=True)
class ProcessDetail:
    """A candidate with its decisions applied, its consensus steps and variants."""

    run_id: int
    unit: Unit
    row: dict  # the candidate's row of `read_opportunities` (under the filters)
    steps: pl.DataFrame  # process_steps with the screenshot shown and the click on it
    variants: pl.DataFrame  # variant_id, actions, n_instances, share, mean_duration_s
    bpmn_xml: str | None
    candidates: list[tuple[str, str]]  # (signature, name) of the others, to merge
    undo: str | None = None  # what "undo" would take back, in words
    split_preview: list[tuple[str, int]] = field(default_factory=list)  # (part, instances)
    n_users: int = 0  # users and working days of the filtered period
    n_days: int = 0


def read_process(
    db: Path,
    key: str,
    review_below: float = 0.0,
    run_id: int | None = None,
    filters: Filters | None = None,
    assumptions: Assumptions | None = None,
) -> ProcessDetail:
    """One candidate by its key (``"12"``, ``"12.1"``), or `UnknownProcessError` (a
    `MovedProcessError` when it was merged or split away)."""
    filters = filters or Filters()
    facts = read_run_facts(db, run_id)
    found = read_units(db, facts.run_id)
    unit = _unit(found, key)
    ranked = read_opportunities(db, filters, review_below, assumptions, facts.run_id)
    frames = pl.concat(
        [ranked.ranking.drop("rank"), ranked.review, ranked.dismissed], how="diagonal_relaxed"
    )
    match = frames.filter(pl.col("key") == key)
    if match.is_empty():
        raise ExplorerError(
            f"candidate {key} has no instances in the period and users chosen",
            "widen the date range or clear the user filter",
        )
    evidence = _step_evidence(db, facts.run_id, key, filters)
    with reading(db) as store:
        steps = store.query(
            "SELECT * EXCLUDE (run_id, screenshot_id) FROM process_steps "
            "WHERE run_id = ? AND process_id = ? ORDER BY step_no",
            [facts.run_id, unit.primary],
        )
        bpmn = store.query(
            "SELECT bpmn_xml FROM processes WHERE run_id = ? AND process_id = ?",
            [facts.run_id, unit.primary],
        ).item()
    undo = undo_target(found, unit)
    return ProcessDetail(
        facts.run_id,
        unit,
        match.row(0, named=True),
        steps.join(evidence.rename({"shot": "screenshot_id"}), on="action", how="left"),
        read_variants(db, key, filters, facts.run_id),
        bpmn,
        _merge_choices(found, unit),
        describe(undo, found.names) if undo else None,
        _split_preview(facts, found, unit),
        ranked.n_users,
        ranked.n_days,
    )


@cached_by_file
def _step_evidence(db: Path, run_id: int, key: str, filters: Filters) -> pl.DataFrame:
    """A screenshot (and click) per step action of the candidate's filtered instances:
    a window over all of their events, so kept until the file changes."""
    members = _members(read_run_facts(db, run_id), read_units(db, run_id), key, filters)
    with reading(db) as store:
        return step_evidence(store, run_id, members)


def _unit(found: Units, key: str) -> Unit:
    try:
        return found.by_key(key)
    except UnknownProcessError:
        head = key.split(".")[0]
        holders = found.holders_of(int(head)) if head.isdigit() else []
        if not holders:
            raise
        names = ", ".join(f"“{u.name}”" for u in holders)
        verb = "split into" if holders[0].part is not None else "merged into"
        raise MovedProcessError(
            f"candidate {key} was {verb} {names}", [(u.key, u.name) for u in holders]
        ) from None


def _members(facts: RunFacts, found: Units, key: str, filters: Filters) -> list[int]:
    members, _ = filtered(facts, found, filters)
    return members.filter(pl.col("key") == key)["instance_id"].to_list()


def _merge_choices(found: Units, unit: Unit) -> list[tuple[str, str]]:
    """Whole candidates that can be merged into this one (split parts cannot)."""
    if unit.part is not None:
        return []
    return [(u.signature, u.name) for u in found.units if u.part is None and u.key != unit.key]


def _split_preview(facts: RunFacts, found: Units, unit: Unit) -> list[tuple[str, int]]:
    """The parts a split of this candidate would make, with their instances."""
    if unit.part is not None or len(unit.members) > 1:
        return []
    parts = found.split_options.get(unit.primary, [])
    keys = facts.instances.filter(pl.col("process_id") == unit.primary)["split_key"]
    return [(p.label, int((keys.is_in(list(p.keys)) != p.rest).sum())) for p in parts]


def read_paths(
    db: Path, key: str, filters: Filters | None = None, run_id: int | None = None
) -> pl.DataFrame:
    """The candidate's variants as paths through its steps: ``process_id, variant_id,
    actions, n`` (instances kept by the filters taking it), most taken first."""
    facts = read_run_facts(db, run_id)
    found = read_units(db, facts.run_id)
    ids = _members(facts, found, key, filters or Filters())
    counts = (
        facts.instances.filter(pl.col("instance_id").is_in(ids))
        .group_by("process_id", "variant_id")
        .agg(n=pl.len(), mean_duration_s=pl.col("work_s").mean())
    )
    with reading(db) as store:
        variants = store.query(
            "SELECT process_id, variant_id, actions FROM variants WHERE run_id = ? "
            "AND process_id IN (SELECT unnest(?))",
            [facts.run_id, list(found.by_key(key).members)],
        )
    return variants.join(counts, on=["process_id", "variant_id"]).sort(
        ["n", "process_id", "variant_id"], descending=[True, False, False]
    )


def read_variants(
    db: Path, key: str, filters: Filters | None = None, run_id: int | None = None
) -> pl.DataFrame:
    paths = read_paths(db, key, filters, run_id)
    total = paths["n"].sum() or 1
    return paths.select(
        "process_id",
        "variant_id",
        "actions",
        n_instances="n",
        share=pl.col("n") / total,
        mean_duration_s="mean_duration_s",
    )


def read_process_map(
    db: Path,
    key: str,
    min_share: float = MAIN_PATH_SHARE,
    run_id: int | None = None,
    filters: Filters | None = None,
) -> pl.DataFrame:
    """Transitions between the steps at least ``min_share`` % of the candidate's
    instances go through: ``source, target, count, median_s`` (`process_paths`)."""
    paths = read_paths(db, key, filters, run_id)
    return path_edges(paths, shown_steps(step_shares(paths), min_share))


def read_process_steps(db: Path, key: str, run_id: int | None = None) -> pl.DataFrame:
    """The consensus steps of a candidate's members (its own first), for captions."""
    found = read_units(db, run_id)
    unit = found.by_key(key)
    with reading(db) as store:
        return store.query(
            "SELECT process_id, step_no, action, kind, app, target, window_template "
            "FROM process_steps WHERE run_id = ? AND process_id IN (SELECT unnest(?)) "
            "ORDER BY process_id = ? DESC, process_id, step_no",
            [found.run_id, list(unit.members), unit.primary],
        )


def read_instances(db: Path, key: str, limit: int, filters: Filters | None = None) -> pl.DataFrame:
    """A candidate's instances under the filters, newest first, at most ``limit``."""
    facts = read_run_facts(db)
    ids = _members(facts, read_units(db, facts.run_id), key, filters or Filters())
    return (
        facts.instances.filter(pl.col("instance_id").is_in(ids))
        .select("instance_id", "user_id", "start_ts", "duration_s", "n_events", "variant_id")
        .sort("start_ts", descending=True)
        .head(limit)
    )


def read_instance_unit(db: Path, instance_id: int) -> tuple[str, str] | None:
    """``(key, name)`` of the candidate an instance belongs to, after decisions."""
    found = read_units(db)
    match = found.members.filter(pl.col("instance_id") == instance_id)
    if match.is_empty():
        return None
    unit = found.by_key(match["key"][0])
    return unit.key, unit.name


@dataclass(frozen=True)
class ProcessBundle:
    """Everything an export of one candidate needs, read in one go."""

    detail: ProcessDetail
    edges: pl.DataFrame  # the process map's main path (`MAIN_PATH_SHARE`)
    instances: pl.DataFrame
    events: pl.DataFrame  # one row per event of every instance, in order
    screenshots: dict[int, tuple[str, bytes]]  # the consensus steps' screenshots


def read_bundle(db: Path, key: str, run_id: int | None = None) -> ProcessBundle:
    detail = read_process(db, key, 0.0, run_id)
    paths = read_paths(db, key, None, detail.run_id)
    shares = step_shares(paths)
    edges = path_edges(paths, shown_steps(shares, share_for(0, shares)))
    facts = read_run_facts(db, detail.run_id)
    ids = _members(facts, read_units(db, detail.run_id), key, Filters())
    with reading(db) as store, selection(store, ids):
        instances = store.query(
            "SELECT instance_id, user_id, session_id, start_ts, end_ts, duration_s, "
            "n_events, variant_id FROM instances JOIN _sel USING (instance_id) "
            "WHERE run_id = ? ORDER BY start_ts, instance_id",
            [detail.run_id],
        )
        events = store.query(
            """SELECT i.instance_id, ie.position, ie.action, e.event_id, e.user_id, e.ts,
                      e.kind, e.app, e.window_title, e.url, e.element_name,
                      e.element_role, e.text, e.source_file, e.source_row
               FROM instances i JOIN _sel USING (instance_id)
               JOIN instance_events ie USING (run_id, instance_id)
               JOIN events e USING (event_id) WHERE i.run_id = ?
               ORDER BY i.start_ts, i.instance_id, ie.position""",
            [detail.run_id],
        )
        shot_ids = [int(s) for s in detail.steps["screenshot_id"].drop_nulls().unique().to_list()]
        shots = {i: shot for i in shot_ids if (shot := store.screenshot(i)) is not None}
    return ProcessBundle(detail, edges, instances, events, shots)
