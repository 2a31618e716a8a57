"""Which actions belong together: communities of actions, and each event's routine.

Actions that directly follow each other often belong together: Louvain communities of
the undirected directly-follows graph group them (`louvain`), but they cut a long
routine into chunks (a ring of 30 actions has no single dense core). Two chunks of one
routine take turns: between two occurrences of one chunk's anchor (the action it does
once per instance, `anchor_actions`) the other's occurs exactly once, and so it does in a
sitting that holds the anchor once. Two routines done in random order do not: another
instance of the first, or two of the second, often come between. Chunks that take
turns in at least ``routine_lockstep`` of the gaps, each way, merge (`lockstep`); chunks
on different sites only where the gaps are enough to tell it from chance (two routines
done 5 and 11 times take turns in half their gaps now and then).

Actions used by several routines ("OK", "Save") are weakly attached to their community
(`weak_actions`); an event of one takes the routine its strongest directly-follows link points
to (`event_routines`). One after which the work goes on in whichever routine came before it
(a dialog every app opens) is taken out of its community first, with what Louvain drew to
it (`pass_through`, `detach`).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.stats import binomtest

from mining.config import MiningConfig


def louvain(codes: np.ndarray, hard: np.ndarray, n_actions: int, seed: int) -> np.ndarray:
    """Louvain communities of the undirected directly-follows graph, one id per action."""
    keep = ~hard[1:] & (codes[:-1] != codes[1:])
    prev, nxt = codes[:-1][keep], codes[1:][keep]
    pairs = pl.DataFrame({"a": np.minimum(prev, nxt), "b": np.maximum(prev, nxt)})
    edges = pairs.group_by("a", "b").len().sort("a", "b")
    graph = nx.Graph()
    graph.add_nodes_from(range(n_actions))
    graph.add_weighted_edges_from(edges.iter_rows())
    found = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    community = np.empty(n_actions, dtype=np.int64)
    for k, members in enumerate(sorted(found, key=lambda c: (-len(c), min(c)))):
        community[list(members)] = k
    return community


#: Least share of a pass-through action's events whose next community the action before
#: tells better than a guess does (`pass_through`), the fewest events that show it, and
#: how many communities must each come next after a tenth of them or more.
THROUGH_GAIN = 0.25
THROUGH_MIN = 10
THROUGH_AFTER = 3


def pass_through(codes: np.ndarray, hard: np.ndarray, community: np.ndarray) -> np.ndarray:
    """Per action: whose work comes after it depends on whose came before it.

    A dialog every app of a launchpad opens (Submit, at the same place in each) is a
    step of each app: after it the work goes on in the app it was opened from. Louvain
    gives it to one app, along with other apps' Approve buttons that lead to it, and
    those apps then look like parts of that one. Such an action is told by how much
    better the action before an event predicts the community of the event after it than
    the most common community after it does (`THROUGH_GAIN`), with several communities
    after it (`THROUGH_AFTER`: two chunks of one routine Louvain left apart are not
    several routines). A form's fields in any order (its own routine after each), a
    routine's start (its own routine after it) and its end (the routine after it does
    not depend on the step before) gain nothing."""
    inner = np.zeros(len(codes), dtype=bool)
    inner[1:-1] = ~hard[1:-1] & ~hard[2:]
    at = np.flatnonzero(inner)
    triples = (
        pl.DataFrame({"a": codes[at], "prev": codes[at - 1], "next": community[codes[at + 1]]})
        .group_by("a", "prev", "next")
        .len()
    )
    told = (
        triples.group_by("a", "prev")
        .agg(pl.col("len").max())
        .group_by("a")
        .agg(told=pl.col("len").sum())
    )
    guessed = (
        triples.group_by("a", "next")
        .agg(pl.col("len").sum())
        .group_by("a")
        .agg(
            guess=pl.col("len").max(),
            total=pl.col("len").sum(),
            after=(pl.col("len") >= 0.1 * pl.col("len").sum()).sum(),
        )
    )
    through = told.join(guessed, on="a").filter(
        (pl.col("total") >= THROUGH_MIN)
        & (pl.col("after") >= THROUGH_AFTER)
        & (pl.col("told") - pl.col("guess") >= THROUGH_GAIN * pl.col("total"))
    )
    flags = np.zeros(len(community), dtype=bool)
    flags[through["a"].to_numpy()] = True
    return flags


def detach(
    codes: np.ndarray, hard: np.ndarray, community: np.ndarray, through: np.ndarray
) -> np.ndarray:
    """``community`` with each pass-through action (``through``) a community of its own,
    and the other actions of its community moved to the community they follow and
    precede most often, the pass-through actions aside (another app's Approve button
    that Louvain drew to the dialog's Submit goes back to its app)."""
    n_actions = len(community)
    keep = ~hard[1:] & (codes[:-1] != codes[1:])
    keep &= ~through[codes[:-1]] & ~through[codes[1:]]
    a, b = codes[:-1][keep], codes[1:][keep]
    weight = coo_matrix(
        (np.ones(2 * len(a)), (np.concatenate([a, b]), np.concatenate([b, a]))),
        shape=(n_actions, n_actions),
    ).tocsr()
    member = coo_matrix(
        (np.ones(n_actions), (np.arange(n_actions), community)),
        shape=(n_actions, int(community.max()) + 1),
    ).tocsr()
    touched = np.flatnonzero(np.isin(community, community[through]) & ~through)
    ties = (weight[touched] @ member).tocsr()  # one row per touched action, kept sparse
    best = np.asarray(ties.argmax(axis=1)).ravel()
    now = np.asarray(ties[np.arange(len(touched)), community[touched]]).ravel()
    better = ties.max(axis=1).toarray().ravel() > now
    moved = community.copy()
    moved[touched[better]] = best[better]
    moved[through] = community.max() + 1 + np.arange(int(through.sum()))
    # numbered without gaps, in the same order: ids stay below the number of actions
    return np.unique(moved, return_inverse=True)[1].astype(community.dtype)


def anchor_actions(codes: np.ndarray, community: np.ndarray) -> dict[int, int]:
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


def anchor_counts(codes: np.ndarray, community: np.ndarray) -> np.ndarray:
    """How often each community's anchor (`anchor_actions`) occurs, by community id: about
    the number of its instances."""
    counts = np.bincount(codes, minlength=len(community))
    anchor = np.zeros(len(community), dtype=np.int64)
    for c, a in anchor_actions(codes, community).items():
        anchor[c] = counts[a]
    return anchor


def lockstep(
    codes: np.ndarray,
    hard: np.ndarray,
    community: np.ndarray,
    share: float,
    apart: np.ndarray | None = None,
    sites: np.ndarray | None = None,
) -> np.ndarray:
    """Merge communities whose anchors take turns (see the module docstring); the
    communities of actions flagged in ``apart`` (`pass_through`) merge with none.
    Communities whose anchors work on one site (``sites``: each action's, as
    `structure._site` gives it) merge on the share alone: a few gaps tell routines apart
    only beyond chance, but chunks of one app's inbox done eight times, which take
    turns in half their gaps, are one routine more likely than two."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(community) + 1))
    stretch = np.cumsum(hard)
    while True:
        anchors = anchor_actions(codes, community)
        where = {c: order[bounds[a] : bounds[a + 1]] for c, a in anchors.items()}
        keys = sorted(
            c
            for c, pos in where.items()
            if len(pos) >= 3 and (apart is None or not apart[anchors[c]])
        )
        best = None
        for i, x in enumerate(keys):
            for y in keys[i + 1 :]:
                each_way = (
                    turns_taken(where[x], where[y], stretch),
                    turns_taken(where[y], where[x], stretch),
                )
                turns = min(hits / max(gaps, 1) for hits, gaps in each_way)
                if turns < share or (best is not None and turns <= best[0]):
                    continue
                one_site = sites is not None and sites[anchors[x]] == sites[anchors[y]]
                if one_site or all(_beyond_chance(hits, gaps) for hits, gaps in each_way):
                    best = (turns, x, y)
        if best is None:
            return community
        _, x, y = best
        community = np.where(community == y, x, community)


#: Most share of the gaps between one routine's instances that hold exactly one
#: instance of another done in random order (a geometric run length: q(1 - q) ≤ 1/4).
TURN_CHANCE = 0.25


def turns_taken(a: np.ndarray, b: np.ndarray, stretch: np.ndarray) -> tuple[int, int]:
    """How many of the gaps between consecutive ``a`` positions (in one stretch) hold
    exactly one ``b``, and how many gaps there are: nearly all for two steps of one
    routine, about 1/k or fewer for two routines done in random order (k: how many
    routines). A stretch holding one ``a`` (a routine done once a sitting, a few times
    a week) has no such gap; it is one itself, and holds one ``b`` or not."""
    same = stretch[a[1:]] == stretch[a[:-1]]
    between = np.searchsorted(b, a[1:]) - np.searchsorted(b, a[:-1])
    at = stretch[a]
    alone = np.ones(len(a), dtype=bool)
    alone[1:] = ~same
    alone[:-1] &= ~same
    of_b = stretch[b]
    once = np.searchsorted(of_b, at[alone], "right") - np.searchsorted(of_b, at[alone]) == 1
    return int((between[same] == 1).sum() + once.sum()), int(same.sum() + alone.sum())


def _beyond_chance(hits: int, gaps: int) -> bool:
    """Whether ``hits`` of ``gaps`` is more than routines in random order take turns
    (`TURN_CHANCE`), surely (the lower end of a one-sided 99 % Wilson interval: a log
    weighs many pairs of chunks, and at 95 % one pair in twenty passes by chance): two of
    four gaps is chance for two routines done five and eleven times, and so is six of
    thirteen."""
    if gaps == 0:
        return False
    test = binomtest(hits, gaps, alternative="greater")
    return test.proportion_ci(confidence_level=0.99, method="wilson").low > TURN_CHANCE


def weak_actions(
    codes: np.ndarray, hard: np.ndarray, community: np.ndarray, config: MiningConfig
) -> np.ndarray:
    """Per action: fewer than ``routine_attached`` of its events' neighbours (before and
    after, in the same stretch) are in its own community."""
    own = community[codes]
    n_actions = len(community)
    joined = np.zeros(len(codes), dtype=bool)
    joined[1:] = ~hard[1:]
    next_joined = np.append(joined[1:], False)
    same = np.bincount(codes[joined], (own == np.roll(own, 1))[joined], n_actions)
    same += np.bincount(codes[next_joined], (own == np.roll(own, -1))[next_joined], n_actions)
    seen = np.bincount(codes[joined], minlength=n_actions) + np.bincount(
        codes[next_joined], minlength=n_actions
    )
    return same < config.routine_attached * np.maximum(seen, 1)


#: Least share of a community's events `event_routines` keeps in it for it to stay a
#: routine.
DISSOLVED = 0.5


def event_routines(
    codes: np.ndarray, hard: np.ndarray, community: np.ndarray, config: MiningConfig
) -> np.ndarray:
    """Each event's routine: its action's community, unless the action is weakly attached
    to it (fewer than ``routine_attached`` of its neighbours are in it, as for an "OK"
    every routine clicks). Such an event follows its stronger directly-follows link when
    that is at least ``routine_link``: to the event before (P(this | previous action)) or
    to the event after (P(previous action is this | next action)); with neither, the
    event before. Consecutive such events of one community (an optional field's copy
    and paste) move together, by the links at the run's two ends (their links to each
    other tie them only to themselves); a run with neither end strongly linked is work
    of its own (a look-up on another site) and stays."""
    weak = weak_actions(codes, hard, community, config)
    own = community[codes]
    n_actions = len(community)
    joined = np.zeros(len(codes), dtype=bool)  # the event before is in the same stretch
    joined[1:] = ~hard[1:]
    next_joined = np.append(joined[1:], False)
    prev_code = np.roll(codes, 1)
    next_code = np.roll(codes, -1)
    pair = (prev_code.astype(np.int64) * n_actions + codes)[joined]
    keys, counts = np.unique(pair, return_counts=True)
    df = np.zeros(len(codes))
    df[joined] = counts[np.searchsorted(keys, pair)]
    del pair  # (memory: every full-length temporary here is 8 bytes an event)
    out_n = np.bincount(prev_code[joined], minlength=n_actions).astype(float)
    in_n = np.bincount(codes[joined], minlength=n_actions).astype(float)
    forward = np.where(joined, df / np.maximum(out_n[prev_code], 1), 0.0)
    backward = np.where(next_joined, np.roll(df, -1) / np.maximum(in_n[next_code], 1), 0.0)
    del df, prev_code, next_code
    # runs of one community's shared actions, judged by the links at their two ends
    shared = weak[codes]
    together = shared & np.roll(shared, 1) & joined & (own == np.roll(own, 1))
    first = shared & ~together
    last = shared & ~np.roll(together, -1)
    run = (np.cumsum(first) - 1)[shared]  # each shared event's run
    starts, ends = np.flatnonzero(first)[run], np.flatnonzero(last)[run]
    forward[shared], backward[shared] = forward[starts], backward[ends]
    lone = joined & first & last
    after = own.copy()  # the community of the event after each run
    after[shared] = own[np.minimum(ends + 1, len(own) - 1)]
    strong = np.maximum(forward, backward) >= config.routine_link
    moves = shared & (strong | lone)
    # with no strong link either way, an event goes with the work it follows
    inherit = moves & ((forward >= backward) | ~strong)
    routine = np.where(moves & ~inherit, after, own).astype(float)
    routine[inherit] = np.nan
    routine = pl.Series(routine).fill_nan(None).forward_fill().cast(pl.Int64).to_numpy()
    # a community most of whose events went to other routines (a field clicked and typed
    # in at two steps of one routine) is none: the rest go with the work they follow
    kept = np.bincount(own, routine == own, n_actions) / np.maximum(
        np.bincount(own, minlength=n_actions), 1
    )
    loose = kept[routine] < DISSOLVED
    if not loose.any():
        return routine
    left = pl.Series(np.where(loose, np.nan, routine)).fill_nan(None)
    return left.forward_fill().backward_fill().cast(pl.Int64).to_numpy()


def run_starts(event: np.ndarray, hard: np.ndarray) -> np.ndarray:
    """Index of the first event of each run: a stretch of one routine within a stretch."""
    change = np.ones(len(event), dtype=bool)
    change[1:] = (event[1:] != event[:-1]) | hard[1:]
    return np.flatnonzero(change)


def per_community(actions: dict[int, int], size: int) -> np.ndarray:
    """An action code per community id (``start``, ``end``), -1 where it has none."""
    table = np.full(size, -1)
    table[list(actions)] = list(actions.values())
    return table
