"""The recorder's parts without a desktop: reduction, privacy, drops, the writer, capture."""

from __future__ import annotations

import io
import json
import queue
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from PIL import Image, ImageChops, ImageColor, ImageDraw

from recorder.backends.base import WindowInfo
from recorder.backends.fake import FakeBackend
from recorder.capture import (
    QUEUE_SIZE,
    SHOT_BACKLOG,
    CaptureWorker,
    Shot,
    as_int64,
    changed_cells,
    dhash,
    downscale,
    fingerprint,
)
from recorder.config import RecorderConfig
from recorder.listeners import InputListeners
from recorder.privacy import PLACEHOLDER_APP, PrivacyPolicy, pseudonymize, redact_pii
from recorder.reduce import Action, Reducer
from recorder.session import Recorder
from recorder.spool import Batch
from recorder.writer import Writer
from storage.errors import ConfigError, DiskFullError
from storage.models import Event
from storage.store import Store, open_store, utcnow

CRM = WindowInfo(1, "crm.exe", "Customers - CRM", wm_class="Crm")
VAULT = WindowInfo(2, "keepassxc", "Vault")


def _reducer() -> Reducer:
    reducer = Reducer(double_click_s=0.4, type_gap_s=2.0, idle_after_s=60.0)
    reducer.observe(CRM, 0.0)
    return reducer


def _keys(reducer: Reducer, ts: float, keys: list[str]) -> list[Action]:
    out = []
    for i, key in enumerate(keys):
        out += reducer.feed(("press", ts + i * 0.05, key))
    return out


def _release(reducer: Reducer, ts: float, *keys: str) -> None:
    for key in keys:
        reducer.feed(("release", ts, key))


# -- reduction -------------------------------------------------------------------------


def test_keys_merge_into_one_type_event_per_burst():
    reducer = _reducer()
    reducer.feed(("click", 1.0, 10, 10, "left"), "Name")
    assert _keys(reducer, 2.0, ["A", "c", "x", "backspace", "m", "e"]) == [
        Action("click", 1.0, CRM, 10, 10, element="Name")
    ]
    (typed,) = reducer.due(2.3 + 2.0)
    assert (typed.kind, typed.text, typed.element, typed.field_known) == (
        "type",
        "Acme",
        "Name",
        True,
    )
    assert typed.attrs == {"keys": 6, "ended_by": "pause"}


def test_tab_ends_the_burst_and_forgets_the_field():
    reducer = _reducer()
    reducer.feed(("click", 1.0, 10, 10, "left"), "Name")
    reducer.due(2.0)
    out = _keys(reducer, 3.0, ["4", "2", "tab", "7"])
    assert [(a.kind, a.text, a.attrs["ended_by"]) for a in out] == [("type", "42", "tab")]
    (after_tab,) = reducer.flush()
    assert (after_tab.text, after_tab.field_known, after_tab.element) == ("7", False, None)


@pytest.mark.parametrize(
    ("modifiers", "key", "kind", "text"),
    [
        (["ctrl_l"], "c", "copy", "ctrl+c"),
        (["ctrl_r"], "\x16", "paste", "ctrl+v"),  # some layouts report ctrl+v as SYN
        (["shift"], "insert", "paste", "shift+insert"),
        (["ctrl_l"], "x", "cut", "ctrl+x"),
        (["ctrl_l", "shift"], "S", "hotkey", "ctrl+shift+s"),
        (["alt_l"], "tab", "hotkey", "alt+tab"),
    ],
)
def test_hotkeys_and_clipboard(modifiers, key, kind, text):
    reducer = _reducer()
    out = _keys(reducer, 1.0, [*modifiers, key])
    assert [(a.kind, a.text) for a in out] == [(kind, text)]
    _release(reducer, 2.0, *modifiers)
    assert _keys(reducer, 3.0, ["c"]) == []  # plain typing again once released


def test_clipboard_change_without_hotkey_is_a_copy():
    reducer = _reducer()
    _keys(reducer, 1.0, ["ctrl_l", "c"])
    assert reducer.clipboard_changed(1.8) == []  # the echo of ctrl+c
    (copy,) = reducer.clipboard_changed(9.0)
    assert (copy.kind, copy.window, copy.attrs) == ("copy", CRM, {"via": "clipboard"})


