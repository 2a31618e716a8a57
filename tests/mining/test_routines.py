"""Which actions make up which routine, and where it starts, on small hand-made streams."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Collection

import numpy as np
import polars as pl

from mining.communities import detach, event_routines, lockstep
from mining.config import MiningConfig
from mining.routines import (
    _boundaries,
    _ends,
    _hubs,
    _part_of,
    _pause_at,
    _row_share,
    _rows_worked,
    find_routines,
)
from mining.structure import action_sites

CONFIG = MiningConfig()


def encode(actions: list[str], cuts: set[int] = frozenset()) -> tuple[np.ndarray, np.ndarray]:
    """Action codes (sorted names → 0..n-1) and the sure cuts (the first event, ``cuts``)."""
    names = sorted(set(actions))
    codes = np.array([names.index(a) for a in actions], dtype=np.int64)
    hard = np.zeros(len(actions), dtype=bool)
    hard[0] = True
    hard[list(cuts)] = True
    return codes, hard


def routines_of(actions: list[str], cuts: set[int] = frozenset()):
    codes, hard = encode(actions, cuts)
    found = find_routines(codes, hard, np.arange(len(actions), dtype=float), CONFIG)
    names = sorted(set(actions))
    groups: dict[int, set[str]] = {}
    for code, community in enumerate(found.community):
        groups.setdefault(int(community), set()).add(names[code])
    starts = {frozenset(groups[c]): names[a] for c, a in found.start.items()}
    return sorted(groups.values(), key=sorted), starts


def on_sites(
    steps: list[tuple[str, str]], cuts: set[int] = frozenset()
) -> tuple[dict[str, int], set[str]]:
    """Routines of a stream of (action, site) steps with sure cuts before ``cuts``: each
    action's routine, and the routines' start actions."""
    stream = [action for action, _ in steps]
    site_of = dict(steps)
    names = sorted(site_of)
    codes, hard = encode(stream, cuts)
    sites = np.array([sorted(set(site_of.values())).index(site_of[a]) for a in names])
    seconds = np.arange(len(stream), dtype=float)
    found = find_routines(codes, hard, seconds, CONFIG, sites=sites)
    routine_of = dict(zip(names, found.community, strict=True))
    return routine_of, {names[a] for a in found.start.values()}


def the_cut(found, names: list[str]) -> str:
    """Where the one routine of ``found`` is cut: "before <its start>" or "after <its
    end>"."""
    (routine,) = set(found.community)
    if routine in found.end:
        return f"after {names[found.end[routine]]}"
    return f"before {names[found.start[routine]]}"


def rechosen_cut(stream: list[str], start: str, cuts: set[int] = frozenset()) -> str:
    """Where `_boundaries` cuts ``stream``, all one routine and first cut before
    ``start`` (6 s before it, 1 s before every other step; sure cuts before ``cuts``):
    "before <its start>" or "after <its end>"."""
    codes, hard = encode(stream, cuts)
    names = sorted(set(stream))
    seconds = np.cumsum([6.0 if step == start else 1.0 for step in stream])
    one = np.zeros(len(names), dtype=np.int64)
    begin, end = _boundaries(codes, hard, seconds, one[codes], one, {0: names.index(start)}, {})
    return f"after {names[end[0]]}" if end else f"before {names[begin[0]]}"


FORM = ["open form", "type name", "type amount", "type date", "click save"]
MAIL = ["open mail", "copy order", "paste order", "click send"]
SHEET = ["open sheet", "copy cell", "paste cell", "click check"]
FORM_STEPS = ("new", "name", "amount", "date", "iban", "notes", "check", "save")


