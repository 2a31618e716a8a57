"""Segmenting a user's stream by its structure (`structural_segments`).

For streams without business context (most public UI logs). Signals: idle gaps and session
changes always cut; recurring start and end actions (the back-edges of the directly-
follows graph in Leno et al., ICPM 2020) cut too. A start action is one whose
occurrences nearly always follow a pause (a low quantile of its preceding gaps is above
the user's typical gap), an end action one nearly always followed by a pause; a pause
before any other action is only thinking time. Unrelated work after an instance's end is
trimmed off by its rarity among the routine's segments. Stretches shorter than
``segment_min_events`` are noise.
"""

from __future__ import annotations

import polars as pl

from mining.config import MiningConfig


def structural_segments(cuts: pl.DataFrame, config: MiningConfig) -> pl.DataFrame:
    """``i, segment``: the stretches between cuts (``cuts``: `boundaries` numbered into
    ``segment``), their foreign tails trimmed (`_trim_tails`); short ones are null."""
    segments = _trim_tails(cuts, config)
    size = pl.len().over("segment")
    return segments.select(
        "i", segment=pl.when(size >= config.segment_min_events).then(pl.col("segment"))
    )


def _trim_tails(segments: pl.DataFrame, config: MiningConfig) -> pl.DataFrame:
    """Drop the trailing events that segments opened by the same action rarely contain.

    Cuts fall on start actions, so work done between the end of one instance and the
    start of the next (a glance at the news, a chat) trails the first instance. Among
    the segments that begin with the same action — instances of one routine — such
    actions are rare (support below ``segment_tail_support``), the routine's own are not.
    A segment opened by something else than a start action (after an end action or an
    idle gap) keeps only the actions that recurring routines use, if there are any.
    """
    first = pl.col("action").first().over("segment")
    group_size = pl.col("segment").n_unique().over("opener")
    support = (
        segments.with_columns(opener=first)
        .with_columns(segments_of_opener=group_size)
        .group_by("opener", "action")
        .agg(
            support=pl.col("segment").n_unique() / pl.col("segments_of_opener").first(),
            counted=pl.col("segments_of_opener").first() >= config.segment_min_contexts,
        )
    )
    rare = (pl.col("support") < config.segment_tail_support) & pl.col("counted")
    # routine actions: common in the segments of some start action
    routine = (
        support.join(
            segments.filter(pl.col("start").fill_null(False)).select(opener="action").unique(),
            on="opener",
        )
        .filter((pl.col("support") >= config.segment_tail_support) & pl.col("counted"))
        .select("action", routine=pl.lit(True))
        .unique()
    )
    known = routine.height > 0  # without recurring routines there is nothing to compare to
    opened_by_start = pl.col("start").first().over("segment").fill_null(False)
    return (
        segments.with_columns(opener=first)
        .join(support, on=["opener", "action"], how="left", maintain_order="left")
        .join(routine, on="action", how="left", maintain_order="left")
        .with_columns(
            # an event is in the tail when it and every later event of its segment are rare
            tail=(~rare).cast(pl.Int32).cum_sum(reverse=True).over("segment") == 0,
            # between an end and the next start, only what some routine does is kept
            stray=~opened_by_start & pl.col("routine").is_null() & known,
        )
        .with_columns(segment=pl.when(~pl.col("tail") & ~pl.col("stray")).then(pl.col("segment")))
        .select("i", "segment")
    )


def boundaries(frame: pl.DataFrame, config: MiningConfig) -> pl.DataFrame:
    """``frame`` with a boolean ``boundary``: the event starts a new stretch of work."""
    user = pl.col("user_id")
    first = (user != user.shift(1)).fill_null(True)
    gap = (pl.col("ts") - pl.col("ts").shift(1)).dt.total_microseconds() / 1e6
    out = frame.select(
        "i",
        "event_id",
        "user_id",
        "action",
        first=first,
        session_change=(pl.col("session_id") != pl.col("session_id").shift(1)).fill_null(False),
        gap=pl.when(first).then(None).otherwise(gap),
    )
    typical = out.group_by("user_id").agg(
        typical=pl.col("gap").filter(pl.col("gap") > 0).median().fill_null(1.0)
    )
    out = out.join(typical, on="user_id", how="left", maintain_order="left").with_columns(
        pace=pl.col("gap") / pl.col("typical"),
        idle=(pl.col("gap") >= config.segment_idle_s).fill_null(False),
    )
    out = out.with_columns(pace_after=pl.col("pace").shift(-1).over("user_id"))
    q = config.segment_pause_quantile
    roles = out.group_by("action").agg(
        start=pl.col("pace").quantile(q) > config.segment_pause,
        end=pl.col("pace_after").quantile(q) > config.segment_pause,
    )
    out = out.join(roles, on="action", how="left", maintain_order="left").with_columns(
        after_end=pl.col("end").shift(1).over("user_id").fill_null(False)
    )
    return out.with_columns(
        boundary=pl.col("first")
        | pl.col("session_change")
        | pl.col("idle")
        | pl.col("start").fill_null(False)
        | pl.col("after_end")
    )
