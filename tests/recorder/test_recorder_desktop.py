"""The recorder on a real X server: xdotool drives two Tk form windows, we read the DB."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from itertools import pairwise

import duckdb
import mss
import psutil
import pytest
from PIL import Image, ImageChops, ImageColor
from Xlib import X, display

from recorder.tray import COLOURS
from storage.store import open_store
from tests.recorder.recorder_harness import run_cli, start_form, start_recorder, wait_for
from tests.recorder.tray_manager import ICON_SIZE, TrayManager

pytestmark = pytest.mark.x11

PASSWORD = "hunter2-Secret"
PRIVATE_TEXT = "diary entry"
PAUSED_TEXT = "while paused"
ORDERS = "Orders - Form"
GEOMETRY_KEYS = {"win_x", "win_y", "win_w", "win_h", "rel_x", "rel_y"}


def _events(db) -> list[dict]:
    with open_store(db, read_only=True) as store:
        return store.query("SELECT * FROM events ORDER BY event_id").to_dicts()


def _attrs(event: dict) -> dict:
    """An event's attrs without the window geometry every windowed event has."""
    attrs = json.loads(event["attrs"] or "{}")
    return {k: v for k, v in attrs.items() if k not in GEOMETRY_KEYS}


def _all_strings(db) -> str:
    """Every text and JSON value of every table, for 'never stored anywhere' checks."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE data_type IN ('VARCHAR', 'JSON')"
        ).fetchall()
        values = []
        for table, column in columns:
            rows = con.execute(f'SELECT "{column}" FROM "{table}"').fetchall()
            values += [str(r[0]) for r in rows if r[0] is not None]
        return "\n".join(values)
    finally:
        con.close()


def test_records_exactly_the_allowed_actions(desktop, apps, tmp_path):
    orders, private = apps["orders"], apps["private"]
    rec = start_recorder(
        desktop,
        tmp_path,
        keep_text_apps=["formapp"],
        deny_title_patterns=["private notes"],
    )
    desktop.click(*orders.at("Customer"))
    desktop.type("Acme bob@example.com")
    desktop.click(*orders.at("Amount"))
    desktop.type("1250.50")
    desktop.click(*orders.at("password"))
    desktop.type(PASSWORD)
    desktop.click(*orders.at("Save"))
    desktop.click(*orders.at("Customer"), repeat=2)
    desktop.key("ctrl+c")
    desktop.key("ctrl+v")
    desktop.click(*private.at("Customer"))  # a denied window: one placeholder, nothing else
    desktop.type(PRIVATE_TEXT)
    desktop.click(*orders.at("Amount"))
    desktop.key("ctrl+alt+shift+p")  # pause by hotkey
    desktop.type(PAUSED_TEXT)
    desktop.key("ctrl+alt+shift+p")
    desktop.click(*orders.at("Customer"))
    desktop.key("Tab")  # focus moves to a field we cannot name: its text is not kept
    desktop.type("99")
    desktop.click(*orders.at("Customer"), button=3)
    time.sleep(0.6)
    log = rec.stop()
    assert rec.process.returncode == 0, log

    events = _events(rec.db)
    got = [(e["kind"], e["window_title"], e["element_name"], e["text"]) for e in events]
    assert got == [
        ("focus", ORDERS, None, None),
        ("click", ORDERS, "Customer", None),
        ("type", ORDERS, "Customer", "Acme [email]"),
        ("click", ORDERS, "Amount", None),
        ("type", ORDERS, "Amount", "1250.50"),
        ("click", ORDERS, "password", None),
        ("type", ORDERS, "password", None),
        ("click", ORDERS, None, None),
        ("double_click", ORDERS, "Customer", None),
        ("copy", ORDERS, None, "ctrl+c"),
        ("paste", ORDERS, None, "ctrl+v"),
        ("focus", None, None, None),
        ("focus", ORDERS, None, None),
        ("click", ORDERS, "Amount", None),
        ("paused", None, None, None),
        ("focus", ORDERS, None, None),
        ("click", ORDERS, "Customer", None),
        ("hotkey", ORDERS, None, "tab"),
        ("type", ORDERS, None, None),
        ("right_click", ORDERS, "Customer", None),
    ]
    app_name = psutil.Process(orders.process.pid).name()
    assert {e["app"] for e in events if e["window_title"]} == {app_name}
    placeholder = events[11]
    assert placeholder["app"] == "[private]" and placeholder["screenshot_id"] is None
    assert json.loads(placeholder["attrs"]) == {"private": True}
    assert _attrs(events[6]) == {"ended_by": "click", "keys": len(PASSWORD), "secret": True}
    assert _attrs(events[18])["classes"] == ["digit"]
    assert json.loads(events[14]["attrs"]) == {"by": "hotkey"}
    assert (events[1]["x"], events[1]["y"]) == orders.at("Customer")
    assert orders.saved_rows()[-1] == {
        "Customer": "Acme bob@example.com",
        "Amount": "1250.50",
        "password": PASSWORD,
    }  # the app really got the input the recorder saw

    stored = _all_strings(rec.db)
    for secret in (PASSWORD, "hunter2", PRIVATE_TEXT, PAUSED_TEXT, "bob@example.com", "Private"):
        assert secret not in stored

    with open_store(rec.db, read_only=True) as store:
        shots = store.query("SELECT * FROM screenshots").to_dicts()
        sessions = store.query("SELECT * FROM sessions").to_dicts()
    shot_ids = {s["screenshot_id"] for s in shots}
    with_shot = {e["kind"] for e in events if e["screenshot_id"] is not None}
    assert shot_ids == {e["screenshot_id"] for e in events if e["screenshot_id"] is not None}
    assert with_shot == {"focus", "click", "double_click", "copy", "paste", "hotkey", "right_click"}
    assert all(e["screenshot_id"] is None for e in events if e["kind"] in ("type", "paused"))
    assert len(shots) < len([e for e in events if e["screenshot_id"]])  # unchanged: reused
    assert events[3]["screenshot_id"] != events[0]["screenshot_id"]  # Customer filled in
    # WebP, cropped (the default) to the orders window: the private one never shows
    for shot in shots:
        assert shot["image"][:4] == b"RIFF" and shot["image"][8:12] == b"WEBP"
        assert (shot["width"], shot["height"]) == (360, 220)
        assert shot["size_bytes"] == len(shot["image"])
    assert len(sessions) == 1
    assert sessions[0]["ended_at"] is not None and sessions[0]["dropped_events"] == 0
    assert {e["user_id"] for e in events} == {sessions[0]["user_id"]}
    assert (
        sessions[0]["user_id"].startswith("u_")
        and os.environ.get("USER", "root") not in (sessions[0]["user_id"])
    )


def test_kill_9_loses_at_most_the_last_batch_window(desktop, apps, tmp_path):
    orders = apps["orders"]
    rec = start_recorder(desktop, tmp_path, screenshots=False)
    fields = ("Customer", "Amount", "password", "Customer", "Amount", "password")
    for field in fields:
        desktop.click(*orders.at(field))
    time.sleep(2.5)  # > double-click interval + flush interval: all of the above is committed
    wait_for(lambda: rec.status()["events_written"] >= len(fields) + 1, what="a flush")
    for field in ("Customer", "Amount", "Customer"):
        desktop.click(*orders.at(field))
    os.kill(rec.process.pid, signal.SIGKILL)
    rec.process.wait(timeout=10)

    with open_store(rec.db) as store:  # read-write: replays the WAL, must open cleanly
        events = store.query("SELECT kind, element_name FROM events ORDER BY event_id").rows()
        sessions = store.query("SELECT ended_at FROM sessions").rows()
    before = [("focus", None)] + [("click", f) for f in fields]
    assert events[: len(before)] == before
    assert all(kind == "click" for kind, _ in events[len(before) :])
    assert len(events) <= len(before) + 3
    assert sessions == [(None,)]  # the crash left it open; the next run or ship closes it


def test_locked_database_spools_then_drains(desktop, apps, tmp_path):
    orders = apps["orders"]
    db = tmp_path / "rec.duckdb"
    open_store(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('locked', flush=True); time.sleep(120)", str(db)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        rec = start_recorder(desktop, tmp_path, screenshots=True, retry_s=0.5)
        for field in ("Customer", "Amount", "password"):
            desktop.click(*orders.at(field))
        status = wait_for(
            lambda: (s := rec.status()) and s["spooled_events"] >= 4 and s,
            what="events in the spool",
        )
        assert status["state"] == "spooling" and "in use by process" in status["last_error"]
        assert rec.cli("recorder", "status").stdout.splitlines()[0].startswith("recorder: spooling")
    finally:
        holder.kill()
        holder.wait(timeout=10)
    wait_for(lambda: rec.status()["spooled_events"] == 0, what="the spool to drain")
    desktop.click(*orders.at("Customer"))
    time.sleep(0.6)
    log = rec.stop()
    assert "spooling to" in log and "drained 4 spooled events" in log

    events = _events(rec.db)
    assert [(e["kind"], e["element_name"]) for e in events] == [
        ("focus", None),
        ("click", "Customer"),
        ("click", "Amount"),
        ("click", "password"),
        ("click", "Customer"),
    ]
    with open_store(rec.db, read_only=True) as store:
        shot_ids = set(store.query("SELECT screenshot_id FROM screenshots")["screenshot_id"])
    assert {e["screenshot_id"] for e in events} <= shot_ids and shot_ids
    assert not (tmp_path / "rec.duckdb.spool.jsonl").exists()


@pytest.fixture
def small_disk(tmp_path):
    """A real 6 MB file system (tmpfs): writes on it fail with ENOSPC as on a full disk."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def _fill(disk) -> None:
    """Write a filler file until the disk is full."""
    with (disk / "filler").open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass


