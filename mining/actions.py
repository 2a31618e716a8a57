"""Events → generalised action labels.

Two recordings of the same routine never have the same window titles or values: the
invoice number, the customer and the file differ. Mining compares *actions*, so each event
gets a label made of what stays constant between instances — the event kind, the app, the
target element and a template of the window title (and URL) in which the variable parts
are placeholders. Values (typed text, cell contents, ids) stay in their own columns.

Templates come from two passes: regular expressions mask what is variable by shape
(numbers, hexadecimal ids, e-mail addresses, dates, times, URLs), then a Drain-style miner
groups the titles of an app by length and token similarity and turns positions that take
many different values (customer names, subjects, file names) into ``<*>``. A file name
that never changes ("Customer_Checks.xlsx", the worklist every instance writes to) stays
in the label: it tells one routine's window from another's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from mining.config import MiningConfig

#: (pattern, placeholder), applied in order: earlier, more specific shapes win.
MASKS: tuple[tuple[str, str], ...] = (
    (r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", "<email>"),
    (r"https?://\S+", "<url>"),
    (r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?\b", "<date>"),
    (r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b", "<date>"),
    (r"\b\d{1,2}:\d{2}(?::\d{2})?\b", "<time>"),
    (r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", "<uuid>"),
    # hexadecimal record ids (Salesforce, ServiceNow sys_id): eight or more hex digits
    (r"\b[0-9a-fA-F]{8,}\b", "<id>"),
)

_SWITCH_KEYS = r"(?i)^(alt|cmd|win)\+(shift\+)?tab$"
#: Events that only bring a window forward (a focus change, a window-switching hotkey
#: such as alt+tab): they belong with the event after them, which names the window too.
ACTIVATION = (pl.col("kind") == "focus") | (
    (pl.col("kind") == "hotkey")
    & (pl.col("app").is_null() | pl.col("text").str.contains(_SWITCH_KEYS).fill_null(False))
)
#: `ACTIVATION` as a SQL condition on an events table aliased ``e``.
ACTIVATION_SQL = (
    "(e.kind = 'focus' OR (e.kind = 'hotkey' AND (e.app IS NULL OR "
    f"coalesce(regexp_matches(e.text, '{_SWITCH_KEYS}'), false))))"
)


def mask_text(expr: pl.Expr, shortest_number: int = 2) -> pl.Expr:
    """Replace variable-looking substrings of a string column by placeholders.

    After the shapes of `MASKS`, runs of ``shortest_number`` or more digits become
    ``<num>``: they are data (ids, amounts, counters), while a single digit is usually
    part of a name ("Sheet1", "B2"), and in an identifier even a short number is
    ("input_10")."""
    for pattern, placeholder in MASKS:
        expr = expr.str.replace_all(pattern, placeholder)
    return expr.str.replace_all(rf"\d{{{shortest_number},}}(?:[.,]\d+)*", "<num>")


def attr_field(key: str) -> pl.Expr:
    """One value of the ``attrs`` JSON object (for example ``Sheet`` or ``FileName``)."""
    return pl.col("attrs").str.json_path_match(f"$['{key}']")


def app_family(config: MiningConfig) -> pl.Expr:
    """The app as action labels name it: its family (``browser``, ``mail``) when
    ``config.app_families`` lists it, else the app itself ("" when unknown)."""
    families = dict(pair.lower().split("=", 1) for pair in config.app_families)
    app = pl.col("app").fill_null("")
    return app.str.to_lowercase().replace_strict(families, default=app, return_dtype=pl.String)


@dataclass(frozen=True)
class LabelFit:
    """What labelling learns from the whole log, so that a part of it (one user's
    events) is labelled as it would be among all of them: the Drain templates of masked
    titles and element labels (``column, app, text → template``), the click spots
    (``group, x, y → spot``) and the generated ids that keep their number (``stem,
    number``, `element_keys`). Built by `fit_templates`, `fit_spots` and `fit_ids` from
    the summaries `count_texts`, `spot_points` and `count_turns` give of each part."""

    templates: pl.DataFrame
    spots: pl.DataFrame
    ids: pl.DataFrame


def label_actions(
    events: pl.DataFrame, config: MiningConfig, fit: LabelFit | None = None
) -> pl.DataFrame:
    """Add ``title_template`` and ``action`` to events, keeping rows and order.

    ``events`` is what `Store.read_events` returns (without the ``truth_*`` columns).
    The action label is ``kind|app|target|title template|url template`` (the app by its
    family, `app_family`): equal for two events that did the same thing in different
    instances of a routine. The title includes the sheet of a workbook event; a click
    with no element at all is told by where it landed (`position_targets`). Templates
    and spots are learnt from ``events`` themselves unless ``fit`` gives those of a
    larger log (`mining.stages`).

    Example::

        actions = label_actions(store.read_events(), MiningConfig())
        actions.group_by("action").len()
    """
    if fit is None:
        templates = fit_templates(count_texts(events, config), config)
        ids = fit_ids(count_turns(events))
        points = spot_points(events, config, templates, ids)
        fit = LabelFit(templates, fit_spots(points, config), ids)
    labelled = _targets(events, config, fit.templates, fit.ids)
    labelled = labelled.with_columns(_target=position_targets(labelled, fit.spots))
    return (
        labelled.with_columns(_url=launched_route(labelled))
        .with_columns(
            action=pl.concat_str(
                [
                    pl.col("kind").fill_null(""),
                    app_family(config),
                    "_target",
                    "title_template",
                    "_url",
                ],
                separator="|",
            )
        )
        .drop("_target", "_url")
    )


def count_texts(events: pl.DataFrame, config: MiningConfig) -> pl.DataFrame:
    """``column, app, text, len``: how often each masked title and element label occurs
    (the input of `fit_templates`; counts of two parts of a log add up)."""
    masked = _masked(events, config)
    return pl.concat(
        [
            masked.group_by("app", text=pl.col(column))
            .len()
            .select(pl.lit(column).alias("column"), *_COUNTED)
            for column in ("title", "label")
        ]
    )


_COUNTED = ("app", "text", "len")


def fit_templates(counts: pl.DataFrame, config: MiningConfig) -> pl.DataFrame:
    """``column, app, text, template``: the Drain templates (`mine_templates`) of the
    texts `count_texts` counted, in one or more parts of a log."""
    similarity = {"title": config.title_similarity, "label": config.target_similarity}
    return pl.concat(
        [
            mine_templates(
                counts.filter(pl.col("column") == column).select(*_COUNTED),
                ["app"],
                config,
                threshold,
            ).select(pl.lit(column).alias("column"), "app", "text", "template")
            for column, threshold in similarity.items()
        ]
    )


def _masked(events: pl.DataFrame, config: MiningConfig) -> pl.DataFrame:
    """``app, title, label`` of each event with variable parts masked."""
    return events.select(
        app=app_family(config),
        title=mask_text(sheet_title()),
        label=mask_text(element_label(config).fill_null("").str.strip_chars()),
    )


def sheet_title() -> pl.Expr:
    """The window title, with a workbook event's sheet after " | " ("claims.xlsx |
    09-2026"): one workbook's sheets may hold different records."""
    sheet = pl.coalesce([attr_field(k) for k in SHEET_ATTRS])
    return pl.concat_str(
        [pl.col("window_title").fill_null("").str.strip_chars(), sheet],
        separator=" | ",
        ignore_nulls=True,
    )


