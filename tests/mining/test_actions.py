"""Action labels: kind + app + target + title template, values never in the label."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

import polars as pl
import pytest

from mining import actions
from mining.actions import LAUNCHPAD_ROUTE, label_actions, mask_text
from mining.config import MiningConfig
from mining.structure import cell_rows
from storage.models import EVENT_SCHEMA


def make_events(rows: list[dict]) -> pl.DataFrame:
    """Events in the store's schema (no truth columns), one second apart."""
    start = datetime(2026, 3, 2, 9, 0)
    full = [
        {"event_id": i + 1, "user_id": "u1", "ts": start + timedelta(seconds=i), **row}
        for i, row in enumerate(rows)
    ]
    schema = {k: v for k, v in EVENT_SCHEMA.items() if not k.startswith("truth_")}
    return pl.DataFrame(full, schema_overrides=schema).select(
        (pl.col(c) if c in pl.DataFrame(full).columns else pl.lit(None)).cast(t).alias(c)
        for c, t in schema.items()
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Invoice 4711 - SAP", "Invoice <num> - SAP"),
        ("Mail from anna.schmidt@example.com", "Mail from <email>"),
        ("Report 2026-03-02 final", "Report <date> final"),
        ("Due 02.03.2026", "Due <date>"),
        ("Call at 14:30", "Call at <time>"),
        ("id 3f2b8c1d-1234-4a5b-9c8d-0123456789ab", "id <uuid>"),
        ("sys_id a3f09b2c77de41aa", "sys_id <id>"),
        ("Sheet1 cell B2", "Sheet1 cell B2"),  # single digits are part of names
    ],
)
def test_mask_text_replaces_variable_shapes(text: str, expected: str) -> None:
    out = pl.select(mask_text(pl.lit(text))).item()
    assert out == expected


def test_label_keeps_rows_and_order_and_leaves_values_out() -> None:
    events = make_events(
        [
            {
                "kind": "type",
                "app": "SAP",
                "window_title": "Invoice 4711",
                "element_name": "Amount",
                "text": "1,234.50",
            },
            {
                "kind": "type",
                "app": "SAP",
                "window_title": "Invoice 4712",
                "element_name": "Amount",
                "text": "99.00",
            },
            {"kind": "click", "app": "SAP", "window_title": "Invoice 4712", "element_name": "Post"},
        ]
    )
    out = label_actions(events, MiningConfig())
    assert out["event_id"].to_list() == [1, 2, 3]
    assert out.columns[: len(events.columns)] == events.columns
    assert out["action"][0] == out["action"][1]  # same step, different invoice and amount
    assert out["action"][0] == "type|SAP|Amount|Invoice <num>|"
    assert out["title_template"].to_list() == ["Invoice <num>"] * 3
    assert not any("1,234" in a or "99.00" in a for a in out["action"])


def test_customer_names_and_file_names_become_placeholders_when_they_vary() -> None:
    names = ["Acme", "Globex", "Initech", "Hooli", "Umbrella"]
    rows = [
        {"kind": "focus", "app": "chrome", "window_title": f"{n} | Account | Salesforce"}
        for n in names
    ] + [
        {"kind": "focus", "app": "excel", "window_title": f"{n.lower()}.xlsx - Excel"}
        for n in names
    ]
    out = label_actions(make_events(rows), MiningConfig())
    assert set(out["title_template"][:5]) == {"<*> | Account | Salesforce"}
    assert set(out["title_template"][5:]) == {"<*> - Excel"}


def test_windows_with_few_distinct_titles_stay_apart() -> None:
    rows = [
        {"kind": "focus", "app": "outlook", "window_title": f"{folder} - me - Outlook"}
        for folder in ["Inbox", "Calendar", "Inbox", "Calendar", "Inbox"]
    ]
    out = label_actions(make_events(rows), MiningConfig())
    assert out["title_template"].unique().sort().to_list() == [
        "Calendar - me - Outlook",
        "Inbox - me - Outlook",
    ]


def test_a_rare_title_takes_the_general_template_of_its_window() -> None:
    subjects = ["Order 1 late", "Order 2 late", "Order 3 late", "Order 4 late"]
    rows = [
        {"kind": "focus", "app": "outlook", "window_title": f"{s} - Message"} for s in subjects
    ] + [{"kind": "focus", "app": "outlook", "window_title": "Where is order 5 now - Message"}]
    out = label_actions(make_events(rows), MiningConfig())
    assert set(out["title_template"][:4]) == {"Order <*> late - Message"}
    assert out["title_template"][4] == "Where is order 5 now - Message"