def test_double_click_merges_within_interval_and_distance():
    reducer = _reducer()
    assert reducer.feed(("click", 1.0, 100, 100, "left")) == []
    (double,) = reducer.feed(("click", 1.2, 102, 101, "left"))
    assert (double.kind, double.ts, double.x) == ("double_click", 1.0, 100)
    reducer.feed(("click", 3.0, 100, 100, "left"))
    (first,) = reducer.feed(("click", 3.2, 300, 100, "left"))  # too far apart
    assert first.kind == "click" and reducer.deadline() == pytest.approx(3.6)
    assert [a.kind for a in reducer.due(3.6)] == ["click"]


def test_scrolls_merge_and_idle_is_reported():
    reducer = _reducer()
    reducer.feed(("scroll", 1.0, 5, 5, 0, -1))
    reducer.feed(("scroll", 1.1, 5, 5, 0, -2))
    (scroll,) = reducer.due(1.7)
    assert scroll.attrs == {"dx": 0, "dy": -3}
    (idle, click) = reducer.feed(("click", 100.0, 1, 1, "right"))
    assert (idle.kind, idle.ts, idle.attrs) == ("idle", 1.1, {"duration_s": 98.9})
    assert click.kind == "right_click"


def test_focus_change_flushes_pending_work_first():
    reducer = _reducer()
    _keys(reducer, 1.0, ["h", "i"])
    out = reducer.observe(VAULT, 2.0)
    assert [(a.kind, a.window) for a in out] == [("type", CRM), ("focus", VAULT)]
    assert reducer.observe(VAULT, 3.0) == []


# -- privacy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("mail bob.smith+x@example.co.uk now", "mail [email] now"),
        ("call +49 30 1234567", "call [phone]"),
        ("call (555) 123-4567", "call [phone]"),
        ("IBAN DE89 3704 0044 0532 0130 00 ok", "IBAN [iban] ok"),
        ("card 4111 1111 1111 1111", "card [card]"),
        ("card 4111 1111 1111 1112", "card 4111 1111 1111 1112"),  # fails Luhn: not a card
        ("ssn 123-45-6789", "ssn [national_id]"),
        ("NI AB123456C", "NI [national_id]"),
        ("Invoice 2024-01-05 total 1250.50", "Invoice 2024-01-05 total 1250.50"),
    ],
)
def test_redact_pii(raw, clean):
    assert redact_pii(raw) == clean


def _policy(**settings) -> PrivacyPolicy:
    return PrivacyPolicy(RecorderConfig(**settings))


def _typed(window, text="Hello 42", element="Name", field_known=True) -> Action:
    return Action("type", 1.0, window, text=text, element=element, field_known=field_known)


def test_typed_text_is_kept_only_where_allowed():
    event, _ = _policy().to_event(_typed(CRM), "s", "u")
    assert event.text is None
    assert json.loads(event.attrs) == {"classes": ["lower", "upper", "digit", "space"], "length": 8}
    kept, _ = _policy(keep_text_apps=["crm"]).to_event(_typed(CRM), "s", "u")  # by WM class
    assert kept.text == "Hello 42"
    unknown_field, _ = _policy(keep_text_apps=["crm"]).to_event(
        _typed(CRM, field_known=False), "s", "u"
    )
    assert unknown_field.text is None


@pytest.mark.parametrize(
    ("window", "element"),
    [
        (CRM, "Password"),
        (WindowInfo(1, "crm.exe", "Sign in - CRM"), "Name"),
        (WindowInfo(1, "crm.exe", "Customers", secure_input=True), None),
    ],
)
def test_secret_fields_never_keep_text_or_length(window, element):
    event, _ = _policy(keep_text_apps=["crm.exe"]).to_event(
        _typed(window, element=element), "s", "u"
    )
    assert event.text is None and json.loads(event.attrs) == {"secret": True}


