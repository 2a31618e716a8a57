"""What the explorer knows about each instance of a mining run: every figure on the pages
is an aggregate of these facts over the instances a filter, merge or split selects.

Mining stores per candidate aggregates (score, confidence, factors) over all of its
instances; the explorer needs them over any subset. The per-instance parts are read or
recomputed here once per run and state of the file (`cached_by_file`): durations,
membership, keyboard events, the apps used (`consensus_fit.app_paths`) and the
similarity to the consensus (`consensus_fit.similarities`); per candidate, what does not
depend on the instances chosen: the consensus steps, the variants' steps, hdbscan's
persistence and the transfer share of the consensus.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from explorer.consensus_fit import app_paths, similarities
from explorer.main_variants import split_keys
from explorer.queries.reader import cached_by_run, reading
from mining.actions import ACTIVATION_SQL
from mining.config import MiningConfig
from mining.score import KEYBOARD_KINDS
from storage.store import Store


@dataclass(frozen=True)
class RunFacts:
    run_id: int
    #: one row per instance of a candidate: instance_id, process_id, variant_id, user_id,
    #: day, start_ts, duration_s, work_s, membership, n_events, n_keyboard, apps,
    #: similarity, app_path, split_key (its main variant: `explorer.main_variants`)
    instances: pl.DataFrame
    user_days: pl.DataFrame  # user_id, day: every recorded day of every user
    steps: pl.DataFrame  # process_id, step_no, label (as in `variants.actions`), kind, app, target
    variant_steps: pl.DataFrame  # process_id, variant_id, label: the steps each variant takes
    processes: pl.DataFrame  # process_id, persistence, transfer_share
    required_support: float  # a step fewer instances take is optional
    exception_similarity: float  # an instance less similar to the consensus is an exception


@cached_by_run
def read_run_facts(db: Path, run_id: int) -> RunFacts:
    """The facts of a run (the latest finished one by default)."""
    with reading(db) as store:
        config = _run_config(store, run_id)
        labels = store.query(
            "SELECT (row_number() OVER (ORDER BY action) - 1)::INTEGER AS label, action "
            "FROM (SELECT DISTINCT action FROM instance_events WHERE run_id = ?)",
            [run_id],
        )
        per_instance = _instances(store, run_id, labels).join(
            working_time(store, run_id), on="instance_id", how="left"
        )
        user_days, steps, variant_steps, mined = (store.query(sql, [run_id]) for sql in _PER_RUN)
    acting = (
        per_instance.select("instance_id", "process_id", label="acting")
        .explode("label")
        .drop_nulls("label")
        .with_columns(position=pl.int_range(pl.len()).over("instance_id"))
    )
    fit = similarities(acting, labels, steps, config.align_max_block)
    instances = (
        per_instance.drop("acting")
        .with_columns(pl.col("work_s").fill_null(0.0))
        .join(fit, on="instance_id", how="left")
        .join(app_paths(acting, labels), on="instance_id", how="left")
        .with_columns(pl.col("similarity").fill_null(0.0), pl.col("app_path").fill_null("—"))
    )
    steps = steps.with_columns(label=step_labels())
    instances = instances.join(
        split_keys(instances, variant_steps, steps), on="instance_id", how="left"
    )
    return RunFacts(
        run_id,
        instances,
        user_days,
        steps,
        variant_steps,
        _process_constants(mined, instances, config),
        config.align_required_support,
        config.align_exception_similarity,
    )


#: user-days, consensus steps, the steps of each variant, mining's per-candidate figures
_PER_RUN = (
    "SELECT DISTINCT user_id, start_ts::DATE AS day FROM instances WHERE run_id = ?",
    "SELECT process_id, step_no, action, kind, app, target FROM process_steps "
    "WHERE run_id = ? ORDER BY process_id, step_no",
    "SELECT DISTINCT process_id, variant_id, unnest(actions) AS label FROM variants "
    "WHERE run_id = ?",
    "SELECT process_id, confidence, factors::VARCHAR AS factors FROM processes WHERE run_id = ?",
)


def step_labels() -> pl.Expr:
    """A step's label as mining writes it in variants: its action, with ``#step_no`` when
    two steps of the candidate share an action (`mining.align.project_on_steps`)."""
    return (
        pl.when(pl.len().over("process_id", "action") > 1)
        .then(pl.format("{} #{}", "action", "step_no"))
        .otherwise("action")
    )


def _run_config(store: Store, run_id: int) -> MiningConfig:
    """The alignment settings the run used (defaults for what it did not record)."""
    raw = store.query("SELECT config::VARCHAR FROM mining_runs WHERE run_id = ?", [run_id]).item()
    stored = json.loads(raw or "{}")
    known = {k: v for k, v in stored.items() if k in MiningConfig.__dataclass_fields__}
    try:
        return MiningConfig(**known)
    except (TypeError, ValueError):
        return MiningConfig()


def _instances(store: Store, run_id: int, labels: pl.DataFrame) -> pl.DataFrame:
    """Candidate instances with their keyboard events, apps and acting actions in order
    (as ids into ``labels``: ``label, action``, each action of the run once)."""
    store.con.register("_labels", labels)
    try:
        return store.query(
            f"""SELECT i.instance_id, any_value(i.process_id) AS process_id,
                       any_value(i.variant_id) AS variant_id, any_value(i.user_id) AS user_id,
                       any_value(i.start_ts)::DATE AS day, any_value(i.start_ts) AS start_ts,
                       any_value(i.duration_s) AS duration_s,
                       coalesce(any_value(i.membership), 0.0) AS membership,
                       count(*) AS n_events,
                       count(*) FILTER (WHERE regexp_matches(e.kind, ?)) AS n_keyboard,
                       list(DISTINCT e.app) FILTER (WHERE e.app IS NOT NULL) AS apps,
                       list(lab.label ORDER BY ie.position)
                           FILTER (WHERE NOT coalesce({ACTIVATION_SQL}, false)) AS acting
                FROM instances i JOIN instance_events ie USING (run_id, instance_id)
                JOIN events e USING (event_id) JOIN _labels lab ON lab.action = ie.action
                WHERE i.run_id = ? AND i.process_id >= 0 GROUP BY i.instance_id""",
            [KEYBOARD_KINDS, run_id],
        )
    finally:
        store.con.unregister("_labels")


def working_time(store: Store, run_id: int) -> pl.DataFrame:
    """``instance_id, work_s``: the time spent on each instance, interruptions left out.

    Mining's duration runs from an instance's first event to its last, so a chat or a
    short routine done in the middle counts twice, once in each. Working time adds up
    only the gaps between consecutive events of a session that both belong to the
    instance, as the simulator measures the truth (`sample_logs.measure_routines`): the
    time a bot doing the routine would take off someone's hands.
    """
    return store.query(
        """WITH stream AS (
             SELECT ie.instance_id, epoch(e.ts - lag(e.ts) OVER w) AS gap,
                    lag(ie.instance_id) OVER w AS previous
             FROM events e LEFT JOIN instance_events ie
               ON ie.event_id = e.event_id AND ie.run_id = ?
             WINDOW w AS (PARTITION BY e.user_id, e.session_id ORDER BY e.ts, e.event_id))
           SELECT instance_id, coalesce(sum(gap) FILTER (WHERE previous = instance_id), 0.0)
                  AS work_s
           FROM stream WHERE instance_id IS NOT NULL GROUP BY instance_id""",
        [run_id],
    )


def _process_constants(
    mined: pl.DataFrame, instances: pl.DataFrame, config: MiningConfig
) -> pl.DataFrame:
    """Per candidate: hdbscan's persistence and the consensus's transfer share.

    Mining stores confidence = (membership · persistence · regularity · (1 − exception
    share))^¼ (`mining.score.confidence_of`) but not persistence, a property of the
    cluster rather than of any instance; it is recovered from the other three here, so
    the confidence of a subset of instances can be recomputed.
    """
    measured = instances.group_by("process_id").agg(
        membership=pl.col("membership").mean(),
        regularity=pl.col("similarity").mean(),
        exception_share=(pl.col("similarity") < config.align_exception_similarity).mean(),
    )
    rows = []
    for pid, confidence, raw in mined.iter_rows():
        factors = json.loads(raw or "{}")
        rows.append(
            {
                "process_id": pid,
                "confidence": confidence,
                "transfer_share": float(factors.get("transfer_share") or 0.0),
            }
        )
    constants = pl.DataFrame(
        rows,
        schema={"process_id": pl.Int32, "confidence": pl.Float64, "transfer_share": pl.Float64},
    ).join(measured, on="process_id", how="left")
    rest = (
        pl.col("membership").clip(0, 1)
        * pl.col("regularity").clip(0, 1)
        * (1 - pl.col("exception_share")).clip(0, 1)
    )
    persistence = pl.when(rest > 0).then(pl.col("confidence").pow(4) / rest).otherwise(0.0)
    return constants.select(
        "process_id", "transfer_share", persistence=persistence.fill_null(0.0).clip(0.0, 1.0)
    )