def test_target_prefers_the_element_name_over_a_value_label() -> None:
    rows = [
        {
            "kind": "click",
            "app": "outlook",
            "element_name": "Message list",
            "element_label": f"Invoice {n} from Acme",
        }
        for n in (101, 202)
    ] + [{"kind": "click", "app": "web", "element_label": "OK"}]
    out = label_actions(make_events(rows), MiningConfig())
    assert out["action"].to_list() == [
        "click|outlook|Message list||",
        "click|outlook|Message list||",
        "click|web|OK||",
    ]


def test_url_keeps_host_and_path_without_query() -> None:
    rows = [{"kind": "click", "app": "chrome", "url": "https://shop.example/orders/4711?tab=2"}]
    out = label_actions(make_events(rows), MiningConfig())
    assert out["action"][0] == "click|chrome|||shop.example/orders/<num>"


@pytest.mark.parametrize(
    ("url", "page"),
    [
        ("https://erp.example/app/index.html#/request/4711/items", "/request/<num>/items"),
        ("https://erp.example/app/index.html#/request/4712/review?tab=2", "/request/<num>/review"),
        (
            "https://erp.example/ui#PurchaseOrder-approve&/detail/4500001234",
            "PurchaseOrder-approve",
        ),
        ("https://erp.example/ui#Shell-home", "Shell-home"),
    ],
)
def test_a_single_page_app_s_route_in_the_fragment_is_its_page(url: str, page: str) -> None:
    out = label_actions(
        make_events([{"kind": "click", "app": "chrome", "url": url}]), MiningConfig()
    )
    assert out["action"][0].rsplit("|", 1)[1] == url.split("://")[1].split("#")[0] + "#" + page


@pytest.mark.parametrize("form", ["{}", "#{} > span", "//*[@id='{}']/span"])
def test_a_fiori_app_named_by_its_controls_ids_is_the_page_of_its_other_clicks(
    form: str,
) -> None:
    """A click recorder logs no URL; the ids of some of an app's controls name the app
    (its route), its list rows and dialog buttons do not, nor does the launchpad's home
    and tile that open the next app: those are the launchpad's, between two apps. The id
    may be all of the target, or part of a CSS selector or an XPath."""
    so, po = (
        "application-SalesOrder-approve-component---",
        "application-PurchaseOrder-approve-component---",
    )
    ids = [
        "__item12-__xmlview1--list-0",  # before any app is named: no page
        f"{so}__xmlview1--approveButton",
        "__button30-BDI-content",
        "shell-header-logo",
        "__tile4",
        "__item57-__xmlview1--list-0",
        f"{po}__xmlview1--approveButton",
        "__button31-BDI-content",
    ]
    rows = [{"kind": "click", "app": "chrome", "element_id": form.format(i)} for i in ids]
    pages = [
        a.rsplit("|", 1)[1] for a in label_actions(make_events(rows), MiningConfig())["action"]
    ]
    assert pages == [
        "",
        *["#SalesOrder-approve"] * 2,
        *["#Shell-home"] * 2,
        *["#PurchaseOrder-approve"] * 3,
    ]


def test_home_and_the_tile_that_open_the_same_app_again_are_its_steps() -> None:
    """Opened again from the launchpad, an app goes on with the same work: home and the
    tile are steps of it, not the launchpad's (as they are between two apps)."""
    so = "application-SalesOrder-approve-component---"
    ids = [
        f"{so}__xmlview1--approveButton",
        "__button30-BDI-content",
        "shell-header-logo",
        "__tile4",
        "__item57-__xmlview1--list-0",
        f"{so}__xmlview1--approveButton",
    ]
    rows = [{"kind": "click", "app": "chrome", "element_id": i} for i in ids]
    pages = [
        a.rsplit("|", 1)[1] for a in label_actions(make_events(rows), MiningConfig())["action"]
    ]
    assert pages == ["#SalesOrder-approve"] * 6


