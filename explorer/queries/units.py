"""Candidates as the analyst sees them: mining's processes with the decisions folded in.

A unit is one candidate after renames, merges, splits and dismissals (see
`explorer.decisions`); every page addresses candidates by unit key (``"12"``, ``"12.3"``).
Recording a decision is the explorer's only write.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from explorer.decisions import ACTIONS, Decision, Unit, build_units
from explorer.errors import ExplorerError, UnknownProcessError
from explorer.queries.reader import reader_closed
from storage.store import Store, open_store, utcnow


def run_of(store: Store, run_id: int | None) -> int:
    """The run asked for, or the latest finished one."""
    if run_id is None:
        return store.latest_run_id()
    status = store.query("SELECT status FROM mining_runs WHERE run_id = ?", [run_id])
    if status.is_empty() or status.item() != "done":
        raise ExplorerError(
            f"mining run {run_id} does not exist or did not finish",
            "leave out --run to use the latest finished run",
        )
    return run_id


def processes_of(store: Store, run_id: int) -> pl.DataFrame:
    return store.query(
        "SELECT process_id, signature, name, score, confidence, n_instances AS total_instances, "
        "per_week, hours_saved_per_month, apps, factors::VARCHAR AS factors "
        "FROM processes WHERE run_id = ? ORDER BY process_id",
        [run_id],
    )


def units_of(store: Store, run_id: int, processes: pl.DataFrame) -> list[Unit]:
    """The run's candidates after every stored decision, in decision order."""
    decisions = [
        Decision(r["action"], r["signature"], r["other"], r["value"])
        for r in store.query(
            "SELECT action, signature, other, value FROM process_decisions ORDER BY decision_id"
        ).iter_rows(named=True)
    ]
    split = {d.signature for d in decisions if d.action == "split"}
    variants: dict[int, list[int]] = {}
    if split:
        rows = store.query(
            "SELECT v.process_id, v.variant_id FROM variants v JOIN processes p "
            "USING (run_id, process_id) WHERE run_id = ? AND p.signature IN (SELECT unnest(?)) "
            "ORDER BY v.process_id, v.n_instances DESC, v.variant_id",
            [run_id, sorted(split)],
        )
        for pid, vid in rows.iter_rows():
            variants.setdefault(pid, []).append(vid)
    return build_units(list(processes.iter_rows(named=True)), variants, decisions)


def unit_by_key(store: Store, run_id: int, key: str) -> Unit:
    for unit in units_of(store, run_id, processes_of(store, run_id)):
        if unit.key == key:
            return unit
    raise UnknownProcessError(f"there is no candidate process {key!r} in the latest run")


def unit_selection(unit: Unit) -> tuple[str, list]:
    """SQL over ``instances i`` selecting a unit's instances (then ``run_id, *params``)."""
    sql = "i.run_id = ? AND i.process_id IN (SELECT unnest(?))"
    params: list = [list(unit.members)]
    if unit.variant_id is not None:
        sql += " AND i.variant_id = ?"
        params.append(unit.variant_id)
    return sql, params


def record_decision(
    db: Path, action: str, signature: str, other: str | None = None, value: str | None = None
) -> None:
    """Store one analyst decision (opens the database read-write for this write only)."""
    if action not in ACTIONS:
        raise ExplorerError(f"unknown decision {action!r}", f"use one of {', '.join(ACTIONS)}")
    with reader_closed(), open_store(db, create=False) as store, store.transaction() as con:
        next_id = con.execute(
            "SELECT coalesce(max(decision_id), 0) + 1 FROM process_decisions"
        ).fetchall()[0][0]
        con.execute(
            "INSERT INTO process_decisions VALUES (?, ?, ?, ?, ?, ?)",
            [next_id, utcnow(), action, signature, other, value],
        )
