"""Ranking candidate processes as automation opportunities.

The score is the time a bot would take off people's hands, discounted by how
rule-like the work is: ``score = hours_saved_per_month × automatability``.

- ``hours_saved_per_month``: instances per week × mean duration, over a month
  (52/12 weeks). A week is five recorded days, so a log of ten working days is two weeks.
- ``automatability`` (0..1) is a weighted mean of factors, each stored by name in
  ``factors`` so the analyst sees why a candidate ranks where it does (`WEIGHTS`):
  ``rule_like_share`` (required steps, see ``align_required_support``), ``regularity``
  (the alignment's consistency: how alike instances are), ``no_exception_share`` (1 - the
  share of instances done mostly otherwise), ``keyboard_share`` (typing and copy/paste
  rather than pointing) and ``transfer_share`` (inputs that come from a copy elsewhere, the
  classic swivel-chair work). Each factor is a share, not a count, so a long routine is not
  marked down for having more steps and hence more distinct variants. The variant entropy,
  the number of apps, inputs, transfers, fitness and precision are shown alongside.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import polars as pl

from mining.names import name_process

WORKDAYS_PER_WEEK = 5
WEEKS_PER_MONTH = 52 / 12
#: Weights of the automatability factors (they sum to 1).
WEIGHTS = {
    "rule_like_share": 0.3,
    "regularity": 0.3,
    "no_exception_share": 0.2,
    "keyboard_share": 0.1,
    "transfer_share": 0.1,
}
KEYBOARD_KINDS = r"(?i)type|key|copy|paste|cut|insert|edit"


def score_processes(
    instances: pl.DataFrame,
    keyboard: pl.DataFrame,
    steps: pl.DataFrame,
    variants: pl.DataFrame,
    alignment: pl.DataFrame,
) -> pl.DataFrame:
    """Statistics, factors, score, name and signature of every candidate.

    ``instances``: ``instance_id, process_id, user_id, start_ts, duration_s`` (all
    instances, unassigned ones with process -1: they give the observed days).
    ``keyboard``: ``instance_id, keyboard, n_events`` of the candidates' instances
    (`keyboard_counts` of their events). ``steps`` and
    ``variants``: the ``process_steps`` and ``variants`` rows (with ``process_id``).
    ``alignment``: ``process_id, consistency, exception_share`` (`mining.align.Alignment`).
    Returns one row per candidate with the ``processes`` columns this step owns.

    Example::

        ranked = score_processes(instances, keyboard, steps, variants, alignment)
        ranked.sort("score", descending=True).select("name", "score")
    """
    weeks = max(instances["start_ts"].dt.date().n_unique(), 1) / WORKDAYS_PER_WEEK
    stats = (
        instances.filter(pl.col("process_id") >= 0)
        .group_by("process_id")
        .agg(
            n_instances=pl.len().cast(pl.Int32),
            n_users=pl.col("user_id").n_unique().cast(pl.Int32),
            mean_duration_s=pl.col("duration_s").mean(),
            total_hours=pl.col("duration_s").sum() / 3600,
        )
        .with_columns(per_week=pl.col("n_instances") / weeks)
        .with_columns(hours_saved_per_month=pl.col("total_hours") / weeks * WEEKS_PER_MONTH)
    )
    keyboard = (
        keyboard.join(instances.select("instance_id", "process_id"), on="instance_id")
        .group_by("process_id")
        .agg(keyboard_share=pl.col("keyboard").sum() / pl.col("n_events").sum())
    )
    factors = (
        stats.join(_step_factors(steps), on="process_id", how="left")
        .join(_variant_factors(variants), on="process_id", how="left")
        .join(
            alignment.select(
                "process_id",
                regularity="consistency",
                exception_share="exception_share",
                no_exception_share=1 - pl.col("exception_share"),
            ),
            on="process_id",
            how="left",
        )
        .join(keyboard, on="process_id", how="left")
        .with_columns(pl.exclude("process_id", "apps").fill_null(0.0))
    )
    automatability = sum(pl.col(name) * weight for name, weight in WEIGHTS.items())
    scored = factors.with_columns(automatability=automatability).with_columns(
        score=pl.col("hours_saved_per_month") * pl.col("automatability")
    )
    factor_names = [*WEIGHTS, "automatability", "variant_entropy", "exception_share"]
    factor_names += ["n_apps", "n_inputs", "n_transfers", "n_steps", "per_week"]
    factor_names += ["hours_saved_per_month"]
    return (
        scored.join(_names(steps), on="process_id", how="left")
        .with_columns(
            factors=pl.struct(factor_names).struct.json_encode(),
            n_variants=pl.col("n_variants").cast(pl.Int32),
        )
        .select(
            "process_id",
            "signature",
            "name",
            "score",
            "n_instances",
            "n_users",
            "per_week",
            "mean_duration_s",
            "total_hours",
            "hours_saved_per_month",
            "n_variants",
            "apps",
            "factors",
        )
        .sort("process_id")
    )


def keyboard_counts(events: pl.DataFrame) -> pl.DataFrame:
    """Per instance of ``events`` (``instance_id, kind``): its events of a keyboard kind
    (`KEYBOARD_KINDS`) and its events with a kind, what `score_processes` needs of them:
    counted one user at a time, they add up to a candidate's keyboard share."""
    typed = pl.col("kind").str.contains(KEYBOARD_KINDS)
    return events.group_by("instance_id", maintain_order=True).agg(
        keyboard=typed.sum().cast(pl.Int64), n_events=typed.count().cast(pl.Int64)
    )


