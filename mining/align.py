"""Aligning the instances of a candidate process into one consensus workflow.

Instances are compared on their coarse actions (kind, app and element, see
`mining.cluster.coarse_action`), so that a window title that kept a variable part does
not split a step. Star alignment, refined: the medoid variant (the action sequence
closest to all others, weighted by how often each occurs) is the first backbone, and every
variant is aligned to it by its longest common subsequence (insertions and deletions,
no substitutions: an action matches only the same action). The next backbone keeps the
backbone actions and the inserted ones (between two backbone steps) that at least
``align_min_support`` of the instances do; realigning to it until it stops changing drops
the medoid's own stray clicks and adds the steps most instances do but the medoid skipped.
The final backbone's actions are the steps; a step fewer than ``align_required_support`` of
the instances do is optional.
Loops (a block of up to ``align_max_block`` actions done several times in a row, such as
one line item after another) are collapsed to one pass before aligning, so that a
different number of iterations does not look like missing steps; such steps are marked
``repeated``. Work is per distinct variant, never per event; events get their step by a
join on (variant, position).

From the events of each step come the fields a bot needs: whether the value varies
between instances (an input) or is constant, and, for a paste, the earlier step whose
copied value it pastes (a data transfer).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz.distance import Indel, Levenshtein
from rapidfuzz.process import cdist

from mining.actions import ACTIVATION
from mining.cluster import coarse_action, instance_variants
from mining.config import MiningConfig

#: Variants considered as medoid: the most frequent ones cover nearly every instance.
MEDOID_CANDIDATES = 50
#: Re-alignments of every variant to the consensus of the previous pass (it converges in
#: two or three: the medoid's own rare actions drop out, frequent insertions join).
REFINE_PASSES = 4
#: A step's value is an input a bot needs only for these kinds (a copy *reads* a value).
INPUT_KINDS = ("type", "paste", "insertValue", "editField", "editCell", "select", "pick")
EXAMPLE_VALUES = 5
#: Element fields naming the target of an event, most readable first.
TARGET_COLUMNS = ("element_name", "element_label", "element_id")

STEP_SCHEMA = {
    "step_no": pl.Int32,
    "action": pl.String,
    "kind": pl.String,
    "app": pl.String,
    "window_template": pl.String,
    "target": pl.String,
    "support": pl.Float64,
    "optional": pl.Boolean,
    "repeated": pl.Boolean,
    "varies": pl.Boolean,
    "input_slot": pl.String,
    "example_values": pl.String,
    "transfer_from_step": pl.Int32,
    "screenshot_id": pl.Int64,
    "attrs": pl.String,
}


@dataclass(frozen=True)
class Alignment:
    """The consensus workflow of one candidate process.

    ``steps``: one row per step (columns of ``process_steps`` without run and process).
    ``event_steps``: ``event_id, instance_id, step_no`` (null: the event is in no step).
    ``consistency``: instance-weighted mean similarity (1 - normalised indel distance) of
    the loop-collapsed variants to the consensus; 1.0 when every instance is done alike.
    ``exception_share``: share of instances less similar to the consensus than
    ``align_exception_similarity`` (done mostly otherwise: exceptions a bot must hand back).
    """

    steps: pl.DataFrame
    event_steps: pl.DataFrame
    consistency: float
    exception_share: float


def align_cluster(events: pl.DataFrame, config: MiningConfig) -> Alignment:
    """Align the instances of one candidate into ordered consensus steps.

    ``events``: one row per event of the candidate's instances with ``event_id,
    instance_id, position, action, kind, app, title_template, text, screenshot_id`` and the
    element fields when present.

    Example::

        alignment = align_cluster(events.filter(pl.col("process_id") == 0), config)
        alignment.steps.select("step_no", "action", "support", "optional")
    """
    keyed = _acting(events).with_columns(key=coarse_action())
    instances, variants = instance_variants(keyed, column="key")
    collapsed = [collapse_repeats(a, config.align_max_block) for a in variants["actions"].to_list()]
    codebook: dict[str, int] = {}
    coded = [[codebook.setdefault(a, len(codebook)) for a in c.actions] for c in collapsed]
    weights = variants["n_instances"].to_numpy()
    backbone = coded[_medoid(coded, weights)]
    for _ in range(REFINE_PASSES):
        mapping, similarity, consensus = _map_to_backbone(
            collapsed, coded, backbone, weights, config
        )
        if consensus == backbone:
            break
        backbone = consensus
    event_steps = events.select("event_id", "instance_id").join(
        keyed.select("event_id", "instance_id", "position")
        .join(instances, on="instance_id")
        .join(mapping, on=["variant", "position"], how="left")
        .select("event_id", "step_no"),
        on="event_id",
        how="left",
    )
    steps = _describe_steps(events, event_steps, mapping, instances, config)
    return Alignment(
        steps=steps,
        event_steps=event_steps,
        consistency=float(np.average(similarity, weights=weights)),
        exception_share=float(
            weights[similarity < config.align_exception_similarity].sum() / weights.sum()
        ),
    )


def _acting(events: pl.DataFrame) -> pl.DataFrame:
    """The events that act, renumbered per instance: window activations (focus changes,
    alt+tab) are left out of the workflow, since every step names its window and a bot
    brings it forward anyway; they only split steps by how a user got there."""
    if not {"kind", "app", "text"} <= set(events.columns):
        return events
    return events.filter(~ACTIVATION.fill_null(False)).with_columns(
        position=pl.int_range(pl.len()).over("instance_id", order_by="position").cast(pl.Int32)
    )


def project_on_steps(events: pl.DataFrame, alignment: Alignment) -> pl.DataFrame:
    """The instances as sequences of consensus steps: ``instance_id, position, action, ts``.

    Events in no step (rare insertions) are dropped and each event is named after its
    step, so that discovery, variants and the DFG describe the workflow rather than every
    stray click. A step label is the step's action, suffixed ``#step_no`` when two steps
    share an action.
    """
    labels = alignment.steps.select(
        "step_no",
        label=pl.when(pl.len().over("action") > 1)
        .then(pl.format("{} #{}", "action", "step_no"))
        .otherwise("action"),
    )
    return (
        events.select("event_id", "instance_id", "position", "ts")
        .join(alignment.event_steps.select("event_id", "step_no"), on="event_id")
        .join(labels, on="step_no")
        .select("instance_id", "position", "ts", action="label")
        .sort("instance_id", "position")
    )


@dataclass(frozen=True)
class Collapsed:
    """A sequence with its loops collapsed to one pass.

    ``origin[i]``: index in ``actions`` of original position ``i``;
    ``repeated[j]``: ``actions[j]`` was part of a block done more than once.
    """

    actions: list[str]
    origin: list[int]
    repeated: list[bool]


def collapse_repeats(sequence: list[str], max_block: int) -> Collapsed:
    """Collapse tandem repeats (``A B C B C B C D`` → ``A B C D``), shortest block first."""
    actions: list[str] = []
    origin: list[int] = []
    repeated: list[bool] = []
    i, n = 0, len(sequence)
    while i < n:
        block, times = 1, 1
        for size in range(1, max_block + 1):
            reps = 1
            while sequence[i + reps * size : i + (reps + 1) * size] == sequence[i : i + size]:
                reps += 1
            if reps > 1 and i + size <= n:
                block, times = size, reps
                break
        start = len(actions)
        actions.extend(sequence[i : i + block])
        repeated.extend([times > 1] * block)
        origin.extend(start + k % block for k in range(block * times))
        i += block * times
    return Collapsed(actions, origin, repeated)


def _medoid(coded: list[list[int]], weights: np.ndarray) -> int:
    """Index of the frequent variant with the least weighted distance to the others."""
    top = min(len(coded), MEDOID_CANDIDATES)
    distances = cdist(coded[:top], coded[:top], scorer=Levenshtein.normalized_distance)
    return int(np.argmin(distances @ weights[:top]))


def _map_to_backbone(
    collapsed: list[Collapsed],
    coded: list[list[int]],
    backbone: list[int],
    weights: np.ndarray,
    config: MiningConfig,
) -> tuple[pl.DataFrame, np.ndarray, list[int]]:
    """Map every (variant, position) to a step; return the mapping, each variant's
    similarity to the backbone, and the consensus: the backbone's actions and the inserted
    ones that at least ``align_min_support`` of the instances do, in workflow order."""
    slots: list[tuple[int, int, tuple]] = []  # (variant, collapsed index, step key)
    support: Counter = Counter()
    offset: dict[tuple, int] = {}  # smallest offset of an inserted action within its gap
    similarity = np.empty(len(coded))
    for v, seq in enumerate(coded):
        similarity[v] = 1.0 - Indel.normalized_distance(seq, backbone)
        seen: set = set()
        for op in Indel.opcodes(seq, backbone):
            for k in range(op.src_start, op.src_end):
                if op.tag == "equal":
                    at = op.dest_start + k - op.src_start
                    key = ("m", at, backbone[at])
                else:  # an action the backbone lacks, between two backbone steps
                    key = ("i", op.dest_start - 1, seq[k])
                    offset[key] = min(offset.get(key, k), k - op.src_start)
                if key not in seen:
                    support[key] += weights[v]
                    seen.add(key)
                slots.append((v, k, key))
    total = weights.sum()
    frequent = [key for key, w in support.items() if w / total >= config.align_min_support]
    # instances that agree on nothing (a mixture) keep the backbone rather than no steps
    order = sorted(
        frequent or [key for key in support if key[0] == "m"],
        key=lambda key: (key[1] + (0.5 if key[0] == "i" else 0.0), offset.get(key, 0), key[2]),
    )
    consensus = [key[2] for key in order]
    step_of = {key: no for no, key in enumerate(order, start=1)}
    step_rows = [(v, k, step_of.get(key)) for v, k, key in slots]
    per_collapsed = pl.DataFrame(
        step_rows,
        schema={"variant": pl.Int64, "index": pl.Int64, "step_no": pl.Int32},
        orient="row",
    )
    positions = pl.DataFrame(
        {
            "variant": np.repeat(np.arange(len(collapsed)), [len(c.origin) for c in collapsed]),
            "position": np.concatenate([np.arange(len(c.origin)) for c in collapsed]),
            "index": np.concatenate([np.asarray(c.origin, dtype=np.int64) for c in collapsed]),
            "loop": np.concatenate(
                [np.asarray(c.repeated, dtype=bool)[c.origin] for c in collapsed]
            ),
        },
        schema={"variant": pl.Int64, "position": pl.Int32, "index": pl.Int64, "loop": pl.Boolean},
    )
    mapping = positions.join(per_collapsed, on=["variant", "index"]).drop("index")
    return mapping, similarity, consensus


def _describe_steps(
    events: pl.DataFrame,
    event_steps: pl.DataFrame,
    mapping: pl.DataFrame,
    instances: pl.DataFrame,
    config: MiningConfig,
) -> pl.DataFrame:
    """Per step: what it does, how often, whether it loops, its values and transfers."""
    n_instances = instances.height
    target = target_of(events.columns)
    per_event = (
        events.join(event_steps.select("event_id", "step_no"), on="event_id")
        .filter(pl.col("step_no").is_not_null())
        .with_columns(target=target, value=pl.col("text"), **_offsets(events.columns))
    )
    loops = (
        mapping.join(instances.group_by("variant").len("n"), on="variant")
        .group_by("step_no", "variant")
        .agg(pl.col("loop").any(), pl.col("n").first())
        .group_by("step_no")
        .agg(repeat_share=(pl.col("n") * pl.col("loop")).sum() / n_instances)
    )
    steps = (
        per_event.sort("instance_id", "position")
        .group_by("step_no")
        .agg(
            action=_mode("action"),
            kind=_mode("kind"),
            app=_mode("app"),
            window_template=_mode("title_template"),
            target=_mode("target"),
            support=pl.col("instance_id").n_unique() / n_instances,
            n_values=pl.col("value").drop_nulls().n_unique(),
            constant=pl.col("value").drop_nulls().first(),
            screenshot_id=pl.col("screenshot_id").drop_nulls().first(),
            rel_x=pl.col("rel_x").median(),
            rel_y=pl.col("rel_y").median(),
            dx=pl.col("dx").median().round(),
            dy=pl.col("dy").median().round(),
        )
        .join(loops, on="step_no", how="left")
        .join(_examples(per_event), on="step_no", how="left")
        .join(_transfers(per_event), on="step_no", how="left")
        .sort("step_no")
    )
    return steps.with_columns(
        optional=pl.col("support") < config.align_required_support,
        repeated=pl.col("repeat_share").fill_null(0.0) >= config.align_repeat_share,
        varies=pl.col("n_values") > 1,
        input_slot=pl.when(
            (pl.col("n_values") > 1)
            & pl.col("kind").is_in(INPUT_KINDS)
            & pl.col("transfer_from_step").is_null()
        ).then(_slot_name()),
        attrs=_step_attrs(steps),
    ).select([pl.col(c).cast(t) for c, t in STEP_SCHEMA.items()])


#: Numbers of the recorder's attrs a bot reuses: where in its window a click landed
#: (``rel_x``, ``rel_y``: to click there when the element cannot be found by name) and
#: the wheel steps of a scroll (``dx``, ``dy``).
OFFSETS = ("rel_x", "rel_y", "dx", "dy")


def _offsets(columns: Sequence[str]) -> dict[str, pl.Expr]:
    """Each of `OFFSETS` as a number, null where the event's attrs lack it."""
    if "attrs" not in columns:
        return {axis: pl.lit(None, pl.Float64) for axis in OFFSETS}
    return {
        axis: pl.col("attrs").str.json_path_match(f"$.{axis}").cast(pl.Float64, strict=False)
        for axis in OFFSETS
    }