def title_workbook(title: pl.Expr) -> pl.Expr:
    """The workbook a title template names: what comes before its last " | " (`_masked`
    appends a workbook event's sheet so), null for a title without one."""
    return title.str.extract(r"^(.*) \| [^|]*$", 1)


def _targets(
    events: pl.DataFrame, config: MiningConfig, templates: pl.DataFrame, ids: pl.DataFrame
) -> pl.DataFrame:
    """Events with ``title_template``, ``_target`` (before click spots) and ``_url``."""
    masked = _masked(events, config)
    title_template = _templated(masked, "title", templates)
    label_template = _templated(masked, "label", templates)
    # an identifier keeps short numbers ("input_10" is a field, not a record)
    key = mask_text(
        pl.lit(element_keys(events, ids)).fill_null("").str.strip_chars(), shortest_number=4
    )
    target_template = pl.when(key != "").then(key).otherwise(label_template)
    route = pl.coalesce(app_route(), pl.lit(xpath_route(events)))
    url = mask_text(pl.coalesce(page_url(pl.col("url")).replace("", None), route, pl.lit("")))
    return events.with_columns(title_template=title_template, _target=target_template, _url=url)


def page_url(url: pl.Expr) -> pl.Expr:
    """A URL without its scheme, query and parameters: the page it shows. A
    single-page app routes in the fragment ("index.html#/request/17/items", a Fiori
    launchpad's "#PurchaseOrder-approve"), so the fragment's route is kept up to its own
    query ("?") or parameters ("&"); the query and parameters hold values."""
    bare = url.fill_null("").str.replace(r"^[a-z]+://", "")
    route = bare.str.extract(r"#([^?&]*)", 1).fill_null("")
    page = bare.str.replace(r"[?#].*$", "")
    return pl.when(route != "").then(page + "#" + route).otherwise(page)


def url_host(url: pl.Expr) -> pl.Expr:
    """The host of a page (`page_url`)."""
    return url.str.extract(r"^([^/#]*)", 1)


def url_site(url: pl.Expr) -> pl.Expr:
    """The site of a page (`page_url`): its host, with the first part of a single-page
    app's route (the app of a launchpad, "#SalesOrder-approve", not the page of a
    wizard, "#/request/<num>/items")."""
    return url_host(url) + url.str.extract(r"(#/?[^/]*)", 1).fill_null("")


#: A Fiori launchpad app's component as its controls' ids name it
#: ("application-PurchaseOrder-approve-component---__xmlview1--approveButton"): the
#: semantic object and action its URL's route names ("#PurchaseOrder-approve"). The id
#: may come inside a CSS selector ("#application-…") or an XPath ("[@id='application-…").
_FIORI_APP = r"""(?:^|[#"'])application-([A-Za-z]\w*-\w+)-component-"""
#: The launchpad's own controls ("shell-header-logo", its home button).
_FIORI_SHELL = r"""(?:^|[#"'])shell-"""
#: The route of a Fiori launchpad's home page, where its tiles are.
LAUNCHPAD_ROUTE = "#Shell-home"


def app_route() -> pl.Expr:
    """Where a recorder logs no URL, the route of the launchpad app a user is in, as far
    as its controls' ids name it (null elsewhere). An app's list rows and dialog
    buttons have generated ids that do not name it; they belong to the app named last.
    Home on the launchpad and the tile clicked right after it open the app named next
    (per user and program): when that is the app they were pressed in (the app opened
    again), they are its steps; when it is another, they are the launchpad's
    (`LAUNCHPAD_ROUTE`), between two routines and part of neither, as a recorder in the
    browser logs the tiles on the launchpad's home page."""
    element = pl.col("element_id")
    named = "#" + element.str.extract(_FIORI_APP, 1)
    shell = element.str.contains(_FIORI_SHELL).fill_null(False)
    return _routed(named, shell).over("user_id", "app")


