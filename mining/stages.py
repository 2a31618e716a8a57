"""The mining pipeline cut at the seams where it needs the whole log, so that it runs
one user at a time.

Most of mining is per user: a user's events are labelled, cut into instances and
aggregated without looking at anyone else's. A few steps learn from every user, and
each of those is split into a small global *fit* and a per-user *apply*:

======================  ==========================================  ==================
step                    what every user contributes (summary)       fitted on the driver
======================  ==========================================  ==================
title/label templates   counts of masked texts (`count_texts`)      `fit_templates`
generated ids           turns of generated numbers (`count_turns`)  `fit_ids`
click spots             distinct unnamed click positions            `fit_spots`
routines                the user's int-coded action stream          `find_routines`
strays                  counts per routine, window and action       `find_strays`
batches                 pieces per routine, and how many are whole  `batch_routines`
tails                   short pieces right after another routine's  `tail_routines`
                        instance, per routine
context window shares   events per window template inside spans     `fit_window_shares`
clustering              distinct variants, instances' variant       `cluster_variants`
======================  ==========================================  ==================

Alignment, discovery and scoring are per candidate. The functions here are pure: each
``user_*`` function takes one user's frames and the fitted globals and returns
``(summary, *frames to keep)``; an engine (`mining.engines`) decides where they run and
where the kept frames live. What every user contributes is small next to the events,
except the coded stream routine discovery needs (13 bytes an event, and `find_routines`
works on every event at once: about 120 bytes an event at its peak). A candidate's task
is handed its users' pieces unread and reads one at a time (`align_cluster` adds up
what each gives), keeping only a few narrow columns of all its events (the action key
and each event's step): memory grows with the largest user and those columns. A user's
rows of ``instance_events`` (one per event) stay with the engine until the driver writes
them to the database, one user after another (`Engine.fetch`).

Context segmentation (`mining.context`) finds each user's spans alone (no span reaches
into the next user's events, as one could in the whole log); how much of a window
template's use falls inside spans is fitted over every user.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from mining.actions import LabelFit, count_texts, count_turns, label_actions, spot_points
from mining.align import align_cluster, project_on_steps
from mining.cluster import count_variants
from mining.config import MiningConfig
from mining.context import count_window_shares
from mining.discover import discover_model
from mining.engines import Piece
from mining.routines import Routines
from mining.score import confidence_of, keyboard_counts
from mining.segment import segment_stream
from mining.structure import (
    action_codes,
    action_places,
    cell_rows,
    count_strays,
    finish_segments,
    hard_cuts,
    routine_segments,
)

#: What alignment and discovery read of a candidate's events (`align_cluster`'s
#: documented input, and the time for `project_on_steps`): the rest stays with the user.
CANDIDATE_COLUMNS = (
    "event_id",
    "instance_id",
    "position",
    "ts",
    "action",
    "kind",
    "app",
    "title_template",
    "text",
    "screenshot_id",
    "element_id",
    "element_name",
    "element_label",
    "element_role",
    "attrs",
)


@dataclass(frozen=True)
class Stream:
    """One user's contribution to `find_routines`: local action codes (indices into
    ``vocabulary``, the user's sorted distinct labels), hard cuts, times and
    spreadsheet rows (`structure.cell_rows`)."""

    vocabulary: pl.Series
    codes: np.ndarray
    hard: np.ndarray
    seconds: np.ndarray
    rows: np.ndarray


def user_texts(
    events: pl.DataFrame, config: MiningConfig
) -> tuple[tuple[pl.DataFrame, pl.DataFrame]]:
    """Counts of a user's masked titles and labels (`fit_templates` adds them up) and of
    the turns of generated ids (`fit_ids` adds them up)."""
    return ((count_texts(events, config), count_turns(events)),)


def user_points(
    events: pl.DataFrame, config: MiningConfig, templates: pl.DataFrame, ids: pl.DataFrame
) -> tuple[pl.DataFrame]:
    """A user's distinct click positions that need a spot (`fit_spots` unites them)."""
    return (spot_points(events, config, templates, ids),)


def user_actions(
    events: pl.DataFrame, config: MiningConfig, fit: LabelFit
) -> tuple[Stream, pl.DataFrame]:
    """Label a user's events with the log's templates and spots; keep the actions and
    return the user's coded stream."""
    actions = label_actions(events, config, fit)
    vocabulary = actions["action"].unique().sort()
    stream = Stream(
        vocabulary=vocabulary,
        codes=action_codes(actions["action"], vocabulary).astype(np.int32),
        hard=hard_cuts(actions, config).to_numpy(),
        seconds=actions["ts"].dt.epoch("us").to_numpy() / 1e6,
        rows=cell_rows(actions),
    )
    return stream, actions


def log_codes(streams: list[Stream]) -> tuple[pl.Series, list[np.ndarray]]:
    """The log's sorted action vocabulary and each user's codes in it."""
    vocabulary = pl.concat([s.vocabulary for s in streams]).unique().sort()
    codes = []
    for stream in streams:
        local = action_codes(stream.vocabulary, vocabulary)
        codes.append(local[stream.codes])
    return vocabulary, codes


def user_structure(
    actions: pl.DataFrame, codes: np.ndarray, routines: Routines, config: MiningConfig
) -> tuple[tuple[pl.DataFrame, pl.DataFrame], pl.DataFrame]:
    """A user's structural segments before strays (`routine_segments`), given the log's
    routines with ``routines.event`` cut to this user; return the stray counts
    (`find_strays` adds them up) and the window counts of the user's context spans
    (`fit_window_shares` adds them up)."""
    framed = _framed(actions)
    segments = routine_segments(framed, codes, routines, config)
    kept = segments.select("i", "stretch", "routine", "id", "at_start", "code", "copy_of")
    return (count_strays(segments, config), count_window_shares(framed, config)), kept


