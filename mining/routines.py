"""Which actions make up which routine, and where each routine starts.

A user's stream holds several routines back to back (and noise between them). Without
window titles or business values, the repetition itself tells them apart:

1. *Communities* of actions that follow each other, merged where they take turns; an
   action after which the work goes on in whichever routine came before it (a dialog
   every app opens) is a community of its own (`mining.communities`).
2. *Phase*: where an instance of a community starts. A cut the stream surely has (the
   start of a user's recording, a session, an idle gap) is the best evidence; without
   one, the action that most often opens a run of the community after another one.
3. *Parts*: a community that occurs inside another's instances (an optional block, a
   branch, a retried login) is part of that routine: its runs follow a run of the host
   that has not reached an end (an action directly followed by the host's start), or
   precede a run of the host that continues rather than starts. A launchpad's short
   runs, after which come now one app, now another, host nothing.
4. *Branches*: a run of one routine that cannot be an instance of its own (no start,
   mostly rare steps, nothing of its routine to resume) is a branch of the instance
   before it that borrowed another routine's page (`_enclosed`).
5. *Cut check*: where each instance copies from one spreadsheet row, a cut that mixes
   rows gives way to one that keeps them apart; the steps done once per instance must
   fall exactly once into nearly every instance; where another cut achieves that
   clearly better (fields filled in any order, so that no field starts every
   instance), it replaces the one found (`_boundaries`).
6. *Second start*: a variant of a routine that never does its start (a form filled
   on from another workbook, begun from a bookmark rather than the home page) runs on
   from record to record; the step that parts those pieces into records is a second
   start (`_second_starts`).

Actions used by several routines ("OK", "Save") join no routine for good: they are left
out while routines take shape (`mining.communities.weak_actions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
import polars as pl

from mining.communities import (
    anchor_actions,
    anchor_counts,
    detach,
    event_routines,
    lockstep,
    louvain,
    pass_through,
    per_community,
    run_starts,
    weak_actions,
)
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
    #: a second start of a community, for its instances that never do its start (the
    #: same form filled from another workbook), and whether it opens an instance
    #: wherever it comes or only where it comes again in one (`_second_starts`)
    second: dict[int, tuple[int, bool]] = field(default_factory=dict)
    #: per event: opens an instance of its routine at a new spreadsheet row (`_row_opens`)
    row_open: np.ndarray | None = None


def find_routines(
    codes: np.ndarray,
    hard: np.ndarray,
    seconds: np.ndarray,
    config: MiningConfig,
    windows: np.ndarray | None = None,
    sites: np.ndarray | None = None,
    rows: np.ndarray | None = None,
    launchpad: np.ndarray | None = None,
    reads: np.ndarray | None = None,
) -> Routines:
    """Routines of a stream of action codes (0..n-1) ordered by user and time. An action
    repeated in a row (a field typed key by key, a double submit) is one step.

    ``hard`` marks events that surely start a stretch of work (a new user, session or an
    idle gap); ``seconds`` is each event's time, for the pause before it; ``windows``
    gives each action code's window (app, title and URL templates) as a code,
    ``sites`` its site (`structure._site`), ``rows`` each event's spreadsheet row
    (`structure.cell_rows`, -1 where none), ``launchpad`` whether each action code is
    on a launchpad's home page (`structure.action_launchpad`) and ``reads`` whether it
    takes a value from where it happens (`structure.action_reads`), when known. A launchpad's
    home and tiles are one community that merges with none: Louvain would put them with
    the app they lead to or from most, and its start would then be home (each session
    one instance); apart, `_hubs` tells them for what they are.

    Example::

        routines = find_routines(np.array([0, 1, 2, 0, 1, 2]), hard, seconds, config)
    """
    # a field typed key by key is one step: counted per keystroke, it would outnumber the
    # steps done once per instance, and the routine's start be taken for a rare step
    first = np.ones(len(codes), dtype=bool)
    first[1:] = (codes[1:] != codes[:-1]) | hard[1:]
    if not first.all():
        steps = find_routines(
            codes[first],
            hard[first],
            seconds[first],
            config,
            windows,
            sites,
            None if rows is None else rows[first],
            launchpad,
            reads,
        )
        repeats = np.diff(np.append(np.flatnonzero(first), len(codes)))
        row_open = None
        if steps.row_open is not None:
            row_open = np.zeros(len(codes), dtype=bool)
            row_open[first] = steps.row_open
        return replace(steps, event=np.repeat(steps.event, repeats), row_open=row_open)
    n_actions = int(codes.max()) + 1 if len(codes) else 0
    community = louvain(codes, hard, n_actions, config.seed)
    home = _launchpad(codes, hard, community, launchpad)
    community = _apart(community, home)
    community = lockstep(codes, hard, community, config.routine_lockstep, home, sites)
    through = pass_through(codes, hard, community)
    if through.any():
        community = detach(codes, hard, community, through)
        community = lockstep(codes, hard, community, config.routine_lockstep, through | home, sites)
    pause = _pause_score(codes, hard, seconds, n_actions)
    while True:
        # shared actions are transparent while the routines take shape
        core = ~weak_actions(codes, hard, community, config)[codes]
        if not core.any():  # nothing but shared actions: nothing to leave out
            core[:] = True
        stretch = np.cumsum(hard)[core]
        core_hard = np.ones(len(stretch), dtype=bool)
        core_hard[1:] = stretch[1:] != stretch[:-1]
        core_codes = codes[core]
        core_event = community[core_codes]
        start = _phases(core_codes, core_hard, core_event, community, pause, sites)
        part = _part_of(
            core_codes, core_hard, core_event, start, config.routine_part_share, windows, sites
        )
        if part is None:
            del core, stretch, core_hard, core_codes, core_event  # (memory: 26 bytes an event)
            event = event_routines(codes, hard, community, config)
            start = _phases(codes, hard, event, community, pause, sites)
            event = _enclosed(codes, hard, event, community, start)
            main = _main_rows(codes, event, rows, windows)
            start, end = _boundaries(
                codes,
                hard,
                seconds,
                event,
                community,
                start,
                _ends(codes, hard, event, community, start),
                main,
            )
            second = _second_starts(
                codes, hard, seconds, event, community, start, end, rows, windows
            )
            return Routines(
                community,
                start,
                event,
                end,
                _prefixes(codes, hard, seconds, event, community, start),
                second,
                _row_opens(codes, hard, event, start, end, second, main, reads),
            )
        child, host = part
        community = np.where(community == child, host, community)


def _launchpad(
    codes: np.ndarray, hard: np.ndarray, community: np.ndarray, launchpad: np.ndarray | None
) -> np.ndarray:
    """Per action: the launchpad's, a community apart. The actions on its home page
    (``launchpad``) where, apart, they lead from routine to routine (`_hubs`); a tile
    opened before every instance of one app is that routine's first step."""
    home = np.zeros(len(community), dtype=bool)
    if launchpad is not None:
        home |= launchpad[: len(community)]
    if home.any():
        apart = _apart(community, home)
        event = apart[codes]
        runs = run_starts(event, hard)
        if apart[home][0] not in _hubs(event, event[runs], np.zeros(len(runs), dtype=bool)):
            home[:] = False
    return home


