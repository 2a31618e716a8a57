"""Exported workflows replay: for the top candidate of each simulated routine (10 users x
10 days, seed 0), the workflow export validates against the schema and ``taskmine replay
--dry-run`` accepts it with an inputs file built from the workflow's own ``inputs``.

Prints, per routine, the candidate, its steps (by kind), the steps the export left out and
why, and whether the dry run accepted it. `check_top_candidates` is also the test's
(``tests/e2e/test_workflow_replay.py``, on a smaller simulation).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.mining_accuracy import candidates
from explorer.export import export
from explorer.workflow import validate_workflow
from mining.config import MiningConfig
from mining.pipeline import mine
from sample_logs import simulate, write_simulation
from storage.store import open_store
from taskmine.cli import main as taskmine


def check_top_candidates(db: Path, folder: Path) -> list[dict]:
    """Per routine (majority ground truth of a candidate's events), its best-scored
    candidate: the workflow exported, validated and dry-run replayed. One dict each with
    ``routine, key, steps, kinds, omitted, dry_run`` (the exit code) and ``output``."""
    with open_store(db, read_only=True) as store:
        run_id = store.latest_run_id()
        ranked = candidates(store, run_id)
    top = ranked.unique("routine", keep="first", maintain_order=True)
    results = []
    for row in top.iter_rows(named=True):
        key = str(row["process_id"])
        document = json.loads(export(db, key, "workflow").content)
        validate_workflow(document)
        flow, inputs = folder / f"{key}.json", folder / f"{key}.csv"
        flow.write_text(json.dumps(document), encoding="utf-8")
        write_inputs(inputs, document)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = taskmine(["replay", str(flow), "--inputs", str(inputs), "--dry-run"])
        results.append({
            "routine": row["routine"], "key": key, "steps": len(document["steps"]),
            "kinds": Counter(s["kind"] for s in document["steps"]),
            "omitted": document.get("omitted", []), "dry_run": code,
            "output": out.getvalue() + err.getvalue(),
        })  # fmt: skip
    return results


def write_inputs(path: Path, document: dict) -> None:
    """One row: each input's first recorded example, ``x`` where none was kept."""
    row = {i["name"]: (i["examples"] or ["x"])[0] for i in document["inputs"]}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row) or ["unused"])
        writer.writeheader()
        writer.writerow(row or {"unused": ""})


def main(users: int = 10, days: int = 10, seed: int = 0) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "sim.duckdb"
        write_simulation(simulate(users, days, seed, screenshots=False), db)
        with open_store(db) as store:
            started = time.perf_counter()
            mine(store, MiningConfig(seed=seed))
            mined = time.perf_counter() - started
        started = time.perf_counter()
        results = check_top_candidates(db, Path(tmp))
        checked = time.perf_counter() - started
    print(f"{users} users x {days} days, seed {seed}: mined in {mined:.1f} s; {len(results)} "
          f"routines' top candidates exported and dry-run in {checked:.1f} s")  # fmt: skip
    for r in results:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(r["kinds"].items()))
        verdict = "accepted" if r["dry_run"] == 0 else f"REFUSED: {r['output'].strip()[:300]}"
        print(f"  {r['routine']} (candidate {r['key']}): {r['steps']} steps ({kinds}); "
              f"{len(r['omitted'])} left out; dry run {verdict}")  # fmt: skip
        for o in r["omitted"]:
            print(f"    left out step {o['id']}: {o['reason']}")


if __name__ == "__main__":
    main()