def test_denied_apps_leave_only_a_placeholder():
    policy = _policy()
    assert policy.to_event(Action("click", 1.0, VAULT, 3, 4), "s", "u") is None
    assert policy.to_event(_typed(VAULT), "s", "u") is None
    event, may_shoot = policy.to_event(Action("focus", 1.0, VAULT), "s", "u")
    assert (event.app, event.window_title, event.x, may_shoot) == (
        PLACEHOLDER_APP,
        None,
        None,
        False,
    )
    incognito = WindowInfo(3, "firefox", "News - Private Browsing")
    assert policy.to_event(Action("click", 1.0, incognito, 1, 1), "s", "u") is None


def test_events_carry_the_window_rectangle_and_the_pointer_inside_it():
    window = WindowInfo(1, "crm.exe", "Customers - CRM", x=100, y=50, width=800, height=600)
    click, _ = _policy().to_event(Action("click", 1.0, window, 130, 95), "s", "u")
    assert json.loads(click.attrs) == {
        "win_x": 100, "win_y": 50, "win_w": 800, "win_h": 600, "rel_x": 30, "rel_y": 45,
    }  # fmt: skip
    hotkey, _ = _policy().to_event(Action("hotkey", 1.0, window, text="ctrl+s"), "s", "u")
    assert json.loads(hotkey.attrs) == {"win_x": 100, "win_y": 50, "win_w": 800, "win_h": 600}
    unknown, _ = _policy().to_event(Action("click", 1.0, CRM, 3, 4), "s", "u")
    assert unknown.attrs is None  # the OS reported no geometry: nothing made up


def test_titles_and_urls_are_redacted():
    window = WindowInfo(1, "firefox", "https://crm.example/c?mail=ann@corp.example - Firefox")
    event, _ = _policy().to_event(Action("focus", 1.0, window), "s", "u")
    assert event.url == "https://crm.example/c?mail=[email]"
    assert "ann@" not in event.window_title


def test_a_broken_pattern_is_a_config_error():
    with pytest.raises(ConfigError, match=r"deny_title_patterns: '\(bank' is not a regular"):
        _policy(deny_title_patterns=["(bank"])


def test_pseudonymize_is_stable_salted_and_opaque():
    assert pseudonymize("alice", "s1") == pseudonymize("alice", "s1")
    assert pseudonymize("alice", "s1") != pseudonymize("alice", "s2")
    assert "alice" not in pseudonymize("alice", "s1")


# -- drops and the writer -----------------------------------------------------------------


def test_a_full_queue_counts_drops():
    listeners = InputListeners(queue.Queue(maxsize=2))
    for char in "abcde":
        listeners._on_press(SimpleNamespace(char=char), False)
    assert listeners.dropped == 3
    assert len(listeners.latencies_ms()) == 5 and len(listeners.latencies_ms(2)) == 2


def _session(session_id: str = "s1") -> dict:
    return {
        "session_id": session_id,
        "user_id": "u_1",
        "started_at": utcnow(),
        "ended_at": None,
        "dropped_events": 0,
    }


def _event_row(i: int) -> dict:
    return {"session_id": "s1", "user_id": "u_1", "ts": utcnow(), "kind": "click", "x": i}


def _run_writer(db: Path, tmp_path: Path, messages: list[tuple], dropped: int = 0) -> Writer:
    """Run a writer over ``messages``; ``dropped`` inputs are lost after the session starts."""
    config = RecorderConfig(state_dir=str(tmp_path / "state"), retry_s=0.1)
    counts = iter([0])  # the first call marks the session's start
    writer = Writer(db, config, tmp_path / "state", lambda: {}, lambda: next(counts, dropped))
    writer.start()
    for message in messages:
        writer.put(message)
    writer.stop()
    return writer


def test_writer_stores_drops_in_the_session(db_path, tmp_path):
    events = [("event", _event_row(i), None) for i in range(3)]
    _run_writer(db_path, tmp_path, [("session", _session()), *events], dropped=7)
    with open_store(db_path, read_only=True) as store:
        assert store.query("SELECT x FROM events ORDER BY event_id")["x"].to_list() == [0, 1, 2]
        session = store.query("SELECT dropped_events, ended_at FROM sessions").row(0)
    assert session[0] == 7 and session[1] is not None


