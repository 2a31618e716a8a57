"""Cut each user's stream of actions into task instances.

A recorder sees one long stream per user; routines are hidden in it, back to back,
interrupted, and surrounded by unrelated work. Two views of the stream are combined:
business context (`mining.context`: the values an instance works on link its events) and
structure (`mining.structure`: which routine each action belongs to, and where each
routine starts).

Each view fragments the other where it is wrong: context cuts a form filled from a
spreadsheet into one instance per copied value; structure cuts a desktop full of mail,
chat and browsing into pieces wherever the noise breaks a routine's vocabulary. A user
is segmented by context where context explains the stream better (`_context_users`),
by structure otherwise; and by structure, too, where context is blind or lost the
thread, in instances no context instance touches (`_unseen`): a routine without values,
done in batches or in long instances; a long form keyed in a routine context follows,
whose values a break kept from linking.
"""

from __future__ import annotations

import polars as pl

from mining.actions import page_url
from mining.config import MiningConfig
from mining.context import DATA_KINDS, context_segments
from mining.structure import structural_segments

OUTPUT_SCHEMA = {
    "event_id": pl.Int64,
    "user_id": pl.String,
    "instance_id": pl.Int64,
    "position": pl.Int32,
    "routine": pl.Int64,
}


def segment_stream(
    actions: pl.DataFrame,
    config: MiningConfig,
    structure: pl.DataFrame | None = None,
    shares: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per event in a task instance: ``event_id, user_id, instance_id, position,
    routine`` (the structural routine, `mining.routines`; null where context segmented).

    ``actions`` is the output of `label_actions`, ordered by user, time and event id.
    Instance ids are unique across users and numbered in order of (user, first event);
    events in no instance (noise, idle) are absent. ``structure`` is
    `structural_segments` of these actions when a larger log's routines made it, and
    ``shares`` the window shares of that log's context spans (`mining.stages` segments
    one user at a time).

    Example::

        instances = segment_stream(label_actions(events, config), config)
    """
    if actions.height == 0:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    frame = actions.with_row_index("i").with_columns(pl.col("i").cast(pl.Int64))
    if structure is None:
        structure = structural_segments(frame, config)
    structure = structure.with_columns(user_id=frame["user_id"])
    context = context_segments(frame, config, shares).with_columns(user_id=frame["user_id"])
    by_context = _context_users(structure, context, config)
    in_context = pl.col("user_id").is_in(by_context.implode())
    offset = int(context["segment"].max() or 0) + 1  # keep the two kinds of ids apart
    unseen = _unseen(structure.with_columns(action=frame["action"]), context)
    chosen = (
        pl.concat(
            [
                # structure's routines are what context won against: not trusted here,
                # but where context could not see (`_unseen`)
                context.filter(in_context).select("i", "segment", routine=pl.lit(None, pl.Int64)),
                structure.filter(~in_context | pl.lit(unseen)).select(
                    "i", pl.col("segment") + offset, "routine"
                ),
            ]
        )
        .drop_nulls("segment")
        .join(frame.select("i", "event_id", "user_id", "ts"), on="i")
    )
    chosen = _apart_by_record(chosen, frame)
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
            routine="routine",
        )
    )


def _apart_by_record(chosen: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """Cut an instance where a page it showed before comes back with another record's
    number in its address (``/requests/23234/items``, then ``/requests/23238/items``):
    a new business object, or a draft resumed after other work. Numbers of three digits
    or more count; another kind of page with another number (an order, then its
    customer) is one object's work."""
    page = page_url(pl.col("url"))
    numbered = page.str.contains(r"\d{3,}")
    pages = frame.select(
        "i",
        template=pl.when(numbered).then(page.str.replace_all(r"\d{3,}", "<n>")),
        record=pl.when(numbered).then(page.str.extract_all(r"\d{3,}").list.join(",")),
    )
    marked = chosen.sort("segment", "i").join(pages, on="i", how="left", maintain_order="left")
    record, template = pl.col("record"), pl.col("template")
    before = record.forward_fill().shift(1).over("segment")
    seen = template.is_not_null() & (pl.int_range(pl.len()).over("segment", "template") > 0)
    cut = (record.is_not_null() & (record != before) & seen).fill_null(False)
    part = cut.cast(pl.Int64).cum_sum().over("segment")
    return marked.with_columns(
        segment=pl.struct("segment", part).rank("dense").cast(pl.Int64)
    ).drop("template", "record")


#: Most share of a routine's events holding a linking value for context to be blind to
#: it, and fewest of its instances, on average, done one after another (a batch; noise
#: without values, a glance at the calendar, comes once or twice at a time)...
UNSEEN_LINKED = 0.05
UNSEEN_BATCH = 3.0
#: ...or fewest steps of its instances, at the median (a glance is a few steps: a page
#: scrolled through is one).
UNSEEN_STEPS = 8
#: Share of a routine's structural instances that context touches, at least, for it to
#: be work context follows (and an untouched one of them, one it lost).
UNSEEN_FOLLOWED = 0.5


