"""Which actions make up which routine, and where each routine starts.

A user's stream holds several routines back to back (and noise between them). Without
window titles or business values, the repetition itself tells them apart:

1. *Communities*: actions that directly follow each other often belong together.
   Louvain communities of the undirected directly-follows graph group them, but they
   cut a long routine into chunks (a ring of 30 actions has no single dense core).
2. *Lockstep*: two chunks of one routine take turns: between two occurrences of one
   chunk's anchor (the action it does once per instance) the other's occurs exactly
   once. Two routines done in random order do not: another instance of the first, or two
   of the second, often come between. Chunks that take turns in at least
   ``routine_lockstep`` of the gaps, each way, merge.
3. *Phase*: where an instance of a community starts. A cut the stream surely has (the
   start of a user's recording, a session, an idle gap) is the best evidence; without
   one, the action that most often opens a run of the community after another one.
4. *Parts*: a community that occurs inside another's instances (an optional block, a
   branch, a retried login) is part of that routine: its runs follow a run of the host
   that has not reached an end (an action directly followed by the host's start), or
   precede a run of the host that continues rather than starts.

Actions used by several routines ("OK", "Save") join no routine for good: they are left
out while routines take shape, and then an event of a weakly attached action takes the
routine its strongest directly-follows link points to (`event_routines`).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import polars as pl

from mining.config import MiningConfig


@dataclass(frozen=True)
class Routines:
    """The vocabulary of a log: ``community[a]`` for action code ``a``, each community's
    start action code ``start[c]`` and each event's routine ``event``. A community in
    ``end`` is cut after its end action ``end[c]`` instead (its start is optional)."""

    community: np.ndarray
    start: dict[int, int]
    event: np.ndarray
    end: dict[int, int]
    #: optional steps that come right before a community's start (selecting the row
    #: before copying its first cell): an instance opens at them when they are there
    prefix: dict[int, frozenset[int]]


def find_routines(
    codes: np.ndarray,
    hard: np.ndarray,
    seconds: np.ndarray,
    config: MiningConfig,
    windows: np.ndarray | None = None,
) -> Routines:
    """Routines of a stream of action codes (0..n-1) ordered by user and time.

    ``hard`` marks events that surely start a stretch of work (a new user, session or an
    idle gap); ``seconds`` is each event's time, for the pause before it; ``windows``
    gives each action code's window (app, title and URL templates) as a code, when known.

    Example::

        routines = find_routines(np.array([0, 1, 2, 0, 1, 2]), hard, seconds, config)
    """
    n_actions = int(codes.max()) + 1 if len(codes) else 0
    community = _louvain(codes, hard, n_actions, config.seed)
    community = _lockstep(codes, hard, community, config.routine_lockstep)
    pause = _pause_score(codes, hard, seconds, n_actions)
    while True:
        # shared actions are transparent while the routines take shape
        core = ~_weak(codes, hard, community, config)[codes]
        if not core.any():  # nothing but shared actions: nothing to leave out
            core[:] = True
        stretch = np.cumsum(hard)[core]
        core_hard = np.ones(len(stretch), dtype=bool)
        core_hard[1:] = stretch[1:] != stretch[:-1]
        core_codes = codes[core]
        core_event = community[core_codes]
        start = _phases(core_codes, core_hard, core_event, community, pause)
        part = _part_of(
            core_codes, core_hard, core_event, start, config.routine_part_share, windows
        )
        if part is None:
            event = event_routines(codes, hard, community, config)
            start = _phases(codes, hard, event, community, pause)
            return Routines(
                community,
                start,
                event,
                _ends(codes, hard, event, community, start),
                _prefixes(codes, hard, seconds, event, community, start),
            )
        child, host = part
        community = np.where(community == child, host, community)


def _ends(
    codes: np.ndarray,
    hard: np.ndarray,
    event: np.ndarray,
    community: np.ndarray,
    start: dict[int, int],
) -> dict[int, int]:
    """End actions of the communities whose start is optional.

    The end is the step that comes last before the start, in the routine's own events.
    It replaces the start as the cut when it is done more often than the start (an
    optional first step: selecting the row before copying its cells) and about once
    per instance (at most a tenth more often than the routine's anchor).
    """
    own = event == community[codes]
    codes_c, event_c = codes[own], event[own]
    stretch = np.cumsum(hard)[own]
    before = pl.DataFrame({"c": event_c, "a": codes_c, "stretch": stretch}).with_columns(
        prev=pl.col("a").shift(1).over("c", "stretch")
    )
    starts = pl.DataFrame({"c": list(start), "a": list(start.values())})
    preceding = (
        before.join(starts, on=["c", "a"])
        .drop_nulls("prev")
        .group_by("c", "prev")
        .len()
        .sort("c", "len", "prev", descending=[False, True, False])
        .group_by("c", maintain_order=True)
        .first()
    )
    counts = np.bincount(codes, minlength=len(community))
    anchors = _anchors(codes, community)
    ends = {}
    for c, end in preceding.select("c", "prev").iter_rows():
        n_end, n_start, n_anchor = counts[end], counts[start[c]], counts[anchors[c]]
        if n_end > n_start and n_end <= 1.1 * n_anchor:
            ends[c] = int(end)
    return ends


def _prefixes(
    codes: np.ndarray,
    hard: np.ndarray,
    seconds: np.ndarray,
    event: np.ndarray,
    community: np.ndarray,
    start: dict[int, int],
) -> dict[int, frozenset[int]]:
    """Optional first steps: actions done less often than their routine's start, followed
    by it (in the routine's own events) seven times in ten or more, and coming after the
    step that otherwise comes right before the start: they sit between one instance's
    last step and the next one's first (an end, by contrast, comes after a step of its
    own instance). Such a step opens the next instance when the pause before it is
    longer than the one after it (selecting the next row, then copying from it at once);
    otherwise it closes the last one (saving the workbook, then a pause)."""
    own = event == community[codes]
    frame = pl.DataFrame(
        {"c": event[own], "a": codes[own], "stretch": np.cumsum(hard)[own], "t": seconds[own]}
    ).with_columns(
        next=pl.col("a").shift(-1).over("c", "stretch"),
        prev=pl.col("a").shift(1).over("c", "stretch"),
        before=pl.col("t") - pl.col("t").shift(1).over("c", "stretch"),
        after=pl.col("t").shift(-1).over("c", "stretch") - pl.col("t"),
    )
    starts = pl.DataFrame({"c": list(start), "start": list(start.values())})
    counts = np.bincount(codes, minlength=len(community))
    with_start = frame.join(starts, on="c")
    candidates = (
        with_start.group_by("c", "a", "start")
        .agg(
            before_start=(pl.col("next") == pl.col("start")).fill_null(False).mean(),
            after=pl.col("prev").drop_nulls().mode().min(),
            opens=pl.col("before").median() > pl.col("after").median(),
        )
        .filter(
            (pl.col("before_start") >= 0.7) & (pl.col("a") != pl.col("start")) & pl.col("opens")
        )
    )
    # what comes right before the start when no candidate does
    plain = (
        with_start.filter(pl.col("a") == pl.col("start"))
        .join(
            candidates.select("c", prev="a", is_candidate=pl.lit(True)),
            on=["c", "prev"],
            how="left",
        )
        .filter(pl.col("is_candidate").is_null())
        .group_by("c")
        .agg(usual=pl.col("prev").drop_nulls().mode().min())
    )
    prefixes: dict[int, set[int]] = {}
    joined = candidates.join(plain, on="c").filter(pl.col("after") == pl.col("usual"))
    for c, a, s in joined.select("c", "a", "start").iter_rows():
        if counts[a] < counts[s]:
            prefixes.setdefault(c, set()).add(int(a))
    return {c: frozenset(a) for c, a in prefixes.items()}


def _louvain(codes: np.ndarray, hard: np.ndarray, n_actions: int, seed: int) -> np.ndarray:
    """Louvain communities of the undirected directly-follows graph, one id per action."""
    prev, nxt = codes[:-1], codes[1:]
    keep = ~hard[1:] & (prev != nxt)
    pairs = pl.DataFrame({"a": np.minimum(prev, nxt)[keep], "b": np.maximum(prev, nxt)[keep]})
    edges = pairs.group_by("a", "b").len().sort("a", "b")
    graph = nx.Graph()
    graph.add_nodes_from(range(n_actions))
    graph.add_weighted_edges_from(edges.iter_rows())
    found = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    community = np.empty(n_actions, dtype=np.int64)
    for k, members in enumerate(sorted(found, key=lambda c: (-len(c), min(c)))):
        community[list(members)] = k
    return community


def _anchors(codes: np.ndarray, community: np.ndarray) -> dict[int, int]:
    """Each community's anchor: of its actions with the count most of its events share
    (most steps occur once per instance; the rows of a list clicked by position are
    many actions of a few events each), the one with the smallest code."""
    counts = np.bincount(codes, minlength=len(community))
    frame = pl.DataFrame({"action": np.arange(len(community)), "c": community, "n": counts})
    modes = (
        frame.filter(pl.col("n") > 0)
        .group_by("c", "n")
        .agg(events=pl.len() * pl.col("n").first(), action=pl.col("action").min())
        .sort("c", "events", "n", "action", descending=[False, True, True, False])
        .group_by("c", maintain_order=True)
        .first()
    )
    return dict(zip(modes["c"].to_list(), modes["action"].to_list(), strict=True))


def _lockstep(
    codes: np.ndarray, hard: np.ndarray, community: np.ndarray, share: float
) -> np.ndarray:
    """Merge communities whose anchors take turns (see the module docstring)."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(community) + 1))
    stretch = np.cumsum(hard)
    while True:
        anchors = _anchors(codes, community)
        where = {c: order[bounds[a] : bounds[a + 1]] for c, a in anchors.items()}
        keys = sorted(c for c, pos in where.items() if len(pos) >= 3)
        best = None
        for i, x in enumerate(keys):
            for y in keys[i + 1 :]:
                turns = min(
                    _turns(where[x], where[y], stretch), _turns(where[y], where[x], stretch)
                )
                if turns >= share and (best is None or turns > best[0]):
                    best = (turns, x, y)
        if best is None:
            return community
        _, x, y = best
        community = np.where(community == y, x, community)


def _turns(a: np.ndarray, b: np.ndarray, stretch: np.ndarray) -> float:
    """Share of the gaps between consecutive ``a`` positions (in one stretch) that hold
    exactly one ``b``: near 1 for two steps of one routine, about 1/k or less for two
    routines done in random order (k: how many routines)."""
    same = stretch[a[1:]] == stretch[a[:-1]]
    if not same.any():
        return 0.0
    between = np.searchsorted(b, a[1:]) - np.searchsorted(b, a[:-1])
    return float(np.mean(between[same] == 1))


def _pause_score(
    codes: np.ndarray, hard: np.ndarray, seconds: np.ndarray, n_actions: int
) -> np.ndarray:
    """Median log ratio of the gap before an action to the stream's median gap: a
    routine's start usually follows a longer pause than its other steps."""
    gap = np.diff(seconds, prepend=seconds[:1])
    usable = ~hard & (gap > 0)
    typical = np.median(gap[usable]) if usable.any() else 1.0
    ratio = np.log(np.maximum(gap, 1e-3) / typical)
    frame = pl.DataFrame({"a": codes[~hard], "r": ratio[~hard]})
    medians = frame.group_by("a").agg(pl.col("r").median())
    score = np.zeros(n_actions)
    score[medians["a"].to_numpy()] = medians["r"].to_numpy()
    return score


def _weak(
    codes: np.ndarray, hard: np.ndarray, community: np.ndarray, config: MiningConfig
) -> np.ndarray:
    """Per action: fewer than ``routine_attached`` of its events' neighbours (before and
    after, in the same stretch) are in its own community."""
    own = community[codes]
    n_actions = len(community)
    joined = np.zeros(len(codes), dtype=bool)
    joined[1:] = ~hard[1:]
    next_joined = np.append(joined[1:], False)
    same = np.bincount(codes[joined], (own[joined] == np.roll(own, 1)[joined]), n_actions)
    same += np.bincount(
        codes[next_joined], (own[next_joined] == np.roll(own, -1)[next_joined]), n_actions
    )
    seen = np.bincount(codes[joined], minlength=n_actions) + np.bincount(
        codes[next_joined], minlength=n_actions
    )
    return same < config.routine_attached * np.maximum(seen, 1)


def event_routines(
    codes: np.ndarray, hard: np.ndarray, community: np.ndarray, config: MiningConfig
) -> np.ndarray:
    """Each event's routine: its action's community, unless the action is weakly attached
    to it (fewer than ``routine_attached`` of its neighbours are in it, as for an "OK"
    every routine clicks). Such an event follows its stronger directly-follows link when
    that is at least ``routine_link``: to the event before (P(this | previous action)) or
    to the event after (P(previous action is this | next action)); with neither, the
    event before."""
    own = community[codes]
    n_actions = len(community)
    joined = np.zeros(len(codes), dtype=bool)  # the event before is in the same stretch
    joined[1:] = ~hard[1:]
    next_joined = np.append(joined[1:], False)
    prev_code = np.roll(codes, 1)
    next_code = np.roll(codes, -1)
    weak = _weak(codes, hard, community, config)
    pair = prev_code.astype(np.int64) * n_actions + codes
    keys, counts = np.unique(pair[joined], return_counts=True)
    df = np.zeros(len(codes))
    df[joined] = counts[np.searchsorted(keys, pair[joined])]
    out_n = np.bincount(prev_code[joined], minlength=n_actions).astype(float)
    in_n = np.bincount(codes[joined], minlength=n_actions).astype(float)
    forward = np.where(joined, df / np.maximum(out_n[prev_code], 1), 0.0)
    backward = np.where(next_joined, np.roll(df, -1) / np.maximum(in_n[next_code], 1), 0.0)
    strong = np.maximum(forward, backward) >= config.routine_link
    moves = weak[codes] & (strong | joined)
    # with no strong link either way, an event goes with the work it follows
    inherit = moves & ((forward >= backward) | ~strong)
    routine = np.where(moves & ~inherit, np.roll(own, -1), own).astype(float)
    routine[inherit] = np.nan
    return pl.Series(routine).fill_nan(None).forward_fill().cast(pl.Int64).to_numpy()


def _runs(event: np.ndarray, hard: np.ndarray) -> np.ndarray:
    """Index of the first event of each run: a stretch of one routine within a stretch."""
    change = np.ones(len(event), dtype=bool)
    change[1:] = (event[1:] != event[:-1]) | hard[1:]
    return np.flatnonzero(change)


def _phases(
    codes: np.ndarray,
    hard: np.ndarray,
    event: np.ndarray,
    community: np.ndarray,
    pause: np.ndarray,
) -> dict[int, int]:
    """Each community's start action.

    Candidates recur within a stretch of work (on average at least 1.5 times in each
    stretch they occur in), which leaves out set-up such as opening the workbook when a
    recording starts. The start is the candidate that most often comes first among the
    community's candidates after a sure cut; without such evidence, the one that most
    often opens a run of the community after another; the longer pause breaks ties.
    """
    n_actions = len(community)
    counts = np.bincount(codes, minlength=n_actions)
    stretch = np.cumsum(hard)
    spread = (
        pl.DataFrame({"a": codes, "stretch": stretch})
        .group_by("a")
        .agg(pl.col("stretch").n_unique())
    )
    stretches = np.zeros(n_actions)
    stretches[spread["a"].to_numpy()] = spread["stretch"].to_numpy()
    candidate = (counts >= 2) & (counts >= 1.5 * stretches)
    runs = _runs(event, hard)
    opens = np.bincount(codes[runs[~hard[runs]]], minlength=n_actions)
    ok = candidate[codes] & (event == community[codes])
    firsts = (
        pl.DataFrame({"stretch": stretch, "c": event, "a": codes})
        .filter(pl.Series(ok))
        .group_by("stretch", "c", maintain_order=True)
        .first()
    )
    after_cut = np.bincount(firsts["a"].to_numpy(), minlength=n_actions)
    actions = pl.DataFrame(
        {
            "action": np.arange(n_actions),
            "c": community,
            "cut": after_cut,
            "opens": opens,
            "pause": pause,
            "rank": np.where(candidate, 0, 1),
            "n": counts,
        }
    ).filter(pl.col("n") > 0)
    best = (
        actions.sort(
            "c", "rank", "cut", "opens", "pause", "action",
            descending=[False, False, True, True, True, False],
        )
        .group_by("c", maintain_order=True)
        .first()
    )  # fmt: skip
    return dict(zip(best["c"].to_list(), best["action"].to_list(), strict=True))


def _in_host_windows(
    codes: np.ndarray, event: np.ndarray, runs: np.ndarray, windows: np.ndarray
) -> np.ndarray:
    """For each run but the first: are four in five of its events in windows the
    community of the run before it uses?"""
    window = windows[codes]
    used = pl.DataFrame({"host": event, "window": window}).unique()
    run_of = np.repeat(np.arange(len(runs)), np.diff(np.append(runs, len(codes))))
    host = event[runs][np.maximum(run_of - 1, 0)]
    shares = (
        pl.DataFrame({"run": run_of, "host": host, "window": window})
        .join(used.with_columns(known=pl.lit(True)), on=["host", "window"], how="left")
        .group_by("run")
        .agg(pl.col("known").fill_null(False).mean())
        .sort("run")
    )
    return shares["known"].to_numpy()[1:] >= 0.8


#: Fewest runs of a community before `_part_of` judges whether it is part of another.
MIN_PART_RUNS = 3


def _part_of(
    codes: np.ndarray,
    hard: np.ndarray,
    event: np.ndarray,
    start: dict[int, int],
    share: float,
    windows: np.ndarray | None = None,
) -> tuple[int, int] | None:
    """The community most clearly part of another (see the module docstring), as
    ``(part, host)``, or None.

    An end action is one directly followed by its routine's start in more than a tenth
    of its occurrences. A run is inside its host when the run before it belongs to the
    host and ends on no end action, or the run after it belongs to the host and does
    not open with the host's start; a run between two routines' parts (an optional
    section before a repeated block) counts for both. A run right after its host's end,
    in windows the host uses (the reply sent from the mail an invoice was copied from),
    is inside it too: a routine of its own works in windows of its own. A community
    needs `MIN_PART_RUNS` runs for its share to mean anything.
    """
    n = len(codes)
    starts = np.full(max(int(event.max()), *start) + 1, -1)
    for c, a in start.items():
        starts[c] = a
    followed = np.zeros(n, dtype=bool)
    followed[:-1] = ~hard[1:] & (codes[1:] == starts[event[:-1]])
    has_next = np.append(~hard[1:], False)
    n_actions = int(codes.max()) + 1
    end_share = np.bincount(codes[has_next], followed[has_next], n_actions) / np.maximum(
        np.bincount(codes[has_next], minlength=n_actions), 1
    )
    runs = _runs(event, hard)
    last = np.append(runs[1:], n) - 1
    routine = event[runs]
    prev_ok = np.zeros(len(runs), dtype=bool)
    prev_ok[1:] = ~hard[runs[1:]] & (end_share[codes[last[:-1]]] <= 0.1)
    next_ok = np.zeros(len(runs), dtype=bool)
    next_ok[:-1] = ~hard[runs[1:]] & (codes[runs[1:]] != starts[routine[1:]])
    index = np.arange(len(runs))
    if windows is not None:
        prev_ok[1:] |= ~hard[runs[1:]] & _in_host_windows(codes, event, runs, windows)
    votes = pl.concat(
        [  # each run votes for the run before it and the run after it, where inside
            pl.DataFrame({"run": index[1:], "part": routine[1:], "host": routine[:-1]}).filter(
                pl.Series(prev_ok[1:])
            ),
            pl.DataFrame({"run": index[:-1], "part": routine[:-1], "host": routine[1:]}).filter(
                pl.Series(next_ok[:-1])
            ),
        ]
    ).unique(["run", "host"])
    runs_of = pl.DataFrame({"part": routine}).group_by("part").len("runs")
    inside = (
        votes.group_by("part", "host")
        .agg(with_host=pl.len())
        .join(runs_of, on="part")
        .with_columns(share=pl.col("with_host") / pl.col("runs"))
        .filter(
            (pl.col("share") >= share)
            & (pl.col("host") != pl.col("part"))
            & (pl.col("runs") >= MIN_PART_RUNS)
        )
        .sort("share", "runs", "part", descending=[True, True, False])
    )
    if inside.is_empty():
        return None
    return int(inside["part"][0]), int(inside["host"][0])
