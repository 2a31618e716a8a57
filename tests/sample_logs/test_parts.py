"""The building blocks: the step language, layouts and screenshots."""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random

import polars as pl
from PIL import Image

from sample_logs import measure_routines
from sample_logs.layout import CANVAS, widgets
from sample_logs.render import ACTIVE, dhash, render_screen
from sample_logs.routines import ROUTINES
from sample_logs.screens import SCREENS, resolve
from sample_logs.steps import Act, any_order, at, either, expand, maybe, seq, walk


def _names(acts: list[Act]) -> list[str]:
    return [a.element for a in acts]


def test_any_order_permutes_and_maybe_skips():
    tree = seq(
        Act("click", "a"),
        any_order(Act("click", "b"), Act("click", "c")),
        maybe(0.5, Act("click", "d")),
    )
    runs = {tuple(_names(expand(tree, Random(i)))) for i in range(40)}
    assert {r[:3] for r in runs} == {("a", "b", "c"), ("a", "c", "b")}
    assert {len(r) for r in runs} == {3, 4}


def test_either_follows_its_weights():
    tree = either((0.9, Act("click", "x")), (0.1, Act("click", "y")))
    picks = [expand(tree, Random(i))[0].element for i in range(400)]
    assert 300 < picks.count("x") < 390


def test_at_places_only_acts_without_a_screen():
    tree = at("one", Act("click", "a"), Act("click", "b", screen="two"))
    assert [a.screen for a in walk(tree)] == ["one", "two"]


def test_every_act_is_on_a_known_screen_with_a_widget():
    layout = widgets()
    for routine in ROUTINES:
        for act in walk(routine.body):
            assert act.screen in SCREENS, (routine.name, act)
            if act.element is not None:
                assert any(w.name == act.element for w in layout[act.screen])
    for screen in layout.values():
        for w in screen:
            left, top, right, bottom = w.box
            assert 0 <= left < right <= CANVAS[0] and 0 <= top < bottom <= CANVAS[1]


def test_mail_client_flavour_changes_the_app():
    assert resolve("mail.inbox", "thunderbird").app == "thunderbird.exe"
    assert resolve("mail.inbox", "outlook").app == "OUTLOOK.EXE"
    assert resolve("sap.miro", "thunderbird").app == "saplogon.exe"


def test_screenshot_highlights_the_active_field_and_hashes_stably():
    items = widgets()["sap.miro"]
    first = render_screen("saplogon.exe", "Enter Incoming Invoice", None, items, 0)
    other = render_screen("saplogon.exe", "Enter Incoming Invoice", None, items, 2)
    left, top, right, bottom = items[0].box
    assert first.getpixel(((left + right) // 2, (top + bottom) // 2)) == ACTIVE
    assert other.getpixel(((left + right) // 2, (top + bottom) // 2)) != ACTIVE
    assert dhash(first) == dhash(first.copy())
    unlike = render_screen("chrome.exe", "Inbox", "https://x.example", widgets()["mail.inbox"], 0)
    assert bin((dhash(first) ^ dhash(unlike)) & (2**64 - 1)).count("1") > 8
    assert -(2**63) <= dhash(first) < 2**63
    assert isinstance(first, Image.Image)


def test_measured_hours_count_only_gaps_within_an_execution():
    # a (t=0..10 s), interrupted by b (t=20..50 s), resumed at t=60 s; noise around
    rows = [
        (0, None, "__noise__"),
        (5, "a1", "a"),
        (10, "a1", "a"),
        (20, "b1", "b"),
        (50, "b1", "b"),
        (60, "a1", "a"),
        (70, "a1", "a"),
        (300, None, "__noise__"),
    ]
    events = pl.DataFrame(
        {
            "user_id": ["u"] * len(rows),
            "session_id": ["s"] * len(rows),
            "ts": [datetime(2026, 3, 2, 9) + timedelta(seconds=t) for t, _, _ in rows],
            "app": ["x"] * len(rows),
            "truth_instance": [i for _, i, _ in rows],
            "truth_process": [p for _, _, p in rows],
        }
    )
    measured = measure_routines(events)
    assert measured["truth_process"].to_list() == ["b", "a"]
    assert measured["work_hours"].to_list() == [30 / 3600, 15 / 3600]  # a: 5 + 10, b: 30
    assert measured["n_instances"].to_list() == [1, 1]
