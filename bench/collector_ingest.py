"""Collector ingest: how fast `taskmine collect` lands what several recorders ship.

Simulates 20 users x 10 days (no screenshots, about 400k events), writes one interchange
file per user-day into four recorders' outboxes (as `recorder.ship` does), starts a real
collector on 127.0.0.1 in a subprocess, and times four shippers (threads running
`recorder.upload.upload_outbox`) uploading at once; then the same files again (every one
answered "landed" without its bytes being sent). Prints events/s, MB/s and the
collector's peak resident memory; never asserted. Run: ``./run bench collector_ingest``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import psutil
import requests

from recorder.upload import Collector, upload_outbox
from sample_logs.simulation import simulate
from storage.collector.ledger import Ledger
from storage.exporters import write_parquet

SHIPPERS = 4
REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    started = time.perf_counter()
    sim = simulate(users=20, days=10, seed=5, screenshots=False)
    print(f"simulated {sim.events.height:,} events in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        outboxes, users = _outboxes(sim, folder)
        size = sum(p.stat().st_size for box in outboxes for p in box.glob("*.parquet"))
        data = folder / "collector"
        tokens = [Ledger(data).add_device(f"desk-{i}", users[i]) for i in range(SHIPPERS)]
        port = _free_port()
        server, peak = _start(data, port)
        url = f"http://127.0.0.1:{port}"
        try:
            for label in ("first upload", "same files again"):
                started = time.perf_counter()
                with ThreadPoolExecutor(SHIPPERS) as pool:
                    shipped = sum(
                        len(n)
                        for n in pool.map(
                            lambda i: upload_outbox(outboxes[i], Collector(url, tokens[i])),
                            range(SHIPPERS),
                        )
                    )
                seconds = time.perf_counter() - started
                rate, mb_s = sim.events.height / seconds, size / 1e6 / seconds
                print(
                    f"{label:17s} {shipped:4d} files  {sim.events.height:>9,} events  "
                    f"{size / 1e6:6.1f} MB  {seconds:6.1f} s  "
                    f"{rate:>9,.0f} events/s  {mb_s:5.1f} MB/s"
                )
                _restore(outboxes)
        finally:
            server.terminate()
            server.wait(timeout=30)
        landed = len(list((data / "events").rglob("*.parquet")))
    print(f"collector peak resident memory {peak[0] / 1e6:,.0f} MB; events files landed {landed}")


def _outboxes(sim, folder: Path) -> tuple[list[Path], list[list[str]]]:
    """One file per user-day (a recorder's session), the users dealt to the shippers;
    returns each shipper's outbox and users (a device may ship only its own users)."""
    boxes = [folder / f"outbox-{i}" for i in range(SHIPPERS)]
    for box in boxes:
        box.mkdir()
    users = sorted(sim.events["user_id"].unique())
    keyed = sim.events.with_columns(day=pl.col("ts").dt.date())
    for (user, day), part in keyed.partition_by(["user_id", "day"], as_dict=True).items():
        box = boxes[users.index(user) % SHIPPERS]
        path = box / f"{user}_{day}.parquet"
        write_parquet(path, part.drop("day"))
        shutil.copyfile(path, path.with_name(path.name + ".keep"))
    return boxes, [users[i::SHIPPERS] for i in range(SHIPPERS)]


def _restore(boxes: list[Path]) -> None:
    """Files shipped again: the outbox kept copies under ``.keep`` for the second round."""
    for box in boxes:
        for marker in box.glob("*.acknowledged"):
            marker.unlink()
        for kept in box.glob("*.keep"):
            kept.rename(kept.with_suffix(""))


def _start(data: Path, port: int) -> tuple[subprocess.Popen, list[int]]:
    command = [sys.executable, "-m", "taskmine.cli", "-q", "collect", "--data", str(data)]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    server = subprocess.Popen([*command, "--port", str(port)], cwd=REPO, **quiet)
    for _ in range(300):
        try:
            if requests.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).ok:
                break
        except requests.RequestException:
            time.sleep(0.1)
    peak = [0]
    process = psutil.Process(server.pid)

    def watch() -> None:
        while server.poll() is None:
            try:
                peak[0] = max(peak[0], process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()
    return server, peak


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