def _routed(named: pl.Expr, launcher: pl.Expr) -> pl.Expr:
    """Each event's route, from the routes of the events that name one (``named``): an
    event that names none is in the view named last; a ``launcher`` (home) and the event
    after it open the one named next, and are the launchpad's (`LAUNCHPAD_ROUTE`) when
    that is another view."""
    last = pl.when(launcher).then(pl.lit("")).otherwise(named).forward_fill()
    route = pl.when(last == "").then(named.backward_fill()).otherwise(last)
    launch = launcher | (launcher.shift(1).fill_null(False) & named.is_null())
    return pl.when(launch & _between_views(named)).then(pl.lit(LAUNCHPAD_ROUTE)).otherwise(route)


def _between_views(named: pl.Expr) -> pl.Expr:
    """Events that name no view, between two events that name different ones."""
    return (named.forward_fill() != named.backward_fill()).fill_null(False)


#: The fewest elements that must recur under two sibling containers for them to be
#: views of their own, and the fewest events a person spends in a view before another
#: of its siblings, on average (`xpath_route`).
SHARED_ELEMENTS = 3
VIEW_STAY = 4
#: The deepest XPath searched for views, and the most distinct XPaths of one person
#: searched: pages nest a few dozen steps and a person clicks a few thousand elements;
#: recorded strings may be any length and number, and each step of a path is a row of
#: the search (beyond these, no views).
VIEW_MAX_STEPS = 64
VIEW_MAX_PATHS = 100_000


def xpath_route(events: pl.DataFrame) -> pl.Series:
    """Where a recorder logs absolute XPaths and neither URLs nor ids that name the app,
    the view an element is in, as a route ("#html>body>div[1]>div>div[2]"; null
    elsewhere).

    A single-page app such as a Fiori launchpad renders each app it opens in a container
    of its own, siblings under one parent, and the apps' lists, buttons and fields are
    alike: the same paths recur below div[1], div[2], ... of that parent. A step is
    such a container where `SHARED_ELEMENTS` or more paths below it recur under another
    sibling of its tag; an XPath's first such step is its view. The rows of a grid are
    alike too, but a person clicks in one row or two and moves on, and stays in an app:
    siblings left after fewer than `VIEW_STAY` events on average are no views (a
    table's rows are one element anyway, "tr[*]", `element_keys`). Elements in no view
    (a dialog, the launchpad's home and tiles) follow `app_route`'s rule, with home found
    by use: elements mostly clicked between two views (`_between_views`) are the
    launchpad's. Views are found per user and program, so that a log split by user is
    routed alike."""
    absolute = events.select("user_id", "app", absolute=pl.col("element_id").str.starts_with("/"))
    if not absolute["absolute"].any():
        return pl.Series("route", [None] * events.height, dtype=pl.String)
    frame = pl.concat([absolute, _numbered(events).select("stem")], how="horizontal").select(
        "user_id", "app", xpath=pl.when("absolute").then("stem")
    )
    by = ["user_id", "app"]
    paths = frame.drop_nulls("xpath").unique([*by, "xpath"])
    if paths.height > VIEW_MAX_PATHS:
        return pl.Series("route", [None] * events.height, dtype=pl.String)
    views = _xpath_views(paths)
    located = frame.join(views, on=[*by, "xpath"], how="left", maintain_order="left")
    stays = (
        located.drop_nulls("view")
        .with_columns(left=pl.col("view") != pl.col("view").shift(1).over(*by, "place"))
        .group_by(*by, "place")
        .agg(pl.len(), pl.col("left").sum())
        .filter(pl.col("len") >= VIEW_STAY * (pl.col("left") + 1))
    )
    view = pl.when(pl.col("kept")).then("view")
    return (
        located.join(
            stays.select(*by, "place", kept=pl.lit(True)),
            on=[*by, "place"],
            how="left",
            maintain_order="left",
        )
        .with_columns(view=view)
        .with_columns(between=pl.col("view").is_null() & _between_views(pl.col("view")).over(by))
        .with_columns(home=pl.col("between").mean().over(*by, "xpath") >= 0.5)
        .select(route=_routed(pl.col("view"), pl.col("home") & pl.col("view").is_null()).over(by))
        .to_series()
    )


def _xpath_views(paths: pl.DataFrame) -> pl.DataFrame:
    """``user_id, app, xpath, place, view``: the first step of each XPath that is a
    container of a view (`xpath_route`): where its siblings are (``place``), and the
    path up to it as a route."""
    steps = (
        paths.with_columns(steps=pl.col("xpath").str.strip_chars_start("/").str.split("/"))
        .filter(pl.col("steps").list.len() <= VIEW_MAX_STEPS)
        .with_columns(k=pl.int_ranges(0, pl.col("steps").list.len() - 1))
        .explode("k")
        .drop_nulls("k")
        .with_columns(
            parent=pl.col("steps").list.head("k").list.join("/"),
            step=pl.col("steps").list.get("k"),
            below=pl.col("steps").list.slice(pl.col("k") + 1).list.join("/"),
        )
        .with_columns(
            place=pl.col("parent") + "/" + pl.col("step").str.replace(r"\[\d+\]$", ""),
            index=pl.col("step").str.extract(r"\[(\d+)\]$", 1),
        )
    )
    place = ["user_id", "app", "place"]
    containers = (
        steps.group_by(*place, "below")
        .agg(pl.col("index").n_unique())
        .filter(pl.col("index") >= 2)
        .group_by(place)
        .len()
        .filter(pl.col("len") >= SHARED_ELEMENTS)
    )
    route = pl.concat_str(["parent", "step"], separator="/").str.strip_chars_start("/")
    return (
        steps.join(containers.select(place), on=place, how="semi")
        .filter(pl.col("k") == pl.col("k").min().over("user_id", "app", "xpath"))
        .select(*place, "xpath", view="#" + route.str.replace_all("/", ">"))
    )