def test_apps_side_by_side_in_xpaths_are_views_and_home_between_them_the_launchpad_s() -> None:
    """A recorder logs absolute XPaths only. A launchpad renders each app in a container
    of its own (div[1], div[2] under one parent) with the same list, buttons and header:
    the container is the app's view. The dialog, outside both, is in the view used last;
    home and the tile, clicked between two apps, are the launchpad's."""
    app = "/html/body/div[1]/div/div[{}]/"
    inside = ["div[2]/section/ul/li[3]/div", "div[3]/footer/button[1]", "div[3]/header/button"]
    dialog, home, tile = (
        "/html/body/div[5]/footer/button[1]",
        "/html/body/div[1]/header/a[1]/img",
        "/html/body/div[1]/div[3]/section/div[2]/div[{}]/div",
    )

    def work(n: int) -> list[str]:
        return [app.format(n) + inside[0], app.format(n) + inside[1], dialog] * 2 + [
            app.format(n) + inside[2]
        ]

    paths = [*work(1), home, tile.format(6), *work(2), home, tile.format(5), *work(1)]
    rows = [{"kind": "click", "app": "chrome", "element_id": x} for x in paths]
    pages = [
        a.rsplit("|", 1)[1] for a in label_actions(make_events(rows), MiningConfig())["action"]
    ]
    view = "#html>body>div[1]>div>div[{}]"
    assert pages == [
        *[view.format(1)] * 7,
        *["#Shell-home"] * 2,
        *[view.format(2)] * 7,
        *["#Shell-home"] * 2,
        *[view.format(1)] * 7,
    ]


def test_views_are_not_searched_among_more_xpaths_than_a_person_clicks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each distinct XPath is a row of the view search per step: recorded paths beyond
    `VIEW_MAX_PATHS` (here lowered to four) name no view, rather than run the search out
    of memory."""
    monkeypatch.setattr(actions, "VIEW_MAX_PATHS", 4)
    app = "/html/body/div[1]/div/div[{}]/"
    inside = ["div[2]/section/ul/li[3]/div", "div[3]/footer/button[1]", "div[3]/header/button"]
    paths = [app.format(n) + step for n in (1, 2) for _ in range(4) for step in inside]
    rows = [{"kind": "click", "app": "chrome", "element_id": x} for x in paths]
    actions_ = label_actions(make_events(rows), MiningConfig())["action"]
    assert {a.rsplit("|", 1)[1] for a in actions_} == {""}
    monkeypatch.setattr(actions, "VIEW_MAX_PATHS", 6)
    actions_ = label_actions(make_events(rows), MiningConfig())["action"]
    assert {a.rsplit("|", 1)[1] for a in actions_} == {
        "#html>body>div[1]>div>div[1]",
        "#html>body>div[1]>div>div[2]",
    }


def test_xpaths_of_one_app_name_no_view() -> None:
    """Without sibling containers that hold the same elements, an XPath is in no view:
    the rows of a table differ in their index alone, and stay one element."""
    paths = [
        "/html/body/div[2]/form/input[1]",
        "/html/body/div[2]/form/input[2]",
        "/html/body/div[2]/table/tbody/tr[4]/td[2]/span",
        "/html/body/div[2]/table/tbody/tr[5]/td[2]/span",
        "/html/body/div[2]/table/tbody/tr[6]/td[3]/span",
        "/html/body/div[2]/table/tbody/tr[7]/td[1]/span",
    ]
    rows = [{"kind": "click", "app": "chrome", "element_id": x} for x in paths]
    actions = label_actions(make_events(rows), MiningConfig())["action"]
    assert [a.rsplit("|", 1)[1] for a in actions] == [""] * 6


def test_the_rows_of_a_grid_clicked_one_per_record_are_no_views() -> None:
    """Rows of a grid of divs hold the same cells, like views; but a person clicks in a
    row and moves on to the next record's, where an app is stayed in."""
    paths = [
        path
        for row in range(1, 13)
        for path in (
            f"/html/body/div[2]/div[3]/div[{row}]/span[{row % 3 + 1}]",
            "/html/body/div[2]/form/input[1]",
            "/html/body/div[2]/form/input[2]",
        )
    ]
    rows = [{"kind": "click", "app": "chrome", "element_id": x} for x in paths]
    actions = label_actions(make_events(rows), MiningConfig())["action"]
    assert {a.rsplit("|", 1)[1] for a in actions} == {""}


