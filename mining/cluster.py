"""Clustering task instances into candidate processes.

Instances are compared by the normalised Levenshtein distance between their sequences of
coarse actions (`coarse_action`: kind, app, element and web site or workbook), and
hdbscan clusters them on that precomputed distance. Measured on the simulator (4 users x
3 days) against TF-IDF of action n-grams (cosine, best of 12 settings: F1 0.951 with one
routine split five ways), edit distance found one candidate per routine (F1 0.977): it
sees order and is not misled by two routines sharing apps.

hdbscan clusters distinct *variants*, not instances, which keeps the work proportional
to the number of variants. A variant's frequency enters as up to ``cluster_min_size`` + 1
copies of its point, so a routine that is always done the same way still forms a dense
cluster; ``cluster_epsilon`` merges the sub-clusters those copies create below that
distance. Past ``cluster_max_variants``, hdbscan runs on a reproducible sample (every
frequent variant, then an even spread of the rare ones) and each remaining variant joins
the cluster of its nearest sampled variant when that is within ``cluster_epsilon``.
Variants in no cluster stay unassigned (process -1).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz.distance import Indel, Levenshtein
from rapidfuzz.process import cdist
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from mining.actions import title_workbook, url_site
from mining.config import MiningConfig

#: Variants assigned to their nearest sampled variant per batch (bounds memory).
ASSIGN_CHUNK = 2000

#: Columns of `cluster_instances`' result.
ASSIGNMENT_SCHEMA = {
    "instance_id": pl.Int64,
    "variant": pl.Int64,
    "cluster": pl.Int32,
    "membership": pl.Float64,
    "persistence": pl.Float64,
}


def coarse_action() -> pl.Expr:
    """``kind|app|target`` (and ``|site`` on the web, ``|workbook`` off it): an `action`
    label without its window title and page, when it names a target element.

    Window-title templates split one step into several labels when a title keeps a
    variable part (a vendor name, a subject line); kind, app and the element's templated
    name stay the same across instances. The site (`actions.url_site`: host and a
    single-page app's route head) stays too, and tells apart the apps of one launchpad,
    whose controls are alike; so does a workbook (`action_workbook`), which tells apart
    the sources of one form filled cell by cell. Actions without a target keep their
    full label, the title being all there is.
    """
    fields = pl.col("action").str.splitn("|", 4)
    target = fields.struct.field("field_2")
    coarse = pl.concat_str(
        [fields.struct.field("field_0"), fields.struct.field("field_1"), target], separator="|"
    )
    site = action_site()
    workbook = action_workbook()
    coarse = (
        pl.when(site != "")
        .then(coarse + "|" + site)
        .when(workbook != "")
        .then(coarse + "|" + workbook)
        .otherwise(coarse)
    )
    return pl.when(target.fill_null("") != "").then(coarse).otherwise(pl.col("action"))


def action_workbook() -> pl.Expr:
    """The workbook of an ``action`` label off the web (no URL, `actions.title_workbook`),
    else "" (as `structure.action_sites` places a window)."""
    parts = pl.col("action").str.extract_groups(r"^(?:[^|]*\|){3}(.*)\|([^|]*)$")
    title, url = parts.struct.field("1"), parts.struct.field("2")
    return pl.when(url == "").then(title_workbook(title)).fill_null("")


def action_site() -> pl.Expr:
    """The web site (`actions.url_site`) of an ``action`` label's URL, its last part
    ("" off the web)."""
    url = pl.col("action").str.extract(r"^(?:[^|]*\|){4}.*?([^|]*)$", 1)
    return url_site(url.fill_null(""))


def instance_variants(
    steps: pl.DataFrame, column: str = "action"
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Group instances by their sequence of ``column`` values.

    ``steps`` has one row per event of an instance: ``instance_id, position`` and
    ``column``. Returns ``(instances[instance_id, variant], variants[variant, actions,
    n_instances])`` with variants numbered by descending frequency, ties broken by the
    sequence itself, so that the numbering (and everything computed from it) is
    reproducible.
    """
    seqs = (
        steps.sort("instance_id", "position")
        .group_by("instance_id", maintain_order=True)
        .agg(actions=pl.col(column))
        .with_columns(key=pl.col("actions").list.join("\x1f"))
    )
    variants = (
        seqs.group_by("key")
        .agg(pl.col("actions").first(), n_instances=pl.len())
        .sort(["n_instances", "key"], descending=[True, False])
        .with_row_index("variant")
        .with_columns(pl.col("variant").cast(pl.Int64))
    )
    instances = seqs.join(variants.select("key", "variant"), on="key").select(
        "instance_id", "variant"
    )
    return instances.sort("instance_id"), variants.drop("key")


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
    vocabulary = steps["action"].unique().sort()
    coarse = coarse_codes(vocabulary)
    coded = steps.with_columns(code=_index(steps["action"], vocabulary))
    if "routine" not in coded.columns:
        coded = coded.with_columns(routine=pl.lit(None, pl.Int64))
    return cluster_variants([count_variants(coded, coarse)], config, coarse_sites(vocabulary))


def coarse_codes(vocabulary: pl.Series) -> np.ndarray:
    """Each action of a sorted vocabulary's index among the sorted distinct
    `coarse_action` labels: codes that sort as the labels do."""
    coarse = vocabulary.to_frame("action").select(coarse_action()).to_series()
    return _index(coarse, coarse.unique().sort()).to_numpy()


def coarse_sites(vocabulary: pl.Series) -> list[np.ndarray]:
    """Each coarse code's (`coarse_codes`) web site as a code, -1 off the web; and its
    workbook (`action_workbook`) as a code, -1 where it has none."""
    labelled = vocabulary.to_frame("action").select(
        coarse=coarse_action(), site=action_site(), workbook=action_workbook()
    )
    per_coarse = labelled.group_by("coarse").agg(pl.all().first()).sort("coarse")
    coded = []
    for column in ("site", "workbook"):
        place = per_coarse[column].fill_null("")
        known = place.filter(place != "").unique().sort()
        coded.append(np.where(place != "", _index(place, known).fill_null(-1), -1).astype(np.int64))
    return coded


def _index(values: pl.Series, vocabulary: pl.Series) -> pl.Series:
    """Each value's position in ``vocabulary``."""
    index = vocabulary.to_frame("value").with_row_index("code")
    found = values.to_frame("value").join(index, on="value", how="left", maintain_order="left")
    return found["code"].cast(pl.Int32)


def count_variants(steps: pl.DataFrame, coarse: np.ndarray) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What `cluster_variants` needs of some users' instances, reduced to their distinct
    variants and coded as integers, so that it stays small next to the events.

    ``steps``: ``instance_id, position, code`` (the action's index in the log's sorted
    vocabulary) and ``routine`` per event; ``coarse``: each action code's coarse code
    (`coarse_codes`). Returns ``variants[part_variant, sequence, n_instances, first,
    exemplar]`` (the coarse codes, how many instances do it, the first of them and its
    action codes) and ``instances[instance_id, part_variant, routine]``. An instance
    belongs to one part, so the counts of two parts add up."""
    ordered = steps.sort("instance_id", "position")
    seqs = (
        ordered.with_columns(coarse=pl.Series(coarse, dtype=pl.Int32).gather(ordered["code"]))
        .group_by("instance_id", maintain_order=True)
        .agg(sequence=pl.col("coarse"), exemplar=pl.col("code"))
    )
    variants = (
        seqs.group_by("sequence")
        .agg(
            n_instances=pl.len(),
            first=pl.col("instance_id").min(),
            exemplar=pl.col("exemplar").sort_by("instance_id").first(),
        )
        .sort("first")
        .with_row_index("part_variant")
    )
    routine = steps.group_by("instance_id").agg(pl.col("routine").drop_nulls().first())
    instances = seqs.select("instance_id", "sequence").join(
        variants.select("sequence", "part_variant"), on="sequence"
    )
    return variants, instances.drop("sequence").join(routine, on="instance_id", how="left")


def cluster_variants(
    parts: list[tuple[pl.DataFrame, pl.DataFrame]],
    config: MiningConfig,
    sites: list[np.ndarray],
) -> pl.DataFrame:
    """`cluster_instances` from `count_variants` of each part of a log (instance ids
    unique across parts), ``sites`` each coarse code's web site and workbook
    (`coarse_sites`).
    Variants are numbered by descending frequency, ties broken by the sequence itself,
    as `instance_variants` numbers them.

    Variants stay integer-coded throughout (memory: a log of 5M events has some 80,000
    distinct variants, and each decoded was a list of label strings): edit distances
    need only which actions are equal."""
    every = pl.concat(
        [
            v.select(
                "part_variant",
                "sequence",
                "n_instances",
                "first",
                "exemplar",
                part=pl.lit(k, pl.Int32),
            )
            for k, (v, _) in enumerate(parts)
        ]
    )
    # the variants' coarse codes order them as their labels would: labels are sorted
    # and carry no control characters (readers strip them), so no label sorts before
    # the separator of a joined sequence
    variants = (
        every.group_by("sequence")
        .agg(pl.col("n_instances").sum(), exemplar=pl.col("exemplar").sort_by("first").first())
        .sort(["n_instances", "sequence"], descending=[True, False])
        .with_row_index("variant")
        .with_columns(pl.col("variant").cast(pl.Int64))
    )
    mapping = every.select("part", "part_variant", "sequence").join(
        variants.select("sequence", "variant"), on="sequence"
    )
    del every
    instances = (
        pl.concat([i.with_columns(part=pl.lit(k, pl.Int32)) for k, (_, i) in enumerate(parts)])
        .join(mapping, on=["part", "part_variant"])
        .select("instance_id", "variant", "routine")
        .sort("instance_id")
    )
    del mapping
    if instances.is_empty():
        return pl.DataFrame(schema=ASSIGNMENT_SCHEMA)
    labels, membership, persistence = _hdbscan(variants, config)
    per_instance = instances.drop("routine").join(
        variants.select(
            "variant",
            raw=pl.Series(labels, dtype=pl.Int32),
            membership=pl.Series(membership, dtype=pl.Float64),
        ),
        on="variant",
    )
    places = _variant_places(variants, sites)
    per_instance, persistence = _apart_by_site(per_instance, persistence, places, config)
    # (instances without a routine, segmented by context, leave this unchanged)
    per_instance, persistence = _by_routine(
        *_unclustered_routines(
            per_instance.join(instances.select("instance_id", "routine"), on="instance_id"),
            persistence,
            config,
        ),
        places,
    )
    order = (
        per_instance.filter(pl.col("raw") >= 0)
        .group_by("raw")
        .agg(size=pl.len(), first=pl.col("variant").min())
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
    return (
        per_instance.join(order.select("raw", "cluster", "persistence"), on="raw", how="left")
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


def _variant_places(variants: pl.DataFrame, sites: list[np.ndarray]) -> pl.DataFrame:
    """``variant, kind, site, code``: the places each variant works on, of each kind of
    `coarse_sites` (0: web sites, 1: workbooks), and the steps (coarse codes) it takes
    there."""
    coded = pl.concat(
        [
            pl.DataFrame(
                {"code": np.arange(len(codes), dtype=np.int32), "site": codes},
                schema={"code": pl.Int32, "site": pl.Int64},
            ).with_columns(kind=pl.lit(kind, pl.Int64))
            for kind, codes in enumerate(sites)
        ]
    ).filter(pl.col("site") >= 0)
    return (
        variants.select("variant", code="sequence")
        .explode("code")
        .join(coded, on="code")
        .select("variant", "kind", "site", "code")
        .unique()
    )


#: Share of a cluster's instances a group on other sites holds, at least, to be split
#: off: a site visited in passing (a look-up, a chat) is in a few instances of a large
#: cluster; another app of a launchpad, or another source workbook, is a good part of it.
APART_SHARE = 0.05
#: Distinct steps a group takes on its sites, at least, to be split off: an app's list,
#: buttons and dialog, a workbook's cells. One step there (this web page or that one
#: opened) is a branch of the routine.
APART_STEPS = 2


def _apart_by_site(
    instances: pl.DataFrame, persistence: np.ndarray, places: pl.DataFrame, config: MiningConfig
) -> tuple[pl.DataFrame, np.ndarray]:
    """Split a cluster whose instances fall into groups that share no site: the apps of
    one launchpad, alike in every step but their page, or one form filled from two
    workbooks, which hdbscan may keep together when their variants are all about as far
    from each other. Web sites first, then workbooks (`_variant_places`).

    Two sites of a cluster are one group when ``cluster_min_size`` instances or more use
    both (a few instances cut wrongly across two apps tie nothing); an instance goes
    with the largest group among its sites, and one with no site with the cluster's
    largest group; a group of fewer than ``cluster_min_size`` instances, or than
    `APART_SHARE` of the cluster's, or that takes fewer than `APART_STEPS` steps on its
    sites, stays with it too. ``instances``: ``instance_id, variant, raw`` (the cluster,
    -1 for none)."""
    for kind in places["kind"].unique().sort():
        steps = (
            places.filter(pl.col("kind") == kind)
            .join(instances.filter(pl.col("raw") >= 0), on="variant")
            .with_columns(node=(pl.struct("raw", "site").rank("dense") - 1).cast(pl.Int64))
        )
        used = steps.select("instance_id", "raw", "node").unique()
        both = (
            used.join(used.select("instance_id", other="node"), on="instance_id")
            .filter(pl.col("node") < pl.col("other"))
            .group_by("node", "other")
            .len()
            .filter(pl.col("len") >= config.cluster_min_size)
        )
        nodes = int(used["node"].max() or 0) + 1
        graph = coo_matrix(
            (np.ones(both.height), (both["node"].to_numpy(), both["other"].to_numpy())),
            shape=(nodes, nodes),
        )
        _, component = connected_components(graph, directed=False)
        of_node = pl.DataFrame({"node": np.arange(nodes, dtype=np.int64), "group": component})
        grouped = used.join(of_node, on="node")
        groups = (
            steps.join(of_node, on="node")
            .group_by("raw", "group")
            .agg(size=pl.col("instance_id").n_unique(), steps=pl.col("code").n_unique())
        )
        chosen = (
            grouped.join(groups, on=["raw", "group"])
            .sort("size", "group", descending=[True, False])
            .unique("instance_id", keep="first")
        )
        # every group but a cluster's largest, big enough, is a cluster of its own
        clusters = instances.group_by("raw").agg(cluster=pl.len())
        apart = (
            chosen.group_by("raw", "group")
            .agg(n=pl.len(), steps=pl.col("steps").first())
            .join(clusters, on="raw")
            .sort("raw", "n", "group", descending=[False, True, False])
            .filter(
                (pl.int_range(pl.len()).over("raw") > 0)
                & (pl.col("n") >= config.cluster_min_size)
                & (pl.col("n") >= APART_SHARE * pl.col("cluster"))
                & (pl.col("steps") >= APART_STEPS)
            )
            .with_row_index("new")
            .select("raw", "group", new=pl.col("new").cast(pl.Int32) + len(persistence))
        )
        if apart.is_empty():
            continue
        instances = (
            instances.join(chosen.select("instance_id", "group"), on="instance_id", how="left")
            .join(apart, on=["raw", "group"], how="left")
            .with_columns(raw=pl.coalesce("new", "raw"))
            .drop("group", "new")
        )
        persistence = np.append(persistence, persistence[apart["raw"].to_numpy()])
    return instances, persistence


def _unclustered_routines(
    instances: pl.DataFrame, persistence: np.ndarray, config: MiningConfig
) -> tuple[pl.DataFrame, np.ndarray]:
    """A structural routine that hdbscan left unclustered, ``cluster_min_size``
    instances or more and the majority of no cluster, is a candidate of its own (with
    persistence 0: no density held it together). Its instances vary too much for any
    two to sit close (long batches, each checked in its own way); structure saw them
    repeat."""
    clustered = (
        instances.filter((pl.col("raw") >= 0) & pl.col("routine").is_not_null())
        .group_by("raw", "routine")
        .len()
        .sort("len", "routine", descending=[True, False])
        .group_by("raw")
        .agg(pl.col("routine").first())
    )
    left = (
        instances.filter((pl.col("raw") < 0) & pl.col("routine").is_not_null())
        .group_by("routine")
        .len()
        .filter(
            (pl.col("len") >= config.cluster_min_size)
            & ~pl.col("routine").is_in(clustered["routine"].implode())
        )
        .sort("routine")
        .with_row_index("new")
        .select("routine", new=pl.col("new").cast(pl.Int32) + len(persistence))
    )
    if left.is_empty():
        return instances, persistence
    joined = instances.join(left, on="routine", how="left")
    own = (pl.col("raw") < 0) & pl.col("new").is_not_null()
    return (
        joined.with_columns(
            raw=pl.when(own).then("new").otherwise("raw"),
            membership=pl.when(own).then(0.5).otherwise("membership"),
        ).drop("new"),
        np.append(persistence, np.zeros(left.height)),
    )


def _by_routine(
    instances: pl.DataFrame, persistence: np.ndarray, places: pl.DataFrame
) -> tuple[pl.DataFrame, np.ndarray]:
    """Candidates of one routine become one: clusters whose instances come (nine in ten)
    from one structural routine merge, unless they work on different sites or
    workbooks (`_apart_by_site`), and unclustered instances of a routine join the
    cluster most of its others are in, where it is that cluster's main routine.

    Structure (`mining.routines`) saw these instances advance in lockstep or one inside
    the other in the stream; their differences (a branch, a retried step, an optional
    block) are variants of one routine, not separate candidates. The same steps in two
    apps of a launchpad, or a form filled from two workbooks, are two routines that
    structure cannot tell apart. Instances segmented by context carry no routine and
    are left as hdbscan placed them.
    """
    dominant = (
        instances.filter((pl.col("raw") >= 0) & pl.col("routine").is_not_null())
        .group_by("raw", "routine")
        .len()
        .with_columns(share=pl.col("len") / pl.col("len").sum().over("raw"))
        .filter(pl.col("share") >= 0.9)
        .sort("routine", "raw")
    )
    where = _main_places(instances, places)
    pairs = []
    for _, raws in dominant.group_by("routine", maintain_order=True):
        # a cluster joins the first group of merged ones it shares places with, each
        groups: list[list[int]] = []
        for raw in raws["raw"]:
            mine = where.get(raw, {})
            group = next(
                (g for g in groups if all(_together(where.get(o, {}), mine) for o in g)), None
            )
            if group is None:
                group = []
                groups.append(group)
            group.append(raw)
            pairs.append((raw, group[0]))
    merged = pl.DataFrame(pairs, schema={"raw": pl.Int32, "target": pl.Int32}, orient="row")
    # an unclustered instance joins the cluster most of its routine's others are in,
    # where that routine is the cluster's main one
    main = (
        instances.filter((pl.col("raw") >= 0) & pl.col("routine").is_not_null())
        .group_by("raw", "routine")
        .len()
        .sort("len", "routine", descending=[True, False])
        .unique("raw", keep="first")
    )
    home = (
        main.sort("len", "raw", descending=[True, False])
        .unique("routine", keep="first")
        .join(merged, on="raw", how="left")
        .select("routine", home=pl.coalesce("target", "raw"))
    )
    kept = persistence.copy()
    np.maximum.at(kept, merged["target"].to_numpy(), persistence[merged["raw"].to_numpy()])
    joined = instances.join(merged, on="raw", how="left").join(home, on="routine", how="left")
    rescued = (pl.col("raw") < 0) & pl.col("home").is_not_null()
    return (
        joined.with_columns(
            raw=pl.when(rescued).then("home").otherwise(pl.coalesce("target", "raw")),
            membership=pl.when(rescued).then(0.5).otherwise("membership"),
        ).drop("target", "home", "routine"),
        kept,
    )


def _main_places(instances: pl.DataFrame, places: pl.DataFrame) -> dict[int, dict[int, set]]:
    """Per cluster, per kind of place: the sites a third or more of its instances work
    on, taking `APART_STEPS` steps or more there (one file opened is a branch of the
    routine, as in `_apart_by_site`)."""
    clustered = instances.filter(pl.col("raw") >= 0).select("variant", "raw", "instance_id")
    size = clustered.group_by("raw").agg(size=pl.len())
    main = (
        places.join(clustered, on="variant")
        .group_by("raw", "kind", "site")
        .agg(n=pl.col("instance_id").n_unique(), steps=pl.col("code").n_unique())
        .join(size, on="raw")
        .filter((pl.col("n") * 3 >= pl.col("size")) & (pl.col("steps") >= APART_STEPS))
        .group_by("raw", "kind")
        .agg("site")
    )
    where: dict[int, dict[int, set]] = {}
    for raw, kind, sites in main.iter_rows():
        where.setdefault(raw, {})[kind] = set(sites)
    return where


def _together(a: dict[int, set], b: dict[int, set]) -> bool:
    """Whether two clusters' main places (`_main_places`) share a site of every kind
    both have."""
    return all(a[kind] & b[kind] for kind in a.keys() & b.keys())


def _hdbscan(
    variants: pl.DataFrame, config: MiningConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """hdbscan labels and probabilities per variant (``sequence``: coarse codes,
    ``n_instances``, ``exemplar``: the action codes of one instance), and persistence
    per raw label."""
    n = variants.height
    counts = variants["n_instances"].to_numpy()
    if counts.sum() < config.cluster_min_size:
        return np.full(n, -1), np.zeros(n), np.zeros(0)
    # Each variant enters once per instance up to min_size + 1 copies: a routine always
    # done one way is then still more points than hdbscan's smallest cluster.
    copies = np.minimum(counts, config.cluster_min_size + 1)
    sequences = variants["sequence"]
    sample = _sample(copies, config.cluster_max_variants)
    sampled = sequences.gather(sample).to_list()
    distances = cdist(
        sampled, sampled, scorer=Levenshtein.normalized_distance, dtype=np.float32, workers=1
    )
    rows = np.repeat(np.arange(len(sample)), copies[sample])
    points = distances[np.ix_(rows, rows)].astype(np.float64)
    clusterer = _fit(points, config, single=False)
    if clusterer.labels_.max() < 0:  # a log of one routine: only the root is a cluster
        clusterer = _fit(points, config, single=True)
    first = np.cumsum(copies[sample]) - copies[sample]
    labels, membership = np.full(n, -1), np.zeros(n)
    labels[sample], membership[sample] = clusterer.labels_[first], clusterer.probabilities_[first]
    _join_nearest(labels, membership, sample, distances, config.cluster_join)
    rest = np.setdiff1d(np.arange(n), sample)
    for chunk in np.array_split(rest, max(1, len(rest) // ASSIGN_CHUNK)):
        if len(chunk) == 0:
            continue
        d = cdist(
            sequences.gather(chunk).to_list(),
            sampled,
            scorer=Levenshtein.normalized_distance,
            dtype=np.float32,
            workers=1,
        )
        nearest = d.argmin(axis=1)
        near = d[np.arange(len(chunk)), nearest] <= config.cluster_epsilon
        labels[chunk] = np.where(near, labels[sample][nearest], -1)
        membership[chunk] = np.where(near, membership[sample][nearest], 0.0)
    persistence = np.asarray(clusterer.cluster_persistence_, dtype=np.float64)
    labels, persistence = _merge_close(
        labels, persistence, variants["exemplar"], config.cluster_epsilon
    )
    return labels, membership, persistence


def _join_nearest(
    labels: np.ndarray,
    membership: np.ndarray,
    sample: np.ndarray,
    distances: np.ndarray,
    limit: float,
) -> None:
    """Sampled variants hdbscan left out join the cluster of their nearest clustered
    variant when it is within ``limit`` (in place).

    hdbscan calls a variant noise when too few others sit near it, and a routine with
    several optional steps has many variants that occur once each, a step or two from
    its main one; they are instances of it.
    """
    own = labels[sample]
    clustered = np.flatnonzero(own >= 0)
    lonely = np.flatnonzero(own < 0)
    if len(clustered) == 0 or len(lonely) == 0:
        return
    near = distances[np.ix_(lonely, clustered)]
    nearest = near.argmin(axis=1)
    close = near[np.arange(len(lonely)), nearest] <= limit
    joining = sample[lonely[close]]
    source = sample[clustered[nearest[close]]]
    labels[joining] = labels[source]
    membership[joining] = membership[source] * 0.5


def _merge_close(
    labels: np.ndarray, persistence: np.ndarray, exemplars: pl.Series, epsilon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Merge clusters whose most frequent variants are within ``epsilon`` of each other,
    by indel distance (the share of actions not on their longest common subsequence: a
    branch that leaves the main path for a few steps stays close to it) between the full
    actions of an instance of each: two routines that fill the same fields in different
    windows (an order form, a returns form) differ in their window titles.

    ``cluster_selection_epsilon`` merges close sub-clusters everywhere in hdbscan's tree
    but at its root, which it never selects; two branches of one routine that are the
    root's two children would otherwise stay two candidates. A merged cluster keeps the
    highest persistence of its parts.
    """
    raw = np.unique(labels[labels >= 0])
    if len(raw) < 2:
        return labels, persistence
    # the most frequent variant of each (action codes: equal codes, equal actions)
    tops = exemplars.gather([int(np.flatnonzero(labels == r)[0]) for r in raw]).to_list()
    close = cdist(tops, tops, scorer=Indel.normalized_distance, workers=1) <= epsilon
    _, component = connected_components(close, directed=False)
    merged = np.full(len(persistence), -1)
    merged[raw] = component
    kept = np.zeros(component.max() + 1)
    np.maximum.at(kept, component, persistence[raw])
    return np.where(labels >= 0, merged[labels], -1), kept


def _fit(points: np.ndarray, config: MiningConfig, single: bool):
    """hdbscan on precomputed distances; ``single`` lets the whole set be one cluster,
    which hdbscan otherwise never selects (it looks for at least two)."""
    import hdbscan

    return hdbscan.HDBSCAN(
        metric="precomputed",
        min_cluster_size=config.cluster_min_size,
        min_samples=min(config.cluster_min_samples, config.cluster_min_size),
        cluster_selection_epsilon=config.cluster_epsilon,
        allow_single_cluster=single,
    ).fit(points)


def _sample(copies: np.ndarray, limit: int) -> np.ndarray:
    """Variants hdbscan sees: all if their copies fit in ``limit`` points, else every
    frequent one (variants are sorted by frequency) and an even spread of the rest."""
    if copies.sum() <= limit:
        return np.arange(len(copies))
    head = int(np.searchsorted(np.cumsum(copies), limit // 2, side="right"))
    room = limit - int(copies[:head].sum())
    tail = np.arange(head, len(copies))
    step = max(1, -(-int(copies[head:].sum()) // max(room, 1)))
    return np.concatenate([np.arange(head), tail[::step]])