def shuffled_routines(instances: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    stream: list[str] = []
    for _ in range(instances):
        stream += rng.choice([FORM, MAIL, SHEET])
    return stream


def test_routines_done_in_random_order_are_told_apart_and_start_where_they_open():
    groups, starts = routines_of(shuffled_routines(60))
    assert {frozenset(g) for g in groups} == {frozenset(FORM), frozenset(MAIL), frozenset(SHEET)}
    assert starts == {
        frozenset(FORM): "open form",
        frozenset(MAIL): "open mail",
        frozenset(SHEET): "open sheet",
    }


def test_fields_typed_in_any_order_stay_one_routine():
    rng = random.Random(2)
    stream: list[str] = []
    for _ in range(40):
        fields = FORM[1:4]
        rng.shuffle(fields)
        stream += [FORM[0], *fields, FORM[4]]
    groups, starts = routines_of(stream)
    assert groups == [set(FORM)]
    assert list(starts.values()) == ["open form"]


def test_an_optional_block_and_a_branch_are_parts_of_their_routine():
    rng = random.Random(3)
    stream: list[str] = []
    for _ in range(50):
        stream += ["open case", "read case"]
        stream += ["call customer", "note call"] if rng.random() < 0.4 else []
        stream += rng.choice([["approve", "sign"], ["reject", "write reason", "send reason"]])
        stream += ["close case"]
    groups, starts = routines_of(stream)
    assert len(groups) == 1
    assert list(starts.values()) == ["open case"]


def test_set_up_at_the_start_of_a_recording_is_no_start():
    stream = ["open workbook", "log in"] + FORM * 30
    _, starts = routines_of(stream)
    assert starts[frozenset(FORM)] == "open form"


def test_an_optional_last_block_in_the_routines_own_window_is_part_of_it():
    # invoices copied from a mail and posted, in random order with rows copied from a
    # sheet; some mails get a reply after the post: after the routine's end, but in the
    # mail it was copied from, so not a routine apart (without windows it would be one)
    rng = random.Random(4)
    invoice = [("open mail", "mail"), ("copy amount", "mail"), ("paste amount", "erp"),
               ("type date", "erp"), ("click post", "erp")]  # fmt: skip
    reply = [("click reply", "mail"), ("type answer", "mail"), ("click send", "mail")]
    sheet = [("open sheet", "sheet"), ("copy cell", "sheet"), ("paste cell", "crm"),
             ("click save", "crm")]  # fmt: skip
    steps: list[tuple[str, str]] = []
    for _ in range(80):
        if rng.random() < 0.5:
            steps += invoice + (reply if rng.random() < 0.3 else [])
        else:
            steps += sheet
    stream = [action for action, _ in steps]
    window_of = dict(steps)
    names = sorted(window_of)
    codes, hard = encode(stream)
    windows = np.array([sorted(set(window_of.values())).index(window_of[a]) for a in names])
    found = find_routines(codes, hard, np.arange(len(stream), dtype=float), CONFIG, windows)
    routine_of = dict(zip(names, found.community, strict=True))
    assert routine_of["click reply"] == routine_of["open mail"] != routine_of["open sheet"]


def test_a_rare_branch_through_another_routines_page_stays_in_its_instance():
    """A registration that now and then ends by looking a code up on the transfer site:
    the look-up follows the site's page into the transfer routine, yet it holds no
    transfer start and no transfer is open, so it stays with the registration. (Right
    after a transfer, the look-up could be that transfer resumed: it is left there.)"""
    register = ["type first name", "type surname", "type age", "click register"]
    lookup = ["open site", "click code", "type code", "click cancel"]
    transfer = ["open sheet", "copy row", "open site", "type user", "click transfer"]
    rng = random.Random(1)
    stream: list[str] = []
    gaps: list[float] = []
    for _ in range(160):
        routine = rng.choice([register, transfer, MAIL, FORM])
        if routine is register and rng.random() < 0.3:
            routine = register[:-1] + lookup
        stream += routine
        gaps += [8.0] + [1.0] * (len(routine) - 1)  # a pause before each instance
    codes, hard = encode(stream)
    found = find_routines(codes, hard, np.cumsum(gaps), CONFIG)
    names = sorted(set(stream))
    registration = found.community[names.index("type first name")]
    branch = [found.event[i] for i, a in enumerate(stream) if a in ("click code", "type code")]
    assert len(branch) >= 20
    assert np.mean(np.array(branch) == registration) >= 0.8


def test_fields_copied_in_any_order_are_cut_after_the_submit_not_at_a_field():
    """Rows copied field by field into a web form, the fields in any order, then submit
    and the confirmation page: no step opens every instance, so the cut must come after
    the confirmation (where people pause), never between two fields of one filling."""
    fields = [["copy name", "paste name"], ["copy amount", "paste amount"],
              ["copy date", "paste date"], ["copy city", "paste city"]]  # fmt: skip
    rng = random.Random(5)
    stream: list[str] = []
    gaps: list[float] = []
    for _ in range(60):
        order = rng.sample(fields, len(fields))
        steps = [step for field in order for step in field] + ["click submit", "see confirmation"]
        stream += steps
        gaps += [6.0] + [1.0] * (len(steps) - 1)
    codes, hard = encode(stream)
    found = find_routines(codes, hard, np.cumsum(gaps), CONFIG)
    names = sorted(set(stream))
    assert the_cut(found, names) == "after see confirmation"


def test_a_recording_that_opens_with_a_glance_at_the_news_starts_at_the_routine():
    """The first step of a recording is the best clue to a start, unless it is a rare
    step (the news read before work and now and then between two forms)."""
    stream = ["read news"]
    for k in range(40):
        stream += FORM + (["read news"] if k in (12, 27) else [])
    _, starts = routines_of(stream)
    assert list(starts.values()) == ["open form"]


def test_a_routine_on_sites_of_its_own_is_never_part_of_another():
    """Course enrolments from two workbooks (entered from column A or from column B)
    alternate with expense reports on the travel site. Each report is followed by an
    enrolment that opens at the other workbook's start, so the reports look like an
    optional block inside enrolments; but they work on a site enrolments never use."""
    report = [("open report", "travel"), ("type trip", "travel"), ("type amount", "travel"),
              ("click submit", "travel")]  # fmt: skip
    from_a = [("copy A", "excel"), ("paste name", "portal"), ("click enrol", "portal")]
    from_b = [("copy B", "excel"), ("paste name", "portal"), ("click enrol", "portal")]
    rng = random.Random(2)
    steps: list[tuple[str, str]] = []
    for _ in range(40):
        steps += report + rng.choice([from_a, from_b]) + rng.choice([from_a, from_b])
    routine_of, _ = on_sites(steps)
    assert routine_of["open report"] != routine_of["click enrol"]


def test_a_few_clicks_on_another_app_s_site_do_not_make_it_a_site_of_the_host():
    """Approvals in app A (four items at a time), then app B (three), left through the
    launchpad's home, which is pressed on B's page; Louvain put those home clicks with
    A. B's runs come before A's runs that do not open at A's start, so B looks like a
    block inside A, but A works on B's site with one click in thirteen: B is a routine
    of its own."""
    a, home_in_b, b = [0, 1, 2], 3, [4, 5, 6]
    codes: list[int] = []
    for _ in range(12):
        codes += a * 4 + b * 3 + [home_in_b]
    event = np.array([0 if c <= home_in_b else 1 for c in codes])
    sites = np.array([0, 0, 0, 1, 1, 1, 1])  # per action: A's site, then B's
    hard = np.zeros(len(codes), dtype=bool)
    found = _part_of(np.array(codes), hard, event, {0: 0, 1: 4}, 0.5, sites=sites)
    assert found is None


def test_a_chunk_of_one_app_is_no_look_up_made_from_another():
    """Purchase requisitions and sales orders, two apps of one launchpad. Louvain put
    the launchpad's home and tiles with the sales orders, and a step the requisitions
    take now and then (a line item looked at) in a community of its own. Its runs follow
    the launchpad's (a tile is no end), as a look-up follows the step it interrupts; but
    a look-up is made where no routine works, and the requisitions work on that site:
    the step is theirs, not the sales orders'."""
    orders, requisitions, line_item = [0, 1, 2], [3, 4, 5, 6], 7
    codes: list[int] = []
    event: list[int] = []
    for k in range(18):
        codes += orders
        event += [0] * len(orders)
        if k % 3 == 0:
            codes.append(line_item)
            event.append(2)
        codes += requisitions
        event += [1] * len(requisitions)
    sites = np.array([0, 0, 0, 1, 1, 1, 1, 1])  # per action: the orders', the requisitions'
    hard = np.zeros(len(codes), dtype=bool)
    found = _part_of(np.array(codes), hard, np.array(event), {0: 0, 1: 3, 2: 7}, 0.5, sites=sites)
    assert found != (2, 0)


def test_what_a_launchpad_opens_is_no_part_of_it():
    """Home, then a tile, then three approvals in the app the tile opened: every app's
    runs follow an unfinished run of the launchpad (a tile is no end), as an optional
    block follows its routine's steps. But the launchpad's runs are a click or two, and
    after them comes now one app, now another: it opens routines, it hosts none."""
    home, tiles, apps = 0, {1: 1, 2: 2}, {1: [3, 4, 5], 2: [6, 7, 8]}
    rng = random.Random(4)
    codes: list[int] = []
    event: list[int] = []
    for _ in range(16):
        app = rng.choice((1, 2))
        codes += [home, tiles[app], *apps[app] * 3]
        event += [0, 0, *[app] * 9]
    hard = np.zeros(len(codes), dtype=bool)
    found = _part_of(np.array(codes), hard, np.array(event), {0: home, 1: 3, 2: 6}, 0.5)
    assert found is None


def test_a_launchpad_s_home_and_tiles_are_a_community_apart_and_start_no_app():
    """Three apps opened in turn from a launchpad: home, the app's tile, then one to four
    items (list, detail, approve, OK). Louvain puts home and the tiles with the app they
    lead to most (here the first), whose start then is home: each of its sessions one
    instance. Known as the launchpad's home page, they are a community of their own and
    every app starts at its list."""
    rng = random.Random(2)
    codes: list[int] = []
    app = 0
    for session in range(16):
        app = rng.choice([a for a in (0, 1, 2) if a != app]) if session else 0
        codes += [0, 1 + app]  # home, the app's tile
        for _ in range(rng.randint(1, 4)):
            codes += [4 + 4 * app + step for step in range(4)]
    sites = np.array([0] * 4 + [1] * 4 + [2] * 4 + [3] * 4)  # the launchpad, then each app
    launchpad = sites == 0
    hard = np.zeros(len(codes), dtype=bool)
    hard[0] = True
    seconds = np.arange(len(codes), dtype=float)
    found = find_routines(np.array(codes), hard, seconds, CONFIG, sites=sites, launchpad=launchpad)
    home = found.community[0]
    assert set(found.community[launchpad]) == {home}
    assert home not in found.community[~launchpad]
    assert sorted(a for c, a in found.start.items() if c != home) == [4, 8, 12]


def test_a_tile_opened_before_every_instance_of_an_app_is_its_first_step():
    """An app opened from its tile on the launchpad's home page for each purchase order,
    between expense reports on another site: after the tile always comes that app, so
    the tile leads nowhere else. It is no launchpad between routines but the app's first
    step."""
    rng = random.Random(5)
    tile, app, report = [0], [1, 2, 3, 4], [5, 6, 7]
    codes: list[int] = []
    for _ in range(30):
        codes += rng.choice([tile + app, report])
    sites = np.array([0, 1, 1, 1, 1, 2, 2, 2])
    hard = np.zeros(len(codes), dtype=bool)
    hard[0] = True
    seconds = np.arange(len(codes), dtype=float)
    found = find_routines(np.array(codes), hard, seconds, CONFIG, sites=sites, launchpad=sites == 0)
    assert found.community[0] == found.community[1]
    assert found.start[found.community[1]] == 0


def test_a_dialog_every_app_confirms_in_hosts_no_app():
    """Three apps of a launchpad share one confirmation dialog (its OK has one XPath in
    every app); one app's Approve joined the dialog's community, so that app's runs are
    followed by dialog runs that do not open with OK. The dialog's runs are a click or
    two, after now one app, now another: a hub, unless it counts as ending its runs
    because its OK is sometimes clicked twice (its start is no end of its own)."""
    ok, approve_c = 0, 9
    apps = {1: [1, 2, 3], 2: [4, 5, 6], 3: [7, 8]}
    rng = random.Random(6)
    codes: list[int] = []
    event: list[int] = []
    for _ in range(40):
        app = rng.choice((1, 2, 3))
        dialog = ([approve_c] if app == 3 else []) + [ok] * rng.choice((1, 1, 1, 2))
        codes += [*apps[app], *dialog]
        event += [app] * len(apps[app]) + [0] * len(dialog)
    hard = np.zeros(len(codes), dtype=bool)
    found = _part_of(np.array(codes), hard, np.array(event), {0: ok, 1: 1, 2: 4, 3: 7}, 0.8)
    assert found is None


def hubs_of(runs: list[int], lengths: list[int]) -> list[int]:
    """`_hubs` of a stream of community runs of the given lengths, none ending."""
    event = np.repeat(np.array(runs), lengths)
    return _hubs(event, np.array(runs), np.zeros(len(runs), dtype=bool))


def test_a_launchpad_between_apps_is_a_hub_but_one_routine_s_communities_are_not():
    """Home and a tile (community 0) lead to now one app, now another (1-3), each
    worked for a while. An inbox's decision (4) after its detail's tabs (5) or line
    items (6) or both, in either order: short runs that take turns too, each looking
    like a hub to the two others, yet leading only between such lookalikes."""
    rng = random.Random(8)
    apps = [c for _ in range(20) for c in (0, rng.choice((1, 2, 3)))]
    assert hubs_of(apps, [2 if c == 0 else rng.randint(6, 12) for c in apps]) == [0]
    steps = [c for _ in range(40) for c in rng.choice(((5, 4), (6, 4), (5, 6, 4), (6, 5, 4)))]
    inbox = [c for c, _ in itertools.groupby(steps)]
    assert hubs_of(inbox, [rng.randint(1, 2) for _ in inbox]) == []


def test_a_dialog_every_app_submits_in_draws_no_app_into_one_routine():
    """Three apps of a launchpad, each worked in a sitting of several items, share the
    dialog whose Submit ends every item (one XPath in every app). After Submit the work
    goes on in the app its Approve was clicked in: it is a step of each app, not of the
    one Louvain gives it to, and no two apps become one routine through it."""
    rng = random.Random(3)
    weights = {"leave": 3, "invoice": 2, "order": 2}
    stream: list[str] = []
    for _ in range(14):
        app = rng.choices(list(weights), list(weights.values()))[0]
        stream += ["home", f"tile {app}"]
        for _ in range(rng.randint(3, 8)):
            stream += [f"{app} item", f"{app} details", f"{app} back"]
            stream += [f"{app} tab"] * (rng.random() < 0.5) + [f"{app} approve", "submit"]
    groups, _ = routines_of(stream)
    assert {"submit"} in groups
    invoice = next(g for g in groups if "invoice item" in g)
    assert not any(name.startswith(("leave", "order")) for name in invoice)


def test_a_batch_of_approvals_on_a_site_of_its_own_is_no_part_of_the_form_it_interrupts():
    """A form on a portal, now and then left after three fields for a batch of two to
    four approvals in an inbox, then finished: each batch sits inside a form instance,
    as an optional block would, and is small beside the forms. But a look-up is made
    once in an instance, and the inbox's items are approved several in a row: a
    routine of its own."""
    form = [(f"form {step}", "portal") for step in FORM_STEPS]
    approval = [("inbox item", "inbox"), ("inbox approve", "inbox"), ("inbox submit", "inbox")]
    rng = random.Random(2)
    steps: list[tuple[str, str]] = []
    breaks: set[int] = set()
    for k in range(30):
        if k % 3 == 0:
            breaks.add(len(steps))
        batch = approval * rng.randint(2, 4) if k % 10 == 2 else []
        steps += form[:3] + batch + form[3:]
    routine_of, starts = on_sites(steps, breaks)
    assert routine_of["inbox item"] != routine_of["form new"]
    assert starts == {"form new", "inbox item"}


def test_a_detached_action_s_community_id_stays_below_the_number_of_actions():
    """Tables per community are sized by the number of actions: a pass-through action
    that was a community of its own already must not get a new id past them."""
    codes = np.array([0, 1, 2] * 3)
    hard = np.zeros(len(codes), dtype=bool)
    hard[0] = True
    through = np.array([False, True, False])
    moved = detach(codes, hard, np.array([0, 1, 2]), through)
    assert moved.max() < 3
    assert len(set(moved.tolist())) == 3


def test_a_field_typed_key_by_key_is_one_step():
    """Forms and mail replies in random order, the recorder logging every keystroke: the
    name is typed in 6-14 events, the reply in 8-20. Counted per keystroke, typing would
    outnumber the steps done once per instance, the two routines take one another's
    typing for theirs, and a routine starts at a keystroke."""
    rng = random.Random(1)
    stream: list[str] = []
    for _ in range(30):
        if rng.random() < 0.5:
            stream += ["open form", *["type name"] * rng.randint(6, 14),
                       *["type amount"] * rng.randint(3, 9), "click save"]  # fmt: skip
        else:
            stream += ["open mail", "copy order", *["type reply"] * rng.randint(8, 20),
                       "click send"]  # fmt: skip
    groups, starts = routines_of(stream)
    form = {"open form", "type name", "type amount", "click save"}
    mail = {"open mail", "copy order", "type reply", "click send"}
    assert groups == [form, mail]
    assert starts == {frozenset(form): "open form", frozenset(mail): "open mail"}


def test_what_one_recording_opens_with_does_not_outweigh_the_runs_a_routine_opens():
    """Rows copied from a sheet into a portal and mail replies in random order, in one
    recording that happens to open with a look-up in the sheet the rows' routine does
    now and then mid-way. The one sure cut says "look up"; the twenty runs of the rows'
    routine after a reply (on another site) open with "new"."""
    rng = random.Random(3)
    steps = [("look up", "sheet")]
    for _ in range(40):
        if rng.random() < 0.5:
            look_up = [("look up", "sheet")] if rng.random() < 0.4 else []
            steps += [("new", "portal"), ("copy row", "sheet"), ("paste row", "portal"),
                      *look_up, ("save", "portal")]  # fmt: skip
        else:
            steps += [("open mail", "mail"), ("copy order", "mail"), ("type reply", "mail"),
                      ("click send", "mail")]  # fmt: skip
    routine_of, starts = on_sites(steps)
    assert routine_of["new"] == routine_of["look up"] != routine_of["open mail"]
    assert starts == {"new", "open mail"}


def test_a_field_used_at_two_steps_stays_with_its_routine():
    """An order search whose filter field is typed in twice: optionally right after the
    list opens, and always after a row is edited. Clicked and then typed in, the field's
    two actions follow each other more closely than anything else and may form a
    community of their own. After "edit row" its events go with the search; a community
    that keeps fewer than half its events is no routine, so the ones after "open list"
    go with the search too, not with that community (which makes them noise)."""
    rng = random.Random(7)
    stream: list[str] = []
    for _ in range(40):
        if rng.random() < 0.7:
            stream.append("open list")
            if rng.random() < 0.5:
                stream += ["click filter", "type filter"]
            stream += ["search", "open row", "edit row", "click filter", "type filter", "save"]
        else:
            stream += ["open mail", "copy order", "type reply", "click send"]
    codes, hard = encode(stream)
    names = sorted(set(stream))
    community = np.array([1 if "filter" in a else 2 if "mail" in a or a in (
        "copy order", "type reply", "click send") else 0 for a in names])  # fmt: skip
    routine = event_routines(codes, hard, community, CONFIG)
    assert {int(r) for a, r in zip(stream, routine, strict=True) if "filter" in a} == {0}


def test_an_optional_field_copied_and_pasted_stays_with_its_routine():
    """Account fields copied from a CRM page into a sheet, the department only now and
    then. Its copy and its paste always follow each other and may form a community of
    their own, each action with only half its neighbours in it; each is tied to the
    other most strongly, so judged one event at a time the pair kept itself apart (and
    two-event instances are noise). The pair goes where its outer links point: inside
    the account's routine."""
    rng = random.Random(4)
    stream: list[str] = []
    for _ in range(60):
        stream += ["search", "open account", "copy company", "paste A"]
        if rng.random() < 0.6:
            stream += ["copy country", "paste B"]
        if rng.random() < 0.35:
            stream += ["copy department", "paste C"]
        stream += ["copy email", "paste D"]
    codes, hard = encode(stream)
    names = sorted(set(stream))
    community = np.array([1 if a in ("copy department", "paste C") else 0 for a in names])
    routine = event_routines(codes, hard, community, CONFIG)
    assert set(routine.tolist()) == {0}


def test_a_workbook_is_a_site_of_its_own_and_its_sheets_are_not():
    """Course enrolments typed from two workbooks into one portal are two routines when
    each works on a workbook of its own (`_part_of` keeps a routine on sites of its own
    apart); the sheets of one workbook are one site, as the pages of one web host are."""
    vocabulary = pl.Series(
        [
            "getCell|Excel|A<row>|Eingang.xlsx | <num>-<num>|",
            "getCell|Excel|A<row>|Eingang.xlsx | Archive|",
            "getCell|Excel|A<row>|Anmeldungen.xlsx | <num>-<num>|",
            "click|Chrome|btn-new|Enrolments - mdm|mdm.example.net/enrolments",
            "click|Chrome|btn-save|New - mdm|mdm.example.net/enrolments/new",
            "click|Outlook||Inbox - Outlook|",
        ]
    )
    sites = action_sites(vocabulary).tolist()
    assert sites[0] == sites[1] != sites[2]
    assert sites[3] == sites[4] not in (sites[0], sites[2], sites[5])


def test_the_apps_of_one_launchpad_are_sites_and_the_pages_of_one_app_are_not():
    """A single-page app routes in the URL's fragment: its first part names the app
    (a Fiori launchpad's apps, one host), the rest its pages (a wizard's steps)."""
    vocabulary = pl.Series(
        [
            "click|Chrome|approveButton||erp.example/ui#SalesOrder-approve",
            "click|Chrome|__button<n>||#SalesOrder-approve",
            "click|Chrome|approveButton||erp.example/ui#PurchaseOrder-approve",
            "click|Chrome|next||erp.example/app/index.html#/request/<num>/general",
            "click|Chrome|save||erp.example/app/index.html#/request/<num>/review",
        ]
    )
    sites = action_sites(vocabulary).tolist()
    assert len({sites[0], sites[2], sites[3]}) == 3
    assert sites[3] == sites[4]


def test_runs_resumed_after_a_look_up_do_not_tell_the_start():
    """A travel form in one recording, and now and then a web search mid-form (another
    site). The form's runs after a search resume wherever it was left, each at another
    field: no step holds most of them, so they do not outvote where the recording's one
    sure cut says the form starts."""
    rng = random.Random(0)
    steps: list[tuple[str, str]] = []
    fields = ["type origin", "type destination", "type dates", "add line", "type amount",
              "type remarks"]  # fmt: skip
    for _ in range(40):
        steps.append(("open travel", "intranet"))
        for field in fields:
            if rng.random() < 0.06:
                steps += [("search web", "google"), ("open result", "google")]
            steps.append((field, "intranet"))
        steps.append(("submit", "intranet"))
    _, starts = on_sites(steps)
    assert starts == {"open travel", "search web"}


def test_a_part_voted_into_two_hosts_alike_goes_to_the_same_one_every_time() -> None:
    """Ties are broken by the host's number, not by the order of a hash table (which
    changes from one process to the next, and made two runs over one log differ)."""
    codes, event, hard = [], [], []
    for i in range(12):  # A, part, B, part, ...: each host's run after a cut, then the part
        host = i % 2
        codes += [2 * host, 2 * host + 1, 4, 5]
        event += [host, host, 2, 2]
        hard += [True, False, False, False]
    found = {
        _part_of(np.array(codes), np.array(hard), np.array(event), {0: 0, 1: 2, 2: 4}, 0.3)
        for _ in range(20)
    }
    assert found == {(2, 0)}


def items_checked_before_approval(lines: Callable[[random.Random], list[str]]) -> list[str]:
    """Work items checked before approval: each item's line items (``lines``) opened one
    by one, each closed with the back button, and one to three items checked before one
    approval."""
    rng = random.Random(3)
    stream: list[str] = []
    for _ in range(80):
        for _ in range(rng.choice((1, 2, 2, 3))):
            stream.append("open item")
            for line in lines(rng):
                stream += [line, "back"]
        stream += ["approve", "submit"]
    return stream


def ends_of_one_routine(stream: list[str], start: str) -> dict[int, int]:
    """`_ends` of ``stream`` taken for one routine that starts at ``start``."""
    codes, hard = encode(stream)
    names = sorted(set(stream))
    one = np.zeros(len(names), dtype=np.int64)
    return _ends(codes, hard, one[codes], one, {0: names.index(start)})


def test_a_back_button_pressed_after_each_line_item_is_no_end():
    """ "back" comes right before the next item more often than any other step, and is
    done more often than the item itself, as an optional first step's end would be; but
    it is done more often than any step of the routine, so not once per instance, and
    must not cut the instances."""
    lines = ["open line 1", "open line 2", "open line 3"]
    stream = items_checked_before_approval(lambda rng: rng.sample(lines, rng.randint(1, 3)))
    assert ends_of_one_routine(stream, "open item") == {}


def test_a_back_button_after_each_line_item_of_one_label_is_no_end():
    """As above, but the line items are rows of one table, recorded by a path whose row
    number is a placeholder: every line item is one step, done as often as "back". Then
    "back" is no more frequent than some other step of the routine; but it alternates
    with that step (line item, back, line item, back), where an instance's end is
    followed by the next instance, and must not cut the instances either."""
    stream = items_checked_before_approval(lambda rng: ["open line"] * rng.randint(1, 3))
    assert ends_of_one_routine(stream, "open item") == {}


def copied_records(forms: int, batches: Collection[int] = ()) -> str:
    """Where `find_routines` cuts records copied from one spreadsheet row each into a web
    form, the record's id written back. The recording's three idle breaks fall in the
    middle of forms 5, 17 and 30, and after each the person first looks the row up
    again, a step done in about a fifth of the other forms too. Before each form
    numbered in ``batches``, eleven records are keyed in a quick-entry box instead,
    never through "open form"."""
    rng = random.Random(7)
    stream: list[str] = []
    rows: list[int] = []
    gaps: list[float] = []
    cuts: set[int] = set()
    reads = {"copy name", "copy amount", "copy date", "look up row", "write id back"}
    reads |= {"copy row", "look at status"}
    record = 2
    for k in range(forms):
        batch = [["copy row", "paste row", "click parse", "look at status"]] * 11
        form = ["open form", "copy name", "paste name", "copy amount", "paste amount"]
        form += ["look up row"] if k in (5, 17, 30) or rng.random() < 0.2 else []
        form += ["copy date", "paste date", "click save", "see record", "write id back"]
        for steps in [*(batch if k in batches else []), form]:
            for step in steps:
                if step == "look up row" and k in (5, 17, 30):
                    cuts.add(len(stream))
                stream.append(step)
                rows.append(record if step in reads else -1)
                gaps.append(6.0 if step == "open form" else 1.0)
            record += 1
    codes, hard = encode(stream, cuts)
    found = find_routines(codes, hard, np.cumsum(gaps), CONFIG, rows=np.array(rows))
    return the_cut(found, sorted(set(stream)))


def test_rows_copied_one_per_instance_overrule_a_start_seen_after_breaks_mid_form():
    """The look at the row after each break, done in a quarter of the instances, comes
    first after most sure cuts and passes for the start, cutting pieces of several rows
    each. One row per instance tells the true cut."""
    assert copied_records(40) in {"after write id back", "before open form"}


def test_an_instance_that_spans_rows_is_not_cut_at_each_row():
    """An invoice's line items copied from two to four spreadsheet rows: every piece
    holds several rows, but the steps done once per invoice say where it starts, and
    cutting at each row would leave no invoice whole."""
    rng = random.Random(11)
    stream: list[str] = []
    rows: list[int] = []
    row = 2
    for _ in range(40):
        stream.append("open invoice")
        rows.append(-1)
        for _ in range(rng.randint(2, 4)):
            stream += ["copy item", "paste item", "copy quantity", "paste quantity"]
            rows += [row, -1, row, -1]
            row += 1
        stream += ["enter due date", "click post", "see posted"]
        rows += [-1, -1, -1]
    codes, hard = encode(stream)
    names = sorted(set(stream))
    found = find_routines(
        codes, hard, np.arange(len(stream), dtype=float), CONFIG, rows=np.array(rows)
    )
    assert the_cut(found, names) in {"before open invoice", "after see posted"}


def test_a_form_filled_two_ways_is_cut_after_its_submit_not_where_breaks_resumed():
    """A record entered now field by field, now by pasting the whole row into a quick
    entry box: only "save" and "submit" are done in every instance. Of the recording's
    ten breaks four fell just before "save", three between records (after which
    either way of filling came first) and three mid-form, so "save" came first after
    most sure cuts and passed for the start. The cut after "submit", where people pause
    between records, keeps both in every instance as well and follows the longer
    pause."""
    rng = random.Random(4)
    stream: list[str] = []
    gaps: list[float] = []
    cuts: set[int] = set()
    for k in range(60):
        if rng.random() < 0.6:
            steps = ["copy name", "paste name", "copy amount", "paste amount"]
        else:
            steps = ["copy row", "paste row", "click parse"]
        if k in (8, 19, 31, 40):  # a break before saving
            cuts.add(len(stream) + len(steps))
        if k in (12, 27, 44):  # a break between two records
            cuts.add(len(stream))
        if k in (15, 36, 52):  # a break mid-form
            cuts.add(len(stream) + 2)
        steps += ["click save", "submit"]
        stream += steps
        gaps += [6.0] + [1.0] * (len(steps) - 1)
    codes, hard = encode(stream, cuts)
    names = sorted(set(stream))
    found = find_routines(codes, hard, np.cumsum(gaps), CONFIG)
    assert the_cut(found, names) == "after submit"


def test_pauses_now_short_now_long_count_more_than_a_steady_page_load():
    """Between two records a person pauses now a second, now twenty; after "new" the
    page always takes a second and a half to load. The pause that tells where to cut
    (`_boundaries` among cuts as good) is the one between records: a median would see
    only its short half."""
    gap = np.array([1.0, 20.0, 1.0, 1.0, 20.0, 1.5, 1.5, 1.5, 1.5, 1.5])
    between, load = np.arange(10) < 5, np.arange(10) >= 5
    assert _pause_at(gap, between) > _pause_at(gap, load)


def test_a_start_seen_after_the_one_sure_cut_gives_way_to_rows_though_few_pieces_show_them():
    """A recording without breaks opens with a look at the search box, a step done twice
    more in the middle of forms: first after the only sure cut, it passes for the start
    and cuts four pieces, three of many rows each. The last, begun as the recording
    stopped, works on no row; with four pieces that says nothing about whether the rows
    are records (where rows are written by an optional step, most of many pieces have
    none), and one row per instance tells the true cut."""
    stream: list[str] = ["look up"]
    rows: list[int] = [-1]
    for k in range(12):
        steps = ["new", "load page", *(["look up"] if k in (4, 9) else [])]
        steps += ["copy name", "paste name", "copy amount", "paste amount", "save"]
        steps += ["load page", "write id back"]
        stream += steps
        rows += [k + 2 if s in ("copy name", "copy amount", "write id back") else -1 for s in steps]
    stream += ["look up", "new"]  # the recording stops as the next record begins
    rows += [-1, -1]
    codes, hard = encode(stream)
    names = sorted(set(stream))
    seconds = np.cumsum([6.0 if step == "new" else 1.0 for step in stream])
    found = find_routines(codes, hard, seconds, CONFIG, rows=np.array(rows))
    assert the_cut(found, names) in {"after write id back", "before new"}


def test_a_step_done_three_times_in_all_that_opened_the_recording_is_no_start():
    """A recording without breaks opens on the request list, a step done twice more in
    the middle of requests: first after the only sure cut, it passes for the start,
    and cut in four pieces the 12 requests leave no candidate. Done three times, it is
    too rare for the steps done as often to judge it; the steps done as often as the
    routine's anchor (once a request) find the cut."""
    stream: list[str] = ["open list"]
    for k in range(12):
        stream += ["new", "type title", "next", *(["open list"] if k in (4, 9) else [])]
        stream += ["type amount", "type date", "next", "add item", "save item", "submit"]
    stream += ["open list", "new"]
    codes, hard = encode(stream)
    names = sorted(set(stream))
    seconds = np.cumsum([6.0 if step == "new" else 1.0 for step in stream])
    found = find_routines(codes, hard, seconds, CONFIG)
    assert the_cut(found, names) in {"after submit", "before new"}


def test_a_look_at_the_news_before_work_does_not_move_the_cut_to_the_end():
    """Orders copied from mail into the ERP, every other one answered after saving; the
    recording opens with a look at the news. Cut before "open inbox", the news is a piece
    of its own, holding no step of an order: no order cut wrong, any more than the
    answers cut after "save order" (and carried to the next order) would be."""
    stream = ["open news", "read article"]
    for k in range(12):
        stream += ["open inbox", "open mail", "copy customer", "paste customer"]
        stream += ["copy material", "paste material", "save order"]
        stream += ["reply", "type reply", "send"] if k % 2 == 0 else []
    assert rechosen_cut(stream, "open inbox") == "before open inbox"


def test_a_cut_where_breaks_fell_is_no_better_for_counting_fewer_pieces():
    """Twelve forms, two of them broken off before "date" by a break (in one the name
    typed twice). Cut after "amount", the breaks fall on the cut: 13 pieces, where the
    cut before "new" leaves 14 (the breaks split two forms), and 10 whole in each. A
    share a twelfth higher from a piece fewer is no better cut."""
    stream: list[str] = []
    cuts: set[int] = set()
    for k in range(12):
        steps = ["new", "name", "name", "amount", "date", "submit"]
        if k != 2:
            steps.remove("name")
        if k in (2, 7):
            cuts.add(len(stream) + steps.index("date"))
        stream += steps
    assert rechosen_cut(stream, "new", cuts) == "before new"


def test_a_piece_of_a_form_a_break_cut_off_counts_though_it_holds_no_step_done_once():
    """Nine forms, the date typed twice in two (so it is no step done once a form);
    breaks cut the first form before "submit", the seventh after "new", the last before
    "date". Cut after "amount", the piece after the break in the seventh form holds its
    name and amount, no step done once a form, and opens its stretch as a look at the
    news before work would; but it holds steps done as often as those: a piece of a
    form, which counts against that cut."""
    stream: list[str] = []
    cuts: set[int] = set()
    breaks = {0: "submit", 6: "name", 8: "date"}
    for k in range(9):
        steps = ["new", "name", "amount", "date", "date", "submit"]
        if k not in (4, 5):
            steps.remove("date")
        if k in breaks:
            cuts.add(len(stream) + steps.index(breaks[k]))
        stream += steps
    assert rechosen_cut(stream, "new", cuts) == "before new"


def test_breaks_mid_form_do_not_move_the_cut_to_where_they_fell():
    """Twelve forms, two of them broken off before "date" by a break (the person was
    called away). Cut after "amount", the breaks fall on the cut and 11 of 13 pieces are
    whole, against 10 of 14 cut before "new"; left out, the breaks favour no cut, and
    "new" stays the start."""
    stream: list[str] = []
    cuts: set[int] = set()
    for k in range(12):
        if k in (2, 7):
            cuts.add(len(stream) + 3)
        stream += ["new", "name", "amount", "date", "submit"]
    assert rechosen_cut(stream, "new", cuts) == "before new"


def test_two_routines_done_a_few_times_in_random_order_do_not_take_turns_by_chance():
    """Invoices posted 5 times among 11 sales orders: in two of the four gaps between
    invoices came exactly one order, and in five of the ten gaps between orders exactly
    one invoice, each share above the 0.45 that merges two chunks of one routine. Four
    gaps cannot tell that from chance, nor can orders e-mailed 8 times among 14
    expense forms, one form between two orders in 5 of 7 gaps and one order between two
    forms in 6 of 13 (a log weighs many pairs of chunks: each way must be beyond chance
    at 99 %). Two chunks of one routine done five times, in every gap, still merge.
    Chunks on one site (an app's inbox: its list, its detail) taking turns as seldom
    merge on the share: there one routine is the likelier."""
    for order in ("BABABABBBABBBBAB", "BBBABABABABAABABBABBBB"):
        stream = [f"{x} {step}" for x in order for step in ("open", "enter", "post")]
        codes, hard = encode(stream)
        names = sorted(set(stream))
        community = np.array([0 if name.startswith("A") else 1 for name in names])
        apart = lockstep(codes, hard, community, CONFIG.routine_lockstep, sites=community)
        assert len(set(apart)) == 2, order
    one_site = np.zeros(len(names), dtype=np.int64)
    inbox = lockstep(codes, hard, community, CONFIG.routine_lockstep, sites=one_site)
    assert len(set(inbox)) == 1
    chunks = [f"{chunk} {step}" for _ in range(5) for chunk in "XY" for step in ("a", "b")]
    codes, hard = encode(chunks)
    names = sorted(set(chunks))
    community = np.array([0 if name.startswith("X") else 1 for name in names])
    assert len(set(lockstep(codes, hard, community, CONFIG.routine_lockstep))) == 1


def test_a_step_between_a_form_s_blocks_on_its_page_is_no_launchpad():
    """Expense claims: the claimant's name, then one to three receipts, each added with
    "add line" and filled in (category, merchant, amount), then attach and submit, all on
    one page. Louvain made the header, the receipt's fields and the steps between them
    (add line, the date, attach, submit) three communities. The steps between are a click
    or two, between now the header, now a receipt, as a launchpad's home and tile lead
    from app to app; but a launchpad has a page of its own, and these steps are on the
    form's: they are the form's, and so are its blocks, one routine."""
    header, add, fields, date, attach, submit = [0, 1], 2, [3, 4, 5], 6, 7, 8
    rng = random.Random(7)
    codes: list[int] = []
    for _ in range(10):  # a short recording: ten claims
        codes += header
        for line in range(rng.randint(1, 3)):
            codes += ([date] if line else []) + [add] + fields
        codes += [date, attach, submit]
    community = np.array([0, 0, 1, 2, 2, 2, 1, 1, 1])
    event = community[codes]
    hard = np.zeros(len(codes), dtype=bool)
    hard[0] = True
    sites = np.zeros(9, dtype=np.int64)  # one page
    runs = np.flatnonzero(np.diff(event, prepend=-1))
    assert _hubs(event, event[runs], np.zeros(len(runs), dtype=bool)) == [1]  # it looks like one
    found = _part_of(np.array(codes), hard, event, {0: 0, 1: add, 2: 3}, 0.8, sites=sites)
    assert found is not None and found[1] == 1


def test_chunks_of_a_routine_done_once_a_sitting_take_turns():
    """A supplier form filled ten times in a week, each time in a sitting of its own (an
    idle gap before each), split by Louvain into two chunks (the new record and its name;
    bank details, contact and save): no two of a chunk's steps share a stretch, so no gap
    between them says whether the other chunk comes once in between. A sitting that holds
    one of a chunk's steps is that gap: it holds one of the other's. Two routines done
    one a sitting, in random order, hold none of each other's and stay apart."""
    form = [["new", "name"], ["iban", "contact", "save"]]
    stream = [step for _ in range(10) for chunk in form for step in chunk]
    codes, hard = encode(stream, cuts=set(range(0, len(stream), 5)))
    names = sorted(set(stream))
    community = np.array([0 if name in form[0] else 1 for name in names])
    one_site = np.zeros(len(names), dtype=np.int64)
    assert len(set(lockstep(codes, hard, community, CONFIG.routine_lockstep, sites=one_site))) == 1
    rng = random.Random(3)
    sittings = [rng.choice(form) for _ in range(20)]
    stream = [step for chunk in sittings for step in chunk]
    cuts = set(np.cumsum([0] + [len(chunk) for chunk in sittings[:-1]]).tolist())
    codes, hard = encode(stream, cuts=cuts)
    apart = lockstep(codes, hard, community, CONFIG.routine_lockstep, sites=one_site)
    assert len(set(apart)) == 2


def test_a_cut_at_a_repeated_block_s_step_gives_way_to_the_pause_between_instances():
    """Travel requests: the list, "new", the project code, the remarks, the employee
    number and the cost centre, then one to three journeys (add line, category,
    amount), then submit; a pause before each request. The journeys' "add line" was
    taken for the start (it opened the runs the person resumed after a glance at the
    news): each journey an instance, each request's header a piece of its own. A cut
    done clearly more often than the routine's anchor may be a repeated block's step:
    the steps done as often as the anchor find the cut between the requests, taken
    where people pause longer than between journeys."""
    header = ["requests list", "new", "project code", "remarks", "employee no", "cost centre"]
    journey = ["add line", "category", "amount"]
    rng = random.Random(11)
    stream: list[str] = []
    for _ in range(30):
        stream += header
        for _ in range(rng.randint(1, 3)):
            stream += journey
        stream.append("submit")
    codes, hard = encode(stream)
    names = sorted(set(stream))
    seconds = np.cumsum([8.0 if step == "requests list" else 1.0 for step in stream])
    one = np.zeros(len(names), dtype=np.int64)
    start = {0: names.index("add line")}
    begin, end = _boundaries(codes, hard, seconds, one[codes], one, start, {})
    cut = f"after {names[end[0]]}" if end else f"before {names[begin[0]]}"
    assert cut in ("after submit", "before requests list")


def test_a_long_typed_field_does_not_cut_one_record_s_reads_apart():
    """Claims keyed into a web form from a spreadsheet row, the row's cells looked at as
    the form is filled. The IBAN, typed digit by digit, is logged when done, 4.5 s after
    the step before it: longer than people pause between claims (4 s before "new"). Of
    the cuts that leave every claim whole, the longest pause alone would cut before the
    IBAN, between the looks at one row; the rows keep each claim's cells together."""
    stream: list[str] = []
    rows: list[int] = []
    gaps: list[float] = []
    form = ["new", "load", "look A", "type policy", "look C", "type date", "type iban"]
    form += ["look F", "type notes", "save", "write back"]
    for k in range(21):  # (the recording stops mid-claim)
        for step in form if k < 20 else form[:6]:
            stream.append(step)
            rows.append(k + 2 if step.startswith("look") or step == "write back" else -1)
            gaps.append({"new": 4.0, "type iban": 4.5}.get(step, 1.0))
    codes, hard = encode(stream)
    names = sorted(set(stream))
    one = np.zeros(len(names), dtype=np.int64)
    start = {0: names.index("look A")}
    begin, end = _boundaries(
        codes, hard, np.cumsum(gaps), one[codes], one, start, {}, np.array(rows)
    )
    cut = f"after {names[end[0]]}" if end else f"before {names[begin[0]]}"
    assert cut in {"after write back", "before new"}


def test_a_repeated_block_interrupted_by_mail_checks_stays_part_of_its_form() -> None:
    """Travel requests (community 0): a header, one to four journeys (community 1) of
    ten steps each, then review and submit; the request's runs open at "next to review",
    right after the journeys. Before two in five journeys the person glances at mail,
    chat or the news (communities 2 to 4, a few events each), so those journeys' runs
    follow the glance, not the request. The glances interrupt the block: looked
    through, every journey block is inside a request."""
    header, review = [0, 1, 2, 3], [4, 5, 6]
    journey = list(range(10, 20))
    glances = [[30, 31], [32], [33, 34]]
    rng = random.Random(3)
    codes: list[int] = []
    for _ in range(30):
        codes += header
        for _ in range(rng.randint(1, 4)):
            codes += rng.choice(glances) if rng.random() < 0.4 else []
            codes += journey
        codes += review
    community = np.zeros(35, dtype=np.int64)
    community[journey] = 1
    community[[30, 31]], community[32], community[[33, 34]] = 2, 3, 4
    hard = np.zeros(len(codes), dtype=bool)
    hard[0] = True
    event = community[np.array(codes)]
    start = {0: 4, 1: 10, 2: 30, 3: 32, 4: 33}
    part = _part_of(np.array(codes), hard, event, start, CONFIG.routine_part_share)
    assert part == (1, 0)


def test_rows_overrule_a_start_seen_after_breaks_though_a_variant_never_does_the_start():
    """As above, but 44 of the 92 records are keyed in a quick-entry box in four
    batches, never through "open form": cut before "open form", a batch is one piece of
    many rows, and over all the rows fewer than half the pieces hold one. Of its own
    pieces nearly all do, and the batches are the variant's to cut (`_second_starts`),
    not a reason to keep the start the breaks suggested."""
    cut = copied_records(48, batches={6, 18, 31, 42})
    assert cut in {"after write id back", "before open form"}


def test_a_row_glanced_at_once_is_no_record_worked() -> None:
    """Records read cell by cell, and one look at a cell of another record: three rows
    worked, not four. Where records are one copied range each, every row counts."""
    one_stretch = np.zeros(10, dtype=np.int64)
    assert _rows_worked(one_stretch, np.array([2, 2, 2, 3, 3, 3, 9, 4, 4, 4])) == 3
    assert _rows_worked(one_stretch[:4], np.array([2, 3, 4, 5])) == 4


def test_a_cut_after_a_step_most_records_do_mid_form_gives_way_to_the_rows():
    """Suppliers keyed from a spreadsheet row into a web form; in three records of four
    the person switches back to the form's tab and clicks the amount field mid-form. Cut
    after the tab switch, a record without it joins the next one, and judged by those two
    steps nearly every piece is whole, more than cut before "new" (a quarter of records
    lack them). But that cut splits the reads of every row between two pieces; the
    rows cut before "new"."""
    rng = random.Random(2)
    stream: list[str] = []
    rows: list[int] = []
    for k in range(40):
        steps = ["new", "load", "copy name", "paste name"]
        steps += ["switch to form tab", "click amount"] if rng.random() < 0.75 else []
        steps += ["copy amount", "paste amount", "save", "write id back"]
        stream += steps
        rows += [k + 2 if step.startswith(("copy", "write")) else -1 for step in steps]
    codes, hard = encode(stream)
    names = sorted(set(stream))
    one = np.zeros(len(names), dtype=np.int64)
    end = {0: names.index("switch to form tab")}
    begin, end = _boundaries(
        codes,
        hard,
        np.arange(len(stream), dtype=float),
        one[codes],
        one,
        {0: 0},
        end,
        np.array(rows),
    )
    cut = f"after {names[end[0]]}" if end else f"before {names[begin[0]]}"
    assert cut in {"after write id back", "before new"}


def test_a_cell_copied_twice_in_some_records_keeps_no_row_whole_when_cut_at() -> None:
    """Enrolments keyed from a spreadsheet row; in a third of them the first cell is
    copied again. Cut before that copy, every piece still works on one row, but the
    rows copied twice lie in two pieces each: only the cut before "new" keeps one piece
    per row."""
    steps: list[str] = []
    rows: list[int] = []
    for k in range(30):
        again = ["copy B", "paste"] if k % 3 == 0 else []
        record = ["new", "copy B", "paste", *again, "copy C", "paste", "save"]
        steps += record
        rows += [k + 2 if step.startswith("copy") else -1 for step in record]
    action, row = np.array(steps), np.array(rows)
    one_stretch = np.zeros(len(steps), dtype=np.int64)
    objects = _rows_worked(one_stretch, row)
    at_new, at_copy = (
        _row_share(one_stretch, row, action == step, objects)[0] for step in ("new", "copy B")
    )
    assert at_new == 1.0
    assert at_copy < 0.7