def _step_attrs(steps: pl.DataFrame) -> pl.Series:
    """Per step, JSON of what a bot can reuse: the constant value, the median click
    offset in the window, the median wheel steps of a scroll; keys without a value are
    left out."""
    rows = steps.select(
        pl.when(pl.col("n_values") == 1).then("constant").alias("value"), *OFFSETS
    ).iter_rows(named=True)
    return pl.Series(
        [json.dumps({k: v for k, v in row.items() if v is not None}) for row in rows],
        dtype=pl.String,
    )


def target_of(columns: Sequence[str]) -> pl.Expr:
    """The element an event acted on: its name, else its label (which may show a value,
    such as a date in a PDF), else its id; null if none."""
    present = [pl.col(c) for c in TARGET_COLUMNS if c in columns]
    return pl.coalesce(*present, pl.lit(None, pl.String))


def _mode(column: str) -> pl.Expr:
    """The most frequent non-null value, the smallest on ties (reproducible)."""
    return pl.col(column).drop_nulls().mode().sort().first()


def _examples(per_event: pl.DataFrame) -> pl.DataFrame:
    """Up to `EXAMPLE_VALUES` most frequent values per step, as a JSON list."""
    counts = (
        per_event.filter(pl.col("value").is_not_null())
        .group_by("step_no", "value")
        .len()
        .sort(["step_no", "len", "value"], descending=[False, True, False])
        .group_by("step_no", maintain_order=True)
        .agg(pl.col("value").head(EXAMPLE_VALUES))
    )
    return counts.select(
        "step_no",
        example_values=pl.col("value").map_elements(
            lambda v: json.dumps(v.to_list()), return_dtype=pl.String
        ),
    )