#: attrs keys that name the worksheet of a spreadsheet event (Action Logger, SmartRPA, CPN).
SHEET_ATTRS = ("target.sheetName", "current_worksheet", "Sheet", "sheet")


#: A number an identifier generator appended ("__button17", "row-5", "clone3").
_GENERATED = r"(__[A-Za-z]+|clone|-)\d+\b"
#: Such a number at the end of an identifier (before a part suffix such as "-inner").
_LAST_GENERATED = r"(?:__[A-Za-z]+|clone|-)(\d+)((?:-[A-Za-z]+)?)$"
#: The same place in an identifier's stem.
_LAST_STEM = r"<n>(?:-[A-Za-z]+)?$"


def element_keys(events: pl.DataFrame, ids: pl.DataFrame) -> pl.Series:
    """The element each event acted on, when it has an identifier: an HTML ``name``, an
    id (a word without spaces) or a CSS selector, with what changes between records and
    sessions taken out: a cell keeps its column ("B7" → "B<row>"), an XPath or CSS row
    its table ("tr[5]" → "tr[*]", "li:nth-child(3)" → "li:nth-child(*)"), a generated id
    its stem ("__xmlview3--__button17" → "__xmlview<n>--__button<n>"). An identifier is
    never templated, so "input_city" and "input_company" stay two fields; names in words
    ("Procurement User") may hold values and go to `element_label`.

    A generated number can also be all that tells two elements apart: a UI5 page's
    "__button12" (approve) and "__button56" (send). Such elements are used together, so
    they take turns: the number at the end of an identifier is kept when the next use of
    its stem (by the same user) is mostly (`TURN_SHARE`) one other number, whose next use
    is mostly one other number again (two or three buttons used in a fixed order). The
    rows of a list clicked one per record follow no such pattern and stay ``<n>``, nor do
    a list's row indices worked top to bottom (`_row_walk`).
    ``ids`` is `fit_ids`' table of the numbers kept.
    """
    numbered = _numbered(events)
    keys = numbered.join(
        ids.with_columns(kept=pl.lit(True)),
        on=["stem", "number"],
        how="left",
        maintain_order="left",
    ).select(
        pl.when(pl.col("kept"))
        .then(pl.col("stem").str.replace(_LAST_STEM, "") + pl.col("number") + pl.col("after"))
        .otherwise("stem")
    )
    name = events["element_name"]
    key = pl.coalesce(name, keys.to_series())
    selector = name.is_null() & numbered["selector"]
    return pl.select(pl.when(~key.str.contains(r"\s") | selector).then(key)).to_series()


def count_turns(events: pl.DataFrame) -> pl.DataFrame:
    """``stem, number, next, len``: how often a generated number's stem is next used
    (by the same user) with another number (the input of `fit_ids`; counts of two
    parts of a log add up)."""
    return (
        _numbered(events)
        .filter(pl.col("number").is_not_null())
        .with_columns(next=pl.col("number").shift(-1).over("user_id", "stem"))
        .drop_nulls("next")
        .group_by("stem", "number", "next")
        .len()
    )


def fit_ids(turns: pl.DataFrame) -> pl.DataFrame:
    """``stem, number``: the generated numbers `element_keys` keeps, from the turns
    `count_turns` counted in one or more parts of a log."""
    taken = (
        turns.group_by("stem", "number", "next")
        .agg(pl.col("len").sum())
        .with_columns(share=pl.col("len") / pl.col("len").sum().over("stem", "number"))
        .filter(
            (pl.col("next") != pl.col("number"))
            & (pl.col("share") >= TURN_SHARE)
            & (pl.col("len") >= TURN_MIN)
            & ~_row_walk()
        )
        .select("stem", "number", "next")
    )
    # in turn with a number that takes turns itself (rows after the top row do not)
    return (
        taken.join(taken.select("stem", next="number"), on=["stem", "next"], how="semi")
        .select("stem", "number")
        .unique()
        .sort("stem", "number")
    )


def _row_walk() -> pl.Expr:
    """A list's row index ("__xmlview1--list-3") whose next use is the row below: the
    rows of a list worked top to bottom, one per record, not elements in turn."""
    # (strict=False: a hostile id's 30-digit "number" is no row and must not raise)
    number, following = (pl.col(c).cast(pl.Int64, strict=False) for c in ("number", "next"))
    below = following == number + 1
    return pl.col("stem").str.contains(r"-<n>(?:-[A-Za-z]+)?$") & below