def test_full_disk_spools_elsewhere_then_nothing_is_lost(desktop, apps, tmp_path, small_disk):
    orders = apps["orders"]
    spool_dir = tmp_path / "spool"
    rec = start_recorder(
        desktop, tmp_path, db=small_disk / "rec.duckdb", spool_dir=str(spool_dir), retry_s=0.5
    )
    desktop.click(*orders.at("Customer"))
    wait_for(lambda: rec.status()["events_written"] >= 2, what="the first events written")
    _fill(small_disk)
    clicked = []
    for field in ("Amount", "password") * 5:  # the last pages of the WAL may still take some
        desktop.click(*orders.at(field))
        clicked.append(field)
        if (status := rec.status())["spooled_events"]:
            break
        time.sleep(1.0)
    for field in ("Customer", "Amount"):
        desktop.click(*orders.at(field))
        clicked.append(field)
    status = wait_for(
        lambda: (s := rec.status()) and s["spooled_events"] >= 2 and s, what="events in the spool"
    )
    assert status["state"] == "spooling" and "is full" in status["last_error"]
    assert status["spool"] == str(spool_dir / "rec.duckdb.spool.jsonl")
    shown = rec.cli("recorder", "status").stdout
    assert shown.startswith("recorder: spooling") and "is full" in shown
    assert rec.process.poll() is None  # still recording

    (small_disk / "filler").unlink()
    wait_for(lambda: rec.status()["spooled_events"] == 0, what="the spool to drain")
    desktop.click(*orders.at("password"))
    time.sleep(0.6)
    log = rec.stop()
    assert rec.process.returncode == 0, log
    assert "spooling to" in log and "drained" in log and log.count("writable again") == 1

    events = _events(rec.db)
    assert [(e["kind"], e["element_name"]) for e in events] == [
        ("focus", None),
        ("click", "Customer"),
        *[("click", field) for field in clicked],
        ("click", "password"),
    ]
    with open_store(rec.db, read_only=True) as store:
        shot_ids = set(store.query("SELECT screenshot_id FROM screenshots")["screenshot_id"])
        (dropped,) = store.query("SELECT dropped_events FROM sessions")["dropped_events"]
    assert {e["screenshot_id"] for e in events} <= shot_ids and dropped == 0
    assert not (spool_dir / "rec.duckdb.spool.jsonl").exists()


