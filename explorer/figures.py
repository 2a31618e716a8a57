"""Every figure of a candidate, recomputed from the instances a filter, merge or split
selects, by mining's own formulas (`mining.score`): pure functions over DataFrames.

With no filter a candidate's figures equal what mining stored; under a filter each one
(rates, hours, every score factor, the score, the confidence and so the rank) is what
mining would say about the instances kept. `FORMULAS` explains each in one line.
"""

from __future__ import annotations

import polars as pl

from explorer.queries.facts import RunFacts
from explorer.savings import per_month, weeks_of
from mining.score import WEIGHTS

#: One line per figure: what it means, with its formula (tooltips and "how computed").
FORMULAS = {
    "score": "score = hours per month × automatability: the recorded hours a bot could "
    "take over, discounted by how rule-like the work is",
    "confidence": "confidence = (membership × persistence × regularity × (1 − exception "
    "share))^¼: how sure mining is that these instances are one routine",
    "n_instances": "instances = executions of the routine found in the recordings kept",
    "per_week": "per week = instances ÷ working weeks recorded (recorded days ÷ 5)",
    "n_users": "users = people who did it at least once",
    "mean_duration_s": "mean working time = mean time between an instance's consecutive "
    "events, interruptions (another task, a chat) left out",
    "hours_per_month": "hours per month = working hours recorded ÷ working weeks × 52/12 "
    "(interruptions left out)",
    "hours_saved_per_month": "hours saved / month = hours per month × automation rate",
    "hours_range": "80 % range = the 10th to 90th percentile of hours saved over 1,000 "
    "bootstrap re-draws of the recorded users and days",
    "money_per_month": "money / month = hours saved per month × hourly cost",
    "money_range": "80 % range = the hours saved range × hourly cost",
    "n_variants": "variants = distinct orders of the consensus steps among the instances",
    "automatability": "automatability = "
    + " + ".join(f"{w:g} × {n.replace('_', ' ')}" for n, w in WEIGHTS.items()),
    "rule_like_share": "rule-like share = 1 − share of consensus steps fewer than the "
    "required share of instances take (optional steps)",
    "regularity": "regularity = mean indel similarity of the instances (repeats collapsed) "
    "to the consensus workflow; 1 = all done alike",
    "no_exception_share": "no-exception share = 1 − share of instances less similar to "
    "the consensus than the exception threshold",
    "keyboard_share": "keyboard share = typing, key, copy and paste events ÷ all events",
    "transfer_share": "transfer share = inputs pasted from a copy elsewhere ÷ all inputs "
    "of the consensus workflow",
}
#: The score factors shown as columns, in the order of their weight.
FACTORS = (*WEIGHTS, "automatability")


def unit_figures(facts: RunFacts, members: pl.DataFrame, n_days: int) -> pl.DataFrame:
    """Figures per unit ``key`` over its instances in ``members`` (``key, instance_id``).

    ``n_days``: the working days recorded in the period looked at (rates are per week of
    them). Returns ``key`` with ``n_instances, n_users, per_week, mean_duration_s,
    hours_per_month, n_variants``, the factors (`FACTORS`), ``score`` and ``confidence``.
    """
    chosen = members.join(facts.instances, on="instance_id").join(
        facts.processes, on="process_id", how="left"
    )
    weeks = weeks_of(n_days)
    by_unit = chosen.group_by("key").agg(
        n_instances=pl.len(),
        n_users=pl.col("user_id").n_unique(),
        per_week=pl.len() / weeks,
        mean_duration_s=pl.col("work_s").mean(),
        hours_per_month=per_month(pl.col("work_s").sum() / 3600, n_days),
        n_variants=pl.struct("process_id", "variant_id").n_unique(),
        membership=pl.col("membership").mean(),
        persistence=pl.col("persistence").mean(),
        regularity=pl.col("similarity").mean(),
        exception_share=(pl.col("similarity") < facts.exception_similarity).mean(),
        keyboard_share=pl.col("n_keyboard").sum() / pl.col("n_events").sum().clip(1),
        transfer_share=pl.col("transfer_share").mean(),
    )
    figures = by_unit.join(_rule_like(facts, chosen), on="key", how="left").with_columns(
        no_exception_share=1 - pl.col("exception_share"),
        rule_like_share=pl.col("rule_like_share").fill_null(0.0),
    )
    automatability = sum(pl.col(name).fill_null(0.0) * weight for name, weight in WEIGHTS.items())
    parts = [
        pl.col(c).fill_null(0.0).clip(0.0, 1.0)
        for c in ("membership", "persistence", "regularity", "no_exception_share")
    ]
    return figures.with_columns(automatability=automatability).with_columns(
        score=pl.col("hours_per_month") * pl.col("automatability"),
        confidence=(parts[0] * parts[1] * parts[2] * parts[3]).pow(0.25),
    )


def _rule_like(facts: RunFacts, chosen: pl.DataFrame) -> pl.DataFrame:
    """Per unit, the share of consensus steps at least the required share of its
    instances take (per member candidate, weighted by its instances)."""
    per_variant = chosen.group_by("key", "process_id", "variant_id").agg(n=pl.len())
    per_process = per_variant.group_by("key", "process_id").agg(total=pl.col("n").sum())
    taken = (
        per_variant.join(facts.variant_steps, on=["process_id", "variant_id"])
        .group_by("key", "process_id", "label")
        .agg(n=pl.col("n").sum())
    )
    steps = per_process.join(facts.steps.select("process_id", "label"), on="process_id")
    return (
        steps.join(taken, on=["key", "process_id", "label"], how="left")
        .with_columns(support=pl.col("n").fill_null(0) / pl.col("total"))
        .group_by("key", "process_id")
        .agg(
            rule=(pl.col("support") >= facts.required_support).mean(),
            total=pl.col("total").first(),
        )
        .group_by("key")
        .agg(rule_like_share=(pl.col("rule") * pl.col("total")).sum() / pl.col("total").sum())
    )


def hours_cells(facts: RunFacts, members: pl.DataFrame) -> pl.DataFrame:
    """``key, user_id, day, hours``: the recorded hours of each unit per user-day (the
    input of `explorer.savings.bootstrap_hours`)."""
    return (
        members.join(facts.instances, on="instance_id")
        .group_by("key", "user_id", "day")
        .agg(hours=pl.col("work_s").sum() / 3600)
    )