def _step_factors(steps: pl.DataFrame) -> pl.DataFrame:
    """Rule-like share, inputs, transfers and apps from the consensus steps."""
    return steps.group_by("process_id").agg(
        n_steps=pl.len(),
        rule_like_share=1 - pl.col("optional").mean(),
        n_inputs=pl.col("input_slot").is_not_null().sum(),
        n_transfers=pl.col("transfer_from_step").is_not_null().sum(),
        transfer_share=pl.col("transfer_from_step").is_not_null().sum()
        / (pl.col("transfer_from_step").is_not_null() | pl.col("input_slot").is_not_null())
        .sum()
        .clip(lower_bound=1),
        apps=pl.col("app").drop_nulls().unique(maintain_order=True),
        n_apps=pl.col("app").drop_nulls().n_unique(),
    )


def _variant_factors(variants: pl.DataFrame) -> pl.DataFrame:
    """The number of variants and their normalised entropy (0: one way, 1: every instance
    its own way)."""
    share = pl.col("share")
    n = pl.col("n_instances").sum()
    return (
        variants.group_by("process_id")
        .agg(n_variants=pl.len(), entropy=-(share * share.log()).sum(), log_n=n.log())
        .select(
            "process_id",
            "n_variants",
            variant_entropy=pl.when(pl.col("log_n") > 0)
            .then(pl.col("entropy") / pl.col("log_n"))
            .otherwise(0.0),
        )
    )


def _names(steps: pl.DataFrame) -> pl.DataFrame:
    """A readable name (`mining.names`) and a stable signature per candidate."""
    rows = [
        {
            "process_id": process_id,
            "name": name_process(group),
            "signature": signature_of(group),
        }
        for (process_id,), group in steps.sort("step_no").group_by(
            "process_id", maintain_order=True
        )
    ]
    frame = pl.DataFrame(
        rows, schema={"process_id": pl.Int32, "name": pl.String, "signature": pl.String}
    )
    return frame.with_columns(_deduplicated("name", "{} ({})"), _deduplicated("signature", "{}-{}"))


def _deduplicated(column: str, pattern: str) -> pl.Expr:
    """Second and later occurrences of a value get a counter, so each is unique in a run."""
    nth = pl.int_range(pl.len()).over(column)
    return pl.when(nth > 0).then(pl.format(pattern, column, nth + 1)).otherwise(column)


def confidence_of(
    membership: float, persistence: float, consistency: float, exception_share: float
) -> float:
    """How sure mining is that a candidate is one routine: the geometric mean of hdbscan's
    mean membership probability, the cluster's persistence, the alignment's consistency
    and the share of instances that fit the consensus. A dense cluster can still be a
    mixture; its instances then neither align nor fit one workflow, which the last two
    see. On the simulator it tracks purity (bench/RESULTS.md, mining_accuracy)."""
    parts = (membership, persistence, consistency, 1.0 - exception_share)
    return float(np.prod(np.clip(parts, 0.0, 1.0)) ** (1 / len(parts)))


def signature_of(steps: pl.DataFrame) -> str:
    """A stable id of a candidate: a hash of the set of its main (support ≥ ½) actions.

    Re-mining with more data or another seed renumbers candidates; the set of what the
    routine mainly does stays, so analyst decisions keyed on it survive.
    """
    actions = sorted(set(steps.filter(pl.col("support") >= 0.5)["action"].to_list()))
    if not actions:
        actions = sorted(set(steps["action"].to_list()))
    return hashlib.sha1(json.dumps(actions).encode()).hexdigest()[:16]