def test_attrs_can_name_the_target_when_no_element_field_does() -> None:
    rows = [
        {"kind": "copy", "app": "excel", "attrs": '{"Column": "B", "Row": "17"}'},
        {"kind": "copy", "app": "excel", "attrs": '{"Column": "B", "Row": "42"}'},
    ]
    config = MiningConfig(action_attrs=["Column"])
    out = label_actions(make_events(rows), config)
    assert out["action"].to_list() == ["copy|excel|B||"] * 2
    assert label_actions(make_events(rows), MiningConfig())["action"][0] == "copy|excel|||"


def test_a_spreadsheet_cell_keeps_its_column_not_its_row() -> None:
    rows = [{"kind": "paste", "app": "excel", "element_id": cell} for cell in ("A5", "A17", "C2")]
    out = label_actions(make_events(rows), MiningConfig())
    assert out["action"].to_list() == [
        "paste|excel|A<row>||",
        "paste|excel|A<row>||",
        "paste|excel|C<row>||",
    ]


def test_the_row_a_cell_is_on_is_kept_apart_from_its_label() -> None:
    """The row is the record a routine works on; a hostile "cell" with a row no int32
    holds is no row, and must not raise."""
    ids = ["B7", "$C$12", "A3:G3", "btn-save", None, "A99999999999999999999"]
    events = make_events([{"kind": "copy", "app": "excel", "element_id": i} for i in ids])
    assert cell_rows(events).tolist() == [7, 12, 3, -1, -1, -1]


def test_rows_of_two_sheets_are_two_records() -> None:
    """A workbook's month sheets each start at row 2: row 2 of September and row 2 of
    October are two claims, and row 2 of September looked at twice is one."""
    sheets = ["09-2026", "09-2026", "10-2026"]
    events = make_events(
        [
            {
                "kind": "copyCell",
                "app": "excel",
                "window_title": "claims.xlsx",
                "element_id": "B2",
                "attrs": json.dumps({"target.sheetName": sheet}),
            }
            for sheet in sheets
        ]
    )
    first, again, october = cell_rows(events).tolist()
    assert first == again != october


def test_apps_that_do_one_job_share_labels():
    """The same click in Chrome and in Edge is one action; an app in no family keeps its
    own name, and the events keep their real app."""
    click = {"kind": "click", "element_name": "Search", "window_title": "Orders"}
    events = make_events(
        [{**click, "app": "chrome.exe"}, {**click, "app": "MSEdge.exe"}, {**click, "app": "SAP"}]
    )
    actions = label_actions(events, MiningConfig())
    labels = actions["action"].to_list()
    assert labels[0] == labels[1] and labels[0].startswith("click|browser|Search|")
    assert labels[2].startswith("click|SAP|Search|")
    assert actions["app"].to_list() == ["chrome.exe", "MSEdge.exe", "SAP"]
    own = label_actions(events, MiningConfig(app_families=[]))["action"].to_list()
    assert own[0] != own[1]


def test_element_ids_lose_rows_and_generated_numbers_but_keep_columns() -> None:
    ids = ["B7", "$B$12", "B7:D9", "__button17", "__xmlview3--save-inner", "field1", "field2"]
    events = make_events([{"kind": "click", "app": "ui", "element_id": i} for i in ids])
    targets = [a.split("|")[2] for a in label_actions(events, MiningConfig())["action"]]
    assert targets == [
        "B<row>",
        "B<row>",
        "B<row>:D<row>",
        "__button<n>",
        "__xmlview<n>--save-inner",
        "field1",  # a field's number is part of its name
        "field2",
    ]


def test_generated_ids_used_in_turn_stay_apart_while_list_rows_merge() -> None:
    """A UI5 page's buttons differ only by a generated number ("__button12" approves,
    "__button56" sends); they are used in turn, so they stay two elements. The rows of
    a list, one clicked per record, become one element whatever the row."""
    rows = []
    for record in range(12):
        view = 3 + record % 2  # the view counter changes as pages reload
        for element in (f"__xmlview{view}--tablerowBtn-{(record * 7) % 10}",
                        f"__xmlview{view}--__button12-inner",
                        f"__xmlview{view}--__button56-inner"):  # fmt: skip
            rows.append({"kind": "click", "app": "chrome", "element_id": element})
    targets = [a.split("|")[2] for a in label_actions(make_events(rows), MiningConfig())["action"]]
    assert targets[:3] == [
        "__xmlview<n>--tablerowBtn-<n>",
        "__xmlview<n>--__button12-inner",
        "__xmlview<n>--__button56-inner",
    ]
    assert len(set(targets)) == 3


