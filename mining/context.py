"""Segmenting a user's stream by business context (`context_segments`).

Most routines work on one business object — an invoice, a customer, a ticket — whose
number or name shows up in several events of the instance (typed, copied, pasted, in
window titles and URLs) and nowhere else. Tokens that recur only within a short stretch
of one user's time (a document's file name: of one session) link events; linked events
spread over two or more windows form an instance, and one that starts inside another and
works only in its kinds of window is a fragment of it. Events between an instance's
first and last linked event belong to it when their window is one that routines use (not
a chat that interrupts them); an instance interrupted by another keeps both halves (the
innermost open instance owns each event), so interleaved routines are never glued
together. Instances then grow over their edges: the window a routine starts in, the rest
of the form it ends in. Events in no instance are noise.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from mining.actions import ACTIVATION
from mining.config import MiningConfig

#: Value tokens: runs of word characters (and the punctuation inside ids and amounts).
_TOKEN = r"[A-Za-z0-9@#][\w@.#+'-]*[A-Za-z0-9]"
#: Kinds that enter or move data (recorder and UI-log names); other kinds count when
#: they carry a value, except those whose text is not data (keys pressed).
DATA_KINDS = ("type", "paste", "copy", "cut", "insertValue", "editField", "changeField")
_NO_DATA_KINDS = ("hotkey", "focus", "idle", "scroll", "pressKey")
#: A document's file name: the business object of document work.
_FILE_NAME = r"\.[A-Za-z][A-Za-z0-9]{1,4}$"
#: Separators between the parts of a window title.
_TITLE_PARTS = r"\s+[-|·–—]\s+|:\s+"


def context_segments(
    frame: pl.DataFrame, config: MiningConfig, shares: pl.DataFrame | None = None
) -> pl.DataFrame:
    """``i, segment, linked``: the context instance each event belongs to (null: none),
    and whether the event holds a value that links it to another (context could see it).

    ``shares`` (`fit_window_shares`) says how much of each window template's use falls
    inside context spans over a larger log than ``frame`` (one user's events, when
    `mining.stages` segments one user at a time); by default ``frame``'s own.
    """
    spans = _spans(frame, config)
    if spans is None:
        return frame.select("i", segment=pl.lit(None, pl.Int64), linked=pl.lit(False))
    events, keyed, seeds = spans
    if shares is None:
        shares = fit_window_shares(_window_counts(events))
    segments = _trim_foreign(events, keyed, seeds, shares, config)
    return segments.with_columns(linked=pl.col("i").is_in(keyed["i"].implode()))


def count_window_shares(frame: pl.DataFrame, config: MiningConfig) -> pl.DataFrame:
    """``template, inside, events``: per window template, how many events fall inside
    context spans, of how many (the input of `fit_window_shares`; counts of two parts
    of a log add up)."""
    spans = _spans(frame, config)
    if spans is None:
        return pl.DataFrame(schema=_WINDOW_COUNTS)
    return _window_counts(spans[0])


_WINDOW_COUNTS = {"template": pl.String, "inside": pl.UInt32, "events": pl.UInt32}


def fit_window_shares(counts: pl.DataFrame) -> pl.DataFrame:
    """``template, inside``: the share of each window template's events inside context
    spans, from the counts of one or more parts of a log."""
    return (
        counts.group_by("template")
        .agg(pl.col("inside").sum() / pl.col("events").sum())
        .sort("template")
    )


def _window_counts(events: pl.DataFrame) -> pl.DataFrame:
    return (
        events.group_by("template")
        .agg(inside=pl.col("active").is_not_null().sum(), events=pl.len())
        .cast(_WINDOW_COUNTS)
    )


def _spans(
    frame: pl.DataFrame, config: MiningConfig
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame] | None:
    """The linked events and context seeds of ``frame``, and each event's window
    template and the span it falls in (``active``); None without any context."""
    keyed = _linked_events(frame, config)
    seeds = _seed_contexts(frame, keyed, config)
    if seeds.height == 0:
        return None
    keyed, seeds = _absorb_fragments(frame, keyed, seeds)
    active = _innermost_open(frame, seeds)
    owner = active.join(
        keyed.join(seeds.select("comp"), on="comp"), on="i", how="left"
    ).with_columns(comp=pl.coalesce("comp", "active"))
    template = pl.concat_str(pl.col("app").fill_null(""), pl.col("title_template"), separator="|")
    events = frame.select(
        "i", "window_title", template=template, activation=ACTIVATION.fill_null(False)
    ).join(owner, on="i", how="left", maintain_order="left")
    return events, keyed, seeds


def _linked_events(frame: pl.DataFrame, config: MiningConfig) -> pl.DataFrame:
    """``i, comp``: events linked by transient value tokens, with their component.

    A token is transient when its occurrences in one recording session, two or more,
    all fall within ``segment_context_s``: an invoice number, a customer while it is
    looked up, this month's report file on the day the report is made.
    """
    # a token twice in one event (copied text = its label) counts twice: harmless, it
    # links that event only to itself
    tokens = _value_tokens(frame, config)
    # documents are opened again on other days (this month's report): a file name is
    # scoped to its session, any other token to the user's whole log
    scope = pl.when(pl.col("token").str.contains(_FILE_NAME)).then(pl.col("session"))
    tokens = tokens.with_columns(session=scope.otherwise(pl.lit("")))
    where = ["user_id", "session", "token"]
    transient = (
        tokens.group_by(where)
        .agg(n=pl.len(), span=(pl.col("ts").max() - pl.col("ts").min()).dt.total_seconds())
        .filter((pl.col("n") >= 2) & (pl.col("span") <= config.segment_context_s))
    )
    links = tokens.join(transient.select(where), on=where)
    if links.height == 0:
        return pl.DataFrame(schema={"i": pl.Int64, "comp": pl.Int64})
    node = links.select("i", key=(pl.struct(where).rank("dense") - 1).cast(pl.Int64))
    n = frame.height
    events, keys = node["i"].to_numpy(), node["key"].to_numpy() + n
    size = n + int(keys.max()) + 1
    graph = coo_matrix((np.ones(len(events)), (events, keys)), shape=(size, size))
    _, label = connected_components(graph, directed=False)
    linked = np.unique(events)
    return pl.DataFrame(
        {"i": linked, "comp": label[linked]}, schema={"i": pl.Int64, "comp": pl.Int64}
    )


def _value_tokens(frame: pl.DataFrame, config: MiningConfig) -> pl.DataFrame:
    """``i, user_id, session, ts, token``: the value tokens of each event's texts.

    Tokens are words and numbers of the text, label, title and URL, plus whole texts and
    labels (a customer's full name) and title parts ("Acme Ltd | Account | …"). A string
    that one user sees in a session for longer than ``segment_context_s`` (the inbox) cannot
    hold a transient token, so it is dropped before the regular expressions run, and
    each distinct string is tokenised once.
    """
    columns = ("text", "element_label", "window_title", "url")
    strings = pl.concat(
        [
            frame.select(
                "i",
                "user_id",
                "ts",
                session=pl.col("session_id").fill_null(""),
                source=pl.lit(c),
                string=pl.col(c),
            )
            for c in columns
        ]
    ).drop_nulls("string")
    span = (pl.col("ts").max() - pl.col("ts").min()).dt.total_seconds()
    span = span.over("user_id", "session", "string")
    strings = strings.filter(span <= config.segment_context_s)
    distinct = strings.select("source", "string").unique()
    whole = pl.col("string").str.strip_chars()
    parts = pl.col("string").str.replace_all(_TITLE_PARTS, "\x1f").str.split("\x1f")
    distinct = distinct.with_columns(
        token=pl.concat_list(
            pl.col("string").str.extract_all(_TOKEN),
            pl.when(pl.col("source") == "window_title")
            .then(parts)
            .when(pl.col("source").is_in(["text", "element_label"]))
            .then(pl.concat_list(whole))
            .otherwise(pl.lit([], dtype=pl.List(pl.String))),
        )
    )
    return (
        strings.join(distinct, on=["source", "string"])
        .select("i", "user_id", "session", "ts", "token")
        .explode("token")
        .drop_nulls("token")
        .filter(pl.col("token").str.len_chars() >= config.segment_token_chars)
    )


def _seed_contexts(frame: pl.DataFrame, keyed: pl.DataFrame, config: MiningConfig) -> pl.DataFrame:
    """Components that look like an instance: ``comp, start, end``.

    A seed spans two or more windows and ``segment_min_events`` events, and (with
    ``segment_need_data``) enters or moves data: looking a record up and reading it is
    not a task instance, keying it somewhere is.
    """
    window = pl.concat_str(pl.col("app").fill_null(""), pl.col("title_template"), separator="|")
    data = pl.col("kind").is_in(DATA_KINDS) | (
        pl.col("text").is_not_null() & ~pl.col("kind").is_in(_NO_DATA_KINDS)
    )
    facts = (
        keyed.join(frame.select("i", window=window, data=data.fill_null(False)), on="i")
        .group_by("comp")
        .agg(
            windows=pl.col("window").n_unique(),
            data=pl.col("data").any(),
            start=pl.col("i").min(),
            end=pl.col("i").max(),
        )
    )
    return (
        facts.filter(
            (pl.col("windows") >= 2)
            & (pl.col("end") - pl.col("start") + 1 >= config.segment_min_events)
            & (pl.col("data") | (not config.segment_need_data))
        )
        .select("comp", "start", "end")
        .sort("start")
    )


def _absorb_fragments(
    frame: pl.DataFrame, keyed: pl.DataFrame, seeds: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Merge a seed that starts inside another and works only in its kinds of window.

    Copying one figure after another into a report gives one small component per
    figure inside the report's own; they are fragments of it. A seed inside another
    that uses other windows (a ticket handled in the middle of an invoice) is an
    interruption and stays apart.
    """
    window = pl.concat_str(pl.col("app").fill_null(""), pl.col("title_template"), separator="|")
    windows = dict(
        keyed.join(seeds.select("comp"), on="comp")
        .join(frame.select("i", window=window), on="i")
        .group_by("comp")
        .agg(pl.col("window").unique())
        .iter_rows()
    )
    root: dict[int, int] = {}
    stack: list[list] = []  # [end, comp, windows] of open seeds, innermost last
    for comp, start, end in seeds.iter_rows():
        while stack and stack[-1][0] < start:
            stack.pop()
        mine = set(windows[comp])
        if stack and mine <= stack[-1][2]:
            parent = stack[-1]
            root[comp] = parent[1]
            parent[0] = max(parent[0], end)
            continue
        stack.append([end, comp, mine])
    if not root:
        return keyed, seeds
    mapping = pl.DataFrame(
        {"comp": list(root), "root": list(root.values())},
        schema={"comp": pl.Int64, "root": pl.Int64},
    )
    keyed = keyed.join(mapping, on="comp", how="left").select("i", comp=pl.coalesce("root", "comp"))
    seeds = (
        seeds.join(mapping, on="comp", how="left")
        .group_by(comp=pl.coalesce("root", "comp"))
        .agg(pl.col("start").min(), pl.col("end").max())
        .sort("start")
    )
    return keyed, seeds


def _innermost_open(frame: pl.DataFrame, seeds: pl.DataFrame) -> pl.DataFrame:
    """``i, active``: for each event, the latest-started seed whose span contains it.

    A sweep over span starts and ends with a stack (one step per seed, not per event)
    gives the change points of the active seed; an as-of join spreads them to events.
    """
    points: list[tuple[int, int | None]] = []
    stack: list[tuple[int, int]] = []  # (end, comp)
    for comp, start, end in seeds.iter_rows():
        while stack and stack[-1][0] < start:
            closed_end, _ = stack.pop()
            while stack and stack[-1][0] <= closed_end:
                stack.pop()
            points.append((closed_end + 1, stack[-1][1] if stack else None))
        stack.append((end, comp))
        points.append((start, comp))
    while stack:
        closed_end, _ = stack.pop()
        while stack and stack[-1][0] <= closed_end:
            stack.pop()
        points.append((closed_end + 1, stack[-1][1] if stack else None))
    changes = (
        pl.DataFrame(points, schema={"i": pl.Int64, "active": pl.Int64}, orient="row")
        .group_by("i", maintain_order=True)
        .last()
        .sort("i")
    )
    return frame.select("i").join_asof(changes, on="i", strategy="backward")


def _trim_foreign(
    events: pl.DataFrame,
    keyed: pl.DataFrame,
    seeds: pl.DataFrame,
    shares: pl.DataFrame,
    config: MiningConfig,
) -> pl.DataFrame:
    """Keep, inside each span, the events in windows the instance plausibly uses.

    An unlinked event inside a span belongs to the instance when its exact window has a
    linked event of the instance, or when its window template is mostly used inside
    spans (a form routines fill, not a chat that interrupts them). A focus or hotkey
    event follows the event after it, whose window it brings forward. The instance then
    grows over its edges (`_extend`).
    """
    own_titles = (
        keyed.join(seeds.select("comp"), on="comp")
        .join(events.select("i", "window_title"), on="i")
        .select("comp", "window_title", own=pl.lit(True))
        .unique()
    )
    linked = keyed.join(seeds.select("comp"), on="comp").select("i", linked=pl.lit(True))
    events = (
        events.join(shares, on="template", how="left", maintain_order="left")
        .join(own_titles, on=["comp", "window_title"], how="left", maintain_order="left")
        .join(linked, on="i", how="left", maintain_order="left")
        .with_columns(
            keep=pl.col("linked").fill_null(False)
            | pl.col("own").fill_null(False)
            | (pl.col("inside") >= config.segment_window_share)
        )
    )
    activation = pl.col("activation")
    for _ in range(2):  # alt+tab, then focus, then the event they bring forward
        events = events.with_columns(
            keep=pl.when(activation & (pl.col("comp") == pl.col("comp").shift(-1)))
            .then(pl.col("keep").shift(-1))
            .otherwise(pl.col("keep"))
        )
    events = _prelude(events, seeds, own_titles, config).with_columns(
        segment=pl.coalesce("prelude", pl.when(pl.col("keep")).then(pl.col("comp")))
    )
    return _extend(events, seeds, own_titles, config)


def _extend(
    events: pl.DataFrame, seeds: pl.DataFrame, own_titles: pl.DataFrame, config: MiningConfig
) -> pl.DataFrame:
    """Grow each instance over the unlinked events around it that plausibly belong to it.

    After its last linked event: the contiguous events in routine windows it used and the
    instance it returns to (if any) did not — finishing the form, retyping a value read
    on screen. Before its first: the contiguous free events in routine windows and the
    focus changes that lead to it. Focus changes go with the event after them.
    """
    routine_window = pl.col("inside") >= config.segment_window_share
    activation = pl.col("activation")
    unlinked = pl.col("linked").is_null() & pl.col("prelude").is_null()
    mine = own_titles.select("comp", "window_title", "own")
    events = (
        events.join_asof(seeds.select(i="end", last="comp").sort("i"), on="i", strategy="backward")
        .join(
            mine.rename({"comp": "last", "own": "last_own"}),
            on=["last", "window_title"],
            how="left",
            maintain_order="left",
        )
        .join(
            mine.rename({"comp": "active", "own": "active_own"}),
            on=["active", "window_title"],
            how="left",
            maintain_order="left",
        )
        .with_columns(
            trail=unlinked
            & routine_window
            & pl.col("last_own").fill_null(False)
            & ~pl.col("active_own").fill_null(False)
        )
    )
    for _ in range(2):
        events = events.with_columns(
            trail=pl.col("trail")
            | (unlinked & activation & pl.col("trail").shift(-1).fill_null(False))
        )
    events = _blocks(events, "trail")
    tail = seeds.select(tail="comp", i=pl.col("end") + 1).join(
        events.filter("trail").select("i", "trail_block"), on="i"
    )
    events = events.join(
        tail.select("tail", "trail_block"), on="trail_block", how="left", maintain_order="left"
    ).with_columns(tail=pl.when(pl.col("trail")).then(pl.col("tail")))
    lead = (
        unlinked
        & pl.col("active").is_null()
        & pl.col("tail").is_null()
        & (activation | routine_window)
    )
    events = _blocks(events.with_columns(lead=lead.fill_null(False)), "lead")
    head = seeds.select(head="comp", i=pl.col("start") - 1).join(
        events.filter("lead").select("i", "lead_block"), on="i"
    )
    return (
        events.join(
            head.select("head", "lead_block"), on="lead_block", how="left", maintain_order="left"
        )
        .with_columns(head=pl.when(pl.col("lead")).then(pl.col("head")))
        .select("i", segment=pl.coalesce("prelude", "tail", "segment", "head"))
    )


def _prelude(
    events: pl.DataFrame, seeds: pl.DataFrame, own_titles: pl.DataFrame, config: MiningConfig
) -> pl.DataFrame:
    """``prelude``: the unlinked events just before an instance in the routine window it
    starts in, in routine windows the instance it interrupts does not use, and the focus
    changes to them.

    They open that instance (the queue is shown before a ticket is clicked; the worklist
    row is copied before the customer's page is opened), even when the instance before,
    or the one it interrupts, used the same window.
    """
    starts = (
        seeds.join(events.select(start="i", start_title="window_title"), on="start")
        .select("start", "start_title", next_comp="comp")
        .sort("start")
    )
    routine_window = pl.col("inside") >= config.segment_window_share
    foreign = pl.col("active").is_not_null() & pl.col("active_own").is_null()
    near = pl.col("linked").is_null() & (
        pl.col("activation")
        | (routine_window & ((pl.col("window_title") == pl.col("start_title")) | foreign))
    )
    # an event is in the prelude when every event from it up to the start is near
    broken = (~(near | (pl.col("i") == pl.col("start")))).cast(pl.Int32)
    mine = own_titles.select(active="comp", window_title="window_title", active_own="own")
    return (
        events.join_asof(starts, left_on="i", right_on="start", strategy="forward")
        .join(mine, on=["active", "window_title"], how="left", maintain_order="left")
        .with_columns(broken=broken.cum_sum(reverse=True).over("start"), near=near)
        .with_columns(
            prelude=pl.when(
                pl.col("near") & (pl.col("i") < pl.col("start")) & (pl.col("broken") == 0)
            ).then(pl.col("next_comp"))
        )
        .drop("start", "start_title", "next_comp", "near", "broken", "active_own")
    )


def _blocks(events: pl.DataFrame, flag: str) -> pl.DataFrame:
    """Number the runs of consecutive rows with the same value of ``flag``."""
    change = (pl.col(flag) != pl.col(flag).shift(1)).fill_null(True)
    return events.with_columns(change.cum_sum().alias(f"{flag}_block"))
