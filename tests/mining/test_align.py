"""Consensus workflows from hand-made instances whose steps, inputs and transfers are known."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import polars as pl
import pytest

from mining.align import align_cluster, collapse_repeats
from mining.config import MiningConfig

N = 12


def invoice_instance(i: int) -> list[dict]:
    """Copy an invoice number from Excel into SAP, type amount and currency, add 1-3 lines,
    sometimes press Check, then post."""
    events = [
        ("focus", "Excel", None, None, 11),
        ("copy", "Excel", "Invoice cell", f"INV-{i}", 12),
        ("focus", "SAP", None, None, 13),
        ("paste", "SAP", "Reference", f"INV-{i}", 14),
        ("type", "SAP", "Amount", str(100 + i), 15),
        ("type", "SAP", "Currency", "EUR", None),
    ]
    if i % 3 == 0:
        events.append(("click", "SAP", "Check", None, None))
    for _ in range(i % 3 + 1):
        events += [("click", "SAP", "Add line", None, None), ("type", "SAP", "Line", "x", None)]
    events.append(("click", "SAP", "Post", None, 19))
    return [
        {
            "event_id": i * 100 + p,
            "instance_id": i,
            "position": p,
            "ts": datetime(2026, 3, 2, 9) + timedelta(minutes=10 * i, seconds=5 * p),
            "kind": kind,
            "app": app,
            "element_name": element,
            "title_template": f"{app} window",
            "text": text,
            "screenshot_id": None if shot is None else shot + 1000 * i,
            "action": f"{kind}|{app}|{element or ''}",
            # where in the window the recorder saw the click (Post moves a little)
            "attrs": json.dumps({"rel_x": 100 + i % 3, "rel_y": 50}) if element == "Post" else "{}",
        }
        for p, (kind, app, element, text, shot) in enumerate(events)
    ]


def invoice_events() -> pl.DataFrame:
    rows = [row for i in range(N) for row in invoice_instance(i)]
    return pl.DataFrame(rows).with_columns(
        pl.col("position").cast(pl.Int32), pl.col("screenshot_id").cast(pl.Int64)
    )


def steps_by_action(steps: pl.DataFrame) -> dict[str, dict]:
    return {row["action"]: row for row in steps.iter_rows(named=True)}


def test_collapse_repeats_keeps_one_pass_of_each_loop():
    collapsed = collapse_repeats(list("ABCBCBCD"), max_block=4)
    assert collapsed.actions == list("ABCD")
    assert collapsed.repeated == [False, True, True, False]
    assert collapsed.origin == [0, 1, 2, 1, 2, 1, 2, 3]
    assert collapse_repeats(list("AAAB"), 4).actions == ["A", "B"]
    assert collapse_repeats(list("ABCD"), 4).actions == list("ABCD")


def test_steps_are_ordered_with_support_and_optional_steps():
    steps = align_cluster(invoice_events(), MiningConfig()).steps
    assert steps["action"].to_list() == [
        "copy|Excel|Invoice cell",
        "paste|SAP|Reference",
        "type|SAP|Amount",
        "type|SAP|Currency",
        "click|SAP|Check",
        "click|SAP|Add line",
        "type|SAP|Line",
        "click|SAP|Post",
    ]
    assert steps["step_no"].to_list() == list(range(1, 9))
    by = steps_by_action(steps)
    assert by["click|SAP|Check"]["support"] == 4 / N and by["click|SAP|Check"]["optional"]
    assert by["click|SAP|Post"]["support"] == 1.0 and not by["click|SAP|Post"]["optional"]


def test_loops_are_marked_repeated():
    by = steps_by_action(align_cluster(invoice_events(), MiningConfig()).steps)
    assert by["click|SAP|Add line"]["repeated"] and by["type|SAP|Line"]["repeated"]
    assert not by["type|SAP|Amount"]["repeated"]


def test_varying_values_are_inputs_and_constants_are_kept():
    by = steps_by_action(align_cluster(invoice_events(), MiningConfig()).steps)
    amount = by["type|SAP|Amount"]
    assert amount["varies"] and amount["input_slot"] == "amount_3"
    assert json.loads(amount["example_values"]) == ["100", "101", "102", "103", "104"]
    currency = by["type|SAP|Currency"]
    assert not currency["varies"] and currency["input_slot"] is None
    assert json.loads(currency["attrs"]) == {"value": "EUR"}


def test_a_paste_of_a_copied_value_is_a_data_transfer_not_an_input():
    by = steps_by_action(align_cluster(invoice_events(), MiningConfig()).steps)
    paste = by["paste|SAP|Reference"]
    assert paste["transfer_from_step"] == by["copy|Excel|Invoice cell"]["step_no"] == 1
    assert paste["varies"] and paste["input_slot"] is None


def test_every_event_but_window_activations_gets_its_step():
    """Focus changes are not steps (each step names its window); every other event is."""
    events = invoice_events()
    alignment = align_cluster(events, MiningConfig())
    kinds = alignment.event_steps.join(events.select("event_id", "kind"), on="event_id")
    assert kinds.filter(pl.col("kind") != "focus")["step_no"].null_count() == 0
    assert kinds.filter(pl.col("kind") == "focus")["step_no"].null_count() == 2 * N
    by = steps_by_action(alignment.steps)
    assert by["click|SAP|Post"]["screenshot_id"] == 19
    assert by["click|SAP|Check"]["screenshot_id"] is None
    assert 0.8 < alignment.consistency < 1.0


def clicks(sequences: list[list[str]]) -> pl.DataFrame:
    """One instance per sequence of click actions, in one app."""
    rows = [
        {"event_id": i * 10 + p, "instance_id": i, "position": p, "action": action}
        for i, sequence in enumerate(sequences)
        for p, action in enumerate(sequence)
    ]
    return pl.DataFrame(rows).with_columns(
        pl.col("position").cast(pl.Int32),
        kind=pl.lit("click"),
        app=pl.lit("App"),
        title_template=pl.lit("App"),
        text=pl.lit(None, pl.String),
        screenshot_id=pl.lit(None, pl.Int64),
        ts=pl.lit(datetime(2026, 3, 2, 9)),
    )


def test_the_consensus_drops_the_medoids_stray_actions():
    """Every instance does A B C D plus one stray click of its own, so every variant (the
    medoid too) has a stray step; realigning to the consensus leaves exactly A B C D.
    Two more instances do something else entirely: they are the exceptions."""
    sequences = []
    for i in range(N + 2):
        sequence = ["A", "B", "C", "D"] if i < N else ["W", "X", "Y", "Z"]
        sequence.insert(i % 5, f"stray {i}")
        sequences.append(sequence)
    alignment = align_cluster(clicks(sequences), MiningConfig())
    assert alignment.steps["action"].to_list() == ["A", "B", "C", "D"]
    assert alignment.steps["support"].to_list() == [N / (N + 2)] * 4
    assert alignment.exception_share == pytest.approx(2 / (N + 2))


def test_instances_that_agree_on_nothing_keep_the_medoids_steps():
    sequences = [[f"{a}{i}" for a in "abc"] for i in range(6)]
    alignment = align_cluster(clicks(sequences), MiningConfig())
    assert alignment.steps.height == 3  # the medoid: one of the six
    assert alignment.exception_share == pytest.approx(5 / 6)


def test_a_click_step_keeps_its_median_offset_in_the_window():
    by = steps_by_action(align_cluster(invoice_events(), MiningConfig()).steps)
    assert json.loads(by["click|SAP|Post"]["attrs"]) == {"rel_x": 101.0, "rel_y": 50.0}
    assert json.loads(by["click|SAP|Check"]["attrs"]) == {}


def test_a_scroll_step_keeps_its_median_wheel_steps():
    wheel = [-2, -5, -5, -6, -9]  # a person scrolls a different amount each time
    events = clicks([["open", "scroll", "save"]] * len(wheel))
    scrolls = pl.col("action") == "scroll"
    events = events.with_columns(
        kind=pl.when(scrolls).then(pl.lit("scroll")).otherwise("kind"),
        attrs=pl.when(scrolls).then(
            pl.Series([json.dumps({"dx": 0, "dy": wheel[i]}) for i in events["instance_id"]])
        ),
    )
    by = steps_by_action(align_cluster(events, MiningConfig()).steps)
    assert json.loads(by["scroll"]["attrs"]) == {"dx": 0.0, "dy": -5.0}
    assert json.loads(by["open"]["attrs"]) == {}


def test_instances_given_in_pieces_align_as_when_given_at_once():
    """The pipeline hands a candidate over as each user's piece and alignment adds their
    statistics up (modes, supports, first values, click offsets, paste sources): however
    the instances are cut, the steps are the same. A piece may be empty."""
    events = invoice_events()
    whole = align_cluster(events, MiningConfig())
    assert whole.steps["transfer_from_step"].is_not_null().any()  # something to add up
    pieces = [events.filter(pl.col("instance_id") % 3 == k) for k in (2, 0, 1)] + [events.clear()]
    apart = align_cluster(pieces, MiningConfig())
    assert apart.steps.equals(whole.steps)
    assert apart.event_steps.sort("event_id").equals(whole.event_steps.sort("event_id"))
    assert (apart.consistency, apart.exception_share) == (
        whole.consistency,
        whole.exception_share,
    )