def user_instances(
    actions: pl.DataFrame,
    segments: pl.DataFrame,
    config: MiningConfig,
    strays: pl.DataFrame,
    batching: pl.DataFrame,
    tails: pl.DataFrame,
    shares: pl.DataFrame,
    vocabulary: pl.Series,
    coarse: np.ndarray,
) -> tuple[tuple[int, tuple[pl.DataFrame, pl.DataFrame]], pl.DataFrame]:
    """A user's task instances (numbered from 0) with their events' actions; return
    their number and their distinct variants (`count_variants`, coded by the log's
    ``vocabulary`` and ``coarse`` codes), all clustering needs of them."""
    structure = finish_segments(
        segments,
        strays,
        batching,
        tails,
        config,
        *action_places(vocabulary),
    )
    located = (
        segment_stream(actions, config, structure, shares)
        .select("event_id", "instance_id", "position", "routine")
        .join(actions, on="event_id", how="left")
    )
    n = int(located["instance_id"].max()) + 1 if located.height else 0
    steps = located.select(
        "instance_id",
        "position",
        "routine",
        code=pl.Series(action_codes(located["action"], vocabulary), dtype=pl.Int32),
    )
    return (n, count_variants(steps, coarse)), located


def user_results(
    located: pl.DataFrame, offset: int, assignment: pl.DataFrame, n_clusters: int
) -> tuple:
    """A user's rows of the result tables, and its events of each candidate.

    ``offset`` makes the user's instance ids those of the whole log. Returns
    ``((instances, keyboard counts), instance_events, *events of candidate 0..n-1)``,
    None for a candidate the user has no instance of (most users have a few). Only the
    summary (a row per instance) goes to the driver at once; ``instance_events`` (a row
    per event) is kept, for the driver to write one user at a time.
    """
    located = located.with_columns(pl.col("instance_id") + offset).join(
        assignment.select("instance_id", "cluster"), on="instance_id"
    )
    instances = located.group_by("instance_id", maintain_order=True).agg(
        user_id=pl.col("user_id").first(),
        session_id=pl.col("session_id").first(),
        start_ts=pl.col("ts").min(),
        end_ts=pl.col("ts").max(),
        n_events=pl.len().cast(pl.Int32),
    )
    events = located.select("instance_id", "event_id", "position", "action")
    keyboard = keyboard_counts(located.filter(pl.col("cluster") >= 0))
    aligned = located.select("cluster", *CANDIDATE_COLUMNS)
    pieces = aligned.partition_by("cluster", as_dict=True, maintain_order=True, include_key=False)
    candidates = [pieces.get((c,)) for c in range(n_clusters)]  # None: no instance there
    return ((instances, keyboard), events, *candidates)


def candidate_parts(
    cluster: int, *pieces: Piece | None, assignment: pl.DataFrame, config: MiningConfig
) -> tuple[dict[str, pl.DataFrame]]:
    """Align and discover one candidate from its events (``pieces``: each user's, in
    user order, read when used: `Engine.map` with ``lazy``; None or reading None for a
    user without instances in it): its rows of ``steps``,
    ``variants``, ``of`` (instance → variant), ``alignment`` and ``quality``.

    Only one user's piece is in memory at a time (alignment and the projection on its
    steps read each piece when they come to it), so that the memory of a candidate's
    alignment grows with its largest user and a few narrow columns of all its events."""
    events = _OnRead(pieces)
    alignment = align_cluster(events, config)
    model = discover_model(project_on_steps(events, alignment), config)
    members = assignment.filter(pl.col("cluster") == cluster)
    process = pl.lit(cluster, pl.Int32).alias("process_id")
    confidence = confidence_of(
        members["membership"].mean(),
        members["persistence"][0],
        alignment.consistency,
        alignment.exception_share,
    )
    one = {"schema_overrides": {"process_id": pl.Int32}}
    return (
        {
            "steps": alignment.steps.with_columns(process),
            "variants": model.variants.with_columns(process),
            "of": model.instance_variants,
            "alignment": pl.DataFrame(
                {
                    "process_id": [cluster],
                    "consistency": [alignment.consistency],
                    "exception_share": [alignment.exception_share],
                },
                **one,
            ),
            "quality": pl.DataFrame(
                {
                    "process_id": [cluster],
                    "confidence": [confidence],
                    "fitness": [model.fitness],
                    "precision": [model.precision],
                    "bpmn_xml": [model.bpmn_xml],
                    "dfg": [model.dfg],
                },
                **one,
            ),
        },
    )


def user_routines(routines: Routines, bounds: tuple[int, int]) -> Routines:
    """The log's routines with ``event`` cut to one user's rows ``[start, end)``."""
    start, end = bounds
    row_open = None if routines.row_open is None else routines.row_open[start:end]
    return replace(routines, event=routines.event[start:end], row_open=row_open)


class _OnRead:
    """Pieces read each time they are iterated (and let go after), the empty ones
    (None) left out."""

    def __init__(self, pieces: Sequence[Piece | pl.DataFrame | None]) -> None:
        self._pieces = pieces

    def __iter__(self) -> Iterator[pl.DataFrame]:
        for piece in self._pieces:
            frame = (
                piece.read() if piece is not None and not isinstance(piece, pl.DataFrame) else piece
            )
            if frame is not None:
                yield frame


def _framed(actions: pl.DataFrame) -> pl.DataFrame:
    """Actions with the row index ``i`` that segmentation numbers events by."""
    return actions.with_row_index("i").with_columns(pl.col("i").cast(pl.Int64))