def _numbered(events: pl.DataFrame) -> pl.DataFrame:
    """``user_id, stem, number, after, selector`` per event: its element id with cells,
    rows and generated numbers taken out, the last generated number with what follows
    it, and whether the id is a CSS selector (`_CSS`)."""
    element_id = (
        pl.col("element_id")
        .str.replace(_CELL, "${1}<row>${3}")
        .str.replace(_CELL_END, ":${1}<row>")
        .str.replace_all(r"\b(tr|li|option|row)\[\d+\]", "${1}[*]")
        .str.replace_all(r"\b(tr|li|option)(:nth-(?:child|of-type))\(\d+\)", "${1}${2}(*)")
    )
    selector = pl.col("element_id").str.contains(_CSS).fill_null(False)
    element_id = (
        pl.when(selector)
        .then(element_id.str.replace_all(r"\s*([>+~])\s*", " ${1} "))
        .otherwise(element_id)
    )
    return events.select(
        "user_id",
        stem=element_id.str.replace_all(_GENERATED, "${1}<n>"),
        number=element_id.str.extract(_LAST_GENERATED, 1),
        after=element_id.str.extract(_LAST_GENERATED, 2),
        selector=selector,
    )


#: An element id that is a CSS selector ("#__xmlview3--save > span", "div.list > ul >
#: li:nth-child(4)"): an id or class step, a position step or a child combinator. Its
#: spaces are the selector's, not words'.
_CSS = r"(?:^|[\s>+~])[#.][A-Za-z_]|:nth-(?:child|of-type)\(|\s>\s"

#: Share of a generated number's next uses that must be one other number to keep it,
#: and the fewest such turns that count.
TURN_SHARE = 0.5
TURN_MIN = 3


def element_label(config: MiningConfig) -> pl.Expr:
    """For an element with no identifier (`element_keys`): its name or visible label in
    words (which may hold a value, a subject line or a customer, and is templated like a
    title), its role, or the ``attrs`` keys of ``config.action_attrs``."""
    return pl.coalesce(
        pl.col("element_name"),
        pl.col("element_label"),
        pl.col("element_role"),
        *[attr_field(k) for k in config.action_attrs],
    )


def cell_row() -> pl.Expr:
    """The spreadsheet row an event's element is ("B7" and "B7:G7" → 7; null when no
    cell): one row is one record, the business object of a row copied into a form."""
    return pl.col("element_id").str.extract(_CELL, 2).cast(pl.Int32, strict=False)


#: A cell or the start of a range: "B7", "$B$7", "B7:D9" (the end is `_CELL_END`).
_CELL = r"^\$?([A-Z]{1,3})\$?(\d+)(:|$)"
_CELL_END = r":\$?([A-Z]{1,3})\$?\d+$"


def position_targets(events: pl.DataFrame, spots: pl.DataFrame) -> pl.Expr:
    """``_target``, or for an event with none, where it landed: ``@k``, the k-th of the
    click spots of its window (app, title and URL templates), ordered top to bottom. A
    generated id that lost its number ("__input<n>") gets its spot appended, which tells
    the inputs of one form apart again, unless it names one element (see
    `fit_spots`). ``spots`` is `fit_spots`' table.

    Click streams of some recorders carry only coordinates. Clicks on one button land a
    few pixels apart; positions within ``action_position_px`` of each other chain into
    one spot (connected components of a k-d tree's close pairs). The window-relative
    offset is used when the recorder stored one (``rel_x``, ``rel_y``), so that moving
    the window does not move the spot.
    """
    if spots.is_empty() or not {"x", "y", "attrs"} <= set(events.columns):
        return pl.col("_target")
    named = _points(events).join(
        spots, on=["group", "_target", "x", "y"], how="left", maintain_order="left"
    )
    spot = pl.lit(named["spot"])
    return (
        pl.when(spot.is_null()).then("_target").otherwise(pl.concat_str([pl.col("_target"), spot]))
    )


#: A launch: a click (home) followed by one of several others (the apps' tiles). A tile
#: follows home at least this share of its own clicks (it is clicked nowhere else), or
#: LAUNCH_MIN times or more (its spot an app's button shares); home has two tiles of
#: the first kind or more, and 2 x LAUNCH_MIN launches or more.
LAUNCH_SHARE = 0.8
LAUNCH_MIN = 3
#: Share of home's clicks followed by a tile clicked nowhere else, at least: the rest
#: may open an app whose tile lies where another app's button is clicked too.
LAUNCH_HOME_SHARE = 0.6
#: Share of launches that open another tile than the one before, at least: a person
#: goes from app to app and back. A next step whose spot moves with the window (a
#: list's second row after its first) changes only when the window is moved; a button
#: clicked a few times, each followed by a spot of its own, changes now and then.
LAUNCH_TURNS = 0.45
#: Events per distinct action from a tile to the next launch, at least: an app is opened
#: for repeated work. A row picked from a list in each instance opens the rest of that
#: instance, every action once.
LAUNCH_REPEATS = 1.3
#: Events from a tile to the next click on home, at the median, at least: an app is
#: opened for work. A back arrow between line items is clicked again right after each.
LAUNCH_STAYS = 4


