"""End-to-end mining time and peak memory for 100k, 1M and 5M simulated events.

Each size runs in a fresh process (peak RSS is per process). Sizes: ``python -m
bench.mining_scale 100000 1000000``; the default runs 100k and 1M (5M takes long).
"""

from __future__ import annotations

import subprocess
import sys

EVENTS_PER_USER_DAY = 1750  # the simulator's mean (1,000-2,500)


def main(sizes: list[int] | None = None) -> None:
    for n in sizes or [100_000, 1_000_000]:
        out = subprocess.run(
            [sys.executable, "-m", "bench.mining_scale", "--one", str(n)],
            capture_output=True,
            text=True,
            check=False,
        )
        print(out.stdout.strip() or out.stderr.strip().splitlines()[-1], flush=True)


def one(n: int) -> None:
    import resource
    import time

    from mining.config import MiningConfig
    from mining.pipeline import mine_events
    from sample_logs import simulate

    days = 10
    users = max(1, round(n / EVENTS_PER_USER_DAY / days))
    events = simulate(users, days, seed=0, screenshots=False).events
    events = events.drop("truth_process", "truth_instance").sort("user_id", "ts", "event_id")
    started = time.perf_counter()
    tables = mine_events(events, MiningConfig())
    seconds = time.perf_counter() - started
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        f"{events.height:,} events ({users} users x {days} days): {seconds:.1f} s, "
        f"peak RSS {peak_gb:.2f} GB (incl. simulation), {tables['instances'].height:,} "
        f"instances, {tables.get('processes', []).__len__()} candidates"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one(int(sys.argv[2]))
    else:
        main([int(a) for a in sys.argv[1:]] or None)