def test_the_rows_of_a_list_worked_top_to_bottom_are_one_element() -> None:
    """A UI5 worklist's rows are "<item>-<list>-<row>"; a person works them top to
    bottom, each row a record: row 0, 1, 2, ... then the refreshed list from the top.
    The row index is the record's place, like a cell's row, so every row is one
    element, and the list's stable name ("--list") needs no click spot either."""
    rows = []
    for record in range(15):
        row = record % 5
        for element, y in ((f"__item{60 + 3 * record}-__xmlview1--list-{row}", 230 + 80 * row),
                           ("__xmlview2--approveButton-BDI-content", 940),
                           (f"__button{61 + 3 * record}-BDI-content", 570)):  # fmt: skip
            rows.append({"kind": "click", "app": "chrome", "element_id": element,
                         "x": 190 + record % 3, "y": y})  # fmt: skip
    targets = [a.split("|")[2] for a in label_actions(make_events(rows), MiningConfig())["action"]]
    assert set(targets[::3]) == {"__item<n>-__xmlview<n>--list-<n>"}


def test_an_id_ending_in_a_number_too_long_for_any_integer_is_labelled():
    """Recorded ids are anyone's: "row-" and thirty digits, used in turn, is no row of a
    list to compare with the next, and must not stop the labelling."""
    huge = ["row-123456789012345678901234567890", "row-123456789012345678901234567891"]
    rows = [{"kind": "click", "app": "chrome", "element_id": huge[k % 2]} for k in range(12)]
    targets = {a.split("|")[2] for a in label_actions(make_events(rows), MiningConfig())["action"]}
    assert targets and all(t.startswith("row-") for t in targets)


def test_a_css_selector_is_an_element_key_with_rows_and_generated_numbers_out() -> None:
    """Recorders that log a CSS selector (as the browser's "copy selector" gives it) name
    elements with spaces around combinators: that is a selector, not a name in words."""
    button = "#__xmlview<n>--approveButton > span.sapMBtnInner"
    row = "div.sapMList > ul > li:nth-child(*) > div"
    selectors = [
        ("#__xmlview3--approveButton > span.sapMBtnInner", button),
        ("#__xmlview4--approveButton  >  span.sapMBtnInner", button),
        ("div.sapMList > ul > li:nth-child(3) > div", row),
        ("div.sapMList > ul > li:nth-child(4) > div", row),
        (
            "body > div:nth-child(2) > section > button",
            "body > div:nth-child(2) > section > button",
        ),
    ]
    rows = [{"kind": "click", "app": "chrome", "element_id": css} for css, _ in selectors]
    targets = [a.split("|")[2] for a in label_actions(make_events(rows), MiningConfig())["action"]]
    assert targets == [key for _, key in selectors]


def test_the_sheet_of_a_workbook_event_is_part_of_its_window() -> None:
    rows = [
        {"kind": "copyCell", "app": "Excel", "window_title": "data.xlsx", "element_id": "A2",
         "attrs": json.dumps({"target.sheetName": sheet})}
        for sheet in ("Orders", "Returns")
    ]  # fmt: skip
    actions = label_actions(make_events(rows), MiningConfig())["action"].to_list()
    assert actions == [
        "copyCell|Excel|A<row>|data.xlsx | Orders|",
        "copyCell|Excel|A<row>|data.xlsx | Returns|",
    ]


def test_clicks_with_only_a_position_are_told_apart_by_spot() -> None:
    # two buttons 200 px apart, each clicked a few pixels off every time; the window moves
    # on the screen, but the recorder's offsets within it (rel_x, rel_y) do not
    rows = []
    for k in range(6):
        for rel_x, rel_y in ((40 + k % 3, 300 + k % 2), (240 - k % 4, 302)):
            rows.append(
                {"kind": "click", "app": "fiori", "x": 100 * k + rel_x, "y": 50 + rel_y,
                 "attrs": json.dumps({"rel_x": rel_x, "rel_y": rel_y})}
            )  # fmt: skip
    targets = [a.split("|")[2] for a in label_actions(make_events(rows), MiningConfig())["action"]]
    assert targets == ["@1", "@2"] * 6


