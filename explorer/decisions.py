"""Analyst decisions folded over a mining run's candidates: pure functions, no I/O.

Decisions are stored by process *signature*, which mining keeps stable across runs, so the
same fold applied to a newer run re-creates the analyst's view of it: renamed candidates
keep their names, merged ones stay merged, split ones stay split, confirmed ones stay in
the ranking and dismissed ones out of it. A signature that no longer exists in a run is
simply ignored.

Every decision can be undone: an ``undo`` names the decision it takes back (by id), so
the history stays append-only and the fold skips what was undone. A split cuts a
candidate into its main variants plus "the rest" (`explorer.main_variants`); each part has its own
signature (the parent's plus the variant's), so it can be renamed, confirmed or
dismissed on its own and keeps those decisions when the variant is found again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import polars as pl

#: What the explorer records. ``restore`` (older databases) undid every structural
#: decision on a signature; the pages now record ``undo`` of one decision.
ACTIONS = ("rename", "merge", "split", "not_process", "confirm", "undo", "restore")
REST = "rest"


@dataclass(frozen=True)
class Decision:
    action: str
    signature: str
    other: str | None = None
    value: str | None = None
    decision_id: int = 0


@dataclass
class Fold:
    """The effect of all decisions not undone, latest wins."""

    names: dict[str, str] = field(default_factory=dict)
    dismissed: set[str] = field(default_factory=set)
    confirmed: set[str] = field(default_factory=set)
    merged_into: dict[str, str] = field(default_factory=dict)
    split: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Part:
    """One part of a split candidate: a main variant or the rest (`main_variants`)."""

    suffix: str  # "1", "2", … by size, or "rest"
    label: str  # what the part name adds: "via Excel → Salesforce", "the rest"
    keys: frozenset[str]  # the main-variant keys it holds, or (the rest) those it leaves out
    rest: bool = False

    def signature(self, parent: str) -> str:
        if self.rest:
            return f"{parent}/{REST}"
        key = sorted(self.keys)[0]
        return f"{parent}/{hashlib.sha1(key.encode()).hexdigest()[:10]}"


@dataclass(frozen=True)
class Unit:
    """A candidate as the analyst sees it: one process, a merge of several, or a split part.

    ``key`` is the id used in URLs: ``"12"`` for process 12 (with whatever was merged into
    it), ``"12.1"`` or ``"12.rest"`` for a part of a process the analyst split.
    """

    key: str
    primary: int
    members: tuple[int, ...]
    name: str
    signature: str
    dismissed: bool
    confirmed: bool = False
    merged_names: tuple[str, ...] = ()
    absorbed: tuple[str, ...] = ()  # signatures of the candidates merged into this one
    part: Part | None = None
    parent_signature: str | None = None  # a part's: the split candidate's signature

    @property
    def signatures(self) -> tuple[str, ...]:
        """Every signature whose decisions shape this unit (for its undo)."""
        return tuple(s for s in (self.signature, self.parent_signature, *self.absorbed) if s)


def undone_ids(decisions: list[Decision]) -> set[int]:
    return {int(d.value) for d in decisions if d.action == "undo" and (d.value or "").isdigit()}


def fold_decisions(decisions: list[Decision]) -> Fold:
    """Replay the decisions not undone in the order they were taken."""
    undone = undone_ids(decisions)
    fold = Fold()
    for d in decisions:
        if d.decision_id in undone:
            continue
        if d.action == "rename" and d.value:
            fold.names[d.signature] = d.value
        elif d.action == "not_process":
            fold.dismissed.add(d.signature)
        elif d.action == "confirm":
            fold.confirmed.add(d.signature)
        elif d.action == "split":
            fold.split.add(d.signature)
        elif d.action == "merge" and d.other and d.other != d.signature:
            fold.merged_into[d.other] = d.signature
        elif d.action == "restore":
            _restore(fold, d.signature)
    return fold


def _restore(fold: Fold, signature: str) -> None:
    """The older "undo everything structural" on a signature, merges into it included."""
    fold.dismissed.discard(signature)
    fold.split.discard(signature)
    fold.merged_into.pop(signature, None)
    for absorbed in [a for a, target in fold.merged_into.items() if target == signature]:
        del fold.merged_into[absorbed]


def last_decision(decisions: list[Decision], signatures: tuple[str, ...]) -> Decision | None:
    """The latest decision still in effect that names one of ``signatures``: what undo
    takes back. A merge counts for both candidates, the survivor and the absorbed."""
    undone = undone_ids(decisions)
    for d in reversed(decisions):
        if d.action == "undo" or d.decision_id in undone:
            continue
        if d.signature in signatures or (d.other and d.other in signatures):
            return d
    return None


def describe(decision: Decision, names: dict[str, str]) -> str:
    """A decision in words, for the undo button: ``merge of “B” into this``."""
    other = names.get(decision.other or "", "another candidate")
    return {
        "rename": f"rename to “{decision.value}”",
        "merge": f"merge of “{other}”",
        "split": "split into main variants",
        "not_process": "“not a process”",
        "confirm": "confirmation",
        "restore": "restore",
    }.get(decision.action, decision.action)


def build_units(
    processes: list[dict], parts: dict[int, list[Part]], decisions: list[Decision]
) -> list[Unit]:
    """The candidates of one run after the analyst's decisions.

    ``processes`` are rows with ``process_id``, ``signature`` and ``name``; ``parts`` maps
    a process id to the parts a split makes of it (`main_variants.split_parts`; used only
    for processes the analyst split).
    """
    fold = fold_decisions(decisions)
    by_signature = {p["signature"]: p for p in processes}
    roots: dict[str, list[dict]] = {}
    for p in processes:
        roots.setdefault(_root(p["signature"], fold.merged_into, by_signature), []).append(p)
    units: list[Unit] = []
    for signature, group in roots.items():
        primary = by_signature[signature]
        name = fold.names.get(signature, primary["name"])
        pid = primary["process_id"]
        cut = parts.get(pid, []) if signature in fold.split and len(group) == 1 else []
        if cut:
            units.extend(_part_units(pid, signature, name, cut, fold))
            continue
        absorbed = [p for p in group if p is not primary]
        units.append(
            Unit(
                str(pid),
                pid,
                (pid, *sorted(p["process_id"] for p in absorbed)),
                name,
                signature,
                signature in fold.dismissed,
                signature in fold.confirmed,
                tuple(fold.names.get(p["signature"], p["name"]) for p in absorbed),
                tuple(p["signature"] for p in absorbed),
            )
        )
    return units


def _part_units(pid: int, parent: str, name: str, cut: list[Part], fold: Fold) -> list[Unit]:
    units = []
    for part in cut:
        signature = part.signature(parent)
        units.append(
            Unit(
                f"{pid}.{part.suffix}",
                pid,
                (pid,),
                fold.names.get(signature, f"{name} · {part.label}"),
                signature,
                parent in fold.dismissed or signature in fold.dismissed,
                parent in fold.confirmed or signature in fold.confirmed,
                part=part,
                parent_signature=parent,
            )
        )
    return units


def _root(signature: str, merged_into: dict[str, str], present: dict[str, dict]) -> str:
    """Follow merges to the candidate that absorbed this one (present in the run)."""
    seen = {signature}
    current = signature
    while current in merged_into:
        target = merged_into[current]
        if target in seen or target not in present:
            break
        seen.add(target)
        current = target
    return current


def assign_instances(units: list[Unit], instances: pl.DataFrame) -> pl.DataFrame:
    """``key, instance_id`` of every instance in a unit; ``instances`` has
    ``instance_id, process_id, split_key``. An instance belongs to at most one unit."""
    whole = pl.DataFrame(
        [(u.key, pid) for u in units if u.part is None for pid in u.members],
        schema={"key": pl.String, "process_id": pl.Int32},
        orient="row",
    )
    frames = [instances.join(whole, on="process_id").select("key", "instance_id")]
    for u in units:
        if u.part is None:
            continue
        inside = pl.col("split_key").is_in(list(u.part.keys))
        frames.append(
            instances.filter(
                (pl.col("process_id") == u.primary) & (~inside if u.part.rest else inside)
            ).select(pl.lit(u.key).alias("key"), "instance_id")
        )
    return pl.concat(frames)
