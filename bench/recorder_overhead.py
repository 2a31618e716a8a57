"""Recorder overhead under a real X server: CPU per thread, memory, latency, losses, bytes,
and whether the stored screenshots stay legible.

Two cases, each on its own Xvfb with the Tk form app of the recorder tests showing
`form_app.WORDS`, recorded by ``taskmine record`` (a subprocess with default settings):

- small form: a 400x420 window on a 1280x800 screen (screenshots are cropped to it);
- maximized: the form filling a 1920x1080 screen, what an office worker's maximized
  window costs.

In each:

1. steady: xdotool drives 10 actions/s for 60 s (each second: click a field, type four
   keys, click another field, type four keys, so two distinct screens a second; one
   xdotool process per second with ``sleep 0.07`` between actions). Measures the
   recorder's CPU over that minute as a share of one core, in total and per thread
   (``/proc/PID/task``, named by the recorder's status), its peak RSS (VmHWM), the
   p50/p99/max time an input callback takes from entry to enqueued, the screenshots
   stored (full frames and changed rectangles) and the bytes per driven action.
2. legibility: tesseract OCR (Debian's ``tesseract-ocr``) on the first, a middle and the
   last stored screenshot as the explorer shows them (full frames, rebuilt from changed
   rectangles): the share of the drawn words it finds. For comparison, the same on the
   screen grabbed at the end and encoded as the recorder did before (one full WebP,
   quality 50, method 0, downscaled to 1280 px wide).
3. burst (maximized case): a fresh recorder, 2,000 key presses typed by ``xdotool type
   --delay 1`` (500–700/s on a loaded 2-core machine; ``--delay 2`` fell to 350/s under
   load): keys lost = sent − keys counted in the stored ``type`` events, and the
   recorder's own drop counter.

Figures are printed, never asserted. Run: ``./run bench recorder_overhead`` (≈ 3 min).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from PIL import Image

from recorder.capture import downscale, encode_webp
from storage.store import open_store
from tests.recorder.form_app import WORDS
from tests.recorder.recorder_harness import Desktop, start_form, start_xvfb

REPO = Path(__file__).resolve().parent.parent
STEADY_S = 60
ACTIONS_PER_S = 10
BURST_KEYS = 2000
#: (name, screen, window geometry)
CASES = (
    ("small form", "1280x800", "400x420+40+40"),
    ("maximized", "1920x1080", "1920x1080+0+0"),
)
#: How the recorder encoded screenshots before changed rectangles: the legibility baseline.
OLD_MAX_WIDTH, OLD_QUALITY = 1280, 50
TICKS = os.sysconf("SC_CLK_TCK")


def main() -> None:
    if not shutil.which("tesseract"):
        print("needs tesseract (Debian: tesseract-ocr; `./run bench` installs it)")
        return
    with tempfile.TemporaryDirectory(prefix="taskmine-bench-") as tmp:
        for name, screen, geometry in CASES:
            folder = Path(tmp) / name.replace(" ", "-")
            folder.mkdir()
            xvfb, display = start_xvfb(screen)
            env = {**os.environ, "DISPLAY": display}
            app = None
            try:
                app = start_form(Desktop(display), folder, "form", "Orders - Form", geometry, True)
                print(f"-- {name}: window {geometry.split('+')[0]} on a {screen} screen")
                _steady(folder / "steady", env, app.layout, geometry)
                if name == "maximized":
                    _burst(folder / "burst", env, app.layout)
            finally:
                if app is not None:
                    app.process.terminate()
                xvfb.terminate()
                xvfb.wait(timeout=10)


def _steady(folder: Path, env: dict, layout: dict, geometry: str) -> None:
    recorder, status = _start_recorder(folder, env)
    proc = psutil.Process(recorder.pid)
    time.sleep(1.5)  # a status that names the listener threads
    names = json.loads(status.read_text())["threads"]
    cpu_before, threads_before = sum(proc.cpu_times()[:2]), _thread_ticks(recorder.pid)
    started = time.monotonic()
    actions = 0
    for second in range(STEADY_S):
        chain = []
        for field, word in (("Customer", "abcd"), ("Amount", "1234")):
            chain += ["mousemove", *map(str, layout[field]), "click", "1", "sleep", "0.07"]
            for key in word:
                chain += ["key", key, "sleep", "0.07"]
        actions += ACTIONS_PER_S
        subprocess.run(["xdotool", *chain[:-2]], env=env, check=True)
        delay = started + second + 1 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    wall = time.monotonic() - started
    cpu = sum(proc.cpu_times()[:2]) - cpu_before
    threads_after = _thread_ticks(recorder.pid)
    peak_rss = _peak_rss(recorder.pid)
    screen = _grab(env)
    final = _stop(recorder, status)
    load = os.getloadavg()[0]
    db = folder / "rec.duckdb"
    with open_store(db, read_only=True) as store:
        n_events = store.count("events")
        shots = store.query(
            "SELECT count(*) AS n, count(base_id) AS changes, coalesce(sum(size_bytes), 0) AS b "
            "FROM screenshots"
        ).row(0, named=True)
        ids = store.query("SELECT screenshot_id FROM screenshots ORDER BY screenshot_id")
        ids = ids["screenshot_id"].to_list()
        sample = [ids[0], ids[len(ids) // 2], ids[-1]]
        recalls = [_recall(_decoded(store.screenshot(i)[1])) for i in sample]
    db_bytes = db.stat().st_size
    print(
        f"steady load: {actions} actions in {wall:.1f} s ({actions / wall:.1f}/s), "
        f"load average {load:.2f}"
    )
    print(f"  recorder CPU: {100 * cpu / wall:.2f} % of one core (target < 3 %)")
    per_thread = {}
    for tid, ticks in threads_after.items():
        name = names.get(tid, "other")
        per_thread[name] = per_thread.get(name, 0) + ticks - threads_before.get(tid, 0)
    print(
        "    per thread: "
        + ", ".join(
            f"{name} {100 * ticks / TICKS / wall:.2f} %"
            for name, ticks in sorted(per_thread.items(), key=lambda item: -item[1])
        )
    )
    print(
        f"    screenshots (grab, compare, encode; the capture thread's own count): "
        f"{100 * final['screenshot_cpu_s'] / wall:.2f} %"
    )
    print(f"  peak RSS: {peak_rss / 2**20:.1f} MB (target < 150 MB)")
    print(
        f"  callback entry→enqueued: p50 {final['enqueue_p50_ms']} ms, p99 "
        f"{final['enqueue_p99_ms']} ms, max {final['enqueue_max_ms']:.3f} ms over "
        f"{final['enqueue_samples']} inputs (target p99 < 2 ms)"
    )
    print(f"  events stored: {n_events} ({n_events / actions:.2f} per action: keys merge)")
    print(
        f"  screenshots: {shots['n']} stored ({shots['n'] - shots['changes']} full frames, "
        f"{shots['changes']} changed rectangles), {shots['b'] / actions:,.0f} B per action"
    )
    print(
        f"  database file: {db_bytes:,} B = {db_bytes / actions:,.0f} B per action incl. "
        f"screenshots (an empty database is {_empty_db_bytes(folder):,} B)"
    )
    print(f"  dropped inputs: {final['dropped_events']}")
    window = screen.crop(_window_box(geometry))
    old = Image.open(io.BytesIO(encode_webp(downscale(window, OLD_MAX_WIDTH), OLD_QUALITY)))
    print(
        f"  OCR word recall (of {len(WORDS)} words): stored screenshots "
        f"{' / '.join(f'{r:.0%}' for r in recalls)} (first, middle, last; target ≥ 90 %); "
        f"the final screen encoded as before (WebP q{OLD_QUALITY}, ≤ {OLD_MAX_WIDTH} px "
        f"wide) {_recall(old):.0%}"
    )


def _burst(folder: Path, env: dict, layout: dict) -> None:
    recorder, status = _start_recorder(folder, env)
    subprocess.run(["xdotool", "mousemove", *map(str, layout["Customer"]), "click", "1"], env=env)
    text = ("abcdefghij" * (BURST_KEYS // 10 + 1))[:BURST_KEYS]
    started = time.monotonic()
    subprocess.run(["xdotool", "type", "--delay", "1", text], env=env, check=True)
    elapsed = time.monotonic() - started
    time.sleep(1.5)
    final = _stop(recorder, status)
    with open_store(folder / "rec.duckdb", read_only=True) as store:
        typed = store.query("SELECT attrs FROM events WHERE kind = 'type'")["attrs"].to_list()
    counted = sum(json.loads(a)["keys"] for a in typed)
    print(
        f"burst: {BURST_KEYS} key presses in {elapsed:.2f} s ({BURST_KEYS / elapsed:.0f}/s): "
        f"{BURST_KEYS - counted} lost (target 0), recorder drop counter "
        f"{final['dropped_events']}, p99 callback→enqueued {final['enqueue_p99_ms']} ms"
    )


def _window_box(geometry: str) -> tuple[int, int, int, int]:
    """``WxH+X+Y`` as (left, top, right, bottom): the window, which no manager moves."""
    width, height, left, top = map(int, re.split(r"[x+]", geometry))
    return left, top, left + width, top + height


def _recall(image: Image.Image) -> float:
    """The share of `WORDS` that tesseract reads in ``image``."""
    png = io.BytesIO()
    image.save(png, "PNG")
    text = subprocess.run(
        ["tesseract", "stdin", "stdout"], input=png.getvalue(), capture_output=True, check=True
    ).stdout.decode("utf-8", "replace")
    found = set(re.findall(r"[a-z]+", text.lower()))
    return sum(word in found for word in WORDS) / len(WORDS)


def _decoded(image: bytes) -> Image.Image:
    return Image.open(io.BytesIO(image)).convert("RGB")


def _grab(env: dict) -> Image.Image:
    """The whole screen now, as the recorder's grabber sees it (in a child process: mss
    connects to the display of its environment)."""
    code = (
        "import mss, sys; g = mss.MSS(); s = g.grab(g.monitors[0]); "
        "sys.stdout.buffer.write(s.size.width.to_bytes(4, 'little') + "
        "s.size.height.to_bytes(4, 'little') + bytes(s.rgb))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=True)
    size = int.from_bytes(out.stdout[:4], "little"), int.from_bytes(out.stdout[4:8], "little")
    return Image.frombytes("RGB", size, out.stdout[8:])


def _thread_ticks(pid: int) -> dict[str, int]:
    """CPU clock ticks (user + system) of each thread of ``pid``."""
    ticks = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # the thread ended
            continue
        ticks[task.name] = int(fields[11]) + int(fields[12])
    return ticks


def _start_recorder(folder: Path, env: dict) -> tuple[subprocess.Popen, Path]:
    folder.mkdir(parents=True)
    config = folder / "recorder.toml"
    config.write_text(f'[recorder]\nstate_dir = "{folder / "state"}"\n')
    recorder = subprocess.Popen(
        [sys.executable, "-m", "taskmine.cli", "record", "--db", str(folder / "rec.duckdb"),
         "--config", str(config)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    status = folder / "state" / "status.json"
    _wait(status.exists)
    return recorder, status


def _stop(recorder: subprocess.Popen, status: Path) -> dict:
    recorder.send_signal(signal.SIGTERM)
    recorder.wait(timeout=60)
    return json.loads(status.read_text())


def _empty_db_bytes(folder: Path) -> int:
    open_store(folder / "empty.duckdb").close()
    return (folder / "empty.duckdb").stat().st_size


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return psutil.Process(pid).memory_info().rss


def _wait(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the benchmark's desktop did not come up")
        time.sleep(0.1)
