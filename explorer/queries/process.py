"""One candidate: its detail, process map, instances, events and an export bundle."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from explorer.decisions import Unit
from explorer.errors import UnknownProcessError
from explorer.queries.candidates import Filters, read_opportunities
from explorer.queries.reader import cached_by_file, reading
from explorer.queries.units import run_of, unit_by_key, unit_selection
from mining.actions import ACTIVATION_SQL


@dataclass(frozen=True)
class ProcessDetail:
    """A candidate with its decisions applied, its consensus steps and variants."""

    run_id: int
    unit: Unit
    row: dict  # the candidate's row of `read_opportunities`
    steps: pl.DataFrame
    variants: pl.DataFrame
    bpmn_xml: str | None
    candidates: list[tuple[str, str]]  # (signature, name) of the others, to merge


def read_process(
    db: Path, key: str, review_below: float = 0.0, run_id: int | None = None
) -> ProcessDetail:
    """One candidate by its key (``"12"`` or ``"12.3"``), or `UnknownProcessError`."""
    found = read_opportunities(db, Filters(), review_below, run_id)
    frames = pl.concat(
        [found.ranking.drop("rank"), found.review, found.dismissed], how="diagonal_relaxed"
    )
    match = frames.filter(pl.col("key") == key)
    if match.is_empty():
        raise UnknownProcessError(f"there is no candidate process {key!r} in the latest run")
    row = match.row(0, named=True)
    with reading(db) as store:
        run_id = run_of(store, run_id)
        unit = unit_by_key(store, run_id, key)
        steps = store.query(
            "SELECT * EXCLUDE (run_id) FROM process_steps WHERE run_id = ? AND process_id = ? "
            "ORDER BY step_no",
            [run_id, unit.primary],
        )
        variant_clause = "" if unit.variant_id is None else " AND variant_id = ?"
        variant_params = [] if unit.variant_id is None else [unit.variant_id]
        variants = store.query(
            "SELECT process_id, variant_id, actions, n_instances, share, mean_duration_s "
            "FROM variants WHERE run_id = ? AND process_id IN (SELECT unnest(?))"
            f"{variant_clause} ORDER BY n_instances DESC, variant_id",
            [run_id, list(unit.members), *variant_params],
        )
        bpmn = store.query(
            "SELECT bpmn_xml FROM processes WHERE run_id = ? AND process_id = ?",
            [run_id, unit.primary],
        ).item()
    others = [
        (r["signature"], r["name"])
        for r in frames.filter(pl.col("process_id") != unit.primary)
        .unique("signature", keep="first", maintain_order=True)
        .iter_rows(named=True)
    ]
    return ProcessDetail(run_id, unit, row, steps, _with_shares(variants), bpmn, others)


def _with_shares(variants: pl.DataFrame) -> pl.DataFrame:
    total = variants["n_instances"].sum() or 1
    return variants.with_columns(share=pl.col("n_instances") / total)


#: The map's default: the steps at least half of the instances perform, the main path.
MAIN_PATH_SHARE = 50


@cached_by_file
def read_process_map(
    db: Path, key: str, min_share: float = MAIN_PATH_SHARE, run_id: int | None = None
) -> pl.DataFrame:
    """Directly-follows edges of a candidate's instances: source, target, count, median_s.

    Window activations (focus changes, alt+tab) are left out, as in the consensus
    workflow (`mining.align`). Only the steps (action labels) that at least ``min_share``
    % of the instances perform
    count, and edges join consecutive such steps (the instances projected onto them, as
    Disco's activity filter does), so rare steps drop out without cutting the map apart;
    ``min_share=0`` keeps every step. Computed in DuckDB from ``instance_events`` so it
    follows merges and splits; ``▶ start`` and ``■ end`` mark where instances begin and end.
    """
    with reading(db) as store:
        run_id = run_of(store, run_id)
        where, params = unit_selection(unit_by_key(store, run_id, key))
        return store.query(
            f"""WITH sel AS (SELECT instance_id FROM instances i WHERE {where}),
                 seq AS (
                   SELECT ie.instance_id, ie.position, ie.action, e.ts
                   FROM instance_events ie JOIN sel USING (instance_id)
                   JOIN events e USING (event_id)
                   WHERE ie.run_id = ? AND NOT {ACTIVATION_SQL}),
                 shown AS (
                   SELECT action FROM seq GROUP BY action
                   HAVING count(DISTINCT instance_id) * 100 >= ? * (SELECT count(*) FROM sel)),
                 kept AS (SELECT * FROM seq WHERE action IN (SELECT action FROM shown)),
                 pairs AS (
                   SELECT coalesce(lag(action) OVER w, '▶ start') AS source, action AS target,
                          epoch(ts - lag(ts) OVER w) AS gap FROM kept
                   WINDOW w AS (PARTITION BY instance_id ORDER BY position)
                   UNION ALL
                   SELECT arg_max(action, position), '■ end', NULL FROM kept
                   GROUP BY instance_id)
               SELECT source, target, count(*) AS count, median(gap) AS median_s
               FROM pairs GROUP BY ALL ORDER BY count DESC, source, target""",
            [run_id, *params, run_id, min_share],
        )


def read_instances(db: Path, key: str, limit: int) -> pl.DataFrame:
    """A candidate's instances, newest first, at most ``limit``."""
    with reading(db) as store:
        run_id = store.latest_run_id()
        where, params = unit_selection(unit_by_key(store, run_id, key))
        return store.query(
            "SELECT instance_id, user_id, start_ts, duration_s, n_events, variant_id "
            f"FROM instances i WHERE {where} ORDER BY start_ts DESC LIMIT ?",
            [run_id, *params, limit],
        )


def read_instance_events(db: Path, instance_id: int, limit: int) -> pl.DataFrame:
    """The events of one instance in order, with their screenshot ids: the replay view."""
    with reading(db) as store:
        run_id = store.latest_run_id()
        return store.query(
            "SELECT ie.position, e.ts, e.kind, e.app, e.window_title, "
            "coalesce(e.element_name, e.element_label, e.element_id) AS element, e.text, "
            "ie.action, e.screenshot_id FROM instance_events ie JOIN events e USING (event_id) "
            "WHERE ie.run_id = ? AND ie.instance_id = ? ORDER BY ie.position LIMIT ?",
            [run_id, instance_id, limit],
        )


def read_screenshot(db: Path, screenshot_id: int) -> tuple[str, bytes] | None:
    with reading(db) as store:
        return store.screenshot(screenshot_id)


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
    edges = read_process_map(db, key, run_id=detail.run_id)
    with reading(db) as store:
        where, params = unit_selection(detail.unit)
        instances = store.query(
            "SELECT instance_id, user_id, session_id, start_ts, end_ts, duration_s, n_events, "
            f"variant_id FROM instances i WHERE {where} ORDER BY start_ts, instance_id",
            [detail.run_id, *params],
        )
        events = store.query(
            f"""SELECT i.instance_id, ie.position, ie.action, e.event_id, e.user_id, e.ts,
                       e.kind, e.app, e.window_title, e.url, e.element_name, e.element_role,
                       e.text, e.source_file, e.source_row
                FROM instances i JOIN instance_events ie USING (run_id, instance_id)
                JOIN events e USING (event_id) WHERE {where}
                ORDER BY i.start_ts, i.instance_id, ie.position""",
            [detail.run_id, *params],
        )
        ids = [int(s) for s in detail.steps["screenshot_id"].drop_nulls().to_list()]
        shots = {i: shot for i in ids if (shot := store.screenshot(i)) is not None}
    return ProcessBundle(detail, edges, instances, events, shots)
