"""Candidates as the analyst sees them: mining's processes with the decisions folded in.

A unit is one candidate after renames, merges, splits, confirmations and dismissals (see
`explorer.decisions`); every page addresses candidates by unit key (``"12"``,
``"12.1"``, ``"12.rest"``). Recording a decision is the explorer's only write.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from explorer.decisions import (
    ACTIONS,
    Decision,
    Unit,
    assign_instances,
    build_units,
    last_decision,
)
from explorer.errors import ExplorerError, UnknownProcessError
from explorer.main_variants import split_parts
from explorer.queries.facts import RunFacts, read_run_facts
from explorer.queries.reader import cached_by_file, reader_closed, reading
from storage.store import Store, open_store, utcnow


@dataclass(frozen=True)
class Units:
    """A run's candidates after every decision, and which instances each one holds."""

    run_id: int
    units: list[Unit]
    members: pl.DataFrame  # key, instance_id
    decisions: list[Decision]
    names: dict[str, str]  # signature -> name shown (mining's, or the analyst's)
    split_options: dict[int, list]  # process id -> the parts a split would make

    def by_key(self, key: str) -> Unit:
        for unit in self.units:
            if unit.key == key:
                return unit
        raise UnknownProcessError(f"there is no candidate process {key!r} in the latest run")

    def holders_of(self, process_id: int) -> list[Unit]:
        """The units holding a process that has no unit of its own key: the one it was
        merged into, or the parts it was split into (its page points there)."""
        return [u for u in self.units if process_id in u.members]


def processes_of(store: Store, run_id: int) -> pl.DataFrame:
    return store.query(
        "SELECT process_id, signature, name, score, confidence, n_instances AS total_instances, "
        "per_week, hours_saved_per_month, apps, factors::VARCHAR AS factors "
        "FROM processes WHERE run_id = ? ORDER BY process_id",
        [run_id],
    )


def read_decisions(store: Store) -> list[Decision]:
    return [
        Decision(r["action"], r["signature"], r["other"], r["value"], r["decision_id"])
        for r in store.query(
            "SELECT decision_id, action, signature, other, value FROM process_decisions "
            "ORDER BY decision_id"
        ).iter_rows(named=True)
    ]


@cached_by_file
def read_units(db: Path, run_id: int | None = None) -> Units:
    """The candidates of a run (the latest by default) after every stored decision."""
    facts = read_run_facts(db, run_id)
    with reading(db) as store:
        processes = processes_of(store, facts.run_id)
        decisions = read_decisions(store)
    return fold_units(facts, processes, decisions)


def fold_units(facts: RunFacts, processes: pl.DataFrame, decisions: list[Decision]) -> Units:
    keys = facts.instances.group_by("process_id", "split_key").agg(n=pl.len())
    options = {pid: split_parts(group) for (pid,), group in keys.group_by("process_id")}
    rows = list(processes.iter_rows(named=True))
    units = build_units(rows, options, decisions)
    names = {r["signature"]: r["name"] for r in rows} | {u.signature: u.name for u in units}
    members = assign_instances(
        units, facts.instances.select("instance_id", "process_id", "split_key")
    )
    return Units(facts.run_id, units, members, decisions, names, options)


def undo_target(found: Units, unit: Unit) -> Decision | None:
    """The decision the unit's undo takes back: the latest one naming it or a member."""
    return last_decision(found.decisions, unit.signatures)


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
