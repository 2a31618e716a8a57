"""End-to-end mining time and peak memory at 1M, 5M and 20M simulated events, on the
local engine and on Ray.

The simulator's users x 20 days (about 40,000 events a user) are written as a
collector's landing area (partitioned Parquet, `sample_logs.landing`), once per size
under ``--work DIR`` (kept for the next run), and mined by ``taskmine mine --engine E
--data DIR --db FILE`` in a fresh process. A sampler polls that process and all its
descendants (Ray's raylet, object store and workers when the engine starts a local
cluster) every half second: the driver's peak RSS, the largest Ray worker's, and the
largest of Ray's own processes, each also outside Ray's object store (shared memory
mapped into the processes that write or read objects), and the object store's size.

``python -m bench.mining_scale [--engines local,ray] [--work DIR] [--object-store GB]
[SIZE...]``; the default is 1M on both engines (5M and 20M take long on two cores), with
the Ray engine's own default object store (``taskmine mine --object-store``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

EVENTS_PER_USER = 40_000  # the simulator's ~2,000 events a user-day x 20 days
DAYS = 20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.mining_scale")
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000_000])
    parser.add_argument("--engines", default="local,ray")
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir(), "taskmine-scale")))
    parser.add_argument("--object-store", type=float, metavar="GB")
    args = parser.parse_args(argv if argv is not None else [])
    for size in args.sizes:
        data = landing(Path(args.work), size)
        for engine in args.engines.split(","):
            print(measure(data, engine, args.object_store), flush=True)


def landing(work: Path, size: int) -> Path:
    """The landing area of about ``size`` events, simulated on first use."""
    from sample_logs.landing import simulate_landing

    users = max(1, round(size / EVENTS_PER_USER))
    data = work / f"users-{users}"
    if not (data / "complete").exists():
        started = time.perf_counter()
        n = simulate_landing(data, users, DAYS, seed=0)
        (data / "complete").write_text(f"{n}\n")
        print(
            f"simulated {n:,} events ({users} users x {DAYS} days) in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return data


def measure(data: Path, engine: str, object_store: float | None = None) -> str:
    """Mine ``data`` in a fresh process (a Ray engine's object store ``object_store``
    GB, when given); the figures as one line."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
        command = [
            sys.executable,
            "-m",
            "taskmine.cli",
            "-q",
            "mine",
            "--engine",
            engine,
            "--data",
            str(data),
            "--db",
            str(Path(tmp, "scale.duckdb")),
        ]
        if engine == "ray" and object_store is not None:
            command += ["--object-store", str(object_store)]
        load = os.getloadavg()
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        # drained as it comes: a child that fills the pipe would block until killed
        lines: list[str] = []
        drain = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
        drain.start()
        peaks, status, driver = _sample(process)
        seconds = time.perf_counter() - started
        drain.join(timeout=30)  # (a Ray process left behind may hold the pipe open)
        stderr = "".join(lines)
    if status:
        return f"{engine}: failed ({stderr.strip().splitlines()[-1:]})"
    n = int((data / "complete").read_text())
    _, sampled, own = peaks.pop(process.pid, ("", 0, 0))
    store = peaks.pop(STORE, ("", 0, 0))[1]
    workers = [(rss, own) for kind, rss, own in peaks.values() if kind == "worker"]
    others = [(rss, own) for kind, rss, own in peaks.values() if kind != "worker"]

    def gb(pairs: list[tuple[int, int]]) -> str:
        rss, own = (max((p[i] for p in pairs), default=0) / 1024**3 for i in (0, 1))
        return f"{rss:.2f} GB ({own:.2f} GB outside the object store)"

    return (
        f"{engine}: {n:,} events, {seconds:.0f} s, driver peak {max(driver, sampled) / 1024**3:.2f}"
        f" GB ({own / 1024**3:.2f} GB outside the object store), largest worker {gb(workers)}, "
        f"largest other Ray process {gb(others)}, shared memory (Ray's object store) peak "
        f"{store / 1024**3:.2f} GB above the start, load {load[0]:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end"
    )


#: The key of the shared memory figure among the sampled peaks.
STORE = -1


def _sample(process: subprocess.Popen) -> tuple[dict[int, tuple[str, int, int]], int, int]:
    """Peak RSS, and peak RSS outside Ray's object store, of the process and each of its
    descendants (``worker`` or ``other``) until it exits; its exit status; its own peak
    RSS as the kernel counted it.

    The object store is a shared memory file (``/dev/shm/plasma…``) that every process
    writing or reading an object maps: its pages count in that process's RSS, and as
    private when no other process touched them (a worker's results before the driver
    reads them), so neither RSS nor RSS less shared pages tells a process's own memory.
    The store's own size is sampled apart, as the machine's shared memory (``Shmem``)
    above what it was at the start (`STORE`)."""
    peaks: dict[int, tuple[str, int, int]] = {}
    root = psutil.Process(process.pid)
    shmem = _shmem()
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return peaks, process.returncode, usage.ru_maxrss * 1024
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        for p in tree:
            try:
                worker = p.name().startswith("ray::") or "default_worker" in " ".join(p.cmdline())
                maps = p.memory_maps(grouped=True)
            except psutil.Error:
                continue
            rss = sum(m.rss for m in maps)
            own = rss - sum(m.rss for m in maps if "plasma" in Path(m.path).name)
            kind, top, top_own = peaks.get(p.pid, ("", 0, 0))
            peaks[p.pid] = ("worker" if worker else "other", max(top, rss), max(top_own, own))
        store = peaks.get(STORE, ("", 0, 0))[1]
        peaks[STORE] = ("store", max(store, _shmem() - shmem), 0)
        time.sleep(0.5)


def _shmem() -> int:
    """The machine's shared memory in use (``Shmem`` of ``/proc/meminfo``), bytes."""
    with open("/proc/meminfo") as info:
        line = next(line for line in info if line.startswith("Shmem:"))
    return int(line.split()[1]) * 1024


if __name__ == "__main__":
    main(sys.argv[1:])
