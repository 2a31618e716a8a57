"""Cut each user's stream of actions into task instances.

A recorder sees one long stream per user; routines are hidden in it, back to back,
interrupted, and surrounded by unrelated work. Two views of the stream are combined:
business context (`mining.context`: the values an instance works on link its events) and
structure (`mining.structure`: idle gaps and recurring start and end actions cut the
stream).

A user is segmented by context when the stream yields at least ``segment_min_contexts``
context instances and structure contradicts them (they straddle its cuts because noise
fills the pauses, or share its segments), by structure otherwise.
"""

from __future__ import annotations

import polars as pl

from mining.config import MiningConfig
from mining.context import context_segments
from mining.structure import boundaries, structural_segments

OUTPUT_SCHEMA = {
    "event_id": pl.Int64,
    "user_id": pl.String,
    "instance_id": pl.Int64,
    "position": pl.Int32,
}


def segment_stream(actions: pl.DataFrame, config: MiningConfig) -> pl.DataFrame:
    """One row per event in a task instance: ``event_id, user_id, instance_id, position``.

    ``actions`` is the output of `label_actions`, ordered by user, time and event id.
    Instance ids are unique across users and numbered in order of (user, first event);
    events in no instance (noise, idle) are absent.

    Example::

        instances = segment_stream(label_actions(events, config), config)
    """
    if actions.height == 0:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    frame = actions.with_row_index("i").with_columns(pl.col("i").cast(pl.Int64))
    cuts = boundaries(frame, config).select(
        "i", "user_id", "action", "start", segment=pl.col("boundary").cum_sum().cast(pl.Int64)
    )
    context = context_segments(frame, config).with_columns(user_id=frame["user_id"])
    by_context = _context_users(context, cuts["segment"], config)
    in_context = pl.col("user_id").is_in(by_context.implode())
    structure = structural_segments(cuts.filter(~in_context), config)
    offset = int(context["segment"].max() or 0) + 1  # keep the two kinds of ids apart
    chosen = (
        pl.concat(
            [
                context.filter(in_context).select("i", "segment"),
                structure.select("i", segment=pl.col("segment") + offset),
            ]
        )
        .drop_nulls("segment")
        .join(frame.select("i", "event_id", "user_id", "ts"), on="i")
    )
    first = chosen.group_by("segment").agg(
        pl.col("user_id").first(), start=pl.col("ts").min(), first_i=pl.col("i").min()
    )
    numbering = first.sort("user_id", "start", "first_i").select(
        "segment", instance_id=pl.int_range(pl.len(), dtype=pl.Int64)
    )
    return (
        chosen.join(numbering, on="segment", how="left")
        .sort("instance_id", "i")
        .select(
            pl.col("event_id").cast(pl.Int64),
            pl.col("user_id").cast(pl.String),
            "instance_id",
            position=pl.int_range(pl.len()).over("instance_id").cast(pl.Int32),
        )
    )


def _context_users(context: pl.DataFrame, cuts: pl.Series, config: MiningConfig) -> pl.Series:
    """Users whose context instances structure cannot explain.

    Where structure works (a routine repeated with pauses between instances), each
    instance's few linked values sit inside one segment of its own; where noise fills
    every pause, context instances straddle structural cuts, or share a segment when
    there are no cuts to speak of, and structure is not to be trusted.
    """
    pairs = (
        context.with_columns(structure=cuts)
        .drop_nulls("segment")
        .select("user_id", "segment", "structure")
        .unique()
        .with_columns(hosted=pl.len().over("structure"))
    )
    spans = pairs.group_by("user_id", "segment").agg(
        disagree=(pl.len() > 1) | (pl.col("hosted").max() > 1)
    )
    return (
        spans.group_by("user_id")
        .agg(contexts=pl.len(), disagreeing=pl.col("disagree").mean())
        .filter(
            (pl.col("contexts") >= config.segment_min_contexts)
            & (pl.col("disagreeing") >= config.segment_context_disagree)
        )["user_id"]
    )
