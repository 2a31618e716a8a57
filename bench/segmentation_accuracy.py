"""Segmentation accuracy on the public UI logs and on the simulator, default configuration.

Each log goes through the real path: imported into a temporary DuckDB (the CPN logs with
``sample_logs/maps/cpn_log.toml``, ``cpn_mixed.csv`` as Action Logger with its truth map,
the simulator's events appended), read back without its truth columns, labelled and
segmented; the truth columns then score the instances (`mining.evaluate`).

    python -m bench segmentation_accuracy
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from mining.actions import label_actions
from mining.config import MiningConfig
from mining.evaluate import score_segmentation
from mining.segment import segment_stream
from sample_logs import simulate
from storage.importers import import_logs, load_column_map
from storage.models import EVENT_SCHEMA
from storage.store import Store, open_store

REPO = Path(__file__).resolve().parent.parent
UI_LOGS = REPO.parent / "shared" / "benchmarks" / "ui_logs"
MAPS = REPO / "sample_logs" / "maps"
MINING_COLUMNS = [c for c in EVENT_SCHEMA if not c.startswith("truth_")]
SIM_USERS, SIM_DAYS, SIM_SEED = 10, 10, 0


def measure(store: Store, config: MiningConfig) -> dict:
    """Label and segment a store's events; score against its truth columns."""
    events = store.read_events(MINING_COLUMNS)
    started = time.perf_counter()
    actions = label_actions(events, config)
    found = segment_stream(actions, config)
    seconds = time.perf_counter() - started
    truth = store.query("SELECT event_id, truth_process, truth_instance FROM events")
    return {**score_segmentation(truth, found, actions), "seconds": seconds}


def imported(folder: Path, name: str, path: Path, map_name: str, fmt: str) -> Store:
    store = open_store(folder / f"{name}.duckdb")
    import_logs(store, [path], fmt, load_column_map(MAPS / map_name))
    return store


def row(name: str, r: dict) -> str:
    return (
        f"| {name} | {r['events']:,} | {r['true_instances']:,} | {r['found_instances']:,} "
        f"| {r['instance_ari']:.4f} | {r['edit_distance']:.4f} | {r['edit_distance_all']:.4f} "
        f"| {r['unmatched_instances']:,} "
        f"| {r['routine_events_kept']:,}/{r['routine_events']:,} "
        f"| {r['noise_events_kept']:,}/{r['noise_events']:,} | {r['seconds']:.2f} |"
    )


def main() -> None:
    config = MiningConfig()
    print(
        "| log | events | true instances | found instances | instance ARI | edit distance "
        "| edit distance (all) | found without true | routine events kept | noise events kept "
        "| seconds |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in range(1, 10):
            path = UI_LOGS / f"cpn_log{n}_segmented.csv"
            with imported(folder, f"log{n}", path, "cpn_log.toml", "csv") as store:
                print(row(f"cpn_log{n}", measure(store, config)), flush=True)
        mixed = UI_LOGS / "cpn_mixed.csv"
        with imported(folder, "mixed", mixed, "cpn_mixed.toml", "auto") as store:
            print(row("cpn_mixed", measure(store, config)), flush=True)
        sim = simulate(users=SIM_USERS, days=SIM_DAYS, seed=SIM_SEED, screenshots=False)
        with open_store(folder / "sim.duckdb") as store:
            store.append_events(sim.events)
            name = f"simulator {SIM_USERS}x{SIM_DAYS} seed {SIM_SEED}"
            print(row(name, measure(store, config)), flush=True)


if __name__ == "__main__":
    main()