def test_writer_spools_when_the_database_is_unusable(tmp_path):
    not_a_db = tmp_path / "broken.duckdb"
    not_a_db.write_bytes(b"this is not a database" * 100)
    writer = _run_writer(
        not_a_db, tmp_path, [("session", _session()), ("event", _event_row(1), None)]
    )
    assert writer.counts["events_written"] == 0 and writer.last_error
    spooled = writer.spool.read()
    assert [row["x"] for row, _ in spooled.events] == [1]
    status = json.loads((tmp_path / "state" / "status.json").read_text())
    assert (status["state"], status["spooled_events"]) == ("stopped", 1)


# -- capture -------------------------------------------------------------------------------


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def test_downscale_and_perceptual_hash():
    image = Image.new("RGB", (2560, 1440), "white")
    image.paste((0, 0, 0), (1280, 0, 2560, 1440))
    small = downscale(image, 1280)
    assert small.size == (1280, 720)
    assert hamming(dhash(image), dhash(small)) <= 2  # same picture, other size
    stripes = Image.new("RGB", (1280, 720), "white")
    for left in range(0, 1280, 320):
        stripes.paste((0, 0, 0), (left + 160, 0, left + 320, 720))
    assert hamming(dhash(small), dhash(stripes)) > 3
    assert dhash(stripes, 16).bit_length() <= 256
    assert -(1 << 63) <= as_int64(dhash(stripes)) < 1 << 63  # fits the BIGINT column


def test_a_word_typed_into_a_field_is_a_new_screen_a_caret_is_not():
    form = Image.new("RGB", (1280, 800), (40, 40, 40))
    form.paste((255, 255, 255), (300, 200, 600, 224))  # an empty text field
    typed, caret = form.copy(), form.copy()
    ImageDraw.Draw(typed).text((306, 206), "Acme", fill=(0, 0, 0))
    ImageDraw.Draw(caret).line((306, 204, 306, 219), fill=(0, 0, 0))
    config = RecorderConfig()
    assert hamming(dhash(form, 16), dhash(typed, 16)) <= 3  # why hashes do not decide
    assert changed_cells(fingerprint(form), fingerprint(typed)) > config.screenshot_dedup_distance
    assert changed_cells(fingerprint(form), fingerprint(caret)) <= config.screenshot_dedup_distance
    assert changed_cells(fingerprint(form), fingerprint(form.crop((0, 0, 640, 400)))) == 80 * 50


def test_writer_ships_on_schedule(db_path, tmp_path):
    with open_store(db_path) as store:  # a session an earlier run closed
        store.append_sessions(pl.DataFrame([{**_session("s0"), "ended_at": utcnow()}]))
        store.append_events(pl.DataFrame([{**_event_row(0), "session_id": "s0"}]))
    share = tmp_path / "share"
    config = RecorderConfig(
        state_dir=str(tmp_path / "state"),
        flush_interval_s=0.05,
        ship_to=str(share),
        ship_every_minutes=0.0,
    )
    writer = Writer(db_path, config, tmp_path / "state", lambda: {}, lambda: 0)
    writer.start()
    writer.put(("session", _session("s1")))
    time.sleep(0.5)
    writer.stop()
    (shipped,) = [p.name for p in share.glob("*.parquet") if p.name.count(".") == 1]
    assert shipped.startswith("u_1_") and shipped.endswith("_s0.parquet")


def test_disk_full_spools_then_drains_in_order(db_path, tmp_path, monkeypatch):
    real_append = Store.append_rows

    def disk_full(self, table, rows):
        raise DiskFullError(f"the disk holding {self.path} is full")

    monkeypatch.setattr(Store, "append_rows", disk_full)
    config = RecorderConfig(state_dir=str(tmp_path / "state"), flush_interval_s=0.05, retry_s=0.05)
    writer = Writer(db_path, config, tmp_path / "state", lambda: {}, lambda: 0)
    writer.start()
    writer.put(("session", _session()))
    writer.put(("event", _event_row(1), None))
    deadline = time.monotonic() + 10
    while writer.spool.pending_events < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "disk holding" in writer.last_error
    monkeypatch.setattr(Store, "append_rows", real_append)
    writer.put(("event", _event_row(2), None))
    writer.stop()
    with open_store(db_path, read_only=True) as store:
        assert store.query("SELECT x FROM events ORDER BY event_id")["x"].to_list() == [1, 2]
    assert not writer.spool.path.exists() and writer.last_error is None


