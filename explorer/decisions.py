"""Analyst decisions folded over a mining run's candidates: pure functions, no I/O.

Decisions are stored by process *signature*, which mining keeps stable across runs, so the
same fold applied to a newer run re-creates the analyst's view of it: renamed candidates
keep their names, merged ones stay merged, split ones stay split and dismissed ones stay
out of the ranking. A signature that no longer exists in a run is simply ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: What the explorer can record; ``restore`` undoes every structural decision on a signature.
ACTIONS = ("rename", "merge", "split", "not_process", "restore")


@dataclass(frozen=True)
class Decision:
    action: str
    signature: str
    other: str | None = None
    value: str | None = None


@dataclass
class Fold:
    """The effect of all decisions, latest wins."""

    names: dict[str, str] = field(default_factory=dict)
    dismissed: set[str] = field(default_factory=set)
    merged_into: dict[str, str] = field(default_factory=dict)
    split: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Unit:
    """A candidate as the analyst sees it: one process, a merge of several, or one variant.

    ``key`` is the id used in URLs: ``"12"`` for process 12 (with whatever was merged into
    it), ``"12.3"`` for variant 3 of a process the analyst split.
    """

    key: str
    primary: int
    members: tuple[int, ...]
    variant_id: int | None
    name: str
    signature: str
    dismissed: bool
    merged_names: tuple[str, ...] = ()


def fold_decisions(decisions: list[Decision]) -> Fold:
    """Replay decisions in the order they were taken."""
    fold = Fold()
    for d in decisions:
        if d.action == "rename" and d.value:
            fold.names[d.signature] = d.value
        elif d.action == "not_process":
            fold.dismissed.add(d.signature)
        elif d.action == "split":
            fold.split.add(d.signature)
        elif d.action == "merge" and d.other and d.other != d.signature:
            fold.merged_into[d.other] = d.signature
        elif d.action == "restore":
            fold.dismissed.discard(d.signature)
            fold.split.discard(d.signature)
            fold.merged_into.pop(d.signature, None)
    return fold


def build_units(
    processes: list[dict], variants: dict[int, list[int]], decisions: list[Decision]
) -> list[Unit]:
    """The candidates of one run after the analyst's decisions.

    ``processes`` are rows with ``process_id``, ``signature`` and ``name``; ``variants``
    maps a process id to its variant ids (used only for split processes).
    """
    fold = fold_decisions(decisions)
    by_signature = {p["signature"]: p for p in processes}
    roots: dict[str, list[dict]] = {}
    for p in processes:
        roots.setdefault(_root(p["signature"], fold.merged_into, by_signature), []).append(p)
    units: list[Unit] = []
    for signature, group in roots.items():
        primary = by_signature[signature]
        absorbed = [p for p in group if p is not primary]
        name = fold.names.get(signature, primary["name"])
        dismissed = signature in fold.dismissed
        pid = primary["process_id"]
        if signature in fold.split:
            for vid in variants.get(pid, []):
                units.append(
                    Unit(
                        f"{pid}.{vid}",
                        pid,
                        (pid,),
                        vid,
                        f"{name} · variant {vid}",
                        signature,
                        dismissed,
                    )
                )
            continue
        members = (pid, *sorted(p["process_id"] for p in absorbed))
        merged = tuple(fold.names.get(p["signature"], p["name"]) for p in absorbed)
        units.append(Unit(str(pid), pid, members, None, name, signature, dismissed, merged))
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
