"""Writing a simulation where ``taskmine simulate --out`` points: interchange Parquet
(with its sidecars) or, for a ``.duckdb`` path, straight into a database."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sample_logs.errors import SimulationError
from sample_logs.simulation import SOURCE_FILE, Simulation


def check_output(path: str | Path) -> Path:
    """``path`` if a simulation can be written there (checked before simulating)."""
    path = Path(path)
    if path.suffix not in (".parquet", ".duckdb"):
        raise SimulationError(
            f"cannot write a simulation to {path}",
            "name the output FILE.parquet (interchange format) or FILE.duckdb (a database)",
        )
    if not path.parent.is_dir():
        raise SimulationError(
            f"cannot write {path}: folder {path.parent} does not exist", "create it first"
        )
    return path


def write_simulation(sim: Simulation, path: str | Path) -> int:
    """Write ``sim`` to ``path`` (``.parquet`` or ``.duckdb``); return the events written.

    A database import is keyed by a digest of the simulation's arguments and content, so
    writing the same simulation into the same database twice adds nothing the second time.

    >>> write_simulation(simulate(users=3, days=2), "work.duckdb")  # doctest: +SKIP
    """
    path = check_output(path)
    if path.suffix == ".duckdb":
        from storage.store import open_store

        digest = hashlib.sha256(
            f"{sim.spec}|{sim.events.hash_rows(seed=0).sum()}".encode()
        ).hexdigest()
        with open_store(path) as store:
            return store.import_batch(
                sim.events,
                sha256=digest,
                source_file=SOURCE_FILE,
                fmt="simulator",
                sessions=sim.sessions,
                screenshots=sim.screenshots,
            )
    from storage.exporters.parquet import write_parquet

    write_parquet(path, sim.events, sessions=sim.sessions, screenshots=sim.screenshots)
    return sim.events.height