class _ScriptedInputs:
    """Stands in for the pynput listeners: the test puts raw inputs on the queue."""

    def __init__(self, out: queue.Queue) -> None:
        self.out = out
        self.dropped = 0

    def start(self) -> None:
        """Nothing to start."""

    def stop(self) -> None:
        """Nothing to stop."""

    def latencies_ms(self, last: int | None = None) -> list[float]:
        return [0.1]


def test_recording_loop_with_a_fake_desktop(db_path, tmp_path):
    backend = FakeBackend(CRM)
    backend.elements[(10, 20)] = "Customer"
    config = RecorderConfig(state_dir=str(tmp_path / "state"), screenshots=False)
    inputs: list[_ScriptedInputs] = []

    def scripted(raw_queue: queue.Queue) -> _ScriptedInputs:
        inputs.append(_ScriptedInputs(raw_queue))
        return inputs[-1]

    recorder = Recorder(db_path, config, backend, scripted)
    stop = threading.Event()
    loop = threading.Thread(target=recorder.run, args=(stop,))
    loop.start()
    deadline = time.monotonic() + 10
    while not inputs and time.monotonic() < deadline:
        time.sleep(0.01)
    now = time.time()
    for raw in [("click", now, 10, 20, "left"), *[("press", now + 0.5, c) for c in "Acme"]]:
        inputs[0].out.put(raw)
    time.sleep(0.3)
    backend.window = VAULT  # a denied app takes the focus
    inputs[0].out.put(("click", time.time(), 50, 50, "left"))
    time.sleep(0.3)
    stop.set()
    loop.join(timeout=20)
    with open_store(db_path, read_only=True) as store:
        rows = store.query("SELECT * FROM events ORDER BY event_id")
    assert rows.select("kind", "app", "element_name").rows() == [
        ("focus", "crm.exe", None),
        ("click", "crm.exe", "Customer"),
        ("type", "crm.exe", "Customer"),
        ("focus", PLACEHOLDER_APP, None),
    ]
    assert rows["text"].to_list() == [None] * 4
    assert json.loads(rows["attrs"][2]) == {
        "classes": ["lower", "upper"],
        "ended_by": "focus",
        "keys": 4,
        "length": 4,
    }


def test_the_tray_reads_the_published_state_and_toggles_the_pause_flag(tmp_path):
    from recorder import control
    from recorder.tray import COLOURS, icon_image, state_of, toggle

    assert state_of(tmp_path) == "recording"  # nothing published yet
    control.write_status(tmp_path, {"state": "spooling"})
    assert state_of(tmp_path) == "spooling"
    toggle(tmp_path)
    assert control.is_paused(tmp_path)
    toggle(tmp_path)
    assert not control.is_paused(tmp_path)
    assert icon_image("paused").getpixel((32, 32))[:3] == ImageColor.getrgb(COLOURS["paused"])


class _Screens:
    """Stands in for mss: each grab returns the next scripted screen (an RGB image)."""

    def __init__(self, screens: list[Image.Image]) -> None:
        self.screens = iter(screens)
        width, height = screens[0].size
        self.monitors = [{"left": 0, "top": 0, "width": width, "height": height}]

    def grab(self, region: dict) -> SimpleNamespace:
        screen = next(self.screens).crop(
            (region["left"], region["top"], region["left"] + region["width"],
             region["top"] + region["height"])
        )  # fmt: skip
        bgrx = Image.merge("RGBX", (*screen.split()[::-1], Image.new("L", screen.size)))
        return SimpleNamespace(raw=bytearray(bgrx.tobytes()), width=screen.width,
                               height=screen.height, size=screen.size)  # fmt: skip

    def close(self) -> None:
        """Nothing to release."""