def test_a_generated_id_of_one_element_keeps_no_spot_when_the_window_moves() -> None:
    """The inputs of a form get new generated numbers with every record ("__input31",
    "__input32", then "__input41", ...): only where each click landed tells them apart.
    A UI5 app's Approve button has a generated number too, but is one element: its
    clicks land where the last one did until the window moves, and it must stay one
    action after the move."""
    rows = []
    for record in range(12):
        dx = 0 if record < 6 else 250  # the window moves once, half-way
        for element, x, y in ((f"__input{10 * record + 1}", 300, 200),
                              (f"__input{10 * record + 2}", 300, 260),
                              ("__xmlview2--approveButton", 900, 700)):  # fmt: skip
            rows.append({"kind": "click", "app": "chrome", "element_id": element,
                         "x": x + dx + record % 3, "y": y})  # fmt: skip
    targets = [a.split("|")[2] for a in label_actions(make_events(rows), MiningConfig())["action"]]
    inputs = {t for t in targets if t.startswith("__input")}
    buttons = {t for t in targets if "approveButton" in t}
    assert buttons == {"__xmlview<n>--approveButton"}
    assert len(inputs) == 4  # two inputs, at two window places each


HOME, ITEM, APPROVE, SUBMIT = (40, 28), (200, 220), (1180, 940), (810, 570)
TILES = {"leave": (300, 300), "invoice": (500, 300), "order": (700, 300)}


def clicks(points: list[tuple[int, int]]) -> pl.DataFrame:
    """Clicks known by where they landed alone (a few pixels off each time)."""
    rows = [
        {"kind": "click", "app": "chrome", "x": x + i % 3, "y": y - i % 2}
        for i, (x, y) in enumerate(points)
    ]
    return make_events(rows)


@pytest.mark.parametrize(
    ("tiles", "opened"),
    [
        (TILES, list(TILES) * 5),
        (TILES | {"requisition": SUBMIT}, [*TILES] * 6 + ["requisition"] * 3),
        (TILES | {"timesheet": (900, 300)}, [*TILES] * 5 + ["timesheet"]),
        (TILES | {"timesheet": (900, 300)}, [*TILES, "timesheet"] * 2),
        (TILES | {"requisition": SUBMIT}, [*TILES] * 4 + ["requisition"] * 7),
    ],
    ids=["apart", "under-a-button", "opened-once", "each-opened-twice", "often-under-a-button"],
)
def test_clicks_known_by_position_alone_belong_to_the_app_whose_tile_was_opened(
    tiles: dict[str, tuple[int, int]], opened: list[str]
) -> None:
    """Apps of a launchpad with the same layout, recorded as positions only: an item,
    Approve and Submit land at the same spots in every app. The tile opened last tells
    the apps apart; home and the tiles themselves belong to none (a tile is on the
    launchpad's home page). A tile may lie where
    an app's button is (Submit, for an app opened now and then): once the other tiles
    show which click is home, a click there after home is a launch all the same; so is
    one on a spot clicked nowhere else, an app opened once. A person who opens each of
    four apps twice has launched often enough to show home, and so does one who opens
    the app under Submit for a third of the launches."""
    rng = random.Random(4)
    points: list[tuple[int, int]] = []
    apps: list[str] = []
    for app in rng.sample(opened, len(opened)):
        points += [HOME, tiles[app]]
        apps += ["home", "tile"]
        for _ in range(rng.randint(2, 4)):
            points += [ITEM, APPROVE, SUBMIT]
            apps += [app] * 3
    routes = [a.rsplit("|", 1)[1] for a in label_actions(clicks(points), MiningConfig())["action"]]
    by_app: dict[str, set[str]] = {}
    for app, route in zip(apps, routes, strict=True):
        by_app.setdefault(app, set()).add(route)
    assert by_app["home"] == {""}
    assert by_app["tile"] == {LAUNCHPAD_ROUTE}  # as a browser logs the launchpad's tiles
    assert all(len(by_app[app]) == 1 and "" not in by_app[app] for app in tiles)
    assert len({route for app in tiles for route in by_app[app]}) == len(tiles)


