"""Explorer latency on about a million mined events: page renders and callbacks.

Builds once, and keeps in ``bench/out/explorer-1m.duckdb``, a simulated 20 users x 25
working days database (100 user-weeks, about 1M events) mined with the default
configuration; ``TASKMINE_BENCH_DB=FILE`` uses another mined database instead. Then:

- in-process: every page's ``layout()`` and every data callback called as plain functions
  (what the server does per request, without HTTP): cold (caches cleared, database
  closed), after the server's start-up warm-up (`explorer.server`: the run's per-instance
  facts and the unfiltered ranking read once), and warm (median of 4 repeats);
- in Chromium against ``taskmine explore``: from navigation until the page's content is
  drawn (its charts included), first load after the server started, then again.

Targets (issue 5): under 2 s per page, under 500 ms per callback.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tests.explorer.explorer_support import CHROMIUM_ARGS

OUT = Path(__file__).resolve().parent / "out"
DB = OUT / "explorer-1m.duckdb"
USERS, DAYS = 20, 25
RUNS = 5


def build(path: Path) -> None:
    import mining
    from sample_logs import simulate, write_simulation
    from storage.store import open_store

    OUT.mkdir(exist_ok=True)
    start = time.perf_counter()
    sim = simulate(USERS, DAYS, seed=0)
    write_simulation(sim, path)
    print(
        f"simulated and wrote {sim.events.height:,} events in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    start = time.perf_counter()
    with open_store(path) as store:
        run = mining.mine(store, mining.MiningConfig())
    print(f"mined (run {run}) in {time.perf_counter() - start:.0f} s", flush=True)


def timed(fn: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Wall time in milliseconds of the first call (cold: nothing cached for this state of
    the file) and the median of the next ``runs - 1`` (warm)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - start))
    return times[0], statistics.median(times[1:]) if runs > 1 else times[0]


def warm_up(db: Path, config: object) -> None:
    """What `taskmine explore` computes at start-up, before the first page is asked for."""
    from explorer.server import _warm_up

    _warm_up(db, config)


def in_process(db: Path, mined: bool) -> None:
    import importlib

    from flask import Flask

    from explorer import queries
    from explorer.config import ExplorerConfig
    from explorer.context import attach
    from explorer.server import create_app

    config = ExplorerConfig()
    create_app(db, config)  # registers the pages
    page = {
        n: importlib.import_module(f"explorer.pages.{n}")
        for n in ("overview", "opportunities", "process", "recordings")
    }
    user_days = queries.read_user_days(db)
    user, day = user_days["user_id"][0], user_days["day"][0].isoformat()
    cases = [
        ("page  overview", lambda: page["overview"].layout()),
        ("page  recordings", lambda: page["recordings"].layout()),
        ("callback  recordings: days of a user", lambda: page["recordings"].list_days(user)),
        (
            "callback  recordings: timeline of a day",
            lambda: page["recordings"].draw_timeline(user, day),
        ),
    ]
    if mined:
        cases += mined_cases(db, page, user, config.review_confidence)
    server = Flask("bench")
    attach(server, db, config)
    with server.app_context():
        for label, fn in cases:
            queries.clear_caches()
            cold, warm = timed(fn)
            queries.clear_caches()
            warm_up(db, config)
            after, _ = timed(fn, runs=1)
            print(
                f"{label:<48} cold {cold:7.0f} ms   after warm-up {after:7.0f} ms   "
                f"warm {warm:7.0f} ms",
                flush=True,
            )


def mined_cases(db: Path, page: dict, user: str, review: float) -> list:
    from explorer import queries

    found = queries.read_opportunities(db, queries.Filters(), review)
    top = (found.ranking if found.ranking.height else found.review)["key"][0]
    instance = int(queries.read_instances(db, top, 1)["instance_id"][0])
    first = queries.read_variants(db, top).row(0, named=True)
    variant = f"{first['process_id']}.{first['variant_id']}"
    return [
        ("page  opportunities", lambda: page["opportunities"].layout()),
        ("page  process detail", lambda: page["process"].layout(key=top)),
        (
            "callback  opportunities: rank under filters",
            lambda: page["opportunities"].update_tables(None, None, None, None, 0),
        ),
        (
            "callback  opportunities: one user",
            lambda: page["opportunities"].update_tables(None, None, [user], None, 0),
        ),
        (
            "callback  opportunities: hourly cost changed",
            lambda: page["opportunities"].update_tables(None, None, None, None, 0, 55, 80),
        ),
        ("callback  process map (main path)", lambda: page["process"].draw_map(0, top, "")),
        ("callback  process map (every step)", lambda: page["process"].draw_map(100, top, "")),
        (
            "callback  process map (one variant)",
            lambda: page["process"].variant_map(top, variant, ""),
        ),
        (
            "callback  instance replay",
            lambda: page["process"].show_replay({"rowId": str(instance)}),
        ),
    ]


def in_browser(db: Path, mined: bool) -> None:
    import socket

    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "taskmine.cli", "explore", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/_dash-layout", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        pages = [
            ("/", "#overview-heatmap .main-svg"),
            ("/recordings", "#recordings-timeline .main-svg"),
        ]
        if mined:
            from explorer import queries

            found = queries.read_opportunities(db, queries.Filters(), 0.5)
            top = (found.ranking if found.ranking.height else found.review)["key"][0]
            pages += [
                ("/opportunities", "#opportunities-table .ag-row, #opportunities-review .ag-row"),
                (f"/process/{top}", "#process-map .main-svg"),
            ]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            for path, ready in pages:
                times = []
                for _ in range(3):
                    start = time.perf_counter()
                    tab.goto(base + path)
                    tab.wait_for_selector(ready, timeout=120_000)
                    times.append(1000 * (time.perf_counter() - start))
                print(
                    f"browser  {path:<40} first {times[0]:7.0f} ms   "
                    f"again {statistics.median(times[1:]):7.0f} ms",
                    flush=True,
                )
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    db = Path(os.environ.get("TASKMINE_BENCH_DB", DB))
    if not db.exists():
        build(db)
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    events, instances, processes = con.execute(
        "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM instances WHERE run_id = "
        "(SELECT max(run_id) FROM mining_runs WHERE status = 'done')), (SELECT count(*) FROM "
        "processes WHERE run_id = (SELECT max(run_id) FROM mining_runs WHERE status = 'done'))"
    ).fetchall()[0]
    con.close()
    print(f"database {db}: {events:,} events, {instances:,} instances, {processes} candidates")
    if not processes:
        print("no finished mining run: only the recording pages are measured")
    in_process(db, mined=processes > 0)
    in_browser(db, mined=processes > 0)
