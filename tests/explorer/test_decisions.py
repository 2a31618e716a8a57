"""The fold of analyst decisions over a run's candidates (pure functions)."""

from __future__ import annotations

import polars as pl

from explorer.decisions import (
    Decision,
    assign_instances,
    build_units,
    fold_decisions,
    last_decision,
)
from explorer.main_variants import split_keys, split_parts

PROCESSES = [
    {"process_id": 0, "signature": "a", "name": "A"},
    {"process_id": 1, "signature": "b", "name": "B"},
    {"process_id": 2, "signature": "c", "name": "C"},
]


def keys(decisions: list[Decision], parts: dict | None = None) -> dict[str, object]:
    return {u.key: u for u in build_units(PROCESSES, parts or {}, decisions)}


def numbered(*decisions: Decision) -> list[Decision]:
    """Decisions with ids, as the database gives them."""
    return [
        Decision(d.action, d.signature, d.other, d.value, i)
        for i, d in enumerate(decisions, start=1)
    ]


#: Process 1's instances: 6 by Excel → Salesforce, 3 by SAP, 1 by mail (the rest).
PATHS = pl.DataFrame({"split_key": ["via Excel → sf.com", "via SAP", "via mail"], "n": [6, 3, 1]})


def test_no_decisions_one_unit_per_process() -> None:
    units = keys([])
    assert sorted(units) == ["0", "1", "2"]
    assert units["1"].name == "B" and units["1"].members == (1,)


def test_latest_rename_wins() -> None:
    units = keys([Decision("rename", "a", value="First"), Decision("rename", "a", value="Final")])
    assert units["0"].name == "Final"


def test_merge_absorbs_the_other_and_keeps_its_name_in_the_note() -> None:
    units = keys([Decision("merge", "a", other="c")])
    assert sorted(units) == ["0", "1"]
    assert units["0"].members == (0, 2)
    assert units["0"].merged_names == ("C",)


def test_merge_chains_resolve_to_the_surviving_candidate() -> None:
    units = keys([Decision("merge", "b", other="c"), Decision("merge", "a", other="b")])
    assert list(units) == ["0"]
    assert units["0"].members == (0, 1, 2)


def test_merge_into_a_signature_missing_from_the_run_is_ignored() -> None:
    assert sorted(keys([Decision("merge", "gone", other="a")])) == ["0", "1", "2"]


def test_split_makes_the_main_variants_and_the_rest() -> None:
    parts = split_parts(PATHS)
    assert [(p.suffix, p.label) for p in parts] == [
        ("1", "via Excel → sf.com"),
        ("2", "via SAP"),
        ("rest", "the rest"),
    ]
    units = keys([Decision("split", "b")], {1: parts})
    assert sorted(units) == ["0", "1.1", "1.2", "1.rest", "2"]
    assert units["1.rest"].name == "B · the rest"
    assert units["1.1"].parent_signature == "b" and units["1.1"].signature.startswith("b/")
    # the parts' signatures do not depend on the run: the same path gives the same part
    again = keys([Decision("split", "b")], {1: split_parts(PATHS.reverse())})
    assert again["1.1"].signature == units["1.1"].signature


def test_one_key_or_no_main_variant_is_nothing_to_split() -> None:
    assert split_parts(pl.DataFrame({"split_key": ["via SAP"], "n": [9]})) == []
    scattered = pl.DataFrame({"split_key": [f"via app{i}" for i in range(20)], "n": [1] * 20})
    assert split_parts(scattered) == []


STEPS = pl.DataFrame(
    {
        "process_id": [1, 1, 1],
        "step_no": [1, 2, 3],
        "label": ["open", "simulate", "post"],
        "kind": ["click", "click", "click"],
        "target": ["Open", "Simulate", "Post"],
    },
    schema_overrides={"process_id": pl.Int32},
)
#: variant 0 takes every step, variant 1 skips "simulate"
TAKEN = pl.DataFrame(
    {
        "process_id": [1] * 5,
        "variant_id": [0, 0, 0, 1, 1],
        "label": ["open", "simulate", "post", "open", "post"],
    },
    schema_overrides={"process_id": pl.Int32, "variant_id": pl.Int32},
)