def launched_route(labelled: pl.DataFrame) -> pl.Expr:
    """``_url``, or for a click known by its spot alone (no element, title or URL)
    after a launch, the route "#tile" and the tile's spot.

    A click recorder outside the browser logs the apps of a launchpad as positions, and
    their lists and buttons sit at the same places: only the tile a person opened tells
    one app's clicks from another's, until the next launch (`app_route` does the same
    where controls' ids name the app); a recording's clicks before its first launch are
    the app's whose clicks hit most of their spots (`_first_app`). Home and the tiles
    keep their labels. Launches are found per user, so that a log split by user is
    labelled alike."""
    if "user_id" not in labelled.columns:
        return pl.col("_url")
    spot_only = (
        pl.col("_target").str.contains(r"^@\d+$")
        & (pl.col("title_template") == "")
        & (pl.col("_url") == "")
    )
    key = pl.concat_str([pl.col("kind").fill_null(""), pl.col("_target")], separator="|")
    steps = labelled.select("user_id", "_target", key=pl.when(spot_only).then(key)).with_columns(
        before=pl.col("key").shift(1).over("user_id")
    )
    launches = _launches(steps)
    if launches.is_empty():
        return pl.col("_url")
    homes = launches.select("user_id", key="before", home=pl.lit(True)).unique()
    marked = steps.join(
        launches.with_columns(tile=pl.lit(True)),
        on=["user_id", "before", "key"],
        how="left",
        maintain_order="left",
    ).join(homes, on=["user_id", "key"], how="left", maintain_order="left")
    opened = pl.when(pl.col("tile")).then(pl.lit("#tile") + pl.col("_target"))
    plain = (
        pl.col("key").is_null() | pl.col("tile").fill_null(False) | pl.col("home").fill_null(False)
    )
    marked = marked.with_columns(
        route=pl.when(~plain).then(opened.forward_fill().over("user_id")), plain=plain
    )
    routed = marked.select(
        pl.when(pl.col("tile"))
        .then(pl.lit(LAUNCHPAD_ROUTE))
        .when(pl.col("plain"))
        .then(None)
        .otherwise(pl.coalesce("route", _first_app(marked)))
    ).to_series()
    return pl.coalesce(pl.lit(routed), pl.col("_url"))


def _first_app(marked: pl.DataFrame) -> pl.Expr:
    """Per user, the route of the app a recording starts in, before its first launch:
    the app whose clicks land on most of the spots that its first clicks land on.
    ``marked``: `launched_route`'s steps with each click's ``route`` (null before the
    first launch) and whether it is ``plain`` (no app's click)."""
    clicks = marked.filter(~pl.col("plain")).select("user_id", "key", "route")
    before = clicks.filter(pl.col("route").is_null()).select("user_id", "key").unique()
    shared = (
        clicks.drop_nulls("route")
        .unique()
        .join(before, on=["user_id", "key"])
        .group_by("user_id", "route")
        .agg(n=pl.len())
        .sort("n", "route", descending=[True, False])
        .unique("user_id", keep="first")
    )
    first = marked.select("user_id").join(
        shared.select("user_id", "route"), on="user_id", how="left", maintain_order="left"
    )
    return pl.lit(first["route"])


_CHECKED = {
    "user_id": pl.String,
    "before": pl.String,
    "turns": pl.Float64,
    "repeats": pl.Float64,
    "stays": pl.Float64,
}


def _launches(steps: pl.DataFrame) -> pl.DataFrame:
    """``user_id, before, key``: each user's launches (home, then a tile) by the
    launcher, of those that pass the checks of `LAUNCH_HOME_SHARE`, `LAUNCH_TURNS`,
    `LAUNCH_REPEATS` and `LAUNCH_STAYS`, whose launches most often open another app
    than the one before, judged by the share's lower bound over its launches
    (`_surely`: a button that opened one of two panels six times proves less than home
    that opened apps fifty times), then the one with more tiles, then more launches: a
    back arrow or a dialog's button that passes them too opens the same "tile" more
    often.
    ``steps``: ``user_id``, each spot-only click's ``key`` and the ``before`` it (null
    for other events)."""
    counts = steps.drop_nulls("key").group_by("user_id", "key").agg(n=pl.len())
    # a tile: a click that follows home LAUNCH_MIN times or more (its spot may be an
    # app's button too, clicked elsewhere), or (nearly) only ever right after it (an app
    # opened once or twice)
    tiles = (
        steps.drop_nulls(["key", "before"])
        .group_by("user_id", "before", "key")
        .agg(together=pl.len())
        .join(counts, on=["user_id", "key"])
        .filter(pl.col("key") != pl.col("before"))
        .with_columns(only=pl.col("together") >= LAUNCH_SHARE * pl.col("n"))
        .filter(pl.col("only") | (pl.col("together") >= LAUNCH_MIN))
    )
    homes = (
        tiles.group_by("user_id", "before")
        .agg(tiles=pl.col("only").sum(), launched=pl.col("together").filter("only").sum())
        .join(counts.rename({"key": "before"}), on=["user_id", "before"])
        .filter(
            (pl.col("tiles") >= 2)
            & (pl.col("launched") >= LAUNCH_HOME_SHARE * pl.col("n"))
            & (pl.col("launched") >= 2 * LAUNCH_MIN)
        )
    )
    checked = []
    for user, home in homes.select("user_id", "before").iter_rows():
        mine = steps.filter(pl.col("user_id") == user).join(
            tiles.filter(pl.col("before") == home).select(
                "user_id", "before", "key", launch=pl.lit(True)
            ),
            on=["user_id", "before", "key"],
            how="left",
            maintain_order="left",
        )
        launch = mine["launch"].fill_null(False)
        opened = mine.filter(launch)["key"]
        at_home = np.append(np.flatnonzero((mine["key"] == home).fill_null(False)), mine.height)
        at_tile = np.flatnonzero(launch)
        stays = np.median(at_home[np.searchsorted(at_home, at_tile)] - at_tile)
        runs = mine.with_columns(run=launch.cum_sum()).filter(
            (pl.col("run") > 0) & ~launch & (pl.col("key") != home)
        )
        repeats = runs.height / max(1, runs.select("run", "key").n_unique())
        checked.append((user, home, (opened != opened.shift(1)).mean(), repeats, stays))
    chosen = (
        pl.DataFrame(checked, schema=_CHECKED, orient="row")
        .filter(
            (pl.col("turns") >= LAUNCH_TURNS)
            & (pl.col("repeats") >= LAUNCH_REPEATS)
            & (pl.col("stays") >= LAUNCH_STAYS)
        )
        .join(homes, on=["user_id", "before"])
        .with_columns(turning=_surely(pl.col("turns"), pl.col("launched")))
        .sort("turning", "tiles", "launched", "before", descending=[True, True, True, False])
        .unique("user_id", keep="first")
    )
    return tiles.join(chosen.select("user_id", "before"), on=["user_id", "before"]).select(
        "user_id", "before", "key"
    )


