"""Score a segmentation or a whole mining run against ground-truth columns.

Ground truth lives in ``events.truth_process`` / ``events.truth_instance`` (mining never
reads them). Events whose truth instance is missing, or whose process is a noise label,
are noise: they belong to no routine, so each counts as a singleton in the instance ARI,
and a found instance made only of noise has no true counterpart.

Metrics (issue 4, item 8):

- ``routine_f1``: event-level F1 of the process label, weighted by routine size, after
  mapping each found process to the true routine most of its events belong to; events in
  no process predict "no routine";
- ``routine_ari``: adjusted Rand index of routine labels over all events;
- ``instance_ari``: adjusted Rand index of instance ids over all events;
- ``edit_distance``: mean normalised Levenshtein distance between each found instance's
  action sequence and that of the true instance it overlaps most, over the found
  instances that overlap one; ``unmatched_instances`` counts the others (made only of
  noise), and ``edit_distance_all`` counts each of them as distance 1;
- counts of found and true instances, and of routine and noise events kept.
"""

from __future__ import annotations

import json
from dataclasses import fields

import polars as pl
from rapidfuzz.distance import Levenshtein
from sklearn.metrics import adjusted_rand_score, f1_score

from mining.actions import label_actions
from mining.config import MiningConfig
from storage.store import Store

NOISE_LABELS = ("__noise__", "noise", "")
_NONE = "__none__"

#: (key, label) of the figures `taskmine evaluate` prints, in order.
EVALUATION_ROWS = (
    ("routine_f1", "routine F1 (weighted, majority mapping)"),
    ("routine_ari", "routine ARI"),
    ("instance_ari", "instance ARI"),
    ("edit_distance", "mean normalised edit distance (matched)"),
    ("edit_distance_all", "mean normalised edit distance (all)"),
    ("unmatched_instances", "found instances with no true one"),
    ("true_routines", "true routines"),
    ("found_processes", "found processes"),
    ("true_instances", "true instances"),
    ("found_instances", "found instances"),
    ("events", "events"),
    ("routine_events_kept", "routine events in instances"),
    ("routine_events", "routine events"),
    ("noise_events_kept", "noise events in instances"),
    ("noise_events", "noise events"),
)


def score_segmentation(truth: pl.DataFrame, found: pl.DataFrame, actions: pl.DataFrame) -> dict:
    """Compare found instances (and processes, if given) with ground truth.

    ``truth``: ``event_id, truth_process, truth_instance`` for every event.
    ``found``: ``event_id, instance_id`` and optionally ``process`` (any type; -1 or
    null = in no process) for the events mining assigned.
    ``actions``: ``event_id, action`` in stream order, for the edit distance.

    Example::

        score_segmentation(events, segment_stream(actions, config), actions)["instance_ari"]
    """
    frame = _joined(truth, found, actions)
    is_noise = pl.col("truth_instance").is_null() | pl.col("truth_process").is_in(
        NOISE_LABELS
    ).fill_null(False)
    frame = frame.with_columns(
        noise=is_noise,
        true_instance=pl.when(is_noise)
        .then(pl.concat_str(pl.lit("noise#"), pl.col("event_id").cast(pl.String)))
        .otherwise(pl.col("truth_instance")),
        found_instance=pl.when(pl.col("instance_id").is_null())
        .then(pl.concat_str(pl.lit("none#"), pl.col("event_id").cast(pl.String)))
        .otherwise(pl.col("instance_id").cast(pl.String)),
    )
    routine_events = frame.filter(~pl.col("noise"))
    result = {
        "events": frame.height,
        "routine_events": routine_events.height,
        "true_instances": routine_events["true_instance"].n_unique(),
        "found_instances": frame["instance_id"].drop_nulls().n_unique(),
        "instance_ari": _ari(frame["true_instance"], frame["found_instance"]),
        **_edit_distances(frame),
        "routine_events_kept": routine_events["instance_id"].is_not_null().sum(),
        "noise_events": frame.height - routine_events.height,
        "noise_events_kept": frame.filter("noise")["instance_id"].is_not_null().sum(),
    }
    if "process" in found.columns:
        result.update(_routine_scores(frame))
    return result


def evaluate_run(store: Store, run_id: int | None = None) -> dict:
    """Score a finished mining run (default: the latest) against the events' truth columns.

    Example::

        with open_store("work.duckdb", read_only=True) as store:
            print(evaluate_run(store)["routine_f1"])
    """
    run_id = store.latest_run_id() if run_id is None else run_id
    config = _run_config(store, run_id)
    truth = store.query("SELECT event_id, truth_process, truth_instance FROM events")
    columns = [
        "event_id",
        "session_id",
        "user_id",
        "ts",
        "kind",
        "app",
        "window_title",
        "url",
        "element_id",
        "element_name",
        "element_role",
        "element_label",
        "text",
        "x",
        "y",
        "attrs",
    ]
    actions = label_actions(store.read_events(columns), config)
    instance_events = store.read_results("instance_events", run_id)
    instances = store.read_results("instances", run_id)
    found = instance_events.join(
        instances.select("instance_id", "process_id"), on="instance_id", how="left"
    ).select("event_id", "instance_id", process=pl.col("process_id"))
    result = score_segmentation(truth, found, actions)
    return {"run_id": run_id, **result}


