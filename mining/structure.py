"""Segmenting a user's stream by its repetition structure (`structural_segments`).

For streams without business context (most public UI logs). Sure cuts come first: a new
user, a new session, an idle gap. Between them, `mining.routines` says which routine
each event belongs to and where that routine starts (or, when its start is optional,
ends); an instance opens at its routine's start action (at an optional first step just
before it; after its end action), at a sure cut, or at the routine's first event after a
cut, and every event of the routine
until its next start belongs to it, even when another routine interrupts (the
interrupted instance then has two parts). Instances shorter than
``segment_min_events`` are noise, but for items picked one by one for a batch
(`finish_segments`).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from mining.actions import (
    LAUNCHPAD_ROUTE,
    cell_row,
    sheet_title,
    title_workbook,
    url_host,
    url_site,
)
from mining.communities import per_community
from mining.config import MiningConfig
from mining.names import TAKE
from mining.routines import OWN_MASS, Routines, find_routines


def hard_cuts(frame: pl.DataFrame, config: MiningConfig) -> pl.Series:
    """Events that surely start a stretch of work: a new user, session, or an idle gap of
    ``segment_idle_s``. ``frame`` is ordered by user and time."""
    user, session = pl.col("user_id"), pl.col("session_id")
    gap = (pl.col("ts") - pl.col("ts").shift(1)).dt.total_seconds(fractional=True)
    return frame.select(
        user.ne_missing(user.shift(1))
        | session.ne_missing(session.shift(1))
        | (gap >= config.segment_idle_s).fill_null(False)
    ).to_series()


def cell_rows(frame: pl.DataFrame) -> np.ndarray:
    """Each event's spreadsheet row (`cell_row`; -1 where none or without element ids),
    numbered apart per workbook and sheet (`sheet_title`): a workbook's month sheets each
    start at row 2, and row 5 of two sheets is two records."""
    if "element_id" not in frame.columns:
        return np.full(frame.height, -1, dtype=np.int64)
    row = cell_row().cast(pl.Int64)
    sheets = {"attrs", "window_title"} <= set(frame.columns)
    sheet = sheet_title().rank("dense").cast(pl.Int64) - 1 if sheets else 0
    return frame.select((sheet * (row.max() + 1) + row).fill_null(-1)).to_series().to_numpy()


def structural_segments(frame: pl.DataFrame, config: MiningConfig) -> pl.DataFrame:
    """``i, segment, routine``: the instance (null: noise) and routine of each event.

    ``frame`` holds ``i, user_id, session_id, ts, action`` ordered by user and time.
    `mining.stages` runs the same phases on a log split by user: routines learnt from
    every user's codes, strays counted over every user's segments.
    """
    hard = hard_cuts(frame, config).to_numpy()
    vocabulary = frame["action"].unique().sort()
    codes = action_codes(frame["action"], vocabulary)
    seconds = frame["ts"].dt.epoch("us").to_numpy() / 1e6
    routines = find_routines(
        codes,
        hard,
        seconds,
        config,
        action_windows(vocabulary),
        action_sites(vocabulary),
        cell_rows(frame),
        action_launchpad(vocabulary),
        action_reads(vocabulary),
    )
    segments = routine_segments(frame, codes, routines, config)
    counts = [count_strays(segments, config)]
    strays = find_strays(counts, config, routines.second)
    return finish_segments(
        segments,
        strays,
        batch_routines(counts),
        tail_routines(counts),
        config,
        *action_places(vocabulary),
    )


def action_codes(actions: pl.Series, vocabulary: pl.Series) -> np.ndarray:
    """Each action's index in ``vocabulary`` (the sorted distinct labels of the log)."""
    index = pl.DataFrame({"action": vocabulary}).with_row_index("code")
    codes = actions.to_frame("action").join(index, on="action", how="left", maintain_order="left")
    return codes["code"].cast(pl.Int64).to_numpy()


def action_windows(vocabulary: pl.Series) -> np.ndarray:
    """Each action code's window (app, title and URL templates of its label) as a code."""
    return _coded(vocabulary, window_of(pl.col("action")))


