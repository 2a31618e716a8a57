"""The reproducible mining run: events → actions → instances → candidates → results.

`mine` reads a store's events (never the ground-truth columns), runs every step and
writes the five result tables in one transaction tied to a ``mining_runs`` row holding
the configuration, the code version and the seed. `mine_events` is the same pipeline as
a pure function of a DataFrame, for tests and benchmarks. Every step orders its output
explicitly and every random choice takes ``config.seed``, so the same events and
configuration give identical tables.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

import polars as pl

from mining.actions import label_actions
from mining.align import align_cluster, project_on_steps
from mining.cluster import cluster_instances
from mining.config import MiningConfig
from mining.discover import discover_model
from mining.score import confidence_of, score_processes
from mining.segment import segment_stream
from storage.models import EVENT_SCHEMA
from storage.store import Store

ProgressFn = Callable[[int, int], None]

#: Columns mining reads: everything but the ground truth.
MINING_COLUMNS = [c for c in EVENT_SCHEMA if not c.startswith("truth_")]
#: Pipeline stages before the per-candidate work, for progress reporting.
STAGES = 3


def mine(store: Store, config: MiningConfig, on_progress: ProgressFn | None = None) -> int:
    """Mine a store's events and record the results as a new run; return its id.

    A failure marks the run ``failed`` and re-raises; nothing partial is written.

    Example::

        with open_store("work.duckdb") as store:
            run_id = mine(store, MiningConfig(seed=1))
    """
    run_id = store.start_run(asdict(config), code_version(), config.seed)
    try:
        results = mine_events(store.read_events(MINING_COLUMNS), config, on_progress)
        store.finish_run(run_id, results)
    except BaseException:
        store.fail_run(run_id)
        raise
    return run_id


def mine_events(
    events: pl.DataFrame, config: MiningConfig, on_progress: ProgressFn | None = None
) -> dict[str, pl.DataFrame]:
    """The result tables (``instances``, ``instance_events``, ``processes``,
    ``process_steps``, ``variants``) for events ordered by user, time and event id."""
    report = on_progress or (lambda done, total: None)
    report(0, STAGES)
    actions = label_actions(events.drop("truth_process", "truth_instance", strict=False), config)
    report(1, STAGES)
    segments = segment_stream(actions, config)
    located = segments.select("event_id", "instance_id", "position", "routine").join(
        actions, on="event_id", how="left"
    )
    report(2, STAGES)
    assignment = cluster_instances(located, config)
    located = located.join(assignment.select("instance_id", "cluster"), on="instance_id")
    candidates = located.filter(pl.col("cluster") >= 0).partition_by(
        "cluster", as_dict=True, maintain_order=True
    )
    total = STAGES + len(candidates)
    report(STAGES, total)
    parts: dict[str, list[pl.DataFrame]] = {
        "steps": [],
        "variants": [],
        "of": [],
        "alignment": [],
        "quality": [],
    }
    for done, ((cluster,), group) in enumerate(sorted(candidates.items()), start=STAGES + 1):
        _mine_candidate(int(cluster), group, assignment, config, parts)
        report(done, total)
    return _tables(located, assignment, parts)


def _mine_candidate(
    cluster: int,
    events: pl.DataFrame,
    assignment: pl.DataFrame,
    config: MiningConfig,
    parts: dict[str, list[pl.DataFrame]],
) -> None:
    """Align and discover one candidate; append its rows to ``parts``."""
    alignment = align_cluster(events, config)
    model = discover_model(project_on_steps(events, alignment), config)
    members = assignment.filter(pl.col("cluster") == cluster)
    process = pl.lit(cluster, pl.Int32).alias("process_id")
    parts["steps"].append(alignment.steps.with_columns(process))
    parts["variants"].append(model.variants.with_columns(process))
    parts["of"].append(model.instance_variants)
    parts["alignment"].append(
        pl.DataFrame(
            {
                "process_id": [cluster],
                "consistency": [alignment.consistency],
                "exception_share": [alignment.exception_share],
            },
            schema_overrides={"process_id": pl.Int32},
        )
    )
    confidence = confidence_of(
        members["membership"].mean(),
        members["persistence"][0],
        alignment.consistency,
        alignment.exception_share,
    )
    parts["quality"].append(
        pl.DataFrame(
            {
                "process_id": [cluster],
                "confidence": [confidence],
                "fitness": [model.fitness],
                "precision": [model.precision],
                "bpmn_xml": [model.bpmn_xml],
                "dfg": [model.dfg],
            },
            schema_overrides={"process_id": pl.Int32},
        )
    )


def _tables(
    located: pl.DataFrame,
    assignment: pl.DataFrame,
    parts: dict[str, list[pl.DataFrame]],
) -> dict[str, pl.DataFrame]:
    """Assemble the result tables from the per-candidate parts (empty ones are left out)."""
    of = pl.concat(
        [pl.DataFrame(schema={"instance_id": pl.Int64, "variant_id": pl.Int32})] + parts["of"]
    )
    instances = (
        located.group_by("instance_id")
        .agg(
            user_id=pl.col("user_id").first(),
            session_id=pl.col("session_id").first(),
            start_ts=pl.col("ts").min(),
            end_ts=pl.col("ts").max(),
            n_events=pl.len().cast(pl.Int32),
        )
        .with_columns(
            duration_s=(pl.col("end_ts") - pl.col("start_ts")).dt.total_microseconds() / 1e6
        )
        .join(
            assignment.select("instance_id", "membership", process_id="cluster"), on="instance_id"
        )
        .join(of, on="instance_id", how="left")
        .sort("instance_id")
    )
    tables = {
        "instances": instances,
        "instance_events": located.select("instance_id", "event_id", "position", "action"),
    }
    if parts["quality"]:
        steps, variants = pl.concat(parts["steps"]), pl.concat(parts["variants"])
        in_candidates = located.filter(pl.col("cluster") >= 0).select("instance_id", "kind")
        tables["processes"] = (
            score_processes(
                instances, in_candidates, steps, variants, pl.concat(parts["alignment"])
            )
            .join(pl.concat(parts["quality"]), on="process_id")
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
