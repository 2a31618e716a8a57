"""The fold of analyst decisions over a run's candidates (pure functions)."""

from __future__ import annotations

from explorer.decisions import Decision, build_units, fold_decisions

PROCESSES = [
    {"process_id": 0, "signature": "a", "name": "A"},
    {"process_id": 1, "signature": "b", "name": "B"},
    {"process_id": 2, "signature": "c", "name": "C"},
]


def keys(decisions: list[Decision], variants: dict | None = None) -> dict[str, object]:
    return {u.key: u for u in build_units(PROCESSES, variants or {}, decisions)}


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


def test_split_gives_one_unit_per_variant() -> None:
    units = keys([Decision("split", "b")], {1: [4, 7]})
    assert sorted(units) == ["0", "1.4", "1.7", "2"]
    assert units["1.7"].variant_id == 7 and units["1.7"].name == "B · variant 7"


def test_restore_undoes_dismissal_split_and_merge() -> None:
    fold = fold_decisions(
        [
            Decision("not_process", "a"),
            Decision("split", "a"),
            Decision("merge", "b", other="a"),
            Decision("restore", "a"),
        ]
    )
    assert not fold.dismissed and not fold.split and not fold.merged_into


def test_not_process_marks_the_unit_dismissed() -> None:
    units = keys([Decision("not_process", "c")])
    assert units["2"].dismissed and not units["0"].dismissed
