"""Aligning the instances of a candidate process into one consensus workflow.

Instances are compared on their coarse actions (kind, app, element and web site, see
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
from collections.abc import Iterable, Sequence
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


def align_cluster(events: pl.DataFrame | Iterable[pl.DataFrame], config: MiningConfig) -> Alignment:
    """Align the instances of one candidate into ordered consensus steps.

    ``events``: one row per event of the candidate's instances with ``event_id,
    instance_id, position, action, kind, app, title_template, text, screenshot_id`` and the
    element fields when present; or several such frames (pieces, iterated more than once),
    each holding whole instances (the pipeline gives each user's). Alignment works on
    distinct variants, and what the steps need of the events is gathered piece by piece
    and added up, so that beyond one piece memory grows with a few columns of the
    candidate's events, not all of them; the result is the same however the instances
    are cut into pieces.

    Example::

        alignment = align_cluster(events.filter(pl.col("process_id") == 0), config)
        alignment.steps.select("step_no", "action", "support", "optional")
    """
    pieces = [events] if isinstance(events, pl.DataFrame) else events  # (each read as used)
    keyed = [
        _acting(piece).select("event_id", "instance_id", "position", key=coarse_action())
        for piece in pieces
    ]
    instances, variants = instance_variants(pl.concat(keyed), column="key")
    collapsed = [collapse_repeats(a, config.align_max_block) for a in variants["actions"].to_list()]
    codebook: dict[str, int] = {}
    coded = [[codebook.setdefault(a, len(codebook)) for a in c.actions] for c in collapsed]
    weights = variants["n_instances"].to_numpy()
    del variants
    backbone = coded[_medoid(coded, weights)]
    for _ in range(REFINE_PASSES):
        mapping, similarity, consensus = _map_to_backbone(
            collapsed, coded, backbone, weights, config
        )
        if consensus == backbone:
            break
        backbone = consensus
    event_steps = [
        piece.select("event_id", "instance_id").join(
            acting.select("event_id", "instance_id", "position")
            .join(instances, on="instance_id")
            .join(mapping, on=["variant", "position"], how="left")
            .select("event_id", "step_no"),
            on="event_id",
            how="left",
        )
        for piece, acting in zip(pieces, keyed, strict=True)
    ]
    del keyed
    steps = _describe_steps(pieces, event_steps, mapping, instances, config)
    return Alignment(
        steps=steps,
        event_steps=pl.concat(event_steps),
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


def project_on_steps(
    events: pl.DataFrame | Iterable[pl.DataFrame], alignment: Alignment
) -> pl.DataFrame:
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
    steps = alignment.event_steps.select("event_id", "step_no")
    pieces = [events] if isinstance(events, pl.DataFrame) else events
    return pl.concat(
        [
            piece.select("event_id", "instance_id", "position", "ts")
            .join(steps, on="event_id")
            .join(labels, on="step_no")
            .select("instance_id", "position", "ts", action="label")
            for piece in pieces
        ]
    ).sort("instance_id", "position")


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
    # (variant, collapsed index, step key) of every slot, as columns of shared objects:
    # there are about as many slots as events when most instances are variants of their own
    slot_variant: list[int] = []
    slot_index: list[int] = []
    slot_key: list[tuple] = []
    keys: dict[tuple, tuple] = {}
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
                slot_variant.append(v)
                slot_index.append(k)
                slot_key.append(keys.setdefault(key, key))
    total = weights.sum()
    frequent = [key for key, w in support.items() if w / total >= config.align_min_support]
    # instances that agree on nothing (a mixture) keep the backbone rather than no steps
    order = sorted(
        frequent or [key for key in support if key[0] == "m"],
        key=lambda key: (key[1] + (0.5 if key[0] == "i" else 0.0), offset.get(key, 0), key[2]),
    )
    consensus = [key[2] for key in order]
    step_of = {key: no for no, key in enumerate(order, start=1)}
    per_collapsed = pl.DataFrame(
        {
            "variant": slot_variant,
            "index": slot_index,
            "step_no": [step_of.get(key) for key in slot_key],
        },
        schema={"variant": pl.Int64, "index": pl.Int64, "step_no": pl.Int32},
    )
    del slot_variant, slot_index, slot_key
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
    pieces: Iterable[pl.DataFrame],
    event_steps: Sequence[pl.DataFrame],
    mapping: pl.DataFrame,
    instances: pl.DataFrame,
    config: MiningConfig,
) -> pl.DataFrame:
    """Per step: what it does, how often, whether it loops, its values and transfers.

    Each piece's events (whole instances) give counts that add up (`_piece_counts`), so
    that only one piece's events are joined to their steps at a time."""
    n_instances = instances.height
    counts = [_piece_counts(p, s) for p, s in zip(pieces, event_steps, strict=True)]

    def every(name: str) -> pl.DataFrame:
        return pl.concat([c[name] for c in counts])

    loops = (
        mapping.join(instances.group_by("variant").len("n"), on="variant")
        .group_by("step_no", "variant")
        .agg(pl.col("loop").any(), pl.col("n").first())
        .group_by("step_no")
        .agg(repeat_share=(pl.col("n") * pl.col("loop")).sum() / n_instances)
    )
    values = every("values").group_by("step_no", "value").agg(pl.col("len").sum())
    steps = (
        every("support").group_by("step_no").agg(support=pl.col("instances").sum() / n_instances)
    )
    for name in MODE_COLUMNS.values():
        steps = steps.join(_most_frequent(every(name), name), on="step_no", how="left")
    # the first value and screenshot of a step in instance order
    for name in ("constant", "screenshot_id"):
        first = (
            every(name)
            .sort("instance_id", "position")
            .group_by("step_no", maintain_order=True)
            .first()
            .select("step_no", name)
        )
        steps = steps.join(first, on="step_no", how="left")
    steps = (
        steps.join(values.group_by("step_no").agg(n_values=pl.len()), on="step_no", how="left")
        .with_columns(pl.col("n_values").fill_null(0))
        .join(
            every("offsets")
            .group_by("step_no")
            .agg(
                rel_x=pl.col("rel_x").median(),
                rel_y=pl.col("rel_y").median(),
                dx=pl.col("dx").median().round(),
                dy=pl.col("dy").median().round(),
            ),
            on="step_no",
            how="left",
        )
        .join(loops, on="step_no", how="left")
        .join(_examples(values), on="step_no", how="left")
        .join(_transfers(every("transfers")), on="step_no", how="left")
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


#: A step's fields named after its events' most frequent value: step field ← event column.
MODE_COLUMNS = {
    "action": "action",
    "kind": "kind",
    "app": "app",
    "title_template": "window_template",
    "target": "target",
}


def _piece_counts(events: pl.DataFrame, event_steps: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """What `_describe_steps` needs of one piece's events, in frames that add up over
    pieces: value counts per step (one per `MODE_COLUMNS` field, and of the typed or
    copied ``value``), instances per step, each step's first value and screenshot with
    where they occur, the click offsets and scroll steps, and the paste → copy matches."""
    per_event = (
        events.join(event_steps.select("event_id", "step_no"), on="event_id")
        .filter(pl.col("step_no").is_not_null())
        .with_columns(
            target=target_of(events.columns), value=pl.col("text"), **_offsets(events.columns)
        )
    )
    counts = {
        name: per_event.filter(pl.col(column).is_not_null())
        .group_by("step_no", column)
        .len()
        .rename({column: name})
        for column, name in MODE_COLUMNS.items()
    }
    firsts = {
        name: per_event.filter(pl.col(column).is_not_null())
        .sort("instance_id", "position")
        .group_by("step_no", maintain_order=True)
        .first()
        .select("step_no", "instance_id", "position", pl.col(column).alias(name))
        for column, name in (("value", "constant"), ("screenshot_id", "screenshot_id"))
    }
    return {
        **counts,
        **firsts,
        "support": per_event.group_by("step_no").agg(instances=pl.col("instance_id").n_unique()),
        "values": per_event.filter(pl.col("value").is_not_null())
        .group_by("step_no", "value")
        .len(),
        "offsets": per_event.select("step_no", *OFFSETS).filter(
            pl.any_horizontal(pl.col(OFFSETS).is_not_null())
        ),
        "transfers": _matches(per_event),
    }


def _most_frequent(counts: pl.DataFrame, name: str) -> pl.DataFrame:
    """Per step, the value of ``counts`` (``step_no, <name>, len``, added up) that is most
    frequent, the smallest on ties (reproducible)."""
    return (
        counts.group_by("step_no", name)
        .agg(pl.col("len").sum())
        .sort(["step_no", "len", name], descending=[False, True, False])
        .group_by("step_no", maintain_order=True)
        .first()
        .select("step_no", name)
    )


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


def _examples(values: pl.DataFrame) -> pl.DataFrame:
    """Up to `EXAMPLE_VALUES` most frequent values per step (``values``: ``step_no, value,
    len``), as a JSON list."""
    counts = (
        values.sort(["step_no", "len", "value"], descending=[False, True, False])
        .group_by("step_no", maintain_order=True)
        .agg(pl.col("value").head(EXAMPLE_VALUES))
    )
    return counts.select(
        "step_no",
        example_values=pl.col("value").map_elements(
            lambda v: json.dumps(v.to_list()), return_dtype=pl.String
        ),
    )


def _matches(per_event: pl.DataFrame) -> pl.DataFrame:
    """Each paste's step and the step of the latest earlier copy of its value in its
    instance: ``event_id, step_no, copy_step``."""
    copies = per_event.filter(pl.col("kind").str.contains("(?i)copy")).select(
        "instance_id", "value", copy_pos="position", copy_step="step_no"
    )
    pastes = per_event.filter(
        pl.col("kind").str.contains("(?i)paste") & pl.col("value").is_not_null()
    ).select("instance_id", "value", "event_id", "position", "step_no")
    return (
        pastes.join(copies, on=["instance_id", "value"])
        .filter(pl.col("copy_pos") < pl.col("position"))
        .sort("copy_pos")
        .group_by("event_id")
        .agg(pl.col("step_no").last(), pl.col("copy_step").last())
    )


def _transfers(matched: pl.DataFrame) -> pl.DataFrame:
    """For paste steps: the step whose copy most often supplied the pasted value
    (``matched``: `_matches` of every piece)."""
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
