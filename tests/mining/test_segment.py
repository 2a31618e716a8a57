"""Segmentation on small hand-made streams with known instances, one signal at a time."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from mining.actions import label_actions
from mining.config import MiningConfig
from mining.context import context_segments
from mining.pipeline import mine_events
from mining.routines import Routines
from mining.segment import OUTPUT_SCHEMA, _context_users, _unseen, segment_stream
from mining.structure import count_strays, finish_segments, routine_segments, tail_routines
from storage.models import EVENT_SCHEMA

START = datetime(2026, 3, 2, 9, 0)
COLUMNS = {k: v for k, v in EVENT_SCHEMA.items() if not k.startswith("truth_")}


def stream(rows: list[dict]) -> pl.DataFrame:
    """Events from rows with ``at`` (seconds after START); ids in row order."""
    frame = pl.DataFrame(
        [
            {
                "event_id": i + 1,
                "user_id": row.get("user_id", "u1"),
                "session_id": row.get("session_id", "s1"),
                "ts": START + timedelta(seconds=row["at"]),
                **{k: v for k, v in row.items() if k not in ("at", "user_id", "session_id")},
            }
            for i, row in enumerate(rows)
        ],
        infer_schema_length=None,
    )
    return frame.select(
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
        for c, t in COLUMNS.items()
    ).sort("user_id", "ts", "event_id")


def segment(rows: list[dict], config: MiningConfig | None = None) -> pl.DataFrame:
    config = config or MiningConfig()
    return segment_stream(label_actions(stream(rows), config), config)


def groups(found: pl.DataFrame) -> list[list[int]]:
    """Event ids of each instance, in instance order."""
    return (
        found.sort("instance_id", "position")
        .group_by("instance_id", maintain_order=True)
        .agg("event_id")["event_id"]
        .to_list()
    )


def context_groups(rows: list[dict]) -> list[list[int]]:
    """Event ids of each instance context alone finds, in a log of minutes rather than a
    day (``segment_context_s`` scaled down to match)."""
    config = MiningConfig(segment_context_s=60.0)
    frame = label_actions(stream(rows), config).with_row_index("i")
    found = context_segments(frame.with_columns(pl.col("i").cast(pl.Int64)), config)
    members = (
        found.drop_nulls("segment")
        .group_by("segment", maintain_order=True)
        .agg(event=pl.col("i") + 1)
    )
    return members["event"].to_list()


def repeated_routine(instances: int, start_gap: float = 12.0) -> list[dict]:
    """open → login → fill → save, with varied thinking time inside, a pause before open."""
    rows, clock = [], 0.0
    for k in range(instances):
        for j, target in enumerate(("open", "login", "fill", "save")):
            clock += start_gap if j == 0 else 1 + (k * 3 + j) % 5
            rows.append({"at": clock, "kind": "click", "app": "web", "element_label": target})
    return rows


def test_recurring_start_action_cuts_a_repeated_routine() -> None:
    found = segment(repeated_routine(6))
    assert groups(found) == [[4 * k + 1, 4 * k + 2, 4 * k + 3, 4 * k + 4] for k in range(6)]
    assert found["position"].to_list() == [0, 1, 2, 3] * 6
    assert found.schema == pl.Schema(OUTPUT_SCHEMA)


def test_idle_gap_always_cuts() -> None:
    rows = [
        {"at": t, "kind": "click", "app": "web", "element_label": label}
        for t, label in [(0, "a"), (1, "b"), (4, "c"), (5, "a"), (8, "b"), (9, "c")]
    ]
    rows += [{**r, "at": r["at"] + 900} for r in rows[:5]]  # 15 minutes later: idle
    found = groups(segment(rows))
    # the recurring start cuts a b c | a b c; the idle gap cuts the last one short
    assert found == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_session_change_cuts_and_short_stretches_are_noise() -> None:
    rows = [
        {"at": t, "kind": "click", "app": "web", "element_label": label, "session_id": session}
        for t, label, session in [
            (0, "a", "s1"), (1, "b", "s1"), (2, "c", "s1"),
            (3, "a", "s2"), (4, "b", "s2"), (5, "c", "s2"),
            (6, "x", "s3"), (7, "y", "s3"),  # two events: too short to be a routine
        ]
    ]  # fmt: skip
    assert groups(segment(rows)) == [[1, 2, 3], [4, 5, 6]]


def test_instance_ids_are_unique_across_users_and_follow_user_then_time() -> None:
    rows = [{**r, "user_id": "u2"} for r in repeated_routine(3)]
    rows += [{**r, "user_id": "u1", "at": r["at"] + 500} for r in repeated_routine(3)]
    found = segment(rows)
    firsts = found.filter(pl.col("position") == 0).sort("instance_id")
    assert firsts["instance_id"].to_list() == list(range(6))
    assert firsts["user_id"].to_list() == ["u1"] * 3 + ["u2"] * 3
    assert found["event_id"].n_unique() == found.height == 24


def test_empty_input_gives_empty_output_with_schema() -> None:
    config = MiningConfig()
    found = segment_stream(
        label_actions(stream([{"at": 0, "kind": "click"}]).head(0), config), config
    )
    assert found.height == 0
    assert found.schema == pl.Schema(OUTPUT_SCHEMA)


INBOX = "Inbox - me@corp.example - Outlook"


def interleaved() -> list[dict]:
    """Invoice 4711 (A) interrupted by ticket INC00123 (B), with chat before, inside, after."""
    chat = [
        {"kind": "focus", "app": "teams", "window_title": "Chat | Bob | Teams"},
        {"kind": "type", "app": "teams", "window_title": "Chat | Bob | Teams", "text": "ok"},
    ]
    a_head = [
        {"kind": "focus", "app": "outlook", "window_title": INBOX},
        {
            "kind": "click",
            "app": "outlook",
            "window_title": INBOX,
            "element_name": "Message list",
            "element_label": "Invoice 4711 from Acme",
        },
        {"kind": "focus", "app": "outlook", "window_title": "Invoice 4711 from Acme - Message"},
        {
            "kind": "double_click",
            "app": "outlook",
            "window_title": "Invoice 4711 from Acme - Message",
            "element_name": "Attachment",
            "element_label": "Invoice_4711.pdf",
        },
        {"kind": "focus", "app": "reader", "window_title": "Invoice_4711.pdf - Reader"},
        {
            "kind": "copy",
            "app": "reader",
            "window_title": "Invoice_4711.pdf - Reader",
            "element_name": "Number",
            "text": "4711",
        },
    ]
    b = [
        {"kind": "focus", "app": "chrome", "window_title": "Incidents | ServiceNow"},
        {
            "kind": "click",
            "app": "chrome",
            "window_title": "Incidents | ServiceNow",
            "element_name": "Incident",
            "element_label": "INC00123",
        },
        {"kind": "focus", "app": "chrome", "window_title": "INC00123 | Incident | ServiceNow"},
        {
            "kind": "type",
            "app": "chrome",
            "window_title": "INC00123 | Incident | ServiceNow",
            "element_name": "Group",
            "text": "Network",
        },
        {
            "kind": "click",
            "app": "chrome",
            "window_title": "INC00123 | Incident | ServiceNow",
            "element_name": "Update",
        },
    ]
    a_tail = [
        {"kind": "focus", "app": "sap", "window_title": "Enter Invoice"},
        {
            "kind": "paste",
            "app": "sap",
            "window_title": "Enter Invoice",
            "element_name": "Reference",
            "text": "4711",
        },
        {"kind": "click", "app": "sap", "window_title": "Enter Invoice", "element_name": "Post"},
    ]
    # chat is mostly done outside routines: four times as often as inside
    rows = chat + a_head + chat + b + a_tail + chat * 4
    return [{**row, "at": 2.0 * i} for i, row in enumerate(rows)]


def test_an_interrupted_instance_keeps_both_halves_and_chat_stays_out() -> None:
    # one small log cannot show the statistics that choose context over structure: force it
    config = MiningConfig(segment_min_contexts=1, segment_context_disagree=0.0)
    found = groups(segment(interleaved(), config))
    a = [3, 4, 5, 6, 7, 8] + [16, 17, 18]
    b = [11, 12, 13, 14, 15]
    assert found == [a, b]


def test_work_between_routines_is_trimmed_off_the_instance_before() -> None:
    # twelve instances of one routine; after two of them, a glance at the news in the same
    # rhythm, so that only its rarity among the routine's segments gives it away
    rows, clock = [], 0.0
    for k in range(12):
        for j, target in enumerate(("open", "login", "fill", "save")):
            clock += 12 if j == 0 else 1 + (k * 3 + j) % 5
            rows.append({"at": clock, "kind": "click", "app": "web", "element_label": target})
        if k in (2, 7):
            for target in ("news", "article"):
                clock += 2
                rows.append({"at": clock, "kind": "click", "app": "news", "element_label": target})
    found = segment(rows)
    kept = set(found["event_id"].to_list())
    news = {i + 1 for i, row in enumerate(rows) if row["app"] == "news"}
    assert found["instance_id"].n_unique() == 12
    assert not kept & news
    assert len(kept) == 48


def test_alt_tab_with_an_app_opens_the_window_after_it() -> None:
    rows = interleaved()
    # the recorder reports alt+tab in the window it leaves: it goes with the next window
    rows.insert(
        14, {**rows[14], "kind": "hotkey", "app": "teams", "window_title": "Chat | Bob | Teams",
             "text": "alt+tab", "element_name": None}
    )  # fmt: skip
    rows = [{**row, "at": 2.0 * i} for i, row in enumerate(rows)]
    config = MiningConfig(segment_min_contexts=1, segment_context_disagree=0.0)
    found = groups(segment(rows, config))
    assert found[0] == [3, 4, 5, 6, 7, 8] + [17, 18, 19]
    assert found[1] == [11, 12, 13, 14, 15, 16]


def test_structure_wins_where_it_explains_the_linked_values() -> None:
    # each instance copies its own record id from the web form into a sheet: the values
    # link events inside structural segments, so structure is kept (and all events with it)
    rows = repeated_routine(12)
    for k in range(12):
        record = f"REC{1000 + k}"
        rows[4 * k + 1] |= {"text": record}
        rows[4 * k + 2] |= {"app": "sheet", "text": record}
    found = segment(rows)
    assert groups(found) == [[4 * k + 1, 4 * k + 2, 4 * k + 3, 4 * k + 4] for k in range(12)]


def invoices(chat_after: set[int]) -> list[dict]:
    """Twelve invoices keyed from mail into SAP, a chat after those in ``chat_after``,
    all at the same pace."""
    rows: list[dict] = []
    for k in range(12):
        number, subject = str(5000 + k), f"Invoice {5000 + k} from Acme"
        rows += [
            {"kind": "click", "app": "outlook", "window_title": INBOX,
             "element_name": "Message list", "element_label": subject},
            {"kind": "focus", "app": "outlook", "window_title": f"{subject} - Message"},
            {"kind": "copy", "app": "outlook", "window_title": f"{subject} - Message",
             "element_name": "Body", "text": number},
            {"kind": "focus", "app": "sap", "window_title": "Enter Invoice"},
            {"kind": "paste", "app": "sap", "window_title": "Enter Invoice",
             "element_name": "Reference", "text": number},
            {"kind": "click", "app": "sap", "window_title": "Enter Invoice",
             "element_name": "Post"},
        ]  # fmt: skip
        if k in chat_after:
            rows += [
                {"kind": "focus", "app": "teams", "window_title": "Chat | Bob | Teams"},
                {"kind": "type", "app": "teams", "window_title": "Chat | Bob | Teams",
                 "text": "ok"},
            ]  # fmt: skip
    return [{**row, "at": 2.0 * i} for i, row in enumerate(rows)]


def test_a_chat_between_some_instances_stays_out() -> None:
    rows = invoices(chat_after={k for k in range(12) if k % 3 == 1})
    found = groups(segment(rows))
    chat = {i + 1 for i, row in enumerate(rows) if row["app"] == "teams"}
    assert len(found) == 12
    assert all(len(instance) == 6 and not set(instance) & chat for instance in found)


def test_context_links_each_invoice_even_where_a_chat_follows_every_one() -> None:
    # a chat after every invoice takes turns with it, so structure sees one routine;
    # the invoice's own values still link its events, and the chat is not one of them
    rows = invoices(chat_after=set(range(12)))
    assert context_groups(rows) == [list(range(8 * k + 1, 8 * k + 7)) for k in range(12)]


def test_looking_a_record_up_without_keying_anything_is_not_an_instance() -> None:
    rows: list[dict] = []
    for k in range(12):
        number, customer = str(7000 + k), f"Customer{k:02d} Ltd"
        rows += [  # a lookup: the customer page is opened and read, nothing typed or copied
            {"kind": "click", "app": "crm", "window_title": "Accounts",
             "element_name": "Result", "element_label": customer},
            {"kind": "focus", "app": "crm", "window_title": f"{customer} | Account"},
            {"kind": "scroll", "app": "crm", "window_title": f"{customer} | Account"},
        ] + [  # an order keyed from a mail into the ERP
            {"kind": "focus", "app": "mail", "window_title": f"Order {number} - Message"},
            {"kind": "copy", "app": "mail", "window_title": f"Order {number} - Message",
             "element_name": "Body", "text": number},
            {"kind": "focus", "app": "erp", "window_title": "Sales Order"},
            {"kind": "paste", "app": "erp", "window_title": "Sales Order",
             "element_name": "Order", "text": number},
        ]  # fmt: skip
    rows = [{**row, "at": 2.0 * i} for i, row in enumerate(rows)]
    assert context_groups(rows) == [list(range(7 * k + 4, 7 * k + 8)) for k in range(12)]


def test_a_vendor_seen_again_forty_minutes_later_links_no_two_invoices() -> None:
    """Invoices keyed from mail, one every five minutes, the first and the ninth from one
    vendor: the vendor's name forty minutes apart, with other invoices between, marks
    no one object."""
    rows: list[dict] = []
    for k in range(10):
        number, vendor = str(5000 + k), "Acme Ltd" if k in (0, 8) else f"Vendor{k:02d} Ltd"
        subject = f"Invoice {number} from {vendor}"
        rows += [
            {"kind": "focus", "app": "outlook", "window_title": f"{subject} - Message"},
            {"kind": "copy", "app": "outlook", "window_title": f"{subject} - Message",
             "element_name": "Body", "text": number},
            {"kind": "paste", "app": "sap", "window_title": "Enter Invoice",
             "element_name": "Reference", "text": number},
            {"kind": "type", "app": "sap", "window_title": "Enter Invoice",
             "element_name": "Vendor", "text": vendor},
            {"kind": "click", "app": "sap", "window_title": "Enter Invoice",
             "element_name": "Post"},
        ]  # fmt: skip
    rows = [{**row, "at": 60.0 * i} for i, row in enumerate(rows)]
    config = MiningConfig()
    frame = label_actions(stream(rows), config).with_row_index("i")
    found = context_segments(frame.with_columns(pl.col("i").cast(pl.Int64)), config)
    first = found.head(5)["segment"]
    assert first.n_unique() == 1 and first[0] is not None
    assert not found.slice(5, 35)["segment"].is_in(first.implode()).any()


def test_a_draft_finished_after_the_next_request_is_no_part_of_that_request() -> None:
    """Requests keyed in a web wizard whose addresses carry the request's number; two
    are left as drafts after their first page and finished after the next request,
    without opening anything first. The same page with another number is another
    request: the finished draft is not glued to the request before it."""
    rows: list[dict] = []

    def page(number: int, name: str, kind: str, element: str, text: str | None = None):
        url = f"https://portal.example/requests/{number}/{name}"
        return {"kind": kind, "app": "chrome", "window_title": "Requests", "url": url,
                "element_name": element, "text": text}  # fmt: skip

    def first(n: int) -> list[dict]:
        return [
            {"kind": "click", "app": "chrome", "window_title": "Requests",
             "url": "https://portal.example/requests", "element_name": "New"},
            page(n, "general", "type", "name", f"Trip {n}"),
            page(n, "general", "click", "next"),
        ]  # fmt: skip

    def rest(n: int) -> list[dict]:
        return [page(n, "items", "type", "amount", f"{n}.50"), page(n, "items", "click", "next"),
                page(n, "review", "click", "submit")]  # fmt: skip

    drafts = {3: 4, 8: 9}  # draft 3 is finished after request 4, draft 8 after 9
    for n in range(101, 113):
        k = n - 100
        rows += first(n)
        if k not in drafts:
            rows += rest(n)
        if k in drafts.values():
            rows += rest(100 + next(d for d, after in drafts.items() if after == k))
    rows = [{**row, "at": 3.0 * i} for i, row in enumerate(rows)]
    found = groups(segment(rows))
    numbers = [{re.findall(r"\d{3}", rows[e - 1]["url"])[0] for e in instance
                if re.search(r"\d{3}", rows[e - 1]["url"])} for instance in found]  # fmt: skip
    assert len(found) == 14 and all(len(n) == 1 for n in numbers)


def test_each_spreadsheet_row_copied_into_a_form_is_one_instance_never_cut_inside() -> None:
    # the fields are copied in any order and one is sometimes typed: the only boundary
    # is the next row, opened with "New" and saved with "Save"
    rows, clock = [], 0.0
    fields = [("A", "first"), ("B", "last"), ("C", "phone"), ("D", "city")]
    for r in range(2, 14):
        order = fields[r % 4 :] + fields[: r % 4]
        steps = [{"kind": "clickButton", "app": "Chrome", "element_name": "new"}]
        for column, field in order:
            value = f"{field}-{r}"
            steps += [
                {"kind": "copyCell", "app": "Excel", "element_id": f"{column}{r}", "text": value},
                {"kind": "paste", "app": "Chrome", "element_name": field, "text": value},
            ]
        steps.append({"kind": "clickButton", "app": "Chrome", "element_name": "save"})
        for step in steps:
            clock += 1.5
            rows.append({**step, "at": clock})
    found = groups(segment(rows))
    assert found == [list(range(10 * k + 1, 10 * k + 11)) for k in range(12)]


def optional_step_between_instances(step: str, pause_before: float, pause_after: float):
    """Twelve rows copied into a form; after every other one an optional step comes
    between the save and the next row's first copy, with the given pauses around it."""
    rows, clock = [], 0.0
    body = [("copyCell", "Excel", "A"), ("paste", "Chrome", "first"),
            ("copyCell", "Excel", "B"), ("paste", "Chrome", "last"),
            ("clickButton", "Chrome", "save")]  # fmt: skip
    for k in range(12):
        if k % 2:
            clock += pause_before
            rows.append({"at": clock, "kind": "click", "app": "Excel", "element_name": step})
            clock += pause_after - 2.0
        for kind, app, target in body:
            clock += 2.0
            key = "element_id" if app == "Excel" else "element_name"
            rows.append({"at": clock, "kind": kind, "app": app, key: f"{target}{k + 2}"
                         if app == "Excel" else target})  # fmt: skip
        clock += 2.0 if k % 2 == 0 else 0.0
    return rows