def _form_screens() -> list[Image.Image]:
    """A 2560x1440 form filled in step by step: a field typed into, the same screen again,
    a caret, another field, a new window covering the screen."""
    form = Image.new("RGB", (2560, 1440), (230, 230, 230))
    draw = ImageDraw.Draw(form)
    for top in (200, 300):
        draw.rectangle((600, top, 1400, top + 40), fill="white", outline="black")
    typed = form.copy()
    ImageDraw.Draw(typed).text((610, 210), "Acme Corporation", fill="black", font_size=28)
    caret = typed.copy()
    ImageDraw.Draw(caret).line((612, 308, 612, 318), fill="black")
    second = typed.copy()
    ImageDraw.Draw(second).text((610, 310), "1250.50", fill="black", font_size=28)
    other = Image.new("RGB", (2560, 1440), (20, 40, 90))
    ImageDraw.Draw(other).text((100, 100), "Invoices", fill="white", font_size=60)
    return [form, typed, typed, caret, second, other]


def test_capture_stores_what_changed_and_the_store_rebuilds_full_frames(
    db_path, tmp_path, monkeypatch
):
    screens = _form_screens()
    monkeypatch.setattr("recorder.capture._open_grabber", lambda: _Screens(screens))
    config = RecorderConfig(
        state_dir=str(tmp_path / "state"), screenshot_max_width=1280, screenshot_quality=90
    )
    writer = Writer(db_path, config, tmp_path / "state", lambda: {}, lambda: 0)
    capture = CaptureWorker(config, writer.put, "run")
    writer.start()
    capture.start()
    capture.forward(("session", _session()))
    for _ in screens:
        event = Event("s1", "u_1", utcnow(), "click")
        capture.submit(event, True, WindowInfo(1, "crm.exe", "CRM", x=0, y=0, width=2560,
                                               height=1440))  # fmt: skip
    capture.stop()
    writer.stop()
    assert capture.errors == 0
    with open_store(db_path, read_only=True) as store:
        events = store.query("SELECT screenshot_id FROM events ORDER BY event_id")
        ids = events["screenshot_id"].to_list()
        rows = store.query("SELECT * FROM screenshots ORDER BY screenshot_id").to_dicts()
        shown = [Image.open(io.BytesIO(store.screenshot(i)[1])).convert("RGB") for i in ids]
    # form, typed, (same: reused), (a caret: reused), second field, another window
    assert ids[1] == ids[2] == ids[3] and len(set(ids)) == 4
    assert [r["base_id"] for r in rows] == [None, rows[0]["screenshot_id"],
                                            rows[1]["screenshot_id"], None]  # fmt: skip
    typed_tile = Image.open(io.BytesIO(rows[1]["image"]))
    assert typed_tile.width < 300 and typed_tile.height < 30  # only the text, downscaled
    assert 300 <= rows[1]["tile_x"] < 310 and 105 <= rows[1]["tile_y"] < 115  # (610, 210) halved
    assert all((r["width"], r["height"]) == (1280, 720) for r in rows)
    for image, screen in zip(shown, [screens[i] for i in (0, 1, 1, 1, 4, 5)], strict=True):
        expected = downscale(screen, 1280)
        difference = ImageChops.difference(image, expected).convert("L")
        assert image.size == (1280, 720)
        assert difference.getextrema()[1] < 32  # WebP's loss (about 10), not a misplaced text


def test_a_change_whose_base_never_reached_the_database_is_left_out(db_path, tmp_path):
    def shot(key: str, base: str | None) -> tuple:
        return ("shot", Shot(key, "s1", utcnow(), 4, 4, 0, b"img", "png", base,
                             0 if base else None, 0 if base else None))  # fmt: skip

    writer = _run_writer(
        db_path,
        tmp_path,
        [
            ("session", _session()),
            shot("k1", None),
            shot("k2", "k1"),  # on k1, in the same batch
            shot("k4", "k3"),  # k3 was lost: nothing to paste k4 onto
            shot("k5", "k4"),
            *[("event", _event_row(i), key) for i, key in enumerate(["k1", "k2", "k4", "k5"])],
        ],
    )
    with open_store(db_path, read_only=True) as store:
        shots = store.query("SELECT screenshot_id, base_id FROM screenshots ORDER BY 1").rows()
        events = store.query("SELECT screenshot_id FROM events ORDER BY x")["screenshot_id"]
    assert shots == [(1, None), (2, 1)]
    assert events.to_list() == [1, 2, None, None]
    assert writer.counts["screenshots_written"] == 2


