"""Clustering task instances into candidate processes.

Instances of one routine share most of their short action sequences (n-grams), whatever
their optional steps or loop counts, so each *distinct* action sequence (a variant) is
embedded as a TF-IDF vector of its action n-grams, reduced by truncated SVD and
L2-normalised (euclidean distance is then monotone in cosine distance). hdbscan clusters
the variants, not the instances: this keeps the work proportional to the number of
variants, which grows far slower than the number of instances. A variant's frequency
enters as up to ``cluster_min_size`` copies of its point, so a routine that is always done
the same way still forms a dense cluster; ``cluster_epsilon`` then merges the sub-clusters
that those copies create below that distance (they are variants of one routine).
Variants hdbscan calls noise stay unassigned (process -1).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import sparse

from mining.config import MiningConfig

#: Columns of `cluster_instances`' result.
ASSIGNMENT_SCHEMA = {
    "instance_id": pl.Int64,
    "variant": pl.Int64,
    "cluster": pl.Int32,
    "membership": pl.Float64,
    "persistence": pl.Float64,
}


def instance_variants(steps: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Group instances by their action sequence.

    ``steps`` has one row per event of an instance: ``instance_id, position, action``.
    Returns ``(instances[instance_id, variant], variants[variant, actions, n_instances])``
    with variants numbered by descending frequency, ties broken by the sequence itself,
    so that the numbering (and everything computed from it) is reproducible.
    """
    seqs = (
        steps.sort("instance_id", "position")
        .group_by("instance_id", maintain_order=True)
        .agg(actions=pl.col("action"))
        .with_columns(key=pl.col("actions").list.join("\x1f"))
    )
    variants = (
        seqs.group_by("key")
        .agg(actions=pl.col("actions").first(), n_instances=pl.len())
        .sort(["n_instances", "key"], descending=[True, False])
        .with_row_index("variant")
        .with_columns(pl.col("variant").cast(pl.Int64))
    )
    instances = seqs.join(variants.select("key", "variant"), on="key").select(
        "instance_id", "variant"
    )
    return instances.sort("instance_id"), variants.drop("key")


def embed_variants(variants: pl.DataFrame, config: MiningConfig) -> np.ndarray:
    """TF-IDF of action n-grams (1..``cluster_ngram``), reduced and L2-normalised."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.preprocessing import normalize

    long = variants.select("variant", "actions").explode("actions").rename({"actions": "action"})
    grams = []
    for n in range(1, config.cluster_ngram + 1):
        parts = [pl.col("action").shift(-k).over("variant") for k in range(n)]
        grams.append(
            long.select("variant", gram=pl.concat_str(parts, separator="\x1e")).drop_nulls()
        )
    counts = pl.concat(grams).group_by("variant", "gram").len()
    vocab = counts.select("gram").unique().sort("gram").with_row_index("col")
    counts = counts.join(vocab, on="gram")
    matrix = sparse.csr_matrix(
        (
            counts["len"].to_numpy().astype(np.float64),
            (counts["variant"].to_numpy(), counts["col"].to_numpy()),
        ),
        shape=(variants.height, vocab.height),
    )
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(matrix)
    if vocab.height > config.cluster_dims:
        svd = TruncatedSVD(config.cluster_dims, random_state=config.seed)
        return normalize(svd.fit_transform(tfidf))
    return normalize(tfidf.toarray())


def cluster_instances(steps: pl.DataFrame, config: MiningConfig) -> pl.DataFrame:
    """Assign each instance to a candidate process, or to none (-1).

    ``steps``: ``instance_id, position, action`` per event. Returns one row per instance:
    ``instance_id, variant, cluster`` (-1: noise), ``membership`` (hdbscan's probability
    that the variant belongs to its cluster) and ``persistence`` (the cluster's
    persistence, 0..1: how long it survives as the density threshold moves). Clusters
    are numbered by descending size.

    Example::

        assignment = cluster_instances(steps, MiningConfig())
    """
    instances, variants = instance_variants(steps)
    if instances.is_empty():
        return pl.DataFrame(schema=ASSIGNMENT_SCHEMA)
    labels, membership, persistence = _hdbscan(variants, config)
    per_variant = variants.select(
        "variant",
        "n_instances",
        raw=pl.Series(labels, dtype=pl.Int32),
        membership=pl.Series(membership, dtype=pl.Float64),
    )
    order = (
        per_variant.filter(pl.col("raw") >= 0)
        .group_by("raw")
        .agg(size=pl.col("n_instances").sum(), first=pl.col("variant").min())
        .sort(["size", "first"], descending=[True, False])
        .with_row_index("cluster")
        .with_columns(pl.col("cluster").cast(pl.Int32))
        .join(
            pl.DataFrame(
                {"raw": np.arange(len(persistence), dtype=np.int32), "persistence": persistence}
            ),
            on="raw",
        )
    )
    per_variant = per_variant.join(
        order.select("raw", "cluster", "persistence"), on="raw", how="left"
    )
    return (
        instances.join(per_variant, on="variant")
        .with_columns(
            pl.col("cluster").fill_null(-1),
            pl.when(pl.col("cluster").is_null())
            .then(0.0)
            .otherwise("membership")
            .alias("membership"),
        )
        .select(list(ASSIGNMENT_SCHEMA))
        .sort("instance_id")
        .cast(ASSIGNMENT_SCHEMA)
    )


def _hdbscan(
    variants: pl.DataFrame, config: MiningConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """hdbscan labels and probabilities per variant, and persistence per raw label."""
    import hdbscan

    copies = np.minimum(variants["n_instances"].to_numpy(), config.cluster_min_size)
    if copies.sum() < config.cluster_min_size:
        n = variants.height
        return np.full(n, -1), np.zeros(n), np.zeros(0)
    points = embed_variants(variants, config)
    rows = np.repeat(np.arange(variants.height), copies)
    clusterer = hdbscan.HDBSCAN(
        min_cluster_size=config.cluster_min_size,
        min_samples=min(config.cluster_min_samples, config.cluster_min_size),
        cluster_selection_epsilon=config.cluster_epsilon,
        allow_single_cluster=True,
        core_dist_n_jobs=1,
    ).fit(points[rows])
    first = np.cumsum(copies) - copies
    return (
        clusterer.labels_[first],
        clusterer.probabilities_[first],
        np.asarray(clusterer.cluster_persistence_, dtype=np.float64),
    )