def _surely(share: pl.Expr, n: pl.Expr, z: float = 1.96) -> pl.Expr:
    """The lower bound of the Wilson score interval of ``share`` seen over ``n`` trials:
    a share seen seven times says less than a slightly lower one seen fifty times."""
    z2 = z * z
    centre = share + z2 / (2 * n)
    spread = z * (share * (1 - share) / n + z2 / (4 * n * n)).sqrt()
    return (centre - spread) / (1 + z2 / n)


def spot_points(
    events: pl.DataFrame, config: MiningConfig, templates: pl.DataFrame, ids: pl.DataFrame
) -> pl.DataFrame:
    """``group, _target, x, y, uses, moves``: the click positions of targets that may
    need a spot, how often each was clicked and how often a click on the target landed
    there after one elsewhere (the input of `fit_spots`; the rows of two parts of a log
    add up)."""
    labelled = _targets(events, config, templates, ids)
    if not {"x", "y", "attrs"} <= set(labelled.columns):
        return pl.DataFrame(schema=_POINT_SCHEMA)
    same = ["user_id", "group", "_target"]
    return (
        _points(labelled)
        .with_columns(labelled["user_id"])
        .filter("needs")
        .with_columns(
            moved=(
                (pl.col("x") - pl.col("x").shift().over(same)) ** 2
                + (pl.col("y") - pl.col("y").shift().over(same)) ** 2
            ).fill_null(float("inf"))
            > config.action_position_px**2
        )
        .group_by("group", "_target", "x", "y")
        .agg(uses=pl.len(), moves=pl.col("moved").sum())
        .cast(_POINT_SCHEMA)
    )


_POINT_SCHEMA = {
    "group": pl.String,
    "_target": pl.String,
    "x": pl.Float64,
    "y": pl.Float64,
    "uses": pl.Int64,
    "moves": pl.Int64,
}


def fit_spots(points: pl.DataFrame, config: MiningConfig) -> pl.DataFrame:
    """``group, _target, x, y, spot``: each click position's spot label (see
    `position_targets`); independent of the order of ``points``.

    A generated id with its number masked may stand for many elements (the inputs of a
    form, clicked one after the other) or for one (a UI5 app's Approve button,
    "__xmlview<n>--approveButton"). Clicks on one element move only when the window
    does, so an id whose clicks land where the one before landed at least
    ``1 - action_spot_moves`` of the time names one element and keeps no spot: else
    every window placement would make it another action."""
    summed = points.group_by("group", "_target", "x", "y").agg(pl.col("uses", "moves").sum())
    many = (
        summed.group_by("group", "_target")
        .agg(share=pl.col("moves").sum() / pl.col("uses").sum())
        .filter((pl.col("_target") == "") | (pl.col("share") >= config.action_spot_moves))
    )
    placed = summed.join(many.select("group", "_target"), on=["group", "_target"])
    return placed.select("group", "_target", "x", "y").join(
        _spots(placed.select("group", "x", "y").unique(), config), on=["group", "x", "y"]
    )


def _points(events: pl.DataFrame) -> pl.DataFrame:
    """``_target, group, x, y, needs`` per event: where it landed, and whether its
    target is missing or generated (so that the spot names it)."""
    x = pl.coalesce(attr_field("rel_x").cast(pl.Float64, strict=False), pl.col("x"))
    y = pl.coalesce(attr_field("rel_y").cast(pl.Float64, strict=False), pl.col("y"))
    # a UI5 id with a view-local name ("__xmlview<n>--list-<n>") names its element: its
    # generated numbers are the view's and the row's, not the element's
    generated = pl.col("_target").str.contains("<n>") & ~pl.col("_target").str.contains(
        r"--[A-Za-z]"
    )
    needs = ((pl.col("_target") == "") | generated) & x.is_not_null() & y.is_not_null()
    return events.select(
        "_target",
        group=pl.concat_str(["app", "title_template", "_url"], separator="|", ignore_nulls=True),
        x=x.cast(pl.Float64),
        y=y.cast(pl.Float64),
        needs=needs,
    )


