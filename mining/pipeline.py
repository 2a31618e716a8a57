"""The reproducible mining run: events → actions → instances → candidates → results.

`mine` reads a store's events (never the ground-truth columns), runs every step and
writes the five result tables in one transaction tied to a ``mining_runs`` row holding
the configuration, the code version and the seed; `mine_landing` does the same with the
events of a collector's landing area. `mine_events` is the same pipeline as a function
of a DataFrame, for tests and benchmarks.

Every run goes through `run_stages`: the steps one user at a time, with the few that
learn from the whole log fitted on small summaries in between (`mining.stages`), on an
engine that runs them in this process or on Ray (`mining.engines`). The order of every
output is explicit and every random choice takes ``config.seed``, so the same events and
configuration give identical tables on either engine.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from mining import stages
from mining.actions import LabelFit, fit_ids, fit_spots, fit_templates
from mining.cluster import cluster_variants, coarse_codes, coarse_sites
from mining.config import MiningConfig
from mining.context import fit_window_shares
from mining.engines import Engine, open_engine
from mining.engines.local import LocalEngine
from mining.engines.sources import (
    MINING_COLUMNS,
    FrameSource,
    Source,
    export_store,
    frame_sources,
    landing_sources,
    store_sources,
)
from mining.errors import EngineError
from mining.routines import Routines, find_routines
from mining.score import score_processes
from mining.structure import (
    action_launchpad,
    action_reads,
    action_sites,
    action_windows,
    batch_routines,
    find_strays,
    tail_routines,
)
from storage.models import EVENT_SCHEMA
from storage.store import Store

__all__ = ["MINING_COLUMNS", "mine", "mine_events", "mine_landing", "run_stages"]

ProgressFn = Callable[[int, int], None]

#: Pipeline stages before the per-candidate work, for progress reporting.
STAGES = 7
#: The routines of a log without events.
NO_ROUTINES = Routines(np.zeros(0, dtype=np.int64), {}, np.zeros(0, dtype=np.int64), {}, {})


def mine(
    store: Store,
    config: MiningConfig,
    on_progress: ProgressFn | None = None,
    engine: Engine | None = None,
) -> int:
    """Mine a store's events and record the results as a new run; return its id.

    ``engine`` runs the steps (default: in this process, one user at a time; another
    engine reads the events from a temporary landing area written first). A failure
    marks the run ``failed`` and re-raises; nothing partial is written.

    Example::

        with open_store("work.duckdb") as store:
            run_id = mine(store, MiningConfig(seed=1))
    """
    if engine is None or isinstance(engine, LocalEngine):
        return _recorded(store, config, store_sources(store), on_progress, engine)
    if engine.machines() > 1:  # the export below would be in a folder of this machine
        raise EngineError(
            f"the Ray cluster spans {engine.machines()} machines: they cannot read the "
            f"database's events from this one",
            "mine a landing area on a file system every node shares (`taskmine collect` "
            "writes one) with --data",
        )
    with tempfile.TemporaryDirectory(prefix="taskmine-events-") as folder:
        return _recorded(store, config, export_store(store, folder), on_progress, engine)


def mine_landing(
    root: str | Path | Sequence[Source],
    store: Store,
    config: MiningConfig,
    on_progress: ProgressFn | None = None,
    engine: Engine | None = None,
) -> int:
    """Mine the events of a collector's landing area (``root/events/user=…/day=…``, or
    its sources as `landing_sources` found them) and record the results in ``store`` as
    a new run; return its id."""
    sources = landing_sources(root) if isinstance(root, str | Path) else list(root)
    return _recorded(store, config, sources, on_progress, engine)


def _recorded(
    store: Store,
    config: MiningConfig,
    sources: list[Source],
    on_progress: ProgressFn | None,
    engine: Engine | None,
) -> int:
    run_id = store.start_run(asdict(config), code_version(), config.seed)
    try:
        if engine is None:
            with open_engine("local") as local:
                store.finish_run(run_id, run_stages(local, sources, config, on_progress))
        else:
            store.finish_run(run_id, run_stages(engine, sources, config, on_progress))
    except BaseException:
        store.fail_run(run_id)
        raise
    return run_id


def mine_events(
    events: pl.DataFrame, config: MiningConfig, on_progress: ProgressFn | None = None
) -> dict[str, pl.DataFrame]:
    """The result tables (``instances``, ``instance_events``, ``processes``,
    ``process_steps``, ``variants``) for events ordered by user, time and event id."""
    frame = events.drop("truth_process", "truth_instance", strict=False)
    with open_engine("local") as engine:
        tables = run_stages(engine, frame_sources(frame), config, on_progress)
        return {**tables, "instance_events": pl.concat(tables["instance_events"])}


def run_stages(
    engine: Engine,
    sources: Sequence[Source],
    config: MiningConfig,
    on_progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """The result tables of the users' events in ``sources`` (in user order), each step
    run by ``engine`` per user or per candidate (`mining.stages`).

    ``instance_events`` (a row per event) comes as each user's frame in turn, read from
    ``engine`` as it is consumed (`Store.finish_run` writes one at a time): the engine
    must stay open until then. The other tables are frames."""
    report = on_progress or (lambda done, total: None)
    report(0, STAGES)
    # no events: one empty user, so that every table has its columns
    users = [(s,) for s in sources] or [(FrameSource("", _no_events()),)]
    on = {"config": config}
    counts, _ = engine.map(stages.user_texts, users, on)
    templates = fit_templates(pl.concat([texts for texts, _ in counts]), config)
    ids = fit_ids(pl.concat([turns for _, turns in counts]))
    fitted = {**on, "templates": templates, "ids": ids}
    points, _ = engine.map(stages.user_points, users, fitted)
    fit = LabelFit(templates, fit_spots(pl.concat(points), config), ids)
    report(1, STAGES)
    streams, kept = engine.map(stages.user_actions, users, {**on, "fit": fit}, keep=1)
    actions = [k[0] for k in kept]
    report(2, STAGES)
    vocabulary, codes = stages.log_codes(streams)
    hard = np.concatenate([s.hard for s in streams])
    seconds = np.concatenate([s.seconds for s in streams])
    rows = np.concatenate([s.rows for s in streams])
    del streams  # (memory: routine discovery holds the whole log's stream at once)
    stream = np.concatenate(codes, dtype=np.int64)
    routines = (
        find_routines(
            stream,
            hard,
            seconds,
            config,
            action_windows(vocabulary),
            action_sites(vocabulary),
            rows,
            action_launchpad(vocabulary),
            action_reads(vocabulary),
        )
        if len(stream)
        else NO_ROUTINES
    )
    del stream, hard, seconds, rows
    ends = np.cumsum([len(c) for c in codes])
    per_user = [
        (a, c, stages.user_routines(routines, (int(end) - len(c), int(end))))
        for a, c, end in zip(actions, codes, ends, strict=True)
    ]
    report(3, STAGES)
    counts, kept = engine.map(stages.user_structure, per_user, on, keep=1)
    del per_user, codes
    strays = find_strays([strays for strays, _ in counts], config, routines.second)
    batching = batch_routines([strays for strays, _ in counts])
    tails = tail_routines([strays for strays, _ in counts])
    shares = fit_window_shares(pl.concat([windows for _, windows in counts]))
    coarse = coarse_codes(vocabulary)
    report(4, STAGES)
    found, kept = engine.map(
        stages.user_instances,
        [(a, k[0]) for a, k in zip(actions, kept, strict=True)],
        {
            **on,
            "strays": strays,
            "batching": batching,
            "tails": tails,
            "shares": shares,
            "vocabulary": vocabulary,
            "coarse": coarse,
        },
        keep=1,
    )
    del actions  # (Ray frees what no handle refers to)
    offsets = np.concatenate([[0], np.cumsum([n for n, _ in found])])
    variants = [
        (v.with_columns(pl.col("first") + int(o)), i.with_columns(pl.col("instance_id") + int(o)))
        for (_, (v, i)), o in zip(found, offsets[:-1], strict=True)
    ]
    del found
    report(5, STAGES)
    assignment = cluster_variants(variants, config, coarse_sites(vocabulary))
    del variants
    largest = assignment["cluster"].max()
    n_clusters = int(largest) + 1 if largest is not None else 0
    report(6, STAGES)
    pieces, kept = engine.map(
        stages.user_results,
        [(k[0], int(o)) for k, o in zip(kept, offsets[:-1], strict=True)],
        {"assignment": assignment, "n_clusters": n_clusters},
        keep=1 + n_clusters,
    )
    events = [k[0] for k in kept]
    total = STAGES + n_clusters
    report(STAGES, total)
    parts, _ = engine.map(
        stages.candidate_parts,
        [(c, *(k[1 + c] for k in kept)) for c in range(n_clusters)],
        {"assignment": assignment, "config": config},
        lazy=True,
    )
    del kept  # (the candidates' pieces)
    report(total, total)
    tables = _tables(pieces, assignment, parts)
    return {**tables, "instance_events": engine.fetch(events)}


def _no_events() -> pl.DataFrame:
    return pl.DataFrame(schema={c: EVENT_SCHEMA[c] for c in MINING_COLUMNS})


def _tables(
    pieces: list[tuple[pl.DataFrame, pl.DataFrame]],
    assignment: pl.DataFrame,
    parts: list[dict[str, pl.DataFrame]],
) -> dict[str, pl.DataFrame]:
    """Assemble the result tables but ``instance_events`` from each user's rows and
    keyboard counts and each candidate's parts (empty ones are left out)."""

    def every(name: str) -> list[pl.DataFrame]:
        return [p[name] for p in parts]

    of = pl.concat(
        [pl.DataFrame(schema={"instance_id": pl.Int64, "variant_id": pl.Int32})] + every("of")
    )
    instances = (
        pl.concat([p[0] for p in pieces])
        .with_columns(
            duration_s=(pl.col("end_ts") - pl.col("start_ts")).dt.total_microseconds() / 1e6
        )
        .join(
            assignment.select("instance_id", "membership", process_id="cluster"), on="instance_id"
        )
        .join(of, on="instance_id", how="left")
        .sort("instance_id")
    )
    tables = {"instances": instances}
    if parts:
        steps, variants = pl.concat(every("steps")), pl.concat(every("variants"))
        keyboard = pl.concat([p[1] for p in pieces])
        alignment = pl.concat(every("alignment"))
        tables["processes"] = (
            score_processes(instances, keyboard, steps, variants, alignment)
            .join(pl.concat(every("quality")), on="process_id")
            .sort("process_id")
        )
        tables["process_steps"] = steps
        tables["variants"] = variants
    return tables


def code_version() -> str:
    """The package version, plus the git commit when running from a checkout."""
    try:
        version = metadata.version("taskmine")
    except metadata.PackageNotFoundError:
        version = "unknown"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version}+g{commit}" if commit else version