def test_pause_and_resume_from_the_cli(desktop, apps, tmp_path):
    orders = apps["orders"]
    rec = start_recorder(desktop, tmp_path, screenshots=False)
    desktop.click(*orders.at("Customer"))
    paused = rec.cli("recorder", "pause")
    assert paused.returncode == 0 and "paused: the recorder (pid" in paused.stderr
    wait_for(lambda: rec.status()["state"] == "paused", what="the recorder to pause")
    desktop.click(*orders.at("Amount"))
    desktop.type("1234")
    assert rec.cli("recorder", "resume").returncode == 0
    wait_for(lambda: rec.status()["state"] == "recording", what="the recorder to resume")
    desktop.click(*orders.at("password"))
    with _clipboard_owner(desktop):  # a copy from a menu: no hotkey, the clipboard changes
        time.sleep(1.5)
    rec.stop()
    events = _events(rec.db)
    assert [(e["kind"], e["element_name"]) for e in events] == [
        ("focus", None),
        ("click", "Customer"),
        ("paused", None),
        ("focus", None),
        ("click", "password"),
        ("copy", None),
    ]
    assert json.loads(events[2]["attrs"]) == {"by": "cli"}
    assert _attrs(events[5]) == {"via": "clipboard"}
    assert events[5]["window_title"] == ORDERS


@contextmanager
def _clipboard_owner(desktop):
    """Take the CLIPBOARD selection as a copying application does."""
    x = display.Display(desktop.display)
    window = x.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
    window.set_selection_owner(x.intern_atom("CLIPBOARD"), X.CurrentTime)
    x.flush()
    try:
        yield
    finally:
        x.close()