def test_screenshots_of_a_batch_that_rolled_back_are_no_base_later(db_path, tmp_path):
    """A batch whose events fail to insert rolls its screenshots back too; their ids are
    handed out again, so a later change must not take them for its base."""
    writer = Writer(db_path, RecorderConfig(state_dir=str(tmp_path / "state")),
                    tmp_path / "state", lambda: {}, lambda: 0)  # fmt: skip
    writer._open()
    assert writer.store is not None
    writer._write(Batch(sessions=[_session()]))
    full = Shot("k1", "s1", utcnow(), 4, 4, 0, b"img", "png", None, None, None)
    failing = Batch(shots=[full], events=[(_event_row(0), "k1")])
    insert = writer.store.append_rows

    def events_fail(table, rows):
        if table == "events":
            raise OSError("No space left on device")
        return insert(table, rows)

    writer.store.append_rows = events_fail
    with pytest.raises(OSError):
        writer._write(failing)
    writer.store.append_rows = insert
    change = Shot("k2", "s1", utcnow(), 4, 4, 0, b"img", "png", "k1", 0, 0)
    other = Shot("k3", "s1", utcnow(), 4, 4, 0, b"img", "png", None, None, None)
    writer._write(Batch(shots=[other, change], events=[(_event_row(1), "k2")]))
    shots = writer.store.query("SELECT screenshot_id, base_id FROM screenshots").rows()
    events = writer.store.query("SELECT screenshot_id FROM events")["screenshot_id"]
    writer.store.close()
    assert shots == [(1, None)]  # k3 took the id k1 had: k2 is left out, not pasted on k3
    assert events.to_list() == [None]


def test_a_stalled_writer_makes_capture_drop_and_count_rather_than_stall_the_loop(tmp_path):
    """The recording loop hands every action to the capture worker; with the writer stuck
    (a slow disk), that hand-over must not wait: screenshots go first, then events, each
    counted. Waiting would stop the loop draining the input queue: every input lost."""
    released, writer_behind = threading.Event(), threading.Event()
    received: list[tuple] = []

    def stuck_writer(message: tuple) -> None:
        released.wait()
        received.append(message)

    config = RecorderConfig(state_dir=str(tmp_path / "state"))
    capture = CaptureWorker(config, stuck_writer, "run", writer_behind.is_set)
    capture.start()
    capture.submit(Event("s1", "u_1", utcnow(), "click", x=-1), False, None)
    deadline = time.monotonic() + 10
    while capture.queue.qsize() and time.monotonic() < deadline:  # the worker holds it
        time.sleep(0.01)
    total = QUEUE_SIZE + 500

    def recording_loop() -> None:
        for i in range(total):
            capture.submit(Event("s1", "u_1", utcnow(), "click", x=i), True, None)

    loop = threading.Thread(target=recording_loop, daemon=True)
    loop.start()
    loop.join(timeout=30)
    assert not loop.is_alive(), "the recording loop waited for the stuck writer"
    assert capture.events_dropped == total - QUEUE_SIZE
    assert capture.shots_skipped == QUEUE_SIZE - SHOT_BACKLOG
    writer_behind.set()  # the first SHOT_BACKLOG still ask for a screenshot: shed too
    released.set()
    capture.stop()
    assert capture.shots_shed == SHOT_BACKLOG
    assert capture.screenshots_dropped == QUEUE_SIZE
    assert [m[0] for m in received] == ["event"] * (QUEUE_SIZE + 1)  # no screenshot taken
    assert [m[1]["x"] for m in received] == list(range(-1, QUEUE_SIZE))  # in order