def _spots(points: pl.DataFrame, config: MiningConfig) -> pl.DataFrame:
    """``group, x, y, spot``: each distinct click position's spot label (see above)."""
    if points.is_empty():
        return points.with_columns(spot=pl.lit(None, pl.String))
    group = points.select(pl.col("group").rank("dense")).to_series().to_numpy()
    xyz = np.column_stack([points["x"], points["y"], group * 1e7])
    pairs = cKDTree(xyz).query_pairs(config.action_position_px, output_type="ndarray")
    n = len(xyz)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    labelled = points.with_columns(component=component)
    order = (
        labelled.group_by("group", "component")
        .agg(cy=pl.col("y").mean(), cx=pl.col("x").mean())
        .with_columns(
            spot=pl.concat_str(
                pl.lit("@"), (pl.struct("cy", "cx").rank("dense").over("group")).cast(pl.String)
            )
        )
    )
    return labelled.join(
        order.select("group", "component", "spot"), on=["group", "component"]
    ).select("group", "x", "y", "spot")


def _templated(masked: pl.DataFrame, column: str, templates: pl.DataFrame) -> pl.Series:
    """The templates of ``column`` (`fit_templates`) mapped back onto every row."""
    frame = masked.select("app", text=pl.col(column))
    learnt = templates.filter(pl.col("column") == column).drop("column")
    return frame.join(learnt, on=["app", "text"], how="left", maintain_order="left")["template"]


def mine_templates(
    texts: pl.DataFrame, by: list[str], config: MiningConfig, similarity: float
) -> pl.DataFrame:
    """Drain-style templates of masked texts: ``*by, text`` → ``template``. ``texts``
    has a row per occurrence, or per distinct text with its count in ``len``.

    Works on distinct texts only, so its cost follows the vocabulary of windows, not the
    number of events. Texts of one group (an app) with the same number of tokens are
    clustered greedily by the share of equal tokens (at least ``similarity``), most
    frequent first, as Drain does;
    in each cluster a position that takes at least ``title_min_distinct`` values becomes
    ``<*>`` (runs of them collapse into one), while positions with few values (``Inbox``
    vs ``Calendar``) stay literal and keep those windows apart. A text left literal
    because its length was rare (a subject one word longer than usual) takes the most
    specific template of its group that matches it, unless it is more frequent than any
    text of that template (then it is a window of its own).
    """
    counted = texts.group_by(*by, "text")
    distinct = (counted.agg(pl.col("len").sum()) if "len" in texts.columns else counted.len()).sort(
        ["len", *by, "text"], descending=[True] + [False] * (len(by) + 1)
    )
    rows = distinct.select(*by, "text", "len").rows()
    clusters: dict[tuple, list[list[list[str]]]] = {}
    placed: list[tuple[tuple, int, list[str]]] = []
    for row in rows:
        tokens = _TOKENS.findall(row[-2])
        key = (*row[:-2], len(tokens))
        group = clusters.setdefault(key, [])
        best = next(
            (i for i, members in enumerate(group) if _similarity(members[0], tokens) >= similarity),
            -1,
        )
        if best < 0:
            group.append([])
            best = len(group) - 1
        group[best].append(tokens)
        placed.append((key, best, tokens))
    variable = {
        (key, i): [
            len({m[p] for m in members}) >= config.title_min_distinct for p in range(key[-1])
        ]
        for key, group in clusters.items()
        for i, members in enumerate(group)
    }
    templates = [_render(tokens, variable[(key, i)]) for key, i, tokens in placed]
    templates = _match_rare(rows, templates, len(by))
    return distinct.select(*by, "text").with_columns(template=pl.Series(templates, dtype=pl.String))


#: Words and the separators between them, so that a template keeps the separators.
_TOKENS = re.compile(r"[^\s_/|:()\-–—·]+|[\s_/|:()\-–—·]+")


def _render(tokens: list[str], flags: list[bool]) -> str:
    """Join tokens, variable ones as ``<*>``; a run of placeholders becomes one."""
    out = "".join("<*>" if v else t for t, v in zip(tokens, flags, strict=True))
    return _RUN.sub("<*>", out)


_RUN = re.compile(r"<\*>(?:[^<>\w]*<\*>)+")


def _match_rare(rows: list[tuple], templates: list[str], n_by: int) -> list[str]:
    """Give each text the most specific template of its group that is more general than
    its own and matches it, unless the text is more frequent than any of that template's."""
    general: dict[tuple, list[tuple[int, re.Pattern, str, int]]] = {}
    biggest: dict[str, int] = {}
    for row, template in zip(rows, templates, strict=True):
        biggest[template] = max(biggest.get(template, 0), row[-1])
    for row, template in zip(rows, templates, strict=True):
        if "<*>" in template:
            entries = general.setdefault(tuple(row[:n_by]), [])
            if all(t != template for _, _, t, _ in entries):
                pattern = re.compile(
                    ".+".join(re.escape(part) for part in template.split("<*>")) + r"\Z",
                    re.DOTALL,
                )
                literal = len(template.replace("<*>", ""))
                entries.append((literal, pattern, template, biggest[template]))
    for entries in general.values():
        entries.sort(key=lambda e: (-e[0], e[2]))
    out = []
    for row, template in zip(rows, templates, strict=True):
        literal = len(template.replace("<*>", ""))
        for size, pattern, candidate, most in general.get(tuple(row[:n_by]), []):
            if size < literal and row[-1] <= most and pattern.match(row[-2]):
                template = candidate
                break
        out.append(template)
    return out


def _similarity(a: list[str], b: list[str]) -> float:
    """Share of word positions where two equally long token lists agree (Drain's simSeq);
    separators are left out, or they would make any two titles look alike."""
    words = [(x, y) for x, y in zip(a, b, strict=True) if _WORD.match(x) or _WORD.match(y)]
    return sum(x == y for x, y in words) / max(len(words), 1)


_WORD = re.compile(r"[^\s_/|:()\-–—·]")