def test_an_optional_step_after_a_pause_opens_the_next_instance() -> None:
    rows = optional_step_between_instances("select row", pause_before=20.0, pause_after=2.0)
    found = groups(segment(rows))
    selects = [i + 1 for i, row in enumerate(rows) if row.get("element_name") == "select row"]
    assert len(found) == 12
    assert all(instance[0] in selects for instance in found if len(instance) == 6)


def views(context_sizes: list[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Structure and context of one user's stream: context instances of the given sizes
    in events, each of which structure cuts into two pieces of two routines (as noise
    does): by the share cut, context explains the stream better."""
    context, structure, routine = [], [], []
    for k, size in enumerate(context_sizes):
        context += [k] * size
        structure += [2 * k] * (size // 2) + [2 * k + 1] * (size - size // 2)
        routine += [0] * (size // 2) + [1] * (size - size // 2)
    user = ["u1"] * len(context)
    return (
        pl.DataFrame({"user_id": user, "segment": structure, "routine": routine}),
        pl.DataFrame({"user_id": user, "segment": context}),
    )


def test_context_whose_instances_are_alike_in_length_wins() -> None:
    structure, context = views([8, 9, 8, 7, 8, 10, 8, 9, 8, 7, 8, 12])
    assert _context_users(structure, context, MiningConfig()).to_list() == ["u1"]


def test_context_loses_where_a_shared_value_glues_instances_into_one_many_times_as_long() -> None:
    # a surname on two records half an hour apart links every instance between them
    structure, context = views([8, 9, 8, 7, 8, 10, 8, 9, 8, 7, 60, 64])
    assert _context_users(structure, context, MiningConfig()).to_list() == []


def test_a_look_up_after_breaks_mid_form_does_not_cut_across_rows() -> None:
    """Records copied from one spreadsheet row each into a web form, the record's id
    written back; the person breaks off mid-form three times and, back, first looks the
    row up again (as now and then otherwise too). Both the whole log and the staged
    pipeline (`mine_events`, one user at a time) keep each row's steps in one instance."""
    rows, clock = [], 0.0
    for r in range(2, 42):
        look_up = r in (7, 19, 32) or r % 5 == 0
        steps = [("clickButton", "Chrome", None, "new"), ("copyCell", "Excel", f"A{r}", None)]
        steps += [("paste", "Chrome", None, "name"), ("copyCell", "Excel", f"B{r}", None)]
        steps += [("paste", "Chrome", None, "amount")]
        steps += [("getCell", "Excel", f"C{r}", None)] if look_up else []
        steps += [("copyCell", "Excel", f"C{r}", None), ("paste", "Chrome", None, "date")]
        steps += [("clickButton", "Chrome", None, "save"), ("editCell", "Excel", f"H{r}", None)]
        for kind, app, cell, field in steps:
            pause = 600.0 if kind == "getCell" and r in (7, 19, 32) else 1.5
            clock += 6.0 if field == "new" else pause
            rows.append(
                {"kind": kind, "app": app, "element_id": cell, "element_name": field, "at": clock}
            )
    events = stream(rows)
    row_of = events.select(
        "event_id", row=pl.col("element_id").str.extract(r"(\d+)$").cast(pl.Int64)
    )
    for found in (segment(rows), mine_events(events, MiningConfig())["instance_events"]):
        per_instance = (
            found.join(row_of, on="event_id")
            .group_by("instance_id")
            .agg(pl.col("row").drop_nulls().n_unique())
        )
        assert per_instance.height >= 40
        assert (per_instance["row"] == 1).all()


def approvals_between_invoices(
    approvals_after: Callable[[int], int], spots: list[str]
) -> tuple[list[list[int]], list[int], set[int]]:
    """Invoices keyed from mail (their numbers link each one's events: context wins,
    structure cut each in two) and, after invoice n, ``approvals_after(n)`` approvals
    clicked in an inbox recorded by position (``spots``), no value linking them; the
    instances found (structure's instances given), and the ids of the clicks and of the
    invoices' events."""
    rows, structure, approvals = [], [], 0
    for k, row in enumerate(invoices(chat_after=set())):
        n = k // 6
        rows.append(row)
        structure.append((2 * n + (k % 6 >= 3), int(k % 6 >= 3)))
        for _ in range(approvals_after(n) if k % 6 == 5 else 0):
            for spot in spots:
                rows.append({"kind": "click", "app": "chrome", "element_name": spot})
                structure.append((100 + approvals, 2))
            approvals += 1
    rows = [{**row, "at": 2.0 * i} for i, row in enumerate(rows)]
    config = MiningConfig(segment_context_s=60.0)
    given = pl.DataFrame(
        {
            "i": range(len(rows)),
            "segment": [segment for segment, _ in structure],
            "routine": [routine for _, routine in structure],
        },
        schema={"i": pl.Int64, "segment": pl.Int64, "routine": pl.Int64},
    )
    found = groups(segment_stream(label_actions(stream(rows), config), config, given))
    clicks = [i + 1 for i, row in enumerate(rows) if row["app"] == "chrome"]
    invoice_events = {i + 1 for i, row in enumerate(rows) if row["app"] != "chrome"}
    return found, clicks, invoice_events


def test_a_batch_of_approvals_without_values_keeps_its_instances_beside_context() -> None:
    """After every third invoice, four approvals of three clicks in a row: context
    cannot see them; structure's instances of them stay."""
    found, clicks, invoice_events = approvals_between_invoices(
        lambda n: 4 if n % 3 == 1 else 0, ["@12", "@40", "@41"]
    )
    assert [g for g in found if set(g) & set(clicks)] == [
        clicks[a : a + 3] for a in range(0, len(clicks), 3)
    ]
    assert len([g for g in found if set(g) <= invoice_events]) == 12


def test_long_approvals_without_values_done_one_or_two_at_a_time_keep_their_instances() -> None:
    """Approvals of nine steps, one or two at a time between the invoices: no batch,
    yet no glance at something else either (a glance is a few steps); structure's
    instances of them stay beside context's invoices."""
    spots = ["@12", "@40", "@41", "@13", "@42", "@43", "@14", "@44", "@45"]
    found, clicks, invoice_events = approvals_between_invoices(
        lambda n: (1 + (n % 4 == 3)) if n % 2 == 1 else 0, spots
    )
    assert len(clicks) == 9 * 9
    assert [g for g in found if set(g) & set(clicks)] == [
        clicks[a : a + 9] for a in range(0, len(clicks), 9)
    ]
    assert len([g for g in found if set(g) <= invoice_events]) == 12


def test_a_keyed_form_context_lost_across_a_break_keeps_structure_s_instance() -> None:
    """Requests keyed into a web form: context follows each by its number, but one the
    person left for a meeting mid-form shows its number over a longer time than a
    number stays in use, and context finds nothing there. Keyed over many steps, it is
    work context could not follow: structure's instance of it stays. A record looked
    up without keying anything, and a few fields keyed, are not (context drops such
    look-ups on purpose; a short piece is left to it)."""
    form = [f"changeField|Chrome|{f}||portal/requests/<num>/form"
            for f in ("traveller", "to", "purpose", "depart", "return", "cost")]  # fmt: skip
    request = ["clickButton|Chrome|New||portal/home", *form, "clickButton|Chrome|Submit||portal"]
    look_up = [f"clickLink|Chrome|{f}||portal/requests/<num>/form" for f in "abcdefgh"]
    pieces = [request] * 6 + [request, look_up, form[:3]]
    structure = pl.DataFrame(
        {
            "user_id": "u1",
            "segment": [k for k, piece in enumerate(pieces) for _ in piece],
            "routine": 0,
            "action": [action for piece in pieces for action in piece],
        }
    )
    context = structure.select(
        segment=pl.when(pl.col("segment") < 6).then("segment"), linked=pl.col("segment") < 6
    )
    unseen = structure.with_columns(unseen=_unseen(structure, context))
    kept = unseen.group_by("segment").agg(pl.col("unseen").all()).sort("segment")
    assert kept["unseen"].to_list() == [False] * 6 + [True, False, False]


def test_a_variant_that_never_opens_the_form_anew_is_cut_at_each_row() -> None:
    """Claims keyed into one web form, in batches from two workbooks: from the inbox
    workbook each claim opens the form with "New" and ends on the claim's page; from
    the other, the form stays open and the next claim starts with its first cell. The
    routine's start ("New") never cuts the second kind, whose rows then say where each
    claim starts (its first cell, which the first kind never copies), and the cells
    copied from that workbook are steps, not noise. Both the whole log and the staged
    pipeline keep each claim in an instance of its own."""
    rows, clock = [], 0.0
    fields = ["policy", "date", "claimant", "amount"]
    inbox, other = ("A", "B", "C", "D"), ("I", "F", "B", "D")
    row = {"inbox.xlsx": 1, "claims.xlsx": 1}
    for batch in range(6):
        workbook, columns = ("inbox.xlsx", inbox) if batch % 2 == 0 else ("claims.xlsx", other)
        title = f"{workbook} | 0{batch + 2}-2026"
        for _ in range(8):
            row[workbook] += 1
            r = row[workbook]
            steps = [] if workbook == "claims.xlsx" else [("clickButton", None, "new")]
            for column, field in zip(columns, fields, strict=True):
                steps += [("copyCell", f"{column}{r}", None), ("paste", None, field)]
            steps += [("clickButton", None, "save")]
            steps += [] if workbook == "claims.xlsx" else [("clickLink", None, "claim")]
            for kind, cell, field in steps:
                clock += 6.0 if field == "new" or cell == f"I{r}" else 1.5
                on_sheet = cell is not None
                rows.append(
                    {
                        "kind": kind,
                        "app": "Excel" if on_sheet else "Chrome",
                        "window_title": title if on_sheet else "New claim - portal",
                        "url": None if on_sheet else "https://portal.example.com/claims/new",
                        "element_id": cell,
                        "element_name": field,
                        "at": clock,
                    }
                )
    events = stream(rows)
    row_of = events.filter(kind="copyCell").select(
        "event_id", row=pl.col("window_title") + pl.col("element_id").str.extract(r"(\d+)$")
    )
    for found in (segment(rows), mine_events(events, MiningConfig())["instance_events"]):
        per_instance = (
            found.join(row_of, on="event_id").group_by("instance_id").agg(pl.col("row").n_unique())
        )
        assert per_instance.height == 48
        assert (per_instance["row"] == 1).all()
        assert found.join(events.filter(kind="copyCell"), on="event_id").height == 4 * 48


def supplier_rows(
    records: range,
    looked: Callable[[int], bool],
    sits_down: Callable[[int], bool] = lambda _: False,
) -> list[dict]:
    """Suppliers keyed into a form from a workbook, one row each: copied cell by cell in
    one order, or, where ``looked``, read by eye cell by cell in any order and typed;
    where ``sits_down``, after hours away, the workbook and the portal opened first."""
    rng = random.Random(11)
    rows, clock = [], 0.0
    fields = {"A": "supplier", "B": "vat", "C": "iban", "D": "city", "E": "email"}
    for r in records:
        columns = rng.sample(list(fields), len(fields)) if looked(r) else list(fields)
        steps = [("openWorkbook", None, None), ("navigateTo", None, None)] if sits_down(r) else []
        for column in columns:
            read, enter = ("getCell", "type") if looked(r) else ("copyCell", "paste")
            steps += [(read, f"{column}{r}", None), (enter, None, fields[column])]
        steps += [("clickButton", None, "save")]
        for kind, cell, field in steps:
            first = cell == f"{columns[0]}{r}"
            clock += 14400.0 if kind == "openWorkbook" else 8.0 if first else 1.5
            on_sheet = cell is not None or kind == "openWorkbook"
            rows.append(
                {
                    "kind": kind,
                    "app": "Excel" if on_sheet else "Chrome",
                    "window_title": "suppliers.xlsx | Sheet1" if on_sheet else "New supplier",
                    "url": None if on_sheet else "https://portal.example.com/suppliers/new",
                    "element_id": cell,
                    "element_name": field,
                    "at": clock,
                }
            )
    return rows


def rows_per_instance(found: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """``instance_id, row``: how many spreadsheet rows each instance of ``found`` reads."""
    row_of = events.filter(pl.col("element_id").is_not_null()).select(
        "event_id", row=pl.col("element_id").str.extract(r"(\d+)$")
    )
    return found.join(row_of, on="event_id").group_by("instance_id").agg(pl.col("row").n_unique())


def test_records_read_in_any_order_are_cut_where_the_row_moves_on() -> None:
    """Suppliers keyed into a form from a workbook, one row each: most copied cell by
    cell in one order (the first cell's copy is the routine's start), every fourth read
    by eye cell by cell in any order and typed. No step starts those; the row they move
    on to does. Both the whole log and the staged pipeline keep each row in one
    instance."""
    rows = supplier_rows(range(2, 42), looked=lambda r: r % 4 == 3)
    events = stream(rows)
    for found in (segment(rows), mine_events(events, MiningConfig())["instance_events"]):
        per_instance = rows_per_instance(found, events)
        assert per_instance.height == 40
        assert (per_instance["row"] == 1).all()


def test_records_read_in_any_order_in_short_sittings_are_cut_where_the_row_moves_on() -> None:
    """Twelve suppliers keyed in four sittings, each begun by opening the workbook and
    the portal: most copied cell by cell (the first cell's copy is the start), every
    third read by eye in any order and typed. The sittings' set-up reads no row, and
    with so few records it is a third of the pieces; it says nothing of whether rows
    are records, and each row is still one instance."""
    rows = supplier_rows(range(2, 14), looked=lambda r: r % 3 == 0, sits_down=lambda r: r % 3 == 2)
    per_instance = rows_per_instance(segment(rows), stream(rows))
    assert per_instance.height == 12
    assert (per_instance["row"] == 1).all()


def test_requests_begun_now_from_the_home_page_now_from_a_bookmark_are_each_one() -> None:
    """A request form begun from the home page after each break and after going back
    home from a confirmation (the start that sure cuts show), otherwise from a bookmark
    of the form; one to three participants added to each. The home page cuts only the
    requests begun there; every step of a request then comes again and again in one
    piece, and the bookmark becomes a second start: one request per instance, its
    participants with it."""
    rng = random.Random(5)
    rows, clock, home = [], 0.0, True
    site = "https://travel.example.net"
    for k in range(60):
        clock += 1800.0 if k % 15 == 0 else 8.0
        home |= k % 15 == 0
        steps = (
            [("navigate", f"{site}/home", None), ("clickButton", f"{site}/home", "new")]
            if home
            else [("navigate", f"{site}/requests/new", None)]
        )
        form = f"{site}/faces/request.xhtml"
        steps += [("navigate", form, None)]
        steps += [("clickTextField", form, "course"), ("changeField", form, "course")]
        steps += [("clickTextField", form, "fee"), ("changeField", form, "fee")]
        for _ in range(rng.randint(1, 3)):
            steps += [("clickButton", form, "add"), ("changeField", form, "participant")]
            steps += [("clickButton", form, "dialog-save")]
        steps += [("clickCheckbox", form, "agree"), ("clickButton", form, "submit")]
        steps += [("navigate", form, None)]
        home = rng.random() < 0.3
        steps += [("clickLink", form, "Back to home")] if home else []
        for kind, url, field in steps:
            clock += 2.0
            rows.append(
                {"kind": kind, "app": "Chrome", "url": url, "element_name": field, "at": clock}
            )
    events = stream(rows)
    submits = events.filter(element_name="submit").select("event_id")
    for found in (segment(rows), mine_events(events, MiningConfig())["instance_events"]):
        per_instance = found.join(submits, on="event_id").group_by("instance_id").len()
        assert per_instance.height >= 57
        assert (per_instance["len"] == 1).all()


def test_items_picked_one_by_one_for_a_batch_approval_are_each_an_instance() -> None:
    """An inbox: each item selected and its details opened, then the whole batch (one to
    three items) approved and confirmed, a mail read between batches. An item picked
    before the last is a piece of two steps, shorter than an instance may be, but one
    that the start opens and after which the next item starts: an instance of its own,
    not noise (the last item's instance holds the approval)."""
    batches = [["select item", "open details"] * n + ["approve", "confirm"] for n in [1, 2, 2, 3]]
    assert_each_item_an_instance(batches * 5, "select item")


def assert_each_item_an_instance(batches: list[list[str]], item: str) -> None:
    """Segment an inbox's ``batches`` of steps, a mail read after each, and check that
    every ``item`` click is in an instance, each in one of its own."""
    labels = [
        step for steps in batches for step in [*steps, "open mail", "read mail", "archive mail"]
    ]
    rows = [
        {"at": 2.0 * (k + 1), "kind": "click", "app": "web", "element_label": label}
        for k, label in enumerate(labels)
    ]
    found = segment(rows)
    items = [k + 1 for k, label in enumerate(labels) if label == item]
    picked = found.filter(pl.col("event_id").is_in(items))
    assert picked.height == len(items)  # every item in an instance, none noise
    assert picked["instance_id"].n_unique() == len(items)  # each in one of its own


def test_apps_opened_once_at_the_start_of_a_recording_are_no_instance() -> None:
    """The mail and the ERP opened once before the first order: two events that the
    routine's start begins and after which the routine starts again, as an item picked
    for a batch is, but opened by the start of the recording, not by the routine's
    start: set-up, noise."""
    steps = ["open mail", "copy order", "open erp", "paste order", "save"]
    labels = ["open mail", "open erp"] + steps * 10
    rows = [
        {"at": 2.0 * k, "kind": "click", "app": "web", "element_label": label}
        for k, label in enumerate(labels)
    ]
    assert groups(segment(rows)) == [list(range(3 + 5 * k, 8 + 5 * k)) for k in range(10)]


def test_launches_alone_between_two_apps_are_no_instance() -> None:
    """Three apps of one launchpad, recorded in the browser: each sitting goes home, opens
    the app's tile and approves a few items; after a break every app is opened once
    more, the one to be worked in last. Home and a tile are the way from one task to
    another: a piece made of launches alone is noise, not an instance of any app, and a
    launch is no step of what came before it (the list refreshed before leaving)."""
    flp = "https://erp.example/sap/bc/ui2/flp#"
    apps = ("PurchaseOrder", "LeaveRequest", "SalesOrder")
    rng = random.Random(9)
    rows: list[dict] = []
    clock, here = 0.0, apps[0]

    def click(element: str, route: str, gap: float = 2.0) -> None:
        nonlocal clock
        clock += gap
        rows.append({"at": clock, "kind": "click", "app": "chrome", "element_id": element,
                     "url": flp + route})  # fmt: skip

    for sitting in range(18):
        app = rng.choice([a for a in apps if a != here])
        opened = [a for a in apps if a != app] + [app] if sitting % 3 == 0 else [app]
        if sitting % 2:  # the list refreshed before leaving
            click(f"application-{here}-approve-component---refreshButton", f"{here}-approve")
        for k, tile in enumerate(opened):
            click("shell-header-logo", f"{here}-approve", 900.0 if sitting and not k else 2.0)
            click(f"__tile{apps.index(tile) + 1}", "Shell-home")
            here = tile
        for _ in range(rng.randint(2, 4)):
            for step in ("list-item", "approveButton", "submitButton"):
                click(f"application-{app}-approve-component---{step}", f"{app}-approve")
    found = segment(rows)
    launches = {k + 1 for k, row in enumerate(rows) if "approve-component" not in row["element_id"]}
    assert not any(set(group) <= launches for group in groups(found))
    # nor does a launch end the work before it: it leads to the next
    assert not any(
        event in launches and any(e not in launches for e in group[:k])
        for group in groups(found)
        for k, event in enumerate(group)
    )


def test_work_done_on_the_launchpad_s_home_page_itself_is_no_launch() -> None:
    """A recorder that logs the launchpad's address for every click of an app that never
    changes it: nothing leaves the home page, so no click is a launch, and the
    instances stay."""
    rows = [
        {**row, "url": "https://erp.example/sap/bc/ui2/flp#Shell-home"}
        for row in repeated_routine(12)
    ]
    assert groups(segment(rows)) == [list(range(1 + 4 * k, 5 + 4 * k)) for k in range(12)]


REFRESH, HOME, TILE, ITEM, APPROVE, SUBMIT = range(6)


def launch_segments(
    codes: list[int],
    routines: list[int] | None = None,
    ids: list[int] | None = None,
    on_pad: Collection[int] = frozenset({TILE}),
    hosts: list[int] | None = None,
) -> list[int | None]:
    """`finish_segments` of events doing ``codes`` in structural ``routines`` and
    instances ``ids`` (by default all one), ``on_pad`` on the launchpad's home page,
    each code at its host of ``hosts`` (by default all at one): each event's instance
    (None: noise)."""
    n = len(codes)
    segments = pl.DataFrame(
        {"i": range(n), "stretch": [0] * n, "routine": routines or [0] * n, "id": ids or [0] * n,
         "at_start": [True] + [False] * (n - 1), "code": codes, "copy_of": [None] * n},
        schema_overrides={"i": pl.Int64, "id": pl.Int64, "routine": pl.Int64, "copy_of": pl.Int64},
    )  # fmt: skip
    strays = pl.DataFrame(schema={"routine": pl.Int64, "code": pl.Int64, "stray": pl.Boolean})
    none = pl.DataFrame(schema={"routine": pl.Int64})  # no batches, no tails
    launchpad = np.array([c in on_pad for c in range(6)])
    at = np.array(hosts or [0] * 6)
    one = np.zeros(6, dtype=np.int64)  # every click on one page
    found = finish_segments(segments, strays, none, none, MiningConfig(), launchpad, at, one)
    return found.sort("i")["segment"].to_list()


def test_a_launch_in_the_middle_of_an_instance_starts_a_new_one() -> None:
    """An app's list refreshed twice, then home and the app's tile again, then an item
    approved: the structure took all for one instance (the refresh opens many of this
    app's), but what comes after a launch is not what came before it."""
    segment = launch_segments([REFRESH, REFRESH, HOME, TILE, ITEM, APPROVE, SUBMIT])
    assert segment[:2] == [None, None]  # two refreshes: too short to be an instance
    assert segment[2] is not None and len(set(segment[2:])) == 1


def test_a_launch_that_opens_the_first_work_is_no_step_of_it() -> None:
    """Home, the app's tile, then an item approved, all one structural instance, at the
    start of a sitting: opening the app is set-up, noise; the item is the instance."""
    segment = launch_segments([HOME, TILE, ITEM, APPROVE, SUBMIT])
    assert segment[:2] == [None, None]
    assert segment[2] is not None and len(set(segment[2:])) == 1


def test_a_launch_that_reopens_the_app_worked_in_opens_its_next_item() -> None:
    """An item approved, then home and the same app's tile again, then the next item:
    structure put home with the item before and the tile with the launchpad. Reopening
    the app is the first step of the next item's work; going home to open another app
    is the way between two tasks, as before."""
    codes = [ITEM, APPROVE, SUBMIT, HOME, TILE, ITEM, APPROVE, SUBMIT]
    again = launch_segments(codes, routines=[0, 0, 0, 0, 1, 0, 0, 0], ids=[0, 0, 0, 0, 1, 2, 2, 2])
    assert again[:3] == [again[0]] * 3 and again[3:] == [again[3]] * 5
    assert again[0] is not None and again[3] is not None and again[0] != again[3]
    other = launch_segments(codes, routines=[0, 0, 0, 0, 1, 2, 2, 2], ids=[0, 0, 0, 0, 1, 2, 2, 2])
    assert other[3:5] == [None, None]
    assert other[:3] == [other[0]] * 3 and other[5:] == [other[5]] * 3


def test_a_launch_that_opens_another_app_is_noise_where_structure_took_it_in() -> None:
    """An item approved in one app, then home and another app's tile, which structure
    put with that app's first item (its instances often begin so): the way from one
    app to the other is no step of either."""
    codes = [ITEM, APPROVE, SUBMIT, HOME, TILE, ITEM, APPROVE, SUBMIT]
    segment = launch_segments(codes, routines=[0] * 4 + [2] * 4, ids=[0] * 4 + [2] * 4)
    assert segment[3:5] == [None, None]
    assert segment[:3] == [segment[0]] * 3 and segment[5:] == [segment[5]] * 3
    assert None not in (segment[0], segment[5]) and segment[0] != segment[5]


def test_a_home_click_recorded_on_the_home_page_it_opened_is_part_of_the_launch() -> None:
    """A recorder that takes the address after the click logs the click on the
    launchpad's logo at the home page it opened: with the tile after it, still the way
    to another app, noise wherever structure put it."""
    codes = [ITEM, APPROVE, SUBMIT, HOME, TILE, ITEM, APPROVE, SUBMIT]
    segment = launch_segments(
        codes, routines=[0] * 3 + [2] * 5, ids=[0] * 3 + [2] * 5, on_pad={HOME, TILE}
    )
    assert segment[3:5] == [None, None]
    assert segment[:3] == [segment[0]] * 3 and segment[5:] == [segment[5]] * 3


def test_an_app_on_the_home_page_entered_from_another_site_is_not_launched() -> None:
    """An app that works on the launchpad's home page itself, entered from a news site
    and left for a chat after two steps: its first step is no home click (it comes from
    another host, not from an app of the launchpad), so its steps stay in the instance."""
    codes = [REFRESH, ITEM, APPROVE, REFRESH, SUBMIT, ITEM]
    segment = launch_segments(
        codes,
        routines=[1, 0, 0, 1, 0, 0],
        ids=[1, 0, 0, 2, 0, 0],
        on_pad={ITEM, APPROVE, SUBMIT},
        hosts=[1, 0, 0, 0, 0, 0],  # REFRESH at another site
    )
    assert segment[1] is not None and segment[1:3] + segment[4:5] == [segment[1]] * 3


def test_a_click_in_another_program_before_a_home_page_app_s_last_step_is_no_home() -> None:
    """An app on the launchpad's home page itself (every step there) done twice, a chat
    after each time, and a mail opened right before the second one's last step: the
    mail is no home and that step no tile (they are in two programs), so the step stays
    in its instance."""
    codes = [0, 1, 2, 3, 0, 1, 4, 2, 3]  # app 0-2, chat 3, mail 4
    n = len(codes)
    segments = pl.DataFrame(
        {"i": range(n), "stretch": [0] * n, "routine": [0, 0, 0, 1, 0, 0, 2, 0, 1],
         "id": [0, 0, 0, 1, 3, 3, 4, 3, 5], "at_start": [False] * n, "code": codes,
         "copy_of": [None] * n},
        schema_overrides={"i": pl.Int64, "id": pl.Int64, "routine": pl.Int64, "copy_of": pl.Int64},
    )  # fmt: skip
    strays = pl.DataFrame(schema={"routine": pl.Int64, "code": pl.Int64, "stray": pl.Boolean})
    none = pl.DataFrame(schema={"routine": pl.Int64})
    on_pad, hosts = np.array([True, True, True, False, False]), np.array([0, 0, 0, 1, 2])
    found = finish_segments(segments, strays, none, none, MiningConfig(), on_pad, hosts, hosts)
    segment = found.sort("i")["segment"].to_list()
    assert segment[4] is not None and segment[4] == segment[5] == segment[7]


def test_a_decision_structure_took_apart_from_the_look_before_it_ends_that_instance() -> None:
    """An inbox: an item looked at (its row, two tabs, back), then approved and
    confirmed; now and then an item approved with a note without a look (an instance of
    the decision alone), after which the list is filtered (two steps, never an instance
    of its own). Routine discovery put the decision in a routine apart from the look:
    its pieces of two steps, each right after a look in the same window, are that
    look's last steps. The filter stays noise, and so does a one-off click right after
    a look."""
    look = ["row", "tab 1", "tab 2", "back"]
    stream: list[tuple[str, int]] = []  # (action, routine)
    for k in range(8):
        stream += [(a, 0) for a in look] + [("approve", 1), ("confirm", 1)]
        if k % 3 == 2:
            stream += [("approve", 1), ("note", 1), ("confirm", 1), ("filter", 2), ("search", 2)]
    stream[16:16] = [("help", 3)]  # after the third look, before its decision
    names = sorted({a for a, _ in stream})
    codes = [names.index(a) for a, _ in stream]
    routine = [r for _, r in stream]
    opens = [i == 0 or routine[i] != routine[i - 1] or a in ("row", "approve")
             for i, (a, _) in enumerate(stream)]  # fmt: skip
    n = len(stream)
    segments = pl.DataFrame(
        {"i": range(n), "stretch": [0] * n, "routine": routine, "id": np.cumsum(opens),
         "at_start": opens, "code": codes, "copy_of": [None] * n,
         "action": [f"clickButton|Chrome|{a}||erp.example/inbox" for a, _ in stream]},
        schema_overrides={"i": pl.Int64, "id": pl.Int64, "routine": pl.Int64,
                          "code": pl.Int64, "copy_of": pl.Int64},
    )  # fmt: skip
    config = MiningConfig()
    counts = [count_strays(segments, config)]
    strays = pl.DataFrame(schema={"routine": pl.Int64, "code": pl.Int64, "stray": pl.Boolean})
    none = pl.DataFrame(schema={"routine": pl.Int64})
    one = np.zeros(len(names), dtype=np.int64)  # one browser, one host, one page
    found = finish_segments(
        segments, strays, none, tail_routines(counts), config, one.astype(bool), one, one
    )
    segment = found.sort("i")["segment"].to_list()
    looked = [i for i, (a, _) in enumerate(stream) if a == "row" and i != 12]
    for start in looked:  # (the third item's decision comes after the one-off click)
        items = segment[start : start + 6]
        assert None not in items and len(set(items)) == 1, start
    assert len({segment[i] for i in looked}) == len(looked)
    assert segment[16] is None
    filtered = [segment[i] for i, (a, _) in enumerate(stream) if a in ("filter", "search")]
    assert filtered == [None] * 4
    notes = [segment[i] for i, (a, _) in enumerate(stream) if a == "note"]
    assert None not in notes and len(set(notes)) == 2


def test_a_block_that_ends_on_the_routine_s_end_done_again_stays_in_its_instance() -> None:
    """Sales orders released: the order picked from the list, a line item looked at,
    then back; in some orders a second line item, then back again. Routine discovery
    cut the routine after the back button (its end): the second look is a piece of two
    steps that the end both opens and closes, the first look done again, part of its
    order. A routine's next instance still opens after the end."""
    row, tab, line, back = range(4)
    orders = [[row, tab, line, back] + ([line, back] if k % 2 else []) for k in range(8)]
    codes = np.array([c for order in orders for c in order])
    n = len(codes)
    frame = pl.DataFrame(
        {"i": range(n), "user_id": ["u1"] * n, "session_id": ["s1"] * n,
         "ts": [START + timedelta(seconds=5 * i) for i in range(n)],
         "action": [f"clickButton|Chrome|{c}||erp.example/orders" for c in codes]},
        schema_overrides={"i": pl.Int64},
    )  # fmt: skip
    routines = Routines(
        community=np.zeros(4, dtype=np.int64),
        start={0: row},
        event=np.zeros(n, dtype=np.int64),
        end={0: back},
        prefix={},
    )
    ids = routine_segments(frame, codes, routines, MiningConfig())["id"].to_list()
    opened = np.cumsum([0] + [len(order) for order in orders])
    assert [ids[a:b] for a, b in itertools.pairwise(opened)] == [
        [ids[a]] * (b - a) for a, b in itertools.pairwise(opened)
    ]
    assert len({ids[a] for a in opened[:-1]}) == len(orders)


def test_items_picked_with_one_click_for_big_batches_are_each_an_instance() -> None:
    """An inbox worked mostly in batches of three to five items, each picked with one
    click, then select, approve and confirm: most of the routine's pieces are one click
    long, fewer than half are whole, and every item is still an instance of its own."""
    batches = [["pick item"] * n + ["select", "approve", "confirm"] for n in [1, 3, 4, 5, 1, 4]]
    assert_each_item_an_instance(batches * 4, "pick item")


def test_a_number_copied_in_an_instance_and_noted_in_a_sheet_is_a_step_of_it() -> None:
    """Travel requests submitted on a portal, each one's number copied from its
    confirmation page; after every third the number is pasted into a tracking sheet,
    after others a chat. Both come after the work, in windows most instances never use:
    the chat is noise, but the sheet holds the number this request copied (a data-flow
    tie), so it is this request's last step."""
    portal = "https://travel.example.net/requests"
    rows: list[dict] = []
    for k in range(12):
        number = f"EX-2026-{30400 + k}"
        rows += [
            {"kind": "navigateTo", "app": "Chrome", "url": f"{portal}/new"},
            {"kind": "changeField", "app": "Chrome", "url": f"{portal}/new",
             "element_name": "destination", "text": f"City {k}"},
            {"kind": "changeField", "app": "Chrome", "url": f"{portal}/new",
             "element_name": "purpose", "text": f"Visit {k}"},
            {"kind": "clickButton", "app": "Chrome", "url": f"{portal}/new",
             "element_name": "btn-submit"},
            {"kind": "navigateTo", "app": "Chrome", "url": f"{portal}/{30400 + k}/confirmation"},
            {"kind": "copy", "app": "Chrome", "url": f"{portal}/{30400 + k}/confirmation",
             "element_label": number, "text": number},
        ]  # fmt: skip
        if k % 3 == 0:
            sheet = {"app": "Excel", "window_title": "my_requests.xlsx", "element_id": f"A{k + 2}"}
            rows.append({"kind": "pasteIntoCell", "text": number, **sheet})
        elif k % 3 == 1:
            rows += [
                {"kind": "clickTextField", "app": "Chrome", "url": "https://teams.example.com/chat",
                 "element_name": "message"},
                {"kind": "clickButton", "app": "Chrome", "url": "https://teams.example.com/chat",
                 "element_name": "send"},
            ]  # fmt: skip
    rows = [{**row, "at": 3.0 * i} for i, row in enumerate(rows)]
    found = groups(segment(rows))
    sheet = {i + 1 for i, row in enumerate(rows) if row["app"] == "Excel"}
    chat = {i + 1 for i, row in enumerate(rows) if "teams" in (row.get("url") or "")}
    assert len(found) == 12
    assert sheet <= {e for instance in found for e in instance}
    assert not chat & {e for instance in found for e in instance}


def test_a_value_tie_keeps_a_stray_only_where_a_kept_step_copied_the_value() -> None:
    """One instance of eight steps; its last two are strays (a sheet few instances use).
    The first holds the value a kept step copied: it stays. The second holds a value only
    a stray copied (copied in the sheet, pasted back there): noise."""
    n = 8
    segments = pl.DataFrame(
        {"i": range(n), "stretch": [0] * n, "routine": [0] * n, "id": [0] * n,
         "at_start": [True] + [False] * (n - 1), "code": range(n),
         "copy_of": [None] * 6 + [5, 6]},
        schema_overrides={"i": pl.Int64, "id": pl.Int64, "routine": pl.Int64,
                          "code": pl.Int64, "copy_of": pl.Int64},
    )  # fmt: skip
    strays = pl.DataFrame(
        {"routine": [0, 0], "code": [6, 7], "stray": [True, True]},
        schema={"routine": pl.Int64, "code": pl.Int64, "stray": pl.Boolean},
    )
    none = pl.DataFrame(schema={"routine": pl.Int64})
    nowhere = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    found = finish_segments(segments, strays, none, none, MiningConfig(), *nowhere)
    assert found.sort("i")["segment"].is_null().to_list() == [False] * 7 + [True]
