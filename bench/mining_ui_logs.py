"""Whole mining runs on the public UI logs: candidates found and how well they match.

Each log is imported with the real importer and mined end to end with the default
configuration; `mining.evaluate.evaluate_run` scores the run against the truth columns.
The CPN logs hold one routine each, so a perfect run finds one candidate with routine F1
and routine ARI 1; ``cpn_mixed`` holds four routines of two users with noise.

    python -m bench mining_ui_logs
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.segmentation_accuracy import UI_LOGS, imported
from mining.config import MiningConfig
from mining.evaluate import evaluate_run
from mining.pipeline import mine


def main() -> None:
    logs = [
        (f"cpn_log{n}", f"cpn_log{n}_segmented.csv", "cpn_log.toml", "csv") for n in range(1, 10)
    ]
    logs.append(("cpn_mixed", "cpn_mixed.csv", "cpn_mixed.toml", "auto"))
    print("| log | true routines | candidates | routine F1 | routine ARI | instance ARI | s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for name, file, column_map, fmt in logs:
            with imported(Path(tmp), name, UI_LOGS / file, column_map, fmt) as store:
                started = time.perf_counter()
                run_id = mine(store, MiningConfig())
                seconds = time.perf_counter() - started
                r = evaluate_run(store, run_id)
            print(
                f"| {name} | {r['true_routines']} | {r['found_processes']} "
                f"| {r['routine_f1']:.3f} | {r['routine_ari']:.3f} | {r['instance_ari']:.3f} "
                f"| {seconds:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
