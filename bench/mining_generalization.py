"""Does mining generalise? Default settings on log families it was not tuned on, beside baselines.

Protocol (issue 10):

- Every log goes the way a user's does: imported with `storage.importers.import_logs` into a
  temporary DuckDB (what ``taskmine import`` does; ground truth only through the truth
  columns mining never reads), mined with `mining.pipeline.mine` and the *default*
  `MiningConfig`, exported as ``taskmine export instances`` does (an instance resumed
  after other work is one id per uninterrupted stretch, as the ground truth counts
  instances), and scored by
  ``shared/tools/taskrec_eval.py`` (imported from there, so these figures and the outside
  scoring agree): F1w (event F1 of the routine label), ARI (routine), IARI (instance), ED.
- Never per-log settings. A mining change is judged on families it was not tuned on:
  develop against some families and check that the others (leave one family out) did
  not get worse; the per-family minimum matters more than the mean.
- Seeds 0-99 are for development. The held-out table uses seeds from 1000 on, which
  nobody looks at while tuning; it is printed last, for the record.

Corpus: the CPN logs 1-9 and cpn_mixed (``shared/benchmarks/ui_logs``), the simulator (3
users x 3 days), and the generated families of `sample_logs.families`: 5 single-routine
logs of each of the five families and 5 multi-routine logs (family ``multi``), seeds 0-4;
held out: two single-routine logs per family and three multi-routine logs, seeds 1000 on.

Blind group (printed apart, after the rest): the families of `sample_logs.families.blind`
(``request_wizard``, ``sheet_to_portal``, ``fiori_inbox``, ``blind_multi`` logs of
3-4 of their routines, and ``fiori_multi`` logs of 3-4 apps of one Fiori launchpad, a
click recorder's multi-routine log), designed independently of mining and of the five
families above, so they test whether what mining does there carries over: 5 logs of
each, seeds 0-4; held out: 3 of each, seeds from 1000 on.

Few-instances group (printed last): the same families with few instances, as a short
recording or a routine done a few times a week gives: each single-routine family (the
blind ones too) with 8, 12, 20 and 30 instances, and multi-routine logs of 30-60
instances, seeds from 200 on (new routine designs).

Baselines, scored the same way:

- *one cluster*: every event in one process, each event its own instance (no
  segmentation: IARI is 0 by construction, so only F1w and ARI are printed).
- *first-action split*: every event in one process (so F1w and ARI equal one cluster's),
  instances cut wherever the label of a user's first event recurs, and where the user
  changes. The label is what a miner sees without truth: app, event kind, element name
  and element label (not element ids or cell references, which change per instance).

    ./run bench mining_generalization
    .venv/bin/python -m bench.mining_generalization --families excel_to_web,multi --quick
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from bench.segmentation_accuracy import MAPS, REPO, UI_LOGS
from mining.config import MiningConfig
from mining.pipeline import mine
from sample_logs import simulate, write_simulation
from sample_logs.families import (
    BLIND_FAMILIES,
    FAMILIES,
    blind_fiori_log,
    blind_multi_log,
    blind_single_log,
    multi_routine_log,
    single_routine_log,
    write_uilog,
)
from storage.exporters import export_instances
from storage.importers import import_logs, load_column_map
from storage.store import open_store

TASKREC_EVAL = REPO.parent / "shared" / "tools" / "taskrec_eval.py"
HELD_OUT_SEED = 1000
SINGLE_SEEDS, MULTI_SEEDS = 5, 5
BLIND_SEEDS, BLIND_HELD_OUT = 5, 3  # logs per blind family (and of blind_multi)
SMALL_SEED = 200
SMALL_SINGLES = (8, 12, 20, 30)  # instances of the few-instances group's logs, by seed
SMALL_MULTIS = (30, 40, 50, 60, 35, 45)
TRUTH_LABELS = {  # taskrec_eval's label columns, from the events table
    "eventType": "kind",
    "target.id": "element_id",
    "target.name": "element_name",
    "target.innerText": "element_label",
    "url": "url",
}


@dataclass(frozen=True)
class Log:
    """One log of the corpus: where it is, how to import it, where its truth file is."""

    family: str
    name: str
    write: Callable[[Path], tuple[Path, Path | None]]  # → log file, truth file (None: build)
    fmt: str = "auto"
    column_map: str | None = None


def load_taskrec_eval():
    spec = importlib.util.spec_from_file_location("taskrec_eval", TASKREC_EVAL)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def corpus(families: set[str] | None, quick: bool, held_out: bool) -> list[Log]:
    """The logs to mine, in print order; ``families`` None: all."""
    seed0 = HELD_OUT_SEED if held_out else 0
    singles, multis = (2, 3) if held_out else (SINGLE_SEEDS, MULTI_SEEDS)
    if quick:
        singles, multis = 1, 1
    logs: list[Log] = []
    if not held_out:
        logs += _public_logs(quick) + [_simulator_log()]
    for family in sorted(FAMILIES):
        for seed in range(seed0, seed0 + singles):
            logs.append(Log(family, f"{family}-single-{seed}", _family_writer(family, seed)))
    for seed in range(seed0, seed0 + multis):
        logs.append(Log("multi", f"multi-{seed}", _family_writer(None, seed)))
    return [log for log in logs if families is None or log.family in families]


#: The blind group's multi-routine logs, by family name.
MULTI_MAKERS = {"blind_multi": blind_multi_log, "fiori_multi": blind_fiori_log}


def blind_corpus(families: set[str] | None, quick: bool, held_out: bool) -> list[Log]:
    """The blind group's logs: each blind family's single-routine logs, then blind_multi
    and fiori_multi."""
    seed0 = HELD_OUT_SEED if held_out else 0
    seeds = range(seed0, seed0 + (1 if quick else BLIND_HELD_OUT if held_out else BLIND_SEEDS))
    logs = [
        Log(family, f"{family}-single-{seed}", _blind_writer(family, seed))
        for family in sorted(BLIND_FAMILIES)
        for seed in seeds
    ]
    logs += [
        Log(name, f"{name}-{seed}", _blind_writer(name, seed))
        for name in MULTI_MAKERS
        for seed in seeds
    ]
    return [log for log in logs if families is None or log.family in families]


def small_corpus(families: set[str] | None, quick: bool) -> list[Log]:
    """The few-instances group: every single-routine family, then multi-routine logs."""
    singles = SMALL_SINGLES[:1] if quick else SMALL_SINGLES
    multis = SMALL_MULTIS[:1] if quick else SMALL_MULTIS
    logs = [
        Log(family, f"{family}-few-{SMALL_SEED + i}-{n}", writer(family, SMALL_SEED + i, n))
        for writer, names in ((_family_writer, FAMILIES), (_blind_writer, BLIND_FAMILIES))
        for family in sorted(names)
        for i, n in enumerate(singles)
    ]
    logs += [
        Log("multi", f"multi-few-{SMALL_SEED + i}-{n}", _family_writer(None, SMALL_SEED + i, n))
        for i, n in enumerate(multis)
    ]
    return [log for log in logs if families is None or log.family in families]


def _blind_writer(
    family: str, seed: int, instances: int | None = None
) -> Callable[[Path], tuple[Path, Path]]:
    def write(folder: Path) -> tuple[Path, Path]:
        make = MULTI_MAKERS.get(family)
        log = make(seed) if make else blind_single_log(family, seed, instances=instances)
        return write_uilog(log, folder)

    return write


def _public_logs(quick: bool) -> list[Log]:
    numbers = (1,) if quick else range(1, 10)
    logs = [
        Log(
            "cpn",
            f"cpn_log{n}",
            _copy(UI_LOGS / f"cpn_log{n}_segmented.csv"),
            "csv",
            "cpn_log.toml",
        )
        for n in numbers
    ]
    mixed = UI_LOGS / "cpn_mixed.csv"
    logs.append(Log("cpn_mixed", "cpn_mixed", lambda _: (mixed, mixed), "auto", "cpn_mixed.toml"))
    return logs


def _copy(path: Path) -> Callable[[Path], tuple[Path, None]]:
    return lambda _: (path, None)


def _simulator_log() -> Log:
    def write(folder: Path) -> tuple[Path, None]:
        sim = simulate(users=3, days=3, seed=0, screenshots=False)
        path = folder / "simulator.parquet"
        write_simulation(sim, path)
        return path, None

    return Log("simulator", "simulator 3x3", write)


def _family_writer(
    family: str | None, seed: int, instances: int | None = None
) -> Callable[[Path], tuple[Path, Path]]:
    def write(folder: Path) -> tuple[Path, Path]:
        if family:
            log = single_routine_log(family, seed, instances=instances)
        else:
            log = multi_routine_log(seed, instances=instances)
        return write_uilog(log, folder)

    return write


def score_log(log: Log, folder: Path, taskrec) -> dict:
    """Import, mine with defaults, export, and score taskmine and both baselines."""
    log_path, truth_path = log.write(folder)
    cmap = load_column_map(MAPS / log.column_map) if log.column_map else None
    with open_store(folder / f"{_safe(log.name)}.duckdb") as store:
        import_logs(store, [log_path], log.fmt, cmap)
        events = store.query(
            "SELECT source_row, user_id, app, kind, element_name, element_label, element_id, "
            "url, truth_process, truth_instance FROM events ORDER BY source_row"
        )
        if truth_path is None:
            truth_path = folder / f"{_safe(log.name)}.truth.csv"
            truth_from_columns(events).write_csv(truth_path)
        started = time.perf_counter()
        mine(store, MiningConfig())
        seconds = time.perf_counter() - started
        predicted = folder / f"{_safe(log.name)}.instances.csv"
        export_instances(store, predicted)
    result = {"family": log.family, "log": log.name, "events": events.height, "s": seconds}
    result |= _evaluate(taskrec, truth_path, predicted, "")
    for prefix, baseline in (("one_", one_cluster), ("split_", first_action_split)):
        path = folder / f"{_safe(log.name)}.{prefix}csv"
        baseline(events).write_csv(path)
        result |= _evaluate(taskrec, truth_path, path, prefix)
    return result


def truth_from_columns(events: pl.DataFrame) -> pl.DataFrame:
    """Task/idx from the imported truth columns (noise and unlabelled: one idx per event)."""
    noise = pl.col("truth_instance").is_null() | (pl.col("truth_process") == "__noise__")
    return events.select(
        Task=pl.col("truth_process").fill_null("__noise__"),
        idx=pl.when(noise)
        .then(pl.format("noise-{}", pl.col("source_row")))
        .otherwise(pl.col("truth_instance")),
        **{name: pl.col(column) for name, column in TRUTH_LABELS.items()},
    )


def one_cluster(events: pl.DataFrame) -> pl.DataFrame:
    return events.select("source_row", instance_id=pl.col("source_row"), process_id=pl.lit(0))


def first_action_split(events: pl.DataFrame) -> pl.DataFrame:
    """One process; an instance starts where the user's first label recurs or the user changes."""
    label = pl.concat_str(
        [pl.col(c).fill_null("") for c in ("app", "kind", "element_name", "element_label")],
        separator="|",
    )
    new_user = pl.col("user_id") != pl.col("user_id").shift(1)
    cut = (label == label.first().over(pl.col("user_id"))) | new_user.fill_null(True)
    return events.select(
        "source_row", instance_id=cut.cast(pl.Int64).cum_sum(), process_id=pl.lit(0)
    )


