"""How closely each instance follows its candidate's consensus workflow, as mining measures
it, so the explorer can recompute mining's regularity and exception share over any
subset of instances (a filter, a split part). Pure functions, no I/O.

Mining (`mining.align`) compares each instance's acting events, as coarse action keys
(``kind|app|target``) with tandem repeats collapsed, with the consensus by indel
similarity; ``regularity`` is the mean over instances and ``exception_share`` the share
below ``align_exception_similarity``. Mining stores only those two aggregates, so the
per-instance similarity is recomputed here from ``instance_events`` with mining's own
definitions (`coarse_action`, `collapse_repeats`, indel similarity), against the
consensus mining stored. When mining's alignment stopped refining before it converged,
mining measured against the consensus one pass earlier: the two regularities then differ
by a little (under 0.01 on the simulator), and the explorer's is the one of the workflow
it shows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from rapidfuzz.distance import Indel

from mining.cluster import coarse_action


def collapse(sequence: Sequence[int], max_block: int) -> list[int]:
    """``mining.align.collapse_repeats(sequence, max_block).actions``, faster.

    Same rule (at each position the shortest block repeated back to back, collapsed to
    one pass), but a block is compared only where its first element recurs, which skips
    most of the slicing: the explorer collapses every instance of a run on page load.
    """
    out: list[int] = []
    i, n = 0, len(sequence)
    while i < n:
        block, times, first = 1, 1, sequence[i]
        for size in range(1, max_block + 1):
            if i + 2 * size > n or sequence[i + size] != first:
                continue
            pattern = sequence[i : i + size]
            if sequence[i + size : i + 2 * size] != pattern:
                continue
            times = 2
            while sequence[i + times * size : i + (times + 1) * size] == pattern:
                times += 1
            block = size
            break
        out.extend(sequence[i : i + block])
        i += block * times
    return out


def similarities(
    acting: pl.DataFrame, labels: pl.DataFrame, steps: pl.DataFrame, max_block: int
) -> pl.DataFrame:
    """``instance_id, similarity`` to the consensus, 1.0 for an instance done exactly so.

    ``acting``: ``instance_id, process_id, position, label`` of the acting events (no
    window activations), ``label`` indexing ``labels`` (``label, action``: each distinct
    action once, so string work is per label, not per event). ``steps``: ``process_id,
    step_no, action`` of the consensus.
    """
    keys = pl.concat([labels["action"], steps["action"]]).to_frame("action")
    codes = keys.select(coarse_action().rank("dense").cast(pl.Int64).alias("code"))["code"]
    codes = codes.to_numpy()
    per_label = np.zeros(labels["label"].max() + 1 if labels.height else 0, dtype=np.int64)
    per_label[labels["label"].to_numpy()] = codes[: labels.height]
    consensus = {
        pid: group["code"].to_list()
        for (pid,), group in steps.with_columns(code=codes[labels.height :])
        .sort("process_id", "step_no")
        .group_by("process_id")
    }
    ordered = acting.sort("instance_id", "position")
    sequences = (
        ordered.with_columns(code=per_label[ordered["label"].to_numpy()])
        .group_by("instance_id", maintain_order=True)
        .agg(pl.col("process_id").first(), sequence=pl.col("code"))
    )
    found: dict[tuple, float] = {}
    values = []
    for pid, seq in zip(sequences["process_id"], sequences["sequence"].to_list(), strict=True):
        key = (pid, *seq)
        if key not in found:
            found[key] = 1.0 - Indel.normalized_distance(
                collapse(seq, max_block), consensus.get(pid, [])
            )
        values.append(found[key])
    return sequences.select("instance_id", similarity=pl.Series(values, dtype=pl.Float64))


def app_paths(acting: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    """``instance_id, app_path``: the apps an instance acts in, in the order it first uses
    them, a web app named by its site (``mail → AcroRd32 → saplogon``).

    Two instances on one path did the routine in the same systems; a split of a
    candidate keeps its frequent paths apart (`explorer.decisions.split_parts`).
    """
    url = pl.col("action").str.extract(r"\|([^|]*)$")
    app = pl.col("action").str.extract(r"^[^|]*\|([^|]*)").str.replace(r"(?i)\.exe$", "")
    site = pl.when(url.fill_null("") != "").then(url.str.extract(r"^([^/]+)")).otherwise(app)
    sites = labels.select("label", site=site.fill_null("?"))
    names = sites["site"].unique().sort().to_list()
    code = {name: i for i, name in enumerate(names)}
    per_label = np.zeros(labels["label"].max() + 1 if labels.height else 0, dtype=np.int64)
    per_label[sites["label"].to_numpy()] = [code[s] for s in sites["site"].to_list()]
    ordered = acting.sort("instance_id", "position")
    firsts = (
        ordered.with_columns(site=per_label[ordered["label"].to_numpy()])
        .group_by("instance_id", maintain_order=True)
        .agg(pl.col("site").unique(maintain_order=True))
    )
    paths = [" → ".join(names[c] for c in row) for row in firsts["site"].to_list()]
    return firsts.select("instance_id", app_path=pl.Series(paths, dtype=pl.String))
