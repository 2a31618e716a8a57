"""A candidate's main variants, what a split cuts it into: pure functions over DataFrames.

Mining's variants are sequences of steps, and in desktop work nearly every instance has
its own (fields in another order, a field retyped), so "one candidate per variant" is one
per instance. A main variant is coarser: the instances that did the routine in the same
systems (its *app path*, e.g. ``via mail → AcroRd32 → saplogon``), or, when every
instance used the same systems, the instances that take the step dividing them most
evenly (``with step 12: click Simulate`` / ``without …``), e.g. two SAP transactions for
one job. Each instance gets one such key; `split_parts` keeps the keys at least
`MAIN_VARIANT_SHARE` of the instances share and puts the others in "the rest".
"""

from __future__ import annotations

import polars as pl

from explorer.decisions import REST, Part

#: A main variant covers at least this share of a candidate's instances...
MAIN_VARIANT_SHARE = 0.1
#: ...and a split keeps at most this many of them, plus "the rest".
MAX_MAIN_VARIANTS = 3


def split_keys(
    instances: pl.DataFrame, variant_steps: pl.DataFrame, steps: pl.DataFrame
) -> pl.DataFrame:
    """``instance_id, split_key``: each instance's main-variant key.

    ``instances``: ``instance_id, process_id, variant_id, app_path``; ``variant_steps``:
    ``process_id, variant_id, label`` (the steps a variant takes); ``steps``:
    ``process_id, step_no, label, kind, target`` (the consensus).
    """
    keyed = []
    for (pid,), group in instances.group_by("process_id"):
        by_path = group.select("instance_id", split_key=pl.format("via {}", "app_path"))
        counts = by_path.group_by("split_key").len()
        if (counts["len"] >= _floor(group.height)).sum() >= 2:
            keyed.append(by_path)
            continue
        keyed.append(_by_step(group, variant_steps.filter(process_id=pid), steps, pid, by_path))
    if not keyed:
        return pl.DataFrame(schema={"instance_id": pl.Int64, "split_key": pl.String})
    return pl.concat(keyed)


def _floor(n: int) -> float:
    return max(2.0, MAIN_VARIANT_SHARE * n)


def _by_step(
    group: pl.DataFrame,
    taken: pl.DataFrame,
    steps: pl.DataFrame,
    pid: int,
    fallback: pl.DataFrame,
) -> pl.DataFrame:
    """With or without the step that divides the instances most evenly."""
    per_variant = group.group_by("variant_id").agg(pl.col("instance_id"))
    support = (
        per_variant.with_columns(n=pl.col("instance_id").list.len())
        .join(taken, on="variant_id")
        .group_by("label")
        .agg(share=pl.col("n").sum() / group.height)
        .join(steps.filter(process_id=pid), on="label")
        .with_columns(balance=pl.min_horizontal("share", 1 - pl.col("share")))
        .sort(["balance", "step_no"], descending=[True, False])
    )
    if support.is_empty() or support["balance"][0] * group.height < _floor(group.height):
        return fallback
    best = support.row(0, named=True)
    what = (
        f"step {best['step_no']}: {(best['kind'] or '').replace('_', ' ')} {best['target'] or ''}"
    )
    with_it = taken.filter(pl.col("label") == best["label"])["variant_id"]
    return group.select(
        "instance_id",
        split_key=pl.when(pl.col("variant_id").is_in(with_it.to_list()))
        .then(pl.lit(f"with {what.strip()}"))
        .otherwise(pl.lit(f"without {what.strip()}")),
    )


def split_parts(keys: pl.DataFrame) -> list[Part]:
    """The parts a split makes of one candidate: its main variants, then the rest.

    ``keys`` has ``split_key, n`` (instances per main-variant key of one candidate).
    Fewer than two parts means there is nothing to split.
    """
    total = int(keys["n"].sum() or 0)
    ranked = keys.sort(["n", "split_key"], descending=[True, False])
    main = ranked.filter(pl.col("n") >= _floor(total)).head(MAX_MAIN_VARIANTS)
    parts = [
        Part(str(i), key, frozenset({key}))
        for i, key in enumerate(main["split_key"].to_list(), start=1)
    ]
    if main.height < ranked.height:
        parts.append(Part(REST, "the rest", frozenset(main["split_key"].to_list()), rest=True))
    return parts if len(parts) >= 2 else []