def _focus_follows_pointer(desktop) -> None:
    """Give the keyboard back to the window under the pointer (X's PointerRoot)."""
    x = display.Display(desktop.display)
    x.set_input_focus(X.PointerRoot, X.RevertToPointerRoot, X.CurrentTime)
    x.close()


def test_ship_through_the_running_recorder(desktop, apps, tmp_path):
    orders = apps["orders"]
    rec = start_recorder(desktop, tmp_path, screenshots=False, session_minutes=0.03)
    desktop.click(*orders.at("Customer"))
    first = rec.status()["session_id"]
    wait_for(lambda: rec.status()["session_id"] != first, what="the session to rotate")
    spool = tmp_path / "share"
    shipped = rec.cli("recorder", "ship", "--to", str(spool), "--db", str(rec.db))
    assert shipped.returncode == 0 and "shipped 1 session file(s)" in shipped.stderr
    rec.stop()
    (name,) = [p.name for p in spool.glob("*.parquet") if p.name.count(".") == 1]
    assert name.startswith(rec.status()["user_id"] + "_")
    result = run_cli("import", str(spool), "--db", str(tmp_path / "analyst.duckdb"))
    assert result.returncode == 0 and "imported 2 events" in result.stderr  # focus + click


def test_focus_switches_by_keyboard_focus_and_scrolls_merge(desktop, apps, tmp_path):
    orders, private = apps["orders"], apps["private"]
    rec = start_recorder(
        desktop,
        tmp_path,
        screenshots=False,
        keep_text_apps=["formapp"],
        deny_title_patterns=["private notes"],
    )
    try:
        desktop.xdotool("windowfocus", "--sync", private.layout["window_id"])
        desktop.type("secret plans")
        desktop.xdotool("windowfocus", "--sync", orders.layout["window_id"])
        time.sleep(1.2)  # the once-a-second poll sees the switch without any input
        desktop.click(*orders.at("Amount"), button=4)
        desktop.click(*orders.at("Amount"), repeat=3, button=5)
        time.sleep(0.7)
    finally:
        _focus_follows_pointer(desktop)
    rec.stop()
    events = _events(rec.db)
    assert [(e["kind"], e["app"] == "[private]", e["window_title"]) for e in events] == [
        ("focus", True, None),
        ("focus", False, ORDERS),
        ("scroll", False, ORDERS),
    ]
    assert _attrs(events[2]) == {"dx": 0, "dy": -2}  # one up, three down
    assert "secret plans" not in _all_strings(rec.db)