def _transfers(per_event: pl.DataFrame) -> pl.DataFrame:
    """For paste steps: the step whose copy most often supplied the pasted value."""
    copies = per_event.filter(pl.col("kind").str.contains("(?i)copy")).select(
        "instance_id", "value", copy_pos="position", copy_step="step_no"
    )
    pastes = per_event.filter(
        pl.col("kind").str.contains("(?i)paste") & pl.col("value").is_not_null()
    ).select("instance_id", "value", "event_id", "position", "step_no")
    matched = (
        pastes.join(copies, on=["instance_id", "value"])
        .filter(pl.col("copy_pos") < pl.col("position"))
        .sort("copy_pos")
        .group_by("event_id")
        .agg(pl.col("step_no").last(), pl.col("copy_step").last())
    )
    return (
        matched.group_by("step_no", "copy_step")
        .len()
        .sort(["step_no", "len", "copy_step"], descending=[False, True, False])
        .group_by("step_no", maintain_order=True)
        .first()
        .select("step_no", transfer_from_step="copy_step")
    )


def _slot_name() -> pl.Expr:
    """A readable input name from the step's target (``Invoice no.`` → ``invoice_no``)."""
    slug = (
        pl.col("target")
        .fill_null(pl.col("kind"))
        .str.to_lowercase()
        .str.replace_all(r"[^a-z0-9]+", "_")
        .str.strip_chars("_")
    )
    return pl.concat_str(slug, pl.lit("_"), pl.col("step_no").cast(pl.String))