def action_sites(vocabulary: pl.Series) -> np.ndarray:
    """Each action code's site (`_site`: app and web host, or app and workbook) as a code."""
    return _coded(vocabulary, _site(window_of(pl.col("action"))))


def action_hosts(vocabulary: pl.Series) -> np.ndarray:
    """Each action code's program and web host as a code (a launchpad's apps and its
    home page share them; `url_site` tells the apps apart)."""
    app, url = _app_and_url(window_of(pl.col("action")))
    return _coded(vocabulary, pl.concat_str([app, url_host(url).fill_null("")], separator="|"))


def action_places(vocabulary: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What `finish_segments` needs to know of each action code: whether it is on the
    launchpad's home page (`action_launchpad`), its host (`action_hosts`) and its
    window (`action_windows`)."""
    return action_launchpad(vocabulary), action_hosts(vocabulary), action_windows(vocabulary)


def action_launchpad(vocabulary: pl.Series) -> np.ndarray:
    """Per action code: on a Fiori launchpad's home page (`actions.LAUNCHPAD_ROUTE`, the
    end of the label's last part, its page)."""
    return vocabulary.str.ends_with(LAUNCHPAD_ROUTE).fill_null(False).to_numpy()


def action_reads(vocabulary: pl.Series) -> np.ndarray:
    """Per action code: takes a value from where it happens (a cell copied or looked at;
    `names.TAKE`)."""
    kind = vocabulary.str.extract(r"^([^|]*)")
    return kind.is_in(sorted(TAKE)).fill_null(False).to_numpy()


def _coded(vocabulary: pl.Series, part: pl.Expr) -> np.ndarray:
    """``part`` of each action label of ``vocabulary`` (as column ``action``), as codes."""
    return vocabulary.to_frame("action").select(part.rank("dense") - 1).to_series().to_numpy()


def routine_segments(
    frame: pl.DataFrame, codes: np.ndarray, routines: Routines, config: MiningConfig
) -> pl.DataFrame:
    """``i, stretch, routine, id, at_start, code, action, copy_of``: the instance each
    event opens or continues, before strays are taken out (`finish_segments`), and the
    event whose copied value it holds (`_copied_from`). ``routines.event`` and ``codes``
    are those of ``frame``'s events."""
    hard = hard_cuts(frame, config).to_numpy()
    event = routines.event
    n_routines = len(routines.community)
    # a routine cut after its end has no start that opens its instances
    opening = {c: a for c, a in routines.start.items() if c not in routines.end}
    starts, ends = per_community(opening, n_routines), per_community(routines.end, n_routines)
    groups = pl.DataFrame({"i": frame["i"], "stretch": np.cumsum(hard), "routine": event})
    # a routine's first event after a cut opens an instance even off its start action,
    # and so does its first event after its end (where it is cut after its end)
    is_start, is_end = codes == starts[event], codes == ends[event]
    prefix = np.zeros(len(codes), dtype=bool)
    for c, actions in routines.prefix.items():
        prefix |= (event == c) & np.isin(codes, list(actions))
    marks = groups.with_columns(
        is_end=pl.Series(is_end),
        is_start=pl.Series(is_start),
        is_prefix=pl.Series(prefix),
    ).select(
        first=pl.int_range(pl.len()).over("stretch", "routine") == 0,
        after_end=pl.col("is_end").shift(1).over("stretch", "routine").fill_null(False),
        # an optional first step right before the start opens the instance instead
        before_start=pl.col("is_prefix")
        & pl.col("is_start").shift(-1).over("stretch", "routine").fill_null(False),
        after_prefix=pl.col("is_start")
        & pl.col("is_prefix").shift(1).over("stretch", "routine").fill_null(False),
    )
    opens = (
        hard
        | (is_start & ~marks["after_prefix"].to_numpy())
        | marks["before_start"].to_numpy()
        | marks["first"].to_numpy()
        | marks["after_end"].to_numpy()
    )
    opens |= _not_resumed(event, hard)
    if routines.row_open is not None:
        opens |= routines.row_open
    if routines.second:
        # a routine's second start opens one too: wherever it comes, or where it comes
        # again in one (`Routines.second`)
        action = {c: a for c, (a, _) in routines.second.items()}
        anywhere = np.isin(event, [c for c, (_, apart) in routines.second.items() if apart])
        second = codes == per_community(action, n_routines)[event]
        done = pl.DataFrame({"id": _numbered(groups, opens), "second": second}).select(
            pl.col("second").cast(pl.Int64).cum_sum().over("id")
        )
        opens |= second & (anywhere | (done.to_series().to_numpy() > 1))
    # at_start: opened by the routine's start, not by a sure cut (`finish_segments`)
    segments = groups.with_columns(
        id=_numbered(groups, opens), at_start=pl.Series(is_start & ~hard)
    )
    segments = _repeated_ends(segments, is_end, config)
    return segments.with_columns(
        code=pl.Series(codes, dtype=pl.Int64),
        action=frame["action"],
        copy_of=_copied_from(frame, segments["id"]),
    )


def _repeated_ends(
    segments: pl.DataFrame, is_end: np.ndarray, config: MiningConfig
) -> pl.DataFrame:
    """A piece too short to be an instance that its routine's end both opens (the piece
    before it, of its routine and stretch, ends on the end) and closes: the block that
    ends on the end, done again (a line item looked at, then back; another line item,
    then back), part of the instance before it."""
    repeated = (
        segments.with_columns(end=pl.Series(is_end))
        .group_by("id")
        .agg(
            pl.col("routine", "stretch").first(),
            pl.col("end").last(),
            first=pl.col("i").min(),
            size=pl.len(),
        )
        .sort("first")
        .with_columns(
            again=(pl.col("size") < config.segment_min_events)
            & pl.col("end")
            & pl.col("end").shift(1).over("routine", "stretch").fill_null(False)
        )
    )
    # (a run of such pieces joins the instance before the first of them)
    to = pl.when(~pl.col("again")).then("id").forward_fill().over("routine", "stretch")
    repeated = repeated.select("id", to=to)
    return (
        segments.join(repeated, on="id", how="left", maintain_order="left")
        .with_columns(id=pl.coalesce("to", "id"))
        .drop("to")
    )


def _copied_from(frame: pl.DataFrame, instance: pl.Series) -> pl.Series:
    """Per event: the ``i`` of the event that copied the value it holds, earlier in its
    ``instance`` with no other instance's event between them (a data-flow tie: the
    request number pasted into a tracking sheet right after the submit is a step of
    that request, wherever it lands); null for none, and where ``frame`` has no
    values."""
    if "text" not in frame.columns or "kind" not in frame.columns:
        return pl.Series("copy_of", [None] * frame.height, dtype=pl.Int64)
    copy = pl.col("kind").str.contains("(?i)copy").fill_null(False)
    first_copy = pl.when(copy).then(pl.col("i")).min().over("run", "text")
    run = (pl.col("instance") != pl.col("instance").shift(1)).fill_null(True).cum_sum()
    holds = pl.col("text").is_not_null() & ~copy & (first_copy < pl.col("i"))
    return (
        frame.select("i", "text", "kind", instance=instance)
        .with_columns(run=run)
        .select(copy_of=pl.when(holds).then(first_copy))
        .to_series()
    )


def _numbered(groups: pl.DataFrame, opens: np.ndarray) -> pl.Series:
    """Each event's instance: numbered at each event that ``opens`` one, continued by
    the later events of its stretch and routine."""
    return (
        groups.with_columns(id=pl.Series(np.where(opens, np.cumsum(opens), -1)))
        .select(id=pl.when(pl.col("id") >= 0).then("id").forward_fill().over("stretch", "routine"))
        .to_series()
    )


#: Share of a routine's pieces long enough to be instances, at least, for its short
#: pieces picked one by one for a batch to be instances too (`finish_segments`). Low: a
#: batch of five items picked with one click each is five short pieces and one whole; a
#: launchpad's home and tile, the routine of short pieces alone, are told apart anyway.
PICKED_AMONG_WHOLE = 0.25


def finish_segments(
    segments: pl.DataFrame,
    strays: pl.DataFrame,
    batching: pl.DataFrame,
    tails: pl.DataFrame,
    config: MiningConfig,
    launchpad: np.ndarray,
    hosts: np.ndarray,
    windows: np.ndarray,
) -> pl.DataFrame:
    """``i, segment, routine``: `routine_segments` without the `find_strays` events
    (but for those holding a value a kept step copied, ``copy_of``), and without
    instances shorter than ``segment_min_events`` (noise), nor those made of launches
    alone (a click on the launchpad's home page, per ``launchpad`` code, that leaves it,
    and the click in an app that went home before it, which a recorder may log at the
    home page it opened, coming from an app at its host): the way from one task to
    another, not a task. A launch inside an instance ends it: what follows is
    the next item or app. A launch that reopens the app worked in (home, then that
    app's tile, at one of ``hosts``: `action_hosts` per code) is the first step of the
    next item's work; one that opens another app is noise, whatever took it in. An app
    that works on the home page itself opens nothing.

    But for a piece of one or two events that its routine's start opens, and right after
    which the routine starts again, in a routine of ``batching`` (`batch_routines`):
    items picked one by one for an approval done in a batch (select, open, select, open,
    ..., approve; or select, select, ..., approve), each item an instance of its own. A
    launchpad's home and tile, clicked again and again, are a routine of such pieces and
    nothing else; a set-up at the start of a recording (the mail, then the ERP) is
    opened by a sure cut, not the start (``at_start`` is false there).

    And but for a piece too short to be an instance, of a routine of ``tails``
    (`tail_routines`), right after another routine's instance in one window (per
    ``windows`` code, `action_windows`): that instance's last steps, which routine
    discovery took apart from it."""
    marked = segments.join(strays, on=["routine", "code"], how="left").with_columns(
        pl.col("stray").fill_null(False)
    )
    # a step holding a value a step of its instance copied is no noise (`_copied_from`)
    copies = marked.filter(~pl.col("stray"))["i"].implode()
    tied = pl.col("copy_of").is_in(copies).fill_null(False)
    kept = marked.with_columns(id=pl.when(~pl.col("stray") | tied).then("id")).sort("i")
    # a tile: a click on the launchpad's home page that leaves it (to the app it opens);
    # a launch (home, then a tile) ends the instance it comes in: the next app's work,
    # or the same app's next item, comes after it
    on_pad = pl.lit(launchpad[kept["code"].to_numpy()])
    host = pl.lit(hosts[kept["code"].to_numpy()])
    tile = on_pad & ~on_pad.shift(-1).fill_null(True)  # (the stream's last click opens nothing)
    # home: a click in an app that goes to the launchpad, right before a tile, recorded
    # in the app or on the home page it opened (coming from an app at its host)
    opened = ~on_pad.shift(1).fill_null(True) & (host == host.shift(1)).fill_null(False)
    kept = kept.with_columns(tile=tile).with_columns(
        home=pl.col("tile").shift(-1).fill_null(False) & (~on_pad | opened)
    )
    # a launch that reopens the app it left (the same routine before it and after it)
    # is the first step of the instance after it: the item is picked afresh; one that
    # opens another app, or a sitting's first, is set-up (a "tile" with no home before
    # it is the last step of an app that works on the home page)
    kept = kept.with_columns(launch=pl.col("tile") | pl.col("home"))
    # (home and its tile are in one program, at one host: a click in another program
    # before the last step of an app on the home page itself is no home)
    pair = (pl.col("home") & (host == host.shift(-1))) | (
        pl.col("tile") & pl.col("home").shift(1) & (host == host.shift(1))
    )
    pair = pair.fill_null(False)
    work = ~pl.col("launch")
    before = pl.when(work).then(pl.struct("routine", "stretch")).forward_fill()
    after = pl.when(work).then(pl.struct("routine", "stretch", "id")).backward_fill()
    reopens = (
        pair
        & (before.struct.field("routine") == after.struct.field("routine"))
        & (before.struct.field("stretch") == after.struct.field("stretch"))
        & after.struct.field("id").is_not_null()
    ).fill_null(False)
    kept = kept.with_columns(
        reopens=reopens,
        id=pl.when(reopens).then(after.struct.field("id")).when(~pair).then("id"),
    )
    # a launch inside an instance ends it: a reopening home starts the rest anew (another
    # home that opens its instance compares with no event before it: a piece of its own)
    ends = pl.col("home") & (pl.col("id") == pl.col("id").shift(1))
    ends = pl.when(pl.col("reopens")).then(ends.fill_null(False)).otherwise(ends)
    kept = kept.with_columns(
        id=pl.when(pl.col("id").is_not_null()).then(
            pl.struct("id", ends.cum_sum().over("id")).rank("dense").cast(pl.Int64)
        ),
    )
    again = (
        (pl.col("routine").shift(-1) == pl.col("routine"))
        & (pl.col("stretch").shift(-1) == pl.col("stretch"))
        & (pl.col("id").shift(-1) != pl.col("id"))
    )
    pieces = (
        kept.with_columns(again=again.fill_null(False))
        .drop_nulls("id")
        .group_by("id")
        .agg(
            pl.col("routine", "at_start").first(),
            pl.col("again").last(),
            pl.col("launch").all(),
            size=pl.len(),
        )
        .with_columns(batching=pl.col("routine").is_in(batching["routine"].implode()))
    )
    picked = (pl.col("size") <= 2) & pl.col("at_start") & pl.col("again") & pl.col("batching")
    whole = pl.col("size") >= config.segment_min_events
    instances = pieces.filter((whole | picked) & ~pl.col("launch"))["id"].implode()
    kept = kept.with_columns(
        segment=pl.when(pl.col("id").is_in(instances)).then("id"),
        window=pl.lit(windows[kept["code"].to_numpy()]),
    )
    # a piece too short to be an instance, of a routine of ``tails``, right after
    # another routine's instance in its window, is that instance's last steps
    tail = (
        _after_other()
        & pl.col("segment").is_null()
        & pl.col("routine").is_in(tails["routine"].implode())
    )
    last = (
        kept.with_columns(tail=tail, before=pl.col("segment").shift(1))
        .drop_nulls("id")
        .group_by("id")
        .agg(pl.col("tail", "before").first(), pl.col("launch").any())
        .filter(pl.col("tail") & ~pl.col("launch"))
        .select("id", last_of="before")
    )
    return kept.join(last, on="id", how="left", maintain_order="left").select(
        "i", segment=pl.coalesce("segment", "last_of"), routine="routine"
    )


def _after_other() -> pl.Expr:
    """Per event of a frame ordered by ``i`` (``segment``: its instance, null for none;
    ``routine``, ``stretch``, ``window``): right after another routine's instance, in
    its stretch and window."""
    return (
        pl.col("segment").shift(1).is_not_null()
        & (pl.col("routine") != pl.col("routine").shift(1))
        & (pl.col("stretch") == pl.col("stretch").shift(1))
        & (pl.col("window") == pl.col("window").shift(1))
    ).fill_null(False)


def batch_routines(counts: list[dict[str, pl.DataFrame]]) -> pl.DataFrame:
    """``routine``: the routines at least `PICKED_AMONG_WHOLE` of whose pieces, over
    every user, are long enough to be instances, so that their pieces of two steps
    picked for a batch are instances too (`finish_segments`). ``counts``:
    `count_strays` of each part."""
    return (
        _pieces(counts)
        .filter(pl.col("whole") >= PICKED_AMONG_WHOLE * pl.col("pieces"))
        .select("routine")
    )


def _pieces(counts: list[dict[str, pl.DataFrame]]) -> pl.DataFrame:
    """``routine, pieces, whole``: each routine's pieces over every part's
    `count_strays`, and how many of them are long enough to be instances."""
    return (
        _total(counts, "pieces", "routine")
        .join(_total(counts, "instances", "routine").rename({"n": "whole"}), on="routine")
        .rename({"n": "pieces"})
    )


#: A routine's short pieces right after another routine's instance, at least this share
#: of them and `TAILS_MIN` or more, for them to be that instance's last steps
#: (`finish_segments`): a decision (approve, confirm) that routine discovery took apart
#: from the look at the item before it. The routine makes `TAILS_MIN` instances of its
#: own or more (an item approved with a note, no look before): steps that never do (the
#: list filtered after the work) are noise wherever they come, and so is a click that
#: follows an instance once.
TAILS_SHARE = 0.5
TAILS_MIN = 2


def tail_routines(counts: list[dict[str, pl.DataFrame]]) -> pl.DataFrame:
    """``routine``: the routines whose short pieces, over every user, mostly come right
    after another routine's instance in its window, and that make instances of their own
    (`TAILS_SHARE`), so that those pieces end the instance before them
    (`finish_segments`). ``counts``: `count_strays` of each part."""
    return (
        _total(counts, "tails", "routine")
        .join(_pieces(counts), on="routine")
        .filter(
            (pl.col("n") >= TAILS_MIN)
            & (pl.col("whole") >= TAILS_MIN)
            & (pl.col("n") >= TAILS_SHARE * (pl.col("pieces") - pl.col("whole")))
        )
        .select("routine")
    )


def window_of(action: pl.Expr) -> pl.Expr:
    """The window part of an action label: app, title template and URL template."""
    parts = action.str.splitn("|", 5)
    return pl.concat_str(
        [parts.struct.field(f) for f in ("field_1", "field_3", "field_4")], separator="|"
    )


def _not_resumed(event: np.ndarray, hard: np.ndarray) -> np.ndarray:
    """First events of runs that cannot resume their routine's open instance: one
    interruption (A, B, then A again) is resumed; after two or more other runs, the
    routine starts over (a noise burst does not continue the one an hour before)."""
    change = np.ones(len(event), dtype=bool)
    change[1:] = (event[1:] != event[:-1]) | hard[1:]
    first = np.flatnonzero(change)
    routine = event[first]
    resumed = np.zeros(len(first), dtype=bool)
    resumed[2:] = (routine[2:] == routine[:-2]) & ~hard[first[1:-1]] & ~hard[first[2:]]
    marks = np.zeros(len(event), dtype=bool)
    marks[first[~resumed]] = True
    return marks


def count_strays(segments: pl.DataFrame, config: MiningConfig) -> dict[str, pl.DataFrame]:
    """What `find_strays`, `batch_routines` and `tail_routines` need of some users'
    `routine_segments`: counts that add up over users (an instance belongs to one user,
    so its distinct ids add up too).

    Pieces shorter than ``segment_min_events`` are noise, not instances, and count for
    nothing but pieces and tails: another routine's last step taken for this one's
    start (both paste into one workbook) leaves a piece of one event after each of its
    instances, and so many pieces would make every page of this routine one that most
    instances do not use."""
    window = window_of(pl.col("action"))
    placed = (
        segments.drop_nulls("id")
        .filter(pl.len().over("id") >= config.segment_min_events)
        .with_columns(window=window)
    )
    change = pl.col("window") != pl.col("window").shift(1)
    inside = pl.col("id") == pl.col("id").shift(1)
    # what follows an instance's last event in its main window (the one it has most
    # events in) is entered from its last steps, whatever it is (a final page or the
    # chat after the work): such entries are kept apart
    uses = pl.len().over("id", "window")
    last_main = pl.col("i").filter(uses == uses.max().over("id")).max().over("id")
    entered = (
        segments.with_columns(window=window, before=pl.col("code").shift(1))
        .with_columns(tail=pl.col("i") > last_main)
        .filter(change & inside)
    )
    # each piece's first event: right after another routine's instance, or not
    opening = (
        segments.sort("i")
        .with_columns(
            segment=pl.when(pl.len().over("id") >= config.segment_min_events).then("id"),
            window=window,
        )
        .with_columns(after=_after_other())
        .drop_nulls("id")
        .group_by("id")
        .agg(pl.col("routine", "segment", "after").first())
    )
    return {
        "pieces": segments.drop_nulls("id").group_by("routine").agg(n=pl.col("id").n_unique()),
        "tails": opening.filter(pl.col("segment").is_null() & pl.col("after"))
        .group_by("routine")
        .agg(n=pl.len()),
        "instances": placed.group_by("routine").agg(n=pl.col("id").n_unique()),
        "windows": placed.group_by("routine", "window").agg(n=pl.col("id").n_unique()),
        "everywhere": placed.group_by("code").agg(n=pl.len()),
        "support": placed.group_by("routine", "code").agg(
            pl.col("window").first(),
            bare=_bare(pl.col("action")).first(),
            ids=pl.col("id").n_unique(),
            n=pl.len(),
        ),
        "entered": entered.group_by("window", "before", "tail").agg(n=pl.len()),
    }


def _bare(action: pl.Expr) -> pl.Expr:
    """A click known by where it landed alone (`actions.position_targets`: "@3")."""
    return action.str.splitn("|", 5).struct.field("field_2").str.contains(r"^@\d+$")


def _total(counts: list[dict[str, pl.DataFrame]], name: str, *by: str) -> pl.DataFrame:
    """The counts ``n`` of table ``name`` of every part's `count_strays`, added up."""
    return pl.concat([c[name] for c in counts]).group_by(*by).agg(pl.col("n").sum())


def find_strays(
    counts: list[dict[str, pl.DataFrame]],
    config: MiningConfig,
    second: dict[int, tuple[int, bool]] | None = None,
) -> pl.DataFrame:
    """``routine, code, stray``: the actions of each routine that are noise, not steps.

    Events in a window most of their routine's instances do not use, and that is
    entered from anywhere, are noise: a glance at the news in the middle of a form, a
    chat between two orders. So are the events of an action few instances do (below
    ``segment_stray_support``), in such a window, done mostly elsewhere. A branch of the
    routine (its window always entered from the same step) stays, and so does anything
    in a window named by its app alone.

    What follows an instance's work is always entered from its last step, so there the
    step says nothing: a page on the routine's own site (`_site`)
    stays (the confirmation after a submit), one on another site is noise (the chat,
    the search after an order). Counted where the routine has ``cluster_min_size``
    instances or more. ``counts``: `count_strays` of each part.

    A click on no element (known by where it landed alone) that few instances do, in a
    window where most events (of any routine) name their element, hit nothing: noise.
    One without a title is in no window the steps share: there, its program counts.

    The window of a routine's ``second`` start (`Routines.second`) is where a variant
    of it works (the workbook it copies from, field by field): never noise there.
    """

    instances = _total(counts, "instances", "routine").rename({"n": "instances"})
    windows = (
        _total(counts, "windows", "routine", "window")
        .join(instances, on="routine")
        .select("routine", "window", window_share=pl.col("n") / pl.col("instances"))
    )
    # a window entered from the same step more than once, and not after the instance's
    # work, is a branch of the flow; one entered from anywhere is an interruption
    within = pl.col("n").filter(~pl.col("tail"))
    entered = (
        _total(counts, "entered", "window", "before", "tail")
        .group_by("window", "before")
        .agg(within.sum(), every=pl.col("n").sum())
        .group_by("window")
        .agg(
            most=pl.col("n").max(),
            within=pl.col("n").sum(),
            every=pl.col("every").sum(),
        )
    )
    support = (
        pl.concat([c["support"] for c in counts])
        .group_by("routine", "code")
        .agg(pl.col("window", "bare").first(), pl.col("ids").sum(), pl.col("n").sum())
        .join(instances, on="routine")
        .join(_total(counts, "everywhere", "code").rename({"n": "everywhere"}), on="code")
        .select(
            "routine",
            "code",
            "window",
            "n",
            "bare",
            share=pl.col("ids") / pl.col("instances"),
            here=pl.col("n") / pl.col("everywhere"),
            counted=pl.col("instances") >= config.cluster_min_size,
        )
        .join(windows, on=["routine", "window"])
        .join(entered, on="window", how="left")
        .with_columns(
            app=_app_and_url(pl.col("window"))[0],
            titled=_title_of(pl.col("window")) != "",
        )
        .with_columns(
            # the share of the routine's events done in the window
            mass=pl.col("n").sum().over("routine", "window") / pl.col("n").sum().over("routine"),
            # the share of the window's events (of any routine) that are clicks on no
            # element; a click with no title (a recorder that takes it from the element
            # logs none for a click on nothing) is in no window the steps are in, and
            # is judged by its program's events: whether a recorder names elements is
            # a matter of the program. A routine of such clicks alone (clicks on
            # nothing while an app loads) is no recorder that names none
            bare_share=pl.when("titled").then(_bare_share("window")).otherwise(_bare_share("app")),
        )
    )
    # the sites (`_site`) where most of a routine's instances work
    home = (
        windows.filter(pl.col("window_share") >= 0.5)
        .select("routine", site=_site(pl.col("window")), home=pl.lit(True))
        .unique()
    )
    support = (
        support.with_columns(site=_site(pl.col("window")))
        .join(home, on=["routine", "site"], how="left")
        .with_columns(home=pl.col("home").fill_null(False))
    )
    # entries after an instance's work: on the routine's own site they say nothing (a
    # confirmation page after the submit); on another site they are work after the
    # routine, entered from anywhere
    fixed = pl.when(pl.col("most") > 1).then(
        pl.col("most") / pl.when(pl.col("home")).then("within").otherwise("every")
    )
    rare = config.segment_stray_support
    # a window named by its app alone (no title, no address) could be anything in it
    # and noise is a small part of a routine's work (not another routine taken for it)
    minority_window = (
        (pl.col("window_share") < 0.5)
        & (pl.col("mass") < OWN_MASS)
        & ~pl.col("window").str.ends_with("||")
    )
    # a rare click on no element, where the window's steps name theirs, landed on nothing
    missed = pl.col("bare") & (pl.col("bare_share") < 0.5) & (pl.col("share") < rare)
    stray = pl.col("counted") & (
        (minority_window & ((fixed < 0.5) | (fixed.is_null() & ~pl.col("home"))))
        | ((pl.col("share") < rare) & minority_window & (pl.col("here") < 0.5))
        | missed
    )
    variant = support.join(
        pl.DataFrame(
            {"routine": list(second or {}), "code": [a for a, _ in (second or {}).values()]},
            schema={"routine": pl.Int64, "code": pl.Int64},
        ),
        on=["routine", "code"],
    ).select("routine", "window", variant=pl.lit(True))
    return support.join(variant, on=["routine", "window"], how="left").select(
        "routine", "code", stray=(stray & pl.col("variant").is_null()).fill_null(False)
    )


def _bare_share(where: str) -> pl.Expr:
    """The share of the events in each ``where`` that are clicks on no element."""
    return (pl.col("n") * pl.col("bare")).sum().over(where) / pl.col("n").sum().over(where)


def _title_of(window: pl.Expr) -> pl.Expr:
    """The title template of a window (`window_of`)."""
    return window.str.extract(r"^[^|]*\|(.*)\|[^|]*$", 1)


def _app_and_url(window: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The app and the URL template of a window (`window_of`)."""
    return window.str.extract(r"^([^|]*)\|", 1), window.str.extract(r"\|([^|]*)$", 1)


def _site(window: pl.Expr) -> pl.Expr:
    """Where a window (`window_of`) is: its app and web site (`actions.url_site`); off
    the web, its app and workbook (`actions.title_workbook`); the app alone for other
    windows."""
    app, url = _app_and_url(window)
    workbook = title_workbook(_title_of(window))
    where = pl.when(url != "").then(url_site(url)).otherwise(workbook.fill_null(""))
    return pl.concat_str([app, where], separator="|")