def _evaluate(taskrec, truth: Path, predicted: Path, prefix: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        f1, ari, iari, ed = taskrec.main(str(truth), str(predicted))
    counts = dict(re.findall(r"(\w+)=(\d+)", out.getvalue()))
    return {
        f"{prefix}f1": f1,
        f"{prefix}ari": ari,
        f"{prefix}iari": iari,
        f"{prefix}ed": ed,
        f"{prefix}true": int(counts["true_instances"]),
        f"{prefix}pred": int(counts["pred_instances"]),
    }


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


HEADER = (
    "| family | log | events | true inst. | pred. inst. | F1w | ARI | IARI | ED "
    "| 1-cluster F1w | 1-cluster ARI | split inst. | split IARI | split ED | mine s |"
)


def row(r: dict) -> str:
    return (
        f"| {r['family']} | {r['log']} | {r['events']:,} | {r['true']:,} | {r['pred']:,} "
        f"| {r['f1']:.3f} | {r['ari']:.3f} | {r['iari']:.3f} | {r['ed']:.3f} "
        f"| {r['one_f1']:.3f} | {r['one_ari']:.3f} | {r['split_pred']:,} "
        f"| {r['split_iari']:.3f} | {r['split_ed']:.3f} | {r['s']:.1f} |"
    )


SUMMARY = ("f1", "ari", "iari", "ed", "one_f1", "one_ari", "split_iari", "split_ed")


def summary(results: list[dict]) -> Iterator[str]:
    """Per family: mean and min (ED: max, lower is better) of each measure."""
    yield "| family | logs | " + " | ".join(SUMMARY) + " |"
    yield "| --- | ---: |" + " ---: |" * len(SUMMARY)
    families = dict.fromkeys(r["family"] for r in results)
    for family in families:
        rows = [r for r in results if r["family"] == family]
        cells = []
        for key in SUMMARY:
            values = [r[key] for r in rows]
            worst = max(values) if key.endswith("ed") else min(values)
            cells.append(f"{statistics.fmean(values):.3f} ({worst:.3f})")
        yield f"| {family} | {len(rows)} | " + " | ".join(cells) + " |"


def run(title: str, logs: list[Log], taskrec, folder: Path) -> None:
    if not logs:
        return
    print(f"\n### {title}\n\n{HEADER}\n|" + " --- |" * 2 + " ---: |" * 13, flush=True)
    results = []
    for log in logs:
        results.append(score_log(log, folder, taskrec))
        print(row(results[-1]), flush=True)
    print("\nmean (worst) per family: F1w, ARI, IARI higher is better, ED lower\n")
    for line in summary(results):
        print(line)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.mining_generalization")
    parser.add_argument("--families", help="comma-separated: cpn, cpn_mixed, simulator, "
                        f"{', '.join(sorted(FAMILIES))}, multi, "
                        f"{', '.join([*sorted(BLIND_FAMILIES), *MULTI_MAKERS])}")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="one log per family")
    parser.add_argument("--no-held-out", action="store_true", help="skip the held-out seeds")
    args = parser.parse_args(argv or [])
    families = set(args.families.split(",")) if args.families else None
    taskrec = load_taskrec_eval()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run("development seeds (0-4)", corpus(families, args.quick, False), taskrec, folder)
        if not args.no_held_out:
            held = corpus(families, args.quick, True)
            run(f"held-out seeds ({HELD_OUT_SEED}+)", held, taskrec, folder / "held")
        blind = folder / "blind"
        dev = blind_corpus(families, args.quick, False)
        run("blind families, development seeds (0-4)", dev, taskrec, blind)
        if not args.no_held_out:
            held = blind_corpus(families, args.quick, True)
            run(f"blind families, held-out seeds ({HELD_OUT_SEED}+)", held, taskrec, blind / "held")
        small = small_corpus(families, args.quick)
        run(f"few instances, seeds {SMALL_SEED}+", small, taskrec, folder / "few")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