def _joined(truth: pl.DataFrame, found: pl.DataFrame, actions: pl.DataFrame) -> pl.DataFrame:
    keep = ["event_id", "instance_id"] + (["process"] if "process" in found.columns else [])
    return (
        actions.select("event_id", "action")
        .with_row_index("order")
        .join(truth.select("event_id", "truth_process", "truth_instance"), on="event_id")
        .join(found.select(keep), on="event_id", how="left")
        .sort("order")
    )


def _ari(a: pl.Series, b: pl.Series) -> float:
    if a.len() == 0:
        return float("nan")
    return float(adjusted_rand_score(a.to_list(), b.to_list()))


def _routine_scores(frame: pl.DataFrame) -> dict:
    """Weighted F1 after majority mapping, and ARI, of routine labels."""
    truth = pl.when(pl.col("noise")).then(pl.lit(_NONE)).otherwise(pl.col("truth_process"))
    process = pl.col("process").cast(pl.String)
    in_process = pl.col("process").is_not_null() & (process != "-1")
    frame = frame.with_columns(
        true_routine=truth,
        cluster=pl.when(in_process).then(process).otherwise(pl.lit(_NONE)),
    )
    majority = (
        frame.filter(pl.col("cluster") != _NONE)
        .group_by("cluster", "true_routine")
        .len()
        .sort(["cluster", "len", "true_routine"], descending=[False, True, False])
        .group_by("cluster", maintain_order=True)
        .first()
        .select("cluster", mapped="true_routine")
    )
    frame = frame.join(majority, on="cluster", how="left").with_columns(
        mapped=pl.col("mapped").fill_null(_NONE)
    )
    routines = sorted(set(frame["true_routine"].to_list()) - {_NONE})
    f1 = (
        f1_score(
            frame["true_routine"].to_list(),
            frame["mapped"].to_list(),
            labels=routines,
            average="weighted",
            zero_division=0,
        )
        if routines
        else float("nan")
    )
    return {
        "routine_f1": float(f1),
        "routine_ari": _ari(frame["true_routine"], frame["cluster"]),
        "true_routines": len(routines),
        "found_processes": frame.filter(pl.col("cluster") != _NONE)["cluster"].n_unique(),
    }


def _edit_distances(frame: pl.DataFrame) -> dict:
    """Normalised edit distances of found instances to their best true instance."""
    found = frame.filter(pl.col("instance_id").is_not_null())
    if found.height == 0:
        nan = float("nan")
        return {"edit_distance": nan, "edit_distance_all": nan, "unmatched_instances": 0}
    frame = frame.with_columns(code=pl.col("action").cast(pl.Categorical).to_physical())
    overlap = (
        frame.filter(pl.col("instance_id").is_not_null() & ~pl.col("noise"))
        .group_by("instance_id", "true_instance")
        .len()
        .sort(["instance_id", "len", "true_instance"], descending=[False, True, False])
        .group_by("instance_id", maintain_order=True)
        .first()
    )
    found_seqs = (
        frame.filter(pl.col("instance_id").is_not_null())
        .group_by("instance_id", maintain_order=True)
        .agg("code")
    )
    true_seqs = frame.filter(~pl.col("noise")).group_by("true_instance").agg(true_code="code")
    pairs = found_seqs.join(
        overlap.select("instance_id", "true_instance"), on="instance_id", how="left"
    ).join(true_seqs, on="true_instance", how="left")
    matched = [
        Levenshtein.normalized_distance(seq, truth)
        for seq, truth in zip(pairs["code"].to_list(), pairs["true_code"].to_list(), strict=True)
        if truth is not None
    ]
    unmatched = pairs.height - len(matched)
    return {
        "edit_distance": sum(matched) / len(matched) if matched else float("nan"),
        "edit_distance_all": (sum(matched) + unmatched) / pairs.height,
        "unmatched_instances": unmatched,
    }


def _run_config(store: Store, run_id: int) -> MiningConfig:
    """The configuration a run stored, keeping only settings this version knows."""
    raw = store.query("SELECT config FROM mining_runs WHERE run_id = ?", [run_id])
    stored = json.loads(raw["config"][0]) if raw.height else {}
    stored = stored.get("mining", stored)
    known = {f.name for f in fields(MiningConfig)}
    return MiningConfig(**{k: v for k, v in stored.items() if k in known})