def _apart(community: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """``community`` with the flagged ``actions`` one community of their own."""
    if not actions.any():
        return community
    moved = np.where(actions, community.max() + 1, community)
    return np.unique(moved, return_inverse=True)[1].astype(community.dtype)


def _enclosed(
    codes: np.ndarray,
    hard: np.ndarray,
    event: np.ndarray,
    community: np.ndarray,
    start: dict[int, int],
) -> np.ndarray:
    """Each event's routine, where a branch of one routine borrowed another's steps.

    A form's rare branch may visit a page another routine uses too (the registration that
    sometimes looks a code up on the transfer site). Its events then look like a run of
    that other routine, but one that cannot be an instance of its own: it holds no start
    of its routine, half its events or more are of actions done less than half as often
    as the routine's anchor (a rare path, not the routine's backbone), and its routine
    has no instance to resume before it (the run two before is of another routine) nor
    goes on after one interruption (the run two after does not continue it). Such a run
    joins the instance of the run before it.
    """
    starts = per_community(start, len(community))
    at_start = codes == starts[event]
    # a run also ends where its routine starts over: the next instance is not its own
    runs = np.union1d(run_starts(event, hard), np.flatnonzero(at_start))
    if len(runs) < 3:
        return event
    length = np.diff(np.append(runs, len(codes)))
    routine = event[runs]
    counts = np.bincount(codes, minlength=len(community))
    anchor = anchor_counts(codes, community)
    rare = np.add.reduceat((counts[codes] < 0.5 * anchor[event]).astype(np.int64), runs)
    resumed = np.zeros(len(runs), dtype=bool)  # its routine goes on after one interruption
    resumed[:-2] = (routine[2:] == routine[:-2]) & ~at_start[runs[2:]]
    branch = ~hard[runs] & ~at_start[runs] & (rare >= 0.5 * length) & ~resumed
    branch[0] = False
    branch[1:] &= routine[:-1] != routine[1:]
    branch[2:] &= routine[:-2] != routine[2:]  # nothing of its own to resume
    branch[1:] &= ~branch[:-1]  # the run before is the host as it was
    host = np.append(routine[:1], routine[:-1])
    return np.where(np.repeat(branch, length), np.repeat(host, length), event)


#: share of an end's steps that come again two steps on (in turn with one other step)
#: beyond which it is a loop's step, not the end of an instance
END_IN_TURN = 0.25


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
    per instance: at most a tenth more often than the routine's anchor and than some
    other step of the routine (a back button pressed after each line item looked at,
    several items checked before one approval, comes before the next item most often
    and is its own anchor, but no other step is done as often), and not in turn with
    one other step (line item, back, line item, back: the line items one step where
    their rows are placeholders, as often as the back button).
    """
    own = event == community[codes]
    stretch = np.cumsum(hard)
    preceding = []
    for c, first in start.items():  # one routine's own events at a time (memory)
        mine = own & (event == c)
        before = pl.DataFrame({"a": codes[mine], "stretch": stretch[mine]}).with_columns(
            prev=pl.col("a").shift(1).over("stretch")
        )
        counted = (
            before.filter(pl.col("a") == first)
            .drop_nulls("prev")
            .group_by("prev")
            .len()
            .sort("len", "prev", descending=[True, False])
        )
        if counted.height:
            preceding.append((c, counted["prev"][0]))
    counts = np.bincount(codes, minlength=len(community))
    anchors = anchor_actions(codes, community)
    ends = {}
    for c, end in sorted(preceding):
        n_end, n_start, n_anchor = counts[end], counts[start[c]], counts[anchors[c]]
        company = np.delete(counts * (community == c), end).max(initial=0)
        about_once = n_start < n_end <= 1.1 * min(n_anchor, company)
        if about_once and _in_turn(codes, hard, end, start[c]) < END_IN_TURN:
            ends[c] = int(end)
    return ends


def _in_turn(codes: np.ndarray, hard: np.ndarray, action: int, start: int) -> float:
    """Share of ``action``'s steps followed by one other step (not ``start``) and then by
    ``action`` again, within a stretch."""
    at = np.flatnonzero(codes[:-2] == action)
    if not len(at):
        return 0.0
    again = (codes[at + 2] == action) & (codes[at + 1] != start) & ~hard[at + 1] & ~hard[at + 2]
    return float(again.sum()) / float((codes == action).sum())


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
    stretch = np.cumsum(hard)
    counts = np.bincount(codes, minlength=len(community))
    prefixes: dict[int, set[int]] = {}
    for c, first in start.items():  # one routine's own events at a time (memory)
        mine = own & (event == c)
        frame = pl.DataFrame(
            {"a": codes[mine], "stretch": stretch[mine], "t": seconds[mine]}
        ).with_columns(
            next=pl.col("a").shift(-1).over("stretch"),
            prev=pl.col("a").shift(1).over("stretch"),
            before=pl.col("t") - pl.col("t").shift(1).over("stretch"),
            after=pl.col("t").shift(-1).over("stretch") - pl.col("t"),
        )
        del mine
        candidates = (
            frame.group_by("a")
            .agg(
                before_start=(pl.col("next") == first).fill_null(False).mean(),
                after=pl.col("prev").drop_nulls().mode().min(),
                opens=pl.col("before").median() > pl.col("after").median(),
            )
            .filter((pl.col("before_start") >= 0.7) & (pl.col("a") != first) & pl.col("opens"))
        )
        # what comes right before the start when no candidate does
        plain = (
            frame.filter(pl.col("a") == first)
            .join(candidates.select(prev="a", is_candidate=pl.lit(True)), on="prev", how="left")
            .filter(pl.col("is_candidate").is_null())
        )
        if plain.is_empty():
            continue
        usual = plain.select(pl.col("prev").drop_nulls().mode().min()).item()
        if usual is None:  # the start always opens its stretch
            continue
        for a in candidates.filter(pl.col("after") == usual)["a"]:
            if counts[a] < counts[first]:
                prefixes.setdefault(c, set()).add(int(a))
    return {c: frozenset(a) for c, a in prefixes.items()}


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


#: Least count of a step, as a share of its community's anchor, for the first event
#: after a cut to count as evidence of a start.
START_SHARE = 0.2


def _phases(
    codes: np.ndarray,
    hard: np.ndarray,
    event: np.ndarray,
    community: np.ndarray,
    pause: np.ndarray,
    sites: np.ndarray | None = None,
) -> dict[int, int]:
    """Each community's start action.

    Candidates recur within a stretch of work (on average at least 1.5 times in each
    stretch they occur in), which leaves out set-up such as opening the workbook when a
    recording starts. The start is the candidate that most often comes first among the
    community's candidates after a sure cut; without such evidence, the one that most
    often opens a run of the community after another; the longer pause breaks ties.
    Where a community follows fewer than two sure cuts (one recording that may open
    mid-routine) and a step opens two or more of its runs, and most of those it opens,
    after a routine whose main site (``sites``) is another, those runs decide first: runs
    after a community on its own site are too often resumed after an optional block, and
    runs resumed after a look-up elsewhere open at whatever step came next.
    """
    n_actions = len(community)
    counts = np.bincount(codes, minlength=n_actions)
    stretch = np.cumsum(hard, dtype=np.int32)
    spread = (
        pl.DataFrame({"a": codes, "stretch": stretch})
        .group_by("a")
        .agg(pl.col("stretch").n_unique())
    )
    stretches = np.zeros(n_actions)
    stretches[spread["a"].to_numpy()] = spread["stretch"].to_numpy()
    candidate = (counts >= 2) & (counts >= 1.5 * stretches)
    runs = run_starts(event, hard)
    opens = np.bincount(codes[runs[~hard[runs]]], minlength=n_actions)
    anchor = anchor_counts(codes, community)
    # a recording may open with a glance at the news: what is first after a cut tells a
    # start only when it is no rare step of its community
    frequent = counts >= START_SHARE * anchor[community]
    ok = candidate[codes] & frequent[codes] & (event == community[codes])
    firsts = (
        pl.DataFrame({"stretch": stretch[ok], "c": event[ok], "a": codes[ok]})
        .group_by("stretch", "c", maintain_order=True)
        .first()
    )
    after_cut = np.bincount(firsts["a"].to_numpy(), minlength=n_actions)
    # one sure cut is an anecdote (see above)
    seen = np.bincount(firsts["c"].to_numpy(), minlength=n_actions)
    elsewhere = np.zeros(n_actions, dtype=np.int64)
    if sites is not None and len(runs) > 1:
        # each community's main site, from its actions' counts (no per-event temporaries)
        use = np.zeros((n_actions, int(sites.max()) + 1), dtype=np.int64)
        np.add.at(use, (community, sites), counts)
        main = use.argmax(axis=1)
        after = runs[1:][~hard[runs[1:]]]
        before = event[after - 1]
        other = main[before] != main[event[after]]
        elsewhere = np.bincount(codes[after[other]], minlength=n_actions)
    most = np.zeros(n_actions, dtype=np.int64)
    np.maximum.at(most, community, elsewhere)
    # runs resumed mid-instance after a look-up open with whatever step came next: the
    # opens decide only when one step holds most of them
    total = np.bincount(community, elsewhere, n_actions)
    anecdote = (seen[community] < 2) & (most[community] >= 2)
    anecdote &= most[community] >= 0.5 * total[community]
    actions = pl.DataFrame(
        {
            "action": np.arange(n_actions),
            "c": community,
            "cuts": np.where(anecdote, 0, after_cut),
            "elsewhere": np.where(anecdote, elsewhere, 0),
            "opens": opens,
            "cut": after_cut,
            "pause": pause,
            "rank": np.where(candidate, 0, 1),
            "n": counts,
        }
    ).filter(pl.col("n") > 0)
    best = (
        actions.sort(
            "c", "rank", "cuts", "elsewhere", "opens", "cut", "pause", "action",
            descending=[False, False, True, True, True, True, True, False],
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
    # (numpy rather than a join of every event: 8 bytes an event, not 60)
    used = np.zeros((int(event.max()) + 1, int(windows.max()) + 1), dtype=bool)
    used[event, window] = True
    length = np.diff(np.append(runs, len(codes)))
    host = np.repeat(event[runs][np.maximum(np.arange(len(runs)) - 1, 0)], length)
    known = np.add.reduceat(used[host, window], runs, dtype=np.int64)
    return (known / length)[1:] >= 0.8


#: Share of a community's events on a site for it to work there (home, pressed on the
#: page of the app being left, puts a click or two on every app's site).
SITE_SHARE = 0.1
#: Fewest runs of a community before `_part_of` judges whether it is part of another.
MIN_PART_RUNS = 3
#: Share of a routine's events that work elsewhere needs to be a routine of its own (less
#: is an interruption within its instances: a chat, a look-up; `mining.structure` judges
#: whether that is noise).
OWN_MASS = 0.2
#: ... or instances started per run, on average, for a community on sites of its own to
#: be a routine of its own whatever its size.
OWN_REPEATS = 1.5


def _part_of(
    codes: np.ndarray,
    hard: np.ndarray,
    event: np.ndarray,
    start: dict[int, int],
    share: float,
    windows: np.ndarray | None = None,
    sites: np.ndarray | None = None,
) -> tuple[int, int] | None:
    """The community most clearly part of another (see the module docstring), as
    ``(part, host)``, or None.

    An end action is one directly followed by its routine's start in more than a tenth
    of its occurrences, the start itself aside (a dialog's OK clicked twice ends
    nothing). A run is inside its host when the run before it belongs to the
    host and ends on no end action, or the run after it belongs to the host and does
    not open with the host's start; a run between two routines' parts (an optional
    section before a repeated block) counts for both. A run right after its host's end,
    in windows the host uses (the reply sent from the mail an invoice was copied from),
    is inside it too: a routine of its own works in windows of its own. A community
    needs `MIN_PART_RUNS` runs for its share to mean anything. A part works on a site
    (``sites``: `structure._site` per action code) its host works on (with `SITE_SHARE`
    of their events): a community on sites of its own, with `OWN_MASS` of the events
    the two would have or `OWN_REPEATS` instances started in each of its runs (a batch
    of approvals in an inbox between two fields of a form, where a look-up is made
    once), is a routine of its own, whatever order its runs come in. Nor is a
    community part of a host elsewhere when another community works on its site: a
    look-up is made where no routine works, and this is a chunk of that other routine
    (an app's rare steps, whose runs follow the launchpad Louvain put with another app). A hub
    (`_hubs`: a launchpad) hosts nothing; where sites are known, only one that works on
    a site no other community works on is one (a launchpad's home page).
    """
    starts = per_community(start, max(int(event.max()), *start) + 1)
    votes, runs_of, routine, ended = _inside_votes(codes, hard, event, starts, windows)
    # a mail checked between two line items leaves the block inside its form: votes again
    # with small communities' events left out count for the larger ones
    size = np.bincount(event)
    small = size < INTERRUPTION * size.max()
    if small[event].any() and not small[event].all():
        kept = ~small[event]
        stretch = np.cumsum(hard)[kept]
        kept_hard = np.ones(len(stretch), dtype=bool)
        kept_hard[1:] = np.diff(stretch) != 0  # (a sure cut among what was left out)
        through, through_runs, _, _ = _inside_votes(
            codes[kept], kept_hard, event[kept], starts, windows
        )
        large = pl.col("part").is_in(np.flatnonzero(~small).tolist())
        votes = pl.concat([votes.filter(~large), through.filter(large)])
        runs_of = pl.concat([runs_of.filter(~large), through_runs.filter(large)])
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
        .sort("share", "runs", "part", "host", descending=[True, True, False, False])
    )
    hubs = _hubs(event, routine, ended)
    if sites is not None:
        shape = (int(event.max()) + 1, int(sites.max()) + 1)
        on_site = np.bincount(
            event * shape[1] + sites[codes], minlength=shape[0] * shape[1]
        ).reshape(shape)
        works_on = on_site >= SITE_SHARE * np.maximum(on_site.sum(axis=1, keepdims=True), 1)
        part, host = inside["part"].to_numpy(), inside["host"].to_numpy()
        size = np.bincount(event)
        elsewhere = ~(works_on[part] & works_on[host]).any(axis=1)
        own = size[part] >= OWN_MASS * (size[part] + size[host])
        # a look-up is done once in a host's instance; a routine, several times in a row
        opened = np.bincount(event[codes == starts[event]], minlength=len(size))
        repeated = opened[part] >= OWN_REPEATS * inside["runs"].to_numpy()
        # a look-up is made where no routine works: a community on a site another one
        # works on is a chunk of that one, Louvain split off
        taken = (works_on[part] & (works_on.sum(axis=0) > 1)).any(axis=1)
        inside = inside.filter(pl.Series(~(elsewhere & (own | repeated | taken))))
        # a launchpad's home page is its own; a step every instance of a form passes
        # through (a line item added, before the line and after it) shares the form's page
        alone = (works_on & (works_on.sum(axis=0) == 1)).any(axis=1)
        hubs = [h for h in hubs if alone[h]]
    inside = inside.filter(~pl.col("host").is_in(hubs))
    if inside.is_empty():
        return None
    return int(inside["part"][0]), int(inside["host"][0])


#: Communities with fewer events than this share of the largest one's interrupt others
#: (a mail checked, a chat answered) when `_part_of` counts runs inside a host.
INTERRUPTION = 0.05


def _inside_votes(
    codes: np.ndarray,
    hard: np.ndarray,
    event: np.ndarray,
    starts: np.ndarray,
    windows: np.ndarray | None,
) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray, np.ndarray]:
    """`_part_of`'s count of runs inside another community: ``votes`` (``run, part,
    host``: each run votes for the run before it and the run after it, where inside),
    ``runs`` per community (``part, runs``), and the community of each run and whether
    it ends on an end action."""
    n = len(codes)
    followed = np.zeros(n, dtype=bool)
    followed[:-1] = ~hard[1:] & (codes[1:] == starts[event[:-1]]) & (codes[:-1] != codes[1:])
    has_next = np.append(~hard[1:], False)
    n_actions = int(codes.max()) + 1
    end_share = np.bincount(codes[has_next], followed[has_next], n_actions) / np.maximum(
        np.bincount(codes[has_next], minlength=n_actions), 1
    )
    runs = run_starts(event, hard)
    last = np.append(runs[1:], n) - 1
    routine = event[runs]
    prev_ok = np.zeros(len(runs), dtype=bool)
    ended = end_share[codes[last]] > 0.1  # the run ends on an end action
    prev_ok[1:] = ~hard[runs[1:]] & ~ended[:-1]
    next_ok = np.zeros(len(runs), dtype=bool)
    next_ok[:-1] = ~hard[runs[1:]] & (codes[runs[1:]] != starts[routine[1:]])
    index = np.arange(len(runs))
    if windows is not None:
        prev_ok[1:] |= ~hard[runs[1:]] & _in_host_windows(codes, event, runs, windows)
    votes = pl.concat(
        [
            pl.DataFrame({"run": index[1:], "part": routine[1:], "host": routine[:-1]}).filter(
                pl.Series(prev_ok[1:])
            ),
            pl.DataFrame({"run": index[:-1], "part": routine[:-1], "host": routine[1:]}).filter(
                pl.Series(next_ok[:-1])
            ),
        ]
    ).unique(["run", "host"])
    runs_of = pl.DataFrame({"part": routine}).group_by("part").len("runs")
    return votes, runs_of, routine, ended


#: A hub's runs are this short on average (home, then a tile), ...
HUB_RUN = 3.0
#: ... and each of two or more other communities comes before (and after) this share
#: of them.
HUB_SHARE = 0.1


def _hubs(event: np.ndarray, routine: np.ndarray, ended: np.ndarray) -> list[int]:
    """Communities that lead from any routine to any other (a launchpad: home, then an
    app's tile): short runs that reach no end (mostly), before which now one, now
    another community's runs end, and after which now one, now another's begin. Every
    run of what they open follows one of their unfinished runs (a tile is no end), yet
    is no part of them. The routines a hub leads between are no hubs: where the
    communities of one routine take turns (an inbox's list, its detail and its
    decision), each looks like one to the others. ``routine``: the community of each
    run of ``event``; ``ended``: whether the run ends on an end action."""
    n = int(event.max()) + 1
    length = np.bincount(event, minlength=n) / np.maximum(np.bincount(routine, minlength=n), 1)
    endings = np.bincount(routine, ended, minlength=n) / np.maximum(
        np.bincount(routine, minlength=n), 1
    )
    short = [c for c in range(n) if length[c] <= HUB_RUN and endings[c] < 0.5]
    pairs = pl.DataFrame({"c": routine[1:-1], "before": routine[:-2], "after": routine[2:]})
    candidates = _varied(pairs, short, [])
    return _varied(pairs, candidates, candidates)


def _varied(pairs: pl.DataFrame, among: list[int], hubs: list[int]) -> list[int]:
    """The communities of ``among`` before and after whose runs two or more others
    (none of ``hubs``) each come HUB_SHARE of the time or more."""
    varied = [
        pairs.filter(pl.col("c").is_in(among))
        .group_by("c", side)
        .len()
        .filter(
            (pl.col("len") >= HUB_SHARE * pl.col("len").sum().over("c")) & ~pl.col(side).is_in(hubs)
        )
        .group_by("c")
        .len("n")
        .filter(pl.col("n") >= 2)
        .select("c")
        for side in ("before", "after")
    ]
    return sorted(varied[0].join(varied[1], on="c")["c"].to_list())


def _main_rows(
    codes: np.ndarray, event: np.ndarray, rows: np.ndarray | None, windows: np.ndarray | None
) -> np.ndarray | None:
    """Each event's spreadsheet row in the sheet its routine works in most (-1 elsewhere:
    a look-up in another workbook is no record of the routine's own)."""
    if rows is None or not (rows >= 0).any():
        return None
    if windows is None:
        return rows
    window = windows[codes]
    has_row = rows >= 0
    # (a table of row events, not a routines x windows matrix: both run to the actions)
    main = (
        pl.DataFrame({"c": event[has_row], "w": window[has_row]})
        .group_by("c", "w")
        .len()
        .sort("len", "w", descending=[True, False])
        .group_by("c", maintain_order=True)
        .first()
    )
    sheet = np.full(int(event.max()) + 1, -1, dtype=np.int64)
    sheet[main["c"].to_numpy()] = main["w"].to_numpy()
    return np.where(window == sheet[event], rows, -1)


#: A cut done this many times as often as its routine's anchor is a repeated block's
#: step, not once an instance (`_boundaries`).
REPEATED_CUT = 1.5


def _boundaries(
    codes: np.ndarray,
    hard: np.ndarray,
    seconds: np.ndarray,
    event: np.ndarray,
    community: np.ndarray,
    start: dict[int, int],
    end: dict[int, int],
    rows: np.ndarray | None = None,
) -> tuple[dict[int, int], dict[int, int]]:
    """Each routine's cut (before its start, or after its end), re-chosen where another
    cut yields clearly more whole instances.

    `_phases` and `_ends` pick a cut from the order of runs and the cuts a recording
    surely has. When a form's fields are filled in any order, that order starts each
    instance at a different field, and the cut found may be one of them: it then splits
    the fields of one filling between two instances. The steps done about once per
    instance (as often as the current cut, within a tenth) tell: cut at the right place,
    nearly every instance holds each of them exactly once (`_whole_share`). A cut before
    or after any of them that makes at least ``BOUNDARY_WHOLE`` of the instances whole,
    and ``BOUNDARY_GAIN`` more than the current cut (with more whole instances, not
    just fewer pieces), replaces it; of cuts about as good
    (within a hundredth), the one after the longest pause is taken (people pause between
    instances, not between two steps of one), and it replaces a cut as good as itself
    when its pause is ``BOUNDARY_PAUSE`` times as long (the selection of the next row
    taken for the end of the last instance). Either way only if it does about as well
    with the recording's breaks left out (`_holds_unbroken`): a break mid-form makes a
    mid-form cut look whole.

    A cut done fewer than five times (a step that came first after the recording's one
    or two sure cuts) is judged by the steps done as often as the routine's anchor
    instead. So, too, is one done `REPEATED_CUT` times as often as the anchor, a step
    of a block repeated in every instance (a travel request's "add line"), but its new
    cut is taken only where people pause ``BOUNDARY_PAUSE`` times as long as at it and
    at the best cut among the steps done as often as it: the counts cannot tell a repeated
    block from a variant's steps (done in some instances only, less often than the
    whole), the pause between instances can.

    A cut can be wrong in ways the counts cannot see: a rare step that followed the
    recording's few idle gaps (a look at the sheet after breaks mid-form) cuts pieces of
    several instances each, and the steps done as often as it are rare ones too; a
    break mid-form makes a mid-form cut look whole. Where a routine copies from
    spreadsheet ``rows`` (`_main_rows`), the cut that keeps one row per piece
    (`_row_cut`) replaces such a cut and is final, unless the cut found leaves
    `BOUNDARY_WHOLE` of the instances whole and the new one `ROW_SLACK` fewer (an
    instance that spans rows) while it keeps each row in one piece (`_rows_split`): an
    invoice's line rows each lie within one invoice, but a cut after a step most
    records do mid-form (a tab switched back to the form) splits the reads of nearly
    every row, however whole the steps done as often as it find its pieces.
    """
    start, end = dict(start), dict(end)
    anchors = anchor_actions(codes, community)
    gap = np.diff(seconds, prepend=seconds[:1])
    stretch = np.cumsum(hard)
    for c in sorted(start):
        own = event == c
        steps, own_stretch, own_gap = codes[own], stretch[own], gap[own]
        counts = np.bincount(steps, minlength=len(community))
        current = (end[c], True) if c in end else (start[c], False)
        mine = (community == c) & (counts > 0)
        if rows is not None:
            # a cut the rows clearly contradict goes first: its own count may mislead
            moved = _row_cut(steps, own_stretch, own_gap, rows[own], mine, current)
            if moved != current:
                found, new = (
                    _whole_by(steps, own_stretch, counts, mine, current, cut)
                    for cut in (current, moved)
                )
                split = _rows_split(own_stretch, rows[own], _cut_at(steps, own_stretch, *current))
                if found < BOUNDARY_WHOLE or new >= found - ROW_SLACK or split > ROW_DOUBT:
                    _set_cut(start, end, c, *moved)
                    continue  # (the rows said more than the counts can)
        m = int(counts[anchors[c]])
        n = int(counts[current[0]])
        if n < 5:  # too rare to judge itself: the steps done as often as the anchor judge
            n = m
        own_rows = None if rows is None else rows[own]
        cut = _recut(steps, own_stretch, own_gap, _about(counts, n, mine), n, current, own_rows)
        if n >= REPEATED_CUT * m:
            # a step of a block repeated in each instance (a line item added) cuts the
            # blocks apart; the steps done as often as the anchor find the cut between
            # instances, where people pause longer than between two blocks of one
            block = _recut(
                steps, own_stretch, own_gap, _about(counts, m, mine), m, current, own_rows
            )
            here = _pause_at(own_gap, _cut_at(steps, own_stretch, *current))
            if (
                block is not None
                and block.accepted
                and block.pause >= BOUNDARY_PAUSE * max(here, 0.0 if cut is None else cut.pause)
            ):
                cut = block
        if cut is not None and cut.accepted:
            _set_cut(start, end, c, cut.action, cut.after)
    return start, end


class Recut(NamedTuple):
    """The best cut among some steps (`_recut`): before or ``after`` ``action``, the
    pause people make there, and whether it is clearly better than the current cut."""

    accepted: bool
    action: int
    after: bool
    pause: float


def _recut(
    steps: np.ndarray,
    stretch: np.ndarray,
    gap: np.ndarray,
    once: np.ndarray,
    n: int,
    current: tuple[int, bool],
    rows: np.ndarray | None = None,
) -> Recut | None:
    """The best cut before or after one of the steps ``once`` (done about ``n`` times);
    None where too few steps are done that often to judge (`_boundaries`). Where the
    routine works on spreadsheet ``rows``, of cuts about as whole as the best only those
    that keep about as many pieces on one row as the best of them are considered
    (`_on_rows`)."""
    if len(once) < ONCE_STEPS or n < 5:
        return None
    now, now_pause = _rate_cut(steps, stretch, gap, once, n, *current)
    options = [
        (*_rate_cut(steps, stretch, gap, once, n, a, after), int(a), after)
        for a in once
        for after in (False, True)
    ]
    whole, pause, action, after = _best(_on_rows(options, steps, stretch, rows))
    # clearly better by leaving more instances whole, not by counting fewer pieces
    # (of a dozen instances, one piece fewer is a share a twelfth higher)
    gained = _whole_count(steps, stretch, once, (action, after)) > _whole_count(
        steps, stretch, once, current
    )
    better = (whole > now + BOUNDARY_GAIN and gained) or (
        whole >= now - 0.01 and pause >= BOUNDARY_PAUSE * now_pause
    )
    accepted = (
        whole >= BOUNDARY_WHOLE
        and better
        and _holds_unbroken(steps, once, n, current, (action, after))
    )
    return Recut(accepted, action, after, pause)


#: Least share of pieces on one row, or of whole pieces, for a second start
#: (`_second_starts`).
SECOND_ROWS = 0.8
SECOND_WHOLE = 0.8
#: Least share of the steps nearly every piece does that a piece does again, for it to
#: hold several records (`_second_by_steps`).
SECOND_AGAIN = 0.75
#: Most share of the pieces holding one record that may do a second start.
SECOND_APART = 0.1


def _second_starts(
    codes: np.ndarray,
    hard: np.ndarray,
    seconds: np.ndarray,
    event: np.ndarray,
    community: np.ndarray,
    start: dict[int, int],
    end: dict[int, int],
    rows: np.ndarray | None,
    windows: np.ndarray | None,
) -> dict[int, tuple[int, bool]]:
    """A second start for each routine of which some pieces, cut at its start, hold
    several records: a variant that never does the start runs on from one record to
    the next. Claims keyed into one form, opened with "New" for each claim from one
    workbook and filled on cell by cell from another, read several rows of one sheet
    (`_second_by_rows`); requests begun from the home page after a break and otherwise
    from a bookmark of the form do every step of a request again and again
    (`_second_by_steps`). Over those pieces alone, the step whose cut parts them into
    records is the second start. Where the pieces holding one record hardly ever do
    it (`SECOND_APART`), it opens an instance wherever it comes; otherwise only where
    it comes again in one (it is a step of every record).
    """
    gap = np.diff(seconds, prepend=seconds[:1])
    stretch = np.cumsum(hard)
    second = {}
    for c in sorted(set(start) - set(end)):
        own = event == c
        steps = codes[own]
        piece, pieces = _pieces(stretch[own], steps == start[c])
        mine = community == c
        found = None
        if rows is not None and windows is not None and (rows[own] >= 0).any():
            found = _second_by_rows(steps, piece, gap[own], rows[own], windows, mine)
        if found is None:
            found = _second_by_steps(steps, piece, pieces, gap[own], mine)
        if found is None:
            continue
        action, several = found
        alone = ~several
        doing = np.unique(piece[alone & (steps == action)])
        second[c] = (action, len(doing) <= SECOND_APART * len(np.unique(piece[alone])))
    return second


def _second_by_rows(
    steps: np.ndarray,
    piece: np.ndarray,
    gap: np.ndarray,
    rows: np.ndarray,
    windows: np.ndarray,
    mine: np.ndarray,
) -> tuple[int, np.ndarray] | None:
    """`_second_starts` where at most half a routine's pieces read several rows of one
    sheet (where most do, that is how the routine works: an invoice's line items): the
    cut before a step that keeps `SECOND_ROWS` of them on one row of the sheet they read
    most (`_row_best`); and which events are in those pieces."""
    read = pl.DataFrame({"piece": piece, "window": windows[steps], "row": rows}).filter(
        pl.col("row") >= 0
    )
    spans = read.group_by("piece").agg(several=pl.col("row").n_unique().over("window").max() > 1)
    if not spans["several"].any() or spans["several"].mean() > 0.5:
        return None
    several = np.isin(piece, spans.filter("several")["piece"].to_numpy())
    window, row = windows[steps[several]], rows[several]
    sheet = np.bincount(window[row >= 0]).argmax()
    row = np.where(window == sheet, row, -1)
    at = piece[several]
    objects = _rows_worked(at, row)
    counted = np.bincount(steps[several], minlength=len(mine)) > 0
    best = _row_best(steps[several], at, gap[several], row, mine & counted, objects)
    if objects >= 5 and best is not None and best[0] >= SECOND_ROWS and not best[2]:
        return best[1], several
    return None


def _second_by_steps(
    steps: np.ndarray, piece: np.ndarray, pieces: int, gap: np.ndarray, mine: np.ndarray
) -> tuple[int, np.ndarray] | None:
    """`_second_starts` by the steps of a routine that nearly every piece does (nine in
    ten): a piece that does `SECOND_AGAIN` of them twice or more holds several records
    (not all: the steps that go with the start come once; an invoice, whose header
    steps come once and its line items many times, holds one). Only where such pieces
    hold half the routine's events or more: the start then misses records as a rule,
    where a few such pieces are records whose steps were retried (a log-in that
    failed). The steps those pieces do again (half of them or more) and the others
    exactly once (eight in ten) are done once per record: the cut before a step that
    leaves `SECOND_WHOLE` of the several-record pieces whole (`_whole_share`); and
    which events are in them."""
    held = (
        pl.DataFrame({"piece": piece, "a": steps})
        .filter(pl.Series(mine[steps]))
        .group_by("piece", "a")
        .len()
    )
    core = held.group_by("a").len().filter(pl.col("len") >= 0.9 * pieces)["a"]
    if core.len() < ONCE_STEPS:
        return None
    times = held.filter(pl.col("a").is_in(core.implode()))
    times = times.with_columns(
        several=((pl.col("len") >= 2).sum() >= SECOND_AGAIN * core.len()).over("piece")
    )
    once = (
        times.group_by("a")
        .agg(
            again=(pl.col("len") >= 2).filter("several").mean(),
            single=(pl.col("len") == 1).filter(~pl.col("several")).mean().fill_null(1.0),
        )
        .filter((pl.col("again") >= 0.5) & (pl.col("single") >= 0.8))["a"]
        .sort()
        .to_numpy()
    )
    several = np.isin(piece, times.filter("several")["piece"].unique().to_numpy())
    if len(once) < ONCE_STEPS or several.mean() < 0.5:
        return None
    at, done, pause = piece[several], steps[several], gap[several]
    counts = np.bincount(done, minlength=len(mine))
    n = int(np.median(counts[once]))
    about = np.flatnonzero(mine & (counts >= 0.5 * n) & (counts <= 1.5 * n))
    if n < 5 or len(about) == 0:
        return None
    options = []
    for a in about:
        cut = _cut_at(done, at, int(a), False)
        options.append((_whole_share(done, at, cut, once, n), _pause_at(pause, cut), int(a), False))
    share, _, action, _ = _best(options)
    return (action, several) if share >= SECOND_WHOLE else None


def _best(
    options: list[tuple[float, float, int, bool]],
) -> tuple[float, float, int, bool]:
    """Of cuts ``(share, pause, action, after)``, those about as good as the best (within
    a hundredth), the one after the longest pause: people pause between instances, not
    between two steps of one."""
    top = max(o[0] for o in options)
    return min((o for o in options if o[0] >= top - 0.01), key=lambda o: (-o[1], o[2], o[3]))


def _on_rows(
    options: list[tuple[float, float, int, bool]],
    steps: np.ndarray,
    stretch: np.ndarray,
    rows: np.ndarray | None,
) -> list[tuple[float, float, int, bool]]:
    """Of cuts ``(share, pause, action, after)`` about as good as the best (within a
    hundredth), those that keep about as many pieces on one spreadsheet row
    (`_row_share`) as the best of them; all ``options`` where fewer than `ROW_PIECES`
    rows are worked. A typed field's event comes after the typing, and that long gap
    before it is no pause between records: a cut there splits one record's reads."""
    objects = 0 if rows is None else _rows_worked(stretch, rows)
    if objects < ROW_PIECES:
        return options
    top = max(o[0] for o in options)
    ties = [o for o in options if o[0] >= top - 0.01]
    on_row = [
        _row_share(stretch, rows, _cut_at(steps, stretch, o[2], o[3]), objects)[0] for o in ties
    ]
    return [o for o, share in zip(ties, on_row, strict=True) if share >= max(on_row) - 0.01]


def _about(counts: np.ndarray, n: int, mine: np.ndarray) -> np.ndarray:
    """A routine's actions (``mine``) done about ``n`` times (within a tenth)."""
    return np.flatnonzero(mine & (np.abs(counts - n) <= 0.1 * n))


def _whole_by(
    steps: np.ndarray,
    stretch: np.ndarray,
    counts: np.ndarray,
    mine: np.ndarray,
    by: tuple[int, bool],
    cut: tuple[int, bool],
) -> float:
    """`_whole_share` of ``cut`` over the routine's (``mine``) steps done as often as the
    action of cut ``by`` (0 when fewer than `ONCE_STEPS` are, or it is done fewer than
    five times)."""
    n = int(counts[by[0]])
    once = _about(counts, n, mine)
    if len(once) < ONCE_STEPS or n < 5:
        return 0.0
    return _whole_share(steps, stretch, _cut_at(steps, stretch, *cut), once, n)


def _holds_unbroken(
    steps: np.ndarray, once: np.ndarray, n: int, current: tuple[int, bool], cut: tuple[int, bool]
) -> bool:
    """Whether ``cut`` leaves about as many of a routine's instances whole as ``current``
    (within a hundredth) with its breaks left out, its ``steps`` one stretch. A break
    mid-form makes a mid-form cut look whole: two breaks before "date" in twelve forms
    leave 11 of 13 pieces whole cut after "amount", 10 of 14 cut before "new"."""
    flat = np.zeros(len(steps), dtype=np.int64)
    now, new = (
        _whole_share(steps, flat, _cut_at(steps, flat, *c), once, n) for c in (current, cut)
    )
    return new >= now - 0.01


def _set_cut(
    start: dict[int, int], end: dict[int, int], routine: int, action: int, after: bool
) -> None:
    """Cut ``routine`` before (or ``after``) ``action`` from now on."""
    if after:
        end[routine] = action
    else:
        start[routine] = action
        end.pop(routine, None)


#: Fewest steps done as often as a cut for `_whole_share` to judge it (a form filled now
#: field by field, now from one pasted range, shares only its save and submit).
ONCE_STEPS = 2
#: Least share of whole instances for `_boundaries` to trust a cut it finds.
BOUNDARY_WHOLE = 0.6
#: How many more whole instances (as a share) a cut needs to replace the one found...
BOUNDARY_GAIN = 0.05
#: ...or, as good, how many times longer the pause before it must be.
BOUNDARY_PAUSE = 2.0


#: Share of pieces on one spreadsheet row under which a cut is doubtful (`_row_cut`)...
ROW_DOUBT = 0.5
#: ...when this share of them works on a row at all (or there are fewer than
#: `ROW_PIECES`: a cut that leaves four pieces, one the set-up, shows nothing of that).
ROW_COVER = 0.8
ROW_PIECES = 5
#: A cut the rows favour replaces the one found unless that one leaves `BOUNDARY_WHOLE`
#: of the instances whole (by the steps done as often as its action) and the new one
#: this share fewer: an instance that spans rows (an invoice's line items) is whole only
#: when cut where it starts.
ROW_SLACK = 0.1


def _row_cut(
    steps: np.ndarray,
    stretch: np.ndarray,
    gap: np.ndarray,
    rows: np.ndarray,
    mine: np.ndarray,
    current: tuple[int, bool],
) -> tuple[int, bool]:
    """The cut (action, after) of a routine's ``steps`` that best keeps one spreadsheet
    row in each piece (`_row_share`), where ``current`` leaves fewer than `ROW_DOUBT` of
    its pieces on one row while `ROW_COVER` of them work on some row (rows an optional
    step writes are no record) or it leaves fewer than `ROW_PIECES`, and the new cut
    does clearly better (`BOUNDARY_GAIN`) and leaves `ROW_DOUBT` of its own pieces on
    one row (a variant that never does the start leaves pieces of many rows, fewer
    pieces than rows: the variant's second start cuts those); of cuts about as good,
    the one after the longest pause. Only the routine's own (``mine``) steps done about
    once per row (half to one and a half times as often as rows are worked) can be cut
    at. Otherwise ``current``."""
    objects = _rows_worked(stretch, rows)
    if objects < 5:
        return current
    cut = _cut_at(steps, stretch, *current)
    now, covered = _row_share(stretch, rows, cut, objects)
    if now >= ROW_DOUBT or (covered < ROW_COVER and _pieces(stretch, cut)[1] >= ROW_PIECES):
        return current
    best = _row_best(steps, stretch, gap, rows, mine, objects)
    if best is None or best[0] <= now + BOUNDARY_GAIN:
        return current
    # (of its own pieces: a variant without the start leaves fewer pieces than rows)
    pieces = _pieces(stretch, _cut_at(steps, stretch, *best[1:]))[1]
    return best[1:] if best[0] * max(pieces, objects) / pieces >= ROW_DOUBT else current


def _rows_split(stretch: np.ndarray, rows: np.ndarray, cut: np.ndarray) -> float:
    """Share of the spreadsheet rows worked (`_rows_worked`) whose events fall in two
    pieces or more when a routine's steps are cut before the events marked ``cut``."""
    pairs = pl.DataFrame({"key": _row_keys(stretch, rows), "piece": _pieces(stretch, cut)[0]})
    per_row = pairs.filter(pl.col("key") >= 0).group_by("key").agg(pl.col("piece").n_unique())
    return int((per_row["piece"] > 1).sum()) / max(_rows_worked(stretch, rows), 1)


def _row_keys(stretch: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Each event's spreadsheet row, one number per stretch and row (-1 where none): a
    row worked in two stretches (sessions) is two records."""
    return np.where(rows >= 0, stretch * (int(rows.max(initial=0)) + 1) + rows, -1)


def _rows_worked(stretch: np.ndarray, rows: np.ndarray) -> int:
    """How many spreadsheet rows are worked, a row of each stretch (or piece) once.
    Where most rows are worked cell by cell (two events or more), a row touched once is
    a glance at another record (a month's sheet looked at mid-form), not one worked."""
    key = _row_keys(stretch, rows)
    touched = np.unique(key[key >= 0], return_counts=True)[1]
    if len(touched) and np.median(touched) >= 2:
        return int((touched >= 2).sum())
    return len(touched)


def _row_best(
    steps: np.ndarray,
    stretch: np.ndarray,
    gap: np.ndarray,
    rows: np.ndarray,
    mine: np.ndarray,
    objects: int,
) -> tuple[float, int, bool] | None:
    """``(share, action, after)``: of the cuts before or after the routine's (``mine``)
    steps done about once per row worked (half to one and a half times as often as
    the ``objects``), the one that keeps most pieces on one row (`_row_share`); of cuts
    about as good, the one after the longest pause. None without such steps."""
    counts = np.bincount(steps, minlength=len(mine))
    about = np.flatnonzero(mine & (counts >= 0.5 * objects) & (counts <= 1.5 * objects))
    options = []
    for a in about:
        for after in (False, True):
            cut = _cut_at(steps, stretch, int(a), after)
            share = _row_share(stretch, rows, cut, objects)[0]
            options.append((share, _pause_at(gap, cut), int(a), after))
    if not options:
        return None
    share, _, action, after = _best(options)
    return share, action, after


#: Share of a routine's pieces (cut where it is cut) that hold several spreadsheet rows,
#: at least, for the rows to cut them (a variant whose records the cut misses), and at
#: most (where most pieces do, a piece is an invoice and its rows its line items).
ROW_SPLIT_MIN = 0.1
ROW_SPLIT_MAX = 0.5


def _row_opens(
    codes: np.ndarray,
    hard: np.ndarray,
    event: np.ndarray,
    start: dict[int, int],
    end: dict[int, int],
    second: dict[int, tuple[int, bool]],
    rows: np.ndarray | None,
    reads: np.ndarray | None,
) -> np.ndarray | None:
    """Per event: where a routine's piece (cut at its start, end or second start) moves
    on to read a new spreadsheet row for good (the row before does not come again in the
    piece), the next record begins. Only rows read (``reads``: copied or looked at)
    count: a row written may be a log's next free line or one fixed cell. Only for
    routines that read a row in nearly every piece (`ROW_COVER`), of which `ROW_SPLIT_MIN`
    to `ROW_SPLIT_MAX` of the pieces read several rows: a variant whose records the cut
    misses (its key cell looked at, not copied, and its cells in any order). None
    without rows."""
    if rows is None or reads is None:
        return None
    rows = np.where(reads[codes], rows, -1)
    stretch = np.cumsum(hard)
    opens = np.zeros(len(codes), dtype=bool)
    for c in start:
        own = np.flatnonzero(event == c)
        steps = codes[own]
        cut = _cut_at(steps, stretch[own], *((end[c], True) if c in end else (start[c], False)))
        if c in second:  # (a second start that opens an instance cuts it too)
            cut |= steps == second[c][0]
        piece, pieces = _pieces(stretch[own], cut)
        read = pl.DataFrame({"k": own, "piece": piece, "row": rows[own]}).filter(pl.col("row") >= 0)
        per_piece = read.group_by("piece").agg(pl.col("row").n_unique() > 1)["row"]
        # (a stretch's set-up before its first start reads no row: it counts for nothing)
        begins = np.ones(len(own), dtype=bool)
        begins[1:] = stretch[own][1:] != stretch[own][:-1]
        first = np.unique(piece[begins])
        set_up = len(np.setdiff1d(first, read["piece"].to_numpy()))
        if per_piece.is_empty() or per_piece.len() < ROW_COVER * (pieces - set_up):
            continue  # (rows read now and then, or never: no records)
        if not ROW_SPLIT_MIN <= per_piece.mean() <= ROW_SPLIT_MAX:
            continue
        seen = read.group_by("piece", "row").agg(first=pl.col("k").min(), last=pl.col("k").max())
        moves = (
            read.with_columns(before=pl.col("row").shift(1).over("piece"))
            .filter(pl.col("before").is_not_null() & (pl.col("row") != pl.col("before")))
            .join(seen.select("piece", "row", "first"), on=["piece", "row"])
            .join(
                seen.select("piece", before="row", before_last="last"),
                on=["piece", "before"],
            )
            .filter((pl.col("first") == pl.col("k")) & (pl.col("before_last") < pl.col("k")))
        )
        opens[moves["k"].to_numpy()] = True
    return opens


def _row_share(
    stretch: np.ndarray, rows: np.ndarray, cut: np.ndarray, objects: int
) -> tuple[float, float]:
    """Share of pieces (cut before the events marked ``cut`` and at every new stretch)
    whose spreadsheet rows are one, and no other such piece's, over the pieces or the
    rows worked (``objects``), whichever is more (so that cutting at every step does not
    pay; nor does cutting at a cell copied twice in some records, though each half works
    on one row); and the share of pieces that work on any row. (A row also in a piece of
    several rows, status written back for three records at once, or a glance at it mid-
    way through another record, splits nothing.)"""
    piece, pieces = _pieces(stretch, cut)
    has_row = rows >= 0
    low = np.full(pieces, np.iinfo(np.int64).max)
    high = np.full(pieces, -1)
    np.minimum.at(low, piece[has_row], rows[has_row])
    np.maximum.at(high, piece[has_row], rows[has_row])
    with_rows = high >= 0
    single = low == high
    first = np.flatnonzero(np.diff(piece, prepend=-1) != 0)  # (each piece's first event)
    key = _row_keys(stretch[first][single], low[single])
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    single[single] = counts[inverse] == 1  # (a row two such pieces share is split)
    return float(single.sum()) / max(pieces, objects), float(with_rows.mean())


def _pieces(stretch: np.ndarray, cut: np.ndarray) -> tuple[np.ndarray, int]:
    """Each event's piece (0, 1, ...) when events are cut before those marked ``cut``
    and at every new stretch, and how many pieces there are."""
    opens = cut.copy()
    opens[:1] = True
    opens[1:] |= stretch[1:] != stretch[:-1]
    piece = np.cumsum(opens) - 1
    return piece, int(piece[-1]) + 1 if len(piece) else 0


def _pause_at(gap: np.ndarray, cut: np.ndarray) -> float:
    """Typical pause before the events marked ``cut``: the geometric mean of one second
    more than each, less that second. People pause between records now briefly, now
    long; a median sees only the brief ones (and prefers the cut after "new", before a
    page that always takes a moment to load), a mean only the longest."""
    if not cut.any():
        return 0.0
    return float(np.expm1(np.mean(np.log1p(np.maximum(gap[cut], 0)))))


def _cut_at(steps: np.ndarray, stretch: np.ndarray, action: int, after: bool) -> np.ndarray:
    """Where a routine's ``steps`` are cut: before (or ``after``) each ``action``."""
    cut = steps == action
    if after:
        cut = np.append(False, cut[:-1]) & np.append(False, stretch[1:] == stretch[:-1])
    return cut


def _rate_cut(
    steps: np.ndarray,
    stretch: np.ndarray,
    gap: np.ndarray,
    once: np.ndarray,
    n: int,
    action: int,
    after: bool,
) -> tuple[float, float]:
    """Share of whole instances (`_whole_share`) and the pause at the cut (`_pause_at`),
    when a routine's ``steps`` are cut before (or ``after``) each ``action``."""
    cut = _cut_at(steps, stretch, action, after)
    return _whole_share(steps, stretch, cut, once, n), _pause_at(gap, cut)


def _whole_share(
    steps: np.ndarray, stretch: np.ndarray, cut: np.ndarray, once: np.ndarray, n: int
) -> float:
    """Share of whole instances when a routine's ``steps`` are cut before the events
    marked ``cut`` (and at every new stretch): instances holding each of the ``once``
    steps exactly once, over the pieces cut (at least ``n``, so that cutting too often
    does not pay).

    A stretch's first or last piece that holds none of the ``once`` steps, nor any step
    done half as often as they are or more, does not count: it is no instance cut
    wrong but what the stretch holds before its first instance or after its last (a
    look at the news before work), whichever side of the cut it falls on. A piece of a
    form that a break cut off holds its fields, and counts."""
    if len(once) == 0:
        return 0.0
    piece, pieces = _pieces(stretch, cut)
    held = _held(steps, (piece, pieces), once)
    edge = np.zeros(pieces, dtype=bool)
    new = np.flatnonzero(np.diff(stretch, prepend=-1, append=-1) != 0)
    edge[piece[new[:-1]]] = edge[piece[new[1:] - 1]] = True  # each stretch's first and last
    common = np.zeros(pieces, dtype=bool)
    common[piece[np.bincount(steps)[steps] >= 0.5 * n]] = True
    counted = int((held.any(axis=1) | common | ~edge).sum())
    return float((held == 1).all(axis=1).sum()) / max(n, counted)


def _whole_count(
    steps: np.ndarray, stretch: np.ndarray, once: np.ndarray, cut: tuple[int, bool]
) -> int:
    """How many pieces hold each of the ``once`` steps exactly once when a routine's
    ``steps`` are cut before (or after) an action (``cut``, as in `_cut_at`)."""
    held = _held(steps, _pieces(stretch, _cut_at(steps, stretch, *cut)), once)
    return int((held == 1).all(axis=1).sum())


def _held(steps: np.ndarray, pieces: tuple[np.ndarray, int], once: np.ndarray) -> np.ndarray:
    """How often each of the ``pieces`` (each event's piece, and how many: `_pieces`)
    does each of the ``once`` steps: a row a piece, a column a step."""
    piece, count = pieces
    slot = np.full(max(int(steps.max(initial=0)), int(once.max(initial=0))) + 1, -1)
    slot[once] = np.arange(len(once))
    step_slot = slot[steps]
    mine = step_slot >= 0
    return np.bincount(
        piece[mine] * len(once) + step_slot[mine], minlength=count * len(once)
    ).reshape(count, len(once))