def test_events_carry_the_window_geometry_and_the_click_inside_it(desktop, tmp_path):
    form = start_form(desktop, tmp_path, "moved", "Moved - Form", "300x210+610+330")
    try:
        rec = start_recorder(desktop, tmp_path, screenshots=False)
        desktop.xdotool("windowfocus", "--sync", str(form.layout["window_id"]))
        desktop.click(*form.at("Amount"))
        desktop.type("12")
        desktop.click(*form.at("Save"), button=3)
        rec.stop()
        shell = subprocess.run(
            ["xdotool", "getwindowgeometry", "--shell", str(form.layout["window_id"])],
            env=desktop.env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        _focus_follows_pointer(desktop)
        form.process.terminate()
        form.process.wait(timeout=10)
    real = dict(line.split("=") for line in shell.split())
    window = {k: int(real[v]) for k, v in (("win_x", "X"), ("win_y", "Y"), ("win_w", "WIDTH"),
                                           ("win_h", "HEIGHT"))}  # fmt: skip
    assert window == {"win_x": 610, "win_y": 330, "win_w": 300, "win_h": 210}
    events = _events(rec.db)
    assert [e["kind"] for e in events] == ["focus", "click", "type", "right_click"]
    for event in events:
        attrs = json.loads(event["attrs"])
        assert {k: attrs[k] for k in window} == window, event["kind"]
        if event["x"] is not None:  # pointer events: the offset replay falls back on
            assert (attrs["rel_x"], attrs["rel_y"]) == (event["x"] - 610, event["y"] - 330)
        else:
            assert "rel_x" not in attrs
    assert (events[1]["x"], events[1]["y"]) == form.at("Amount")


def test_changed_rectangles_rebuild_the_window_as_it_is(desktop, tmp_path):
    """After a window's first screenshot only what changed is stored; the store pastes it
    back, so the last screenshot is the window as it is on the screen."""
    form = start_form(desktop, tmp_path, "tiles", "Tiles - Form", "420x420+560+300", True)
    window = {"left": 560, "top": 300, "width": 420, "height": 420}
    try:
        rec = start_recorder(desktop, tmp_path)  # the keyboard follows the pointer
        texts = (("Customer", "Acme Trading"), ("Amount", "4200.50"), ("Customer", " Ltd"))
        for field, text in texts:
            _type_until_drawn(desktop, window, form.at(field), text)
        desktop.click(*form.at("Save"), button=3)  # a screenshot of the screen as it stays
        rec.stop()
        with mss.MSS(display=desktop.display) as screen:
            raw = screen.grab(window)
        on_screen = Image.frombytes("RGB", raw.size, raw.rgb)
    finally:
        _focus_follows_pointer(desktop)
        form.process.terminate()
        form.process.wait(timeout=10)
    with open_store(rec.db, read_only=True) as store:
        rows = store.query("SELECT * FROM screenshots ORDER BY screenshot_id").to_dicts()
        last = store.query("SELECT max(screenshot_id) FROM events").item()
        fmt, data = store.screenshot(last)
    assert rows[0]["base_id"] is None and len(rows) >= 4  # every click after typing: a change
    assert all(r["base_id"] == prev["screenshot_id"] for prev, r in pairwise(rows))
    assert all((r["width"], r["height"]) == (420, 420) for r in rows)
    assert sum(r["size_bytes"] for r in rows[1:]) < rows[0]["size_bytes"]  # small rectangles
    shown = Image.open(io.BytesIO(data)).convert("RGB")
    assert fmt == "png" and shown.size == (420, 420)
    off = ImageChops.difference(shown, on_screen).convert("L").point(lambda v: 255 * (v > 48))
    assert off.histogram()[255] < 420 * 420 // 100  # WebP's loss only: no text out of place


def _type_until_drawn(desktop, region: dict, field: tuple[int, int], text: str) -> None:
    """Click ``field``, type ``text`` and return once ``region`` of the screen has changed
    and stopped changing: under load Tk may draw the text after the next click, whose
    screenshot would then rightly store nothing new. On the CI machine the text typed
    into the new window twice never showed (cause not found; never seen here): the
    keyboard is given back to the window under the pointer and the click and the typing
    tried again (input delivery is not what this test is about)."""
    with mss.MSS(display=desktop.display) as screen:
        before = screen.grab(region).rgb
        for attempt in range(3):
            if attempt:  # the keyboard back to the window under the pointer
                _focus_follows_pointer(desktop)
            desktop.click(*field)
            desktop.type(text)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and screen.grab(region).rgb == before:
                time.sleep(0.1)
            if screen.grab(region).rgb != before:
                break
        else:
            pytest.fail(f"{text!r} never showed on the screen")
        previous = screen.grab(region).rgb

        def settled() -> bool:
            nonlocal previous
            time.sleep(0.2)
            now = screen.grab(region).rgb
            same, previous = now == previous, now
            return same

        wait_for(settled, what="the window to stop changing")


def test_the_tray_icon_shows_the_state(desktop, tmp_path):
    """In a desktop with a system tray the recorder docks an icon: green while recording,
    grey once paused. (A click toggles the pause where pystray passes clicks on: Windows,
    macOS, AppIndicator; its plain-X11 backend, the one here, does not.)"""
    tray = TrayManager(desktop.display)
    tray.start()
    rec = start_recorder(desktop, tmp_path)
    try:
        wait_for(lambda: tray.docked, what="the recorder's icon in the tray")
        centre = {"left": ICON_SIZE // 2, "top": ICON_SIZE // 2, "width": 1, "height": 1}
        for command, colour in (("resume", COLOURS["recording"]), ("pause", COLOURS["paused"])):
            assert rec.cli("recorder", command).returncode == 0
            expected = ImageColor.getrgb(colour)
            wait_for(lambda e=expected: grab(desktop, centre) == e, what=f"a {command}d icon")
    finally:
        log = rec.stop()
        tray.stop()
    assert rec.process.returncode == 0, log


def grab(desktop, region: dict) -> tuple[int, int, int]:
    """The colour of the first pixel of ``region`` of the screen."""
    with mss.MSS(display=desktop.display) as screen:
        return screen.grab(region).pixel(0, 0)


def test_without_a_tray_the_recorder_runs_as_usual(desktop, tmp_path):
    rec = start_recorder(desktop, tmp_path)
    wait_for(lambda: (rec.status() or {}).get("state") == "recording", what="recording")
    log = rec.stop()
    assert rec.process.returncode == 0 and "Traceback" not in log, log