def split_instances(paths: list[str], variants: list[int]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "instance_id": range(len(paths)),
            "process_id": [1] * len(paths),
            "variant_id": variants,
            "app_path": paths,
        },
        schema_overrides={"process_id": pl.Int32, "variant_id": pl.Int32},
    )


def test_main_variants_are_app_paths_when_instances_use_different_systems() -> None:
    keys = split_keys(split_instances(["SAP"] * 6 + ["shop"] * 4, [0] * 10), TAKEN, STEPS)
    assert keys.sort("instance_id")["split_key"].to_list() == ["via SAP"] * 6 + ["via shop"] * 4


def test_main_variants_are_with_and_without_a_step_when_systems_agree() -> None:
    keys = split_keys(split_instances(["SAP"] * 10, [0] * 7 + [1] * 3), TAKEN, STEPS)
    assert keys.sort("instance_id")["split_key"].to_list() == (
        ["with step 2: click Simulate"] * 7 + ["without step 2: click Simulate"] * 3
    )


def test_a_split_part_can_be_renamed_and_dismissed_on_its_own() -> None:
    parts = {1: split_parts(PATHS)}
    rest = keys([Decision("split", "b")], parts)["1.rest"].signature
    units = keys(
        [
            Decision("split", "b"),
            Decision("rename", rest, value="Odd ones"),
            Decision("not_process", rest),
        ],
        parts,
    )
    assert units["1.rest"].name == "Odd ones" and units["1.rest"].dismissed
    assert not units["1.1"].dismissed


def test_instances_go_to_their_part() -> None:
    units = build_units(PROCESSES, {1: split_parts(PATHS)}, [Decision("split", "b")])
    instances = pl.DataFrame(
        {
            "instance_id": [10, 11, 12, 13],
            "process_id": [0, 1, 1, 1],
            "split_key": ["via x", "via SAP", "via mail", "via Excel → sf.com"],
        },
        schema_overrides={"process_id": pl.Int32},
    )
    members = dict(assign_instances(units, instances).select("instance_id", "key").iter_rows())
    assert members == {10: "0", 11: "1.2", 12: "1.rest", 13: "1.1"}


def test_confirm_and_its_undo() -> None:
    decisions = numbered(Decision("confirm", "c"))
    assert keys(decisions)["2"].confirmed
    undone = [*decisions, Decision("undo", "c", value="1", decision_id=2)]
    assert not keys(undone)["2"].confirmed


def test_undo_of_a_merge_from_the_survivor_gives_both_back() -> None:
    decisions = numbered(
        Decision("rename", "a", value="Invoices"), Decision("merge", "a", other="c")
    )
    survivor = keys(decisions)["0"]
    target = last_decision(decisions, survivor.signatures)
    assert target is not None and target.action == "merge"
    units = keys([*decisions, Decision("undo", "a", value=str(target.decision_id), decision_id=3)])
    assert sorted(units) == ["0", "1", "2"] and units["0"].name == "Invoices"
    # the next undo takes back the rename
    after = [*decisions, Decision("undo", "a", value="2", decision_id=3)]
    assert last_decision(after, keys(after)["0"].signatures).action == "rename"


def test_undo_of_a_split_from_a_part() -> None:
    parts = {1: split_parts(PATHS)}
    decisions = numbered(Decision("split", "b"))
    part = keys(decisions, parts)["1.2"]
    assert last_decision(decisions, part.signatures).action == "split"
    units = keys([*decisions, Decision("undo", "b", value="1", decision_id=2)], parts)
    assert sorted(units) == ["0", "1", "2"]


def test_restore_of_older_databases_undoes_dismissal_split_and_merges_both_ways() -> None:
    fold = fold_decisions(
        [
            Decision("not_process", "a"),
            Decision("split", "a"),
            Decision("merge", "b", other="a"),
            Decision("merge", "a", other="c"),
            Decision("restore", "a"),
        ]
    )
    assert not fold.dismissed and not fold.split and not fold.merged_into


def test_not_process_marks_the_unit_dismissed() -> None:
    units = keys([Decision("not_process", "c")])
    assert units["2"].dismissed and not units["0"].dismissed