def test_a_button_that_opens_a_few_panels_in_turn_is_no_launchpad_home() -> None:
    """Forty-five launches from home, seven in ten to another app than the one before;
    inside the apps, six times, a button that opens one of two panels, now this one,
    now that (its "tiles" take turns more often than home's, but six times says less
    than forty-five). Home is the launchpad's home: the clicks after a panel are still
    the app's."""
    rng = random.Random(9)
    panel, panels = (900, 100), [(950, 700), (1000, 750)]
    opened = iter([0, 1, 0, 1, 1, 0])  # four turns in five
    points: list[tuple[int, int]] = []
    apps: list[str] = []
    app = "leave"
    for k in range(45):
        if rng.random() < 0.7:
            app = rng.choice([a for a in TILES if a != app])
        points += [HOME, TILES[app]]
        apps += ["home", "tile"]
        for block in range(rng.randint(2, 4)):
            points += [ITEM, APPROVE, SUBMIT]
            apps += [app] * 3
            if k % 7 == 3 and block == 0:
                points += [panel, panels[next(opened)]]
                apps += ["panel", "panel"]
    routes = [a.rsplit("|", 1)[1] for a in label_actions(clicks(points), MiningConfig())["action"]]
    by_app: dict[str, set[str]] = {}
    for app, route in zip(apps, routes, strict=True):
        by_app.setdefault(app, set()).add(route)
    assert all(len(by_app[app]) == 1 and "" not in by_app[app] for app in TILES)


def test_clicks_before_the_first_launch_belong_to_the_app_whose_spots_they_hit() -> None:
    """A recording that starts inside an app, before any launch: its first clicks are
    that app's (each app has a step of its own, at a spot the others leave alone), not
    a page apart from all of them, where the same work would be another routine."""
    own = {"leave": (200, 400), "invoice": (200, 500), "order": (200, 600)}
    rng = random.Random(8)
    points = [ITEM, own["invoice"], APPROVE, SUBMIT] * 3
    apps = ["invoice"] * len(points)
    for app in rng.sample(list(TILES) * 5, 15):
        points += [HOME, TILES[app]]
        apps += ["home", "tile"]
        for _ in range(rng.randint(2, 4)):
            points += [ITEM, own[app], APPROVE, SUBMIT]
            apps += [app] * 4
    routes = [a.rsplit("|", 1)[1] for a in label_actions(clicks(points), MiningConfig())["action"]]
    first = set(routes[:12])
    later = {r for app, r in zip(apps[12:], routes[12:], strict=True) if app == "invoice"}
    assert len(later) == 1 and first == later


def picked_rows() -> list[tuple[int, int]]:
    """A search, one of five rows of its hits (picked anew in every instance), then a
    form of three steps."""
    rng = random.Random(5)
    points: list[tuple[int, int]] = []
    for _ in range(30):
        points += [(100, 100), (300, 200 + 40 * rng.randrange(5))]
        points += [(500, 600), (500, 650), (700, 600)]
    return points


def reflowed_tile() -> list[tuple[int, int]]:
    """One app, opened from its tile now and then for a few items; the launchpad's
    window is resized twice and its tiles reflow, so the tile lands at another spot."""
    rng = random.Random(6)
    points: list[tuple[int, int]] = []
    for n in range(15):
        points += [HOME, (300 + 150 * (n // 5), 300)]
        points += [ITEM, APPROVE, SUBMIT] * rng.randint(2, 4)
    return points


def opened_lines() -> list[tuple[int, int]]:
    """Items approved; for every third, its line items opened one by one first, the back
    arrow after each (and followed by another line four times in five)."""
    rng = random.Random(7)
    back, lines = (460, 130), [(700, 400 + 48 * k) for k in range(5)]
    points: list[tuple[int, int]] = []
    for n in range(45):
        points.append(ITEM)
        if n % 3 == 0:
            for line in [lines[0], *rng.sample(lines[1:], 4)]:
                points += [line, back]
        points += [APPROVE, SUBMIT]
    return points


@pytest.mark.parametrize(
    "points",
    [picked_rows(), reflowed_tile(), opened_lines()],
    ids=["picked", "reflowed", "lines"],
)
def test_a_picked_row_a_reflowed_tile_or_an_opened_line_opens_no_app(
    points: list[tuple[int, int]],
) -> None:
    """Each looks like a launch (a click, then one of several that only ever follow it)
    and is none: a row picked in every instance opens the rest of that instance, each
    step once; a tile whose spot changes when the window is resized changes only then;
    a line item opened is closed again right after."""
    routes = {a.rsplit("|", 1)[1] for a in label_actions(clicks(points), MiningConfig())["action"]}
    assert routes == {""}