def _unseen(structure: pl.DataFrame, context: pl.DataFrame) -> pl.Series:
    """Per event of ``structure``: in a structural instance that no context instance
    touches, and that context could not see or lost.

    Could not see: of a routine whose events hardly ever hold a value that links them
    (`UNSEEN_LINKED`) and that is done in batches (`UNSEEN_BATCH`) or in instances of
    many steps (`UNSEEN_STEPS`), such as approvals clicked in an inbox recorded without
    titles, next to forms whose values context follows. Noise with values (mail read,
    chats) is linked, and is left to context.

    Lost: of a routine context follows (`UNSEEN_FOLLOWED`), keying data over many steps:
    a request left for a meeting mid-form shows its number over longer than a number
    stays in use, so nothing links its events. A look-up keys nothing and is left out
    on purpose, a short piece is left to context, and so is noise context never follows
    (searches typed on the web)."""
    both = structure.select(
        "user_id",
        "segment",
        "routine",
        "action",
        in_context=context["segment"].is_not_null(),
        linked=context["linked"],
    )
    kind = pl.col("action").str.extract(r"^([^|]*)", 1)
    instances = (
        both.drop_nulls("segment")
        .group_by("user_id", "segment", maintain_order=True)
        .agg(
            pl.col("routine").first(),
            pl.col("in_context").any(),
            keyed=kind.is_in(DATA_KINDS).any(),
            steps=(pl.col("action") != pl.col("action").shift(1)).fill_null(True).sum(),
        )
        .with_columns(
            run=pl.col("routine").ne_missing(pl.col("routine").shift(1)).over("user_id"),
            followed=pl.col("in_context").mean().over("user_id", "routine"),
        )
    )
    work = instances.group_by("user_id", "routine").agg(
        work=(pl.len() >= UNSEEN_BATCH * pl.col("run").sum())
        | (pl.col("steps").median() >= UNSEEN_STEPS)
    )
    blind = (
        both.group_by("user_id", "routine")
        .agg(pl.col("linked").mean() <= UNSEEN_LINKED)
        .join(work, on=["user_id", "routine"])
        .filter("linked", "work")
    )
    untouched = instances.filter(~pl.col("in_context"))
    lost = (
        (pl.col("followed") >= UNSEEN_FOLLOWED)
        & pl.col("keyed")
        & (pl.col("steps") >= UNSEEN_STEPS)
    )
    keep = (
        pl.concat(
            [untouched.join(blind, on=["user_id", "routine"], how="semi"), untouched.filter(lost)]
        )
        .select("user_id", "segment", unseen=pl.lit(True))
        .unique()
    )
    return both.join(keep, on=["user_id", "segment"], how="left", maintain_order="left")[
        "unseen"
    ].fill_null(False)


def _context_users(
    structure: pl.DataFrame, context: pl.DataFrame, config: MiningConfig
) -> pl.Series:
    """Users whose context instances are the better explanation of their stream.

    ``structure`` and ``context`` hold each event's instance (``segment``), ``user_id``,
    and for structure its ``routine``. An instance is cut by the other view when its
    events fall into two or more of the other's. Given ``segment_min_contexts`` context
    instances, context wins when

    - structure cuts at least ``segment_context_disagree`` of them (noise breaks the
      routines' vocabulary);
    - structure cuts no fewer of them than they cut of its instances;
    - they do not glue: fewer than ``segment_context_glue`` of the context instances
      that structure cuts hold two instances of one routine (a value seen in two
      consecutive instances links them; noise breaks one instance into several
      routines' pieces);
    - they are alike in length: the longest tenth is at most ``segment_context_spread``
      times the median in events. A value that two records share (a surname, a cost
      centre) links the instances between them into one many times as long as the
      others, while a routine's instances vary by their optional steps.
    """
    both = context.select("user_id", "segment").with_columns(
        structure=structure["segment"], routine=structure["routine"]
    )
    pairs = (
        both.drop_nulls("segment")
        .drop_nulls("structure")
        .select("user_id", "segment", "structure", "routine")
        .unique()
    )
    context_cut = pairs.group_by("user_id", "segment").agg(
        cut=pl.col("structure").n_unique() > 1,
        glued=pl.col("routine").value_counts().struct.field("count").max() > 1,
    )
    structure_cut = (
        pairs.group_by("user_id", "structure")
        .agg(cut=pl.len() > 1)
        .group_by("user_id")
        .agg(structure_cut=pl.col("cut").mean())
    )
    rates = (
        context_cut.group_by("user_id")
        .agg(
            contexts=pl.len(),
            context_cut=pl.col("cut").mean(),
            glued=pl.col("glued").filter("cut").mean(),
        )
        .join(structure_cut, on="user_id", how="left")
        .join(_spread(context), on="user_id", how="left")
        .fill_null(0.0)
    )
    disagree = config.segment_context_disagree
    return rates.filter(
        (pl.col("contexts") >= config.segment_min_contexts)
        & (pl.col("context_cut") >= disagree)
        & (pl.col("context_cut") >= pl.col("structure_cut"))
        & (pl.col("glued") < config.segment_context_glue)
        & (pl.col("spread") <= config.segment_context_spread)
    )["user_id"]


def _spread(context: pl.DataFrame) -> pl.DataFrame:
    """``user_id, spread``: how many times its median context instance the tenth-longest
    is, in events."""
    sizes = context.drop_nulls("segment").group_by("user_id", "segment").len()
    return sizes.group_by("user_id").agg(
        spread=pl.col("len").quantile(0.9) / pl.col("len").median()
    )
