"""Every routine of the simulator exports a workflow that replay accepts (issue 12).

For the top candidate of each of the simulator's 7 routines (a candidate's routine is the
majority ground truth of its events; the top one has the best score), the exported
workflow validates against the schema and ``taskmine replay --dry-run`` accepts it with an
inputs file built from its ``inputs``. A 4 users x 3 days simulation has all 7 routines
and mines in seconds; ``./run bench workflow_replay`` does the same for 10 x 10.
"""

from __future__ import annotations

from pathlib import Path

from bench.workflow_replay import check_top_candidates
from mining.config import MiningConfig
from mining.pipeline import mine
from sample_logs import simulate, write_simulation
from sample_logs.routines import ROUTINES
from storage.store import open_store


def test_the_top_candidate_of_every_routine_replays(tmp_path: Path) -> None:
    db = tmp_path / "sim.duckdb"
    write_simulation(simulate(4, 3, 0, screenshots=False), db)
    with open_store(db) as store:
        mine(store, MiningConfig())
    results = check_top_candidates(db, tmp_path)
    assert {r["routine"] for r in results} == {r.name for r in ROUTINES}
    for r in results:
        assert r["dry_run"] == 0, (r["routine"], r["output"])
        assert "run 1 of 1" in r["output"]
    kinds = set().union(*(r["kinds"] for r in results))
    assert {"scroll", "copy", "paste", "hotkey", "double_click"} <= kinds  # all of them replay
