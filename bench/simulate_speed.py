"""How fast the simulator makes logs: 10 users x 10 days with screenshots, and about a
million events (20 users x 25 working days = 100 user-weeks) without."""

from __future__ import annotations

import resource
import time

from sample_logs import simulate

CASES = (
    ("10 users x 10 days, screenshots", 10, 10, True),
    ("20 users x 25 days (100 user-weeks), no screenshots", 20, 25, False),
)


def main() -> None:
    for label, users, days, screenshots in CASES:
        start = time.perf_counter()
        sim = simulate(users, days, seed=0, screenshots=screenshots)
        seconds = time.perf_counter() - start
        n = sim.events.height
        per_day = n / (users * days)
        print(
            f"{label}: {n:,} events ({per_day:,.0f} per user-day), "
            f"{sim.screenshots.height:,} screenshots, {seconds:.1f} s, {n / seconds:,.0f} events/s"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MB")
