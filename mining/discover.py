"""Process models of a candidate: pm4py's inductive miner, a DFG, variants, conformance.

The inductive miner (infrequent variant, IMf) gives a sound, block-structured process
tree; it is converted to BPMN (what analysts and RPA tools import) and to a Petri net
(what token-based replay measures fitness and precision on). Discovery and replay run on
an evenly spaced sample of at most ``discover_max_instances`` instances (and about
``discover_max_events`` events), so a huge candidate costs no more than a large one; the
DFG and the variants use every instance and are computed with polars.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import polars as pl

from mining.cluster import instance_variants
from mining.config import MiningConfig
from storage.models import strip_control_characters

UUID = re.compile(r"(?:id)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class Model:
    """What discovery found for one candidate.

    ``variants``: ``variant_id, actions, n_instances, share, mean_duration_s`` (most
    frequent first); ``instance_variants``: ``instance_id, variant_id``; ``dfg``: JSON with
    ``nodes`` (action, count), ``edges`` (source, target, count, mean_s), ``start`` and
    ``end`` (action, count); ``petri_net``: pm4py's (net, initial, final marking).
    """

    bpmn_xml: str
    dfg: str
    fitness: float
    precision: float
    variants: pl.DataFrame
    instance_variants: pl.DataFrame
    petri_net: tuple[Any, Any, Any]


def discover_model(events: pl.DataFrame, config: MiningConfig) -> Model:
    """Discover BPMN, Petri net, DFG and variants of one candidate's instances.

    ``events``: ``instance_id, position, action, ts`` for every event of the candidate;
    the pipeline passes the instances projected on their consensus steps
    (`mining.align.project_on_steps`), so the model's activities are the workflow's steps.

    Example::

        model = discover_model(events.filter(pl.col("process_id") == 0), config)
        print(model.fitness, model.precision, model.variants.height)
    """
    import pm4py
    from pm4py.objects.bpmn.exporter.variants.etree import get_xml_string
    from pm4py.util import constants

    constants.SHOW_PROGRESS_BAR = False  # library code never prints (token replay's tqdm)
    log = _pm4py_log(_sample(events, config.discover_max_instances, config.discover_max_events))
    tree = pm4py.discover_process_tree_inductive(log, noise_threshold=config.discover_noise)
    net = pm4py.convert_to_petri_net(tree)
    fitness = pm4py.fitness_token_based_replay(log, *net)["log_fitness"]
    precision = pm4py.precision_token_based_replay(log, *net)
    with _counted_uuids():
        bpmn = _canonical_xml(get_xml_string(pm4py.convert_to_bpmn(tree)))
    instances, variants = _variants(events)
    return Model(
        bpmn_xml=bpmn,
        dfg=json.dumps(directly_follows(events)),
        fitness=float(fitness),
        precision=float(precision),
        variants=variants,
        instance_variants=instances,
        petri_net=net,
    )


def directly_follows(events: pl.DataFrame) -> dict:
    """Counts and mean durations (seconds) of each directly-follows pair of actions."""
    ordered = events.sort("instance_id", "position").with_columns(
        next_action=pl.col("action").shift(-1).over("instance_id"),
        gap_s=(pl.col("ts").shift(-1).over("instance_id") - pl.col("ts")).dt.total_microseconds()
        / 1e6,
    )
    edges = (
        ordered.filter(pl.col("next_action").is_not_null())
        .group_by("action", "next_action")
        .agg(count=pl.len(), mean_s=pl.col("gap_s").mean().round(3))
        .sort(["count", "action", "next_action"], descending=[True, False, False])
        .rename({"action": "source", "next_action": "target"})
    )
    firsts = ordered.group_by("instance_id").agg(
        start=pl.col("action").first(), end=pl.col("action").last()
    )

    def counted(column: str) -> list[dict]:
        frame = firsts.group_by(column).agg(count=pl.len()).rename({column: "action"})
        return frame.sort(["count", "action"], descending=[True, False]).to_dicts()

    nodes = (
        events.group_by("action")
        .agg(count=pl.len())
        .sort(["count", "action"], descending=[True, False])
    )
    return {
        "nodes": nodes.to_dicts(),
        "edges": edges.to_dicts(),
        "start": counted("start"),
        "end": counted("end"),
    }


@contextmanager
def _counted_uuids() -> Iterator[None]:
    """Make pm4py's BPMN element ids (``uuid.uuid4()``) a counter while it builds a model.

    pm4py keeps BPMN elements in sets and names them with random UUIDs, so the same model
    would give different XML on every run; counted ids plus `_canonical_xml` make it
    reproducible.
    """
    counter = itertools.count(1)
    original = uuid.uuid4
    uuid.uuid4 = lambda: uuid.UUID(int=next(counter))
    try:
        yield
    finally:
        uuid.uuid4 = original


def _canonical_xml(xml: bytes | str) -> str:
    """Elements sorted by id wherever siblings have ids, then ids renumbered in order."""
    from xml.etree import ElementTree

    text = xml.decode("utf-8") if isinstance(xml, bytes) else str(xml)
    for _, (prefix, uri) in ElementTree.iterparse(io.StringIO(text), events=["start-ns"]):
        ElementTree.register_namespace(prefix, uri)  # keep pm4py's prefixes (bpmn:, …)
    root = ElementTree.fromstring(text)
    for parent in root.iter():
        children = list(parent)
        if any("id" in child.attrib for child in children):
            children.sort(key=lambda child: ("id" in child.attrib, child.get("id", "")))
            parent[:] = children
    ElementTree.indent(root, space="\t")  # moved elements carried their old indentation
    canonical = ElementTree.tostring(root, encoding="unicode", xml_declaration=True)
    ids: dict[str, str] = {}
    return UUID.sub(lambda m: ids.setdefault(m.group(0), f"id{len(ids) + 1}"), canonical)


def _variants(events: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    instances, variants = instance_variants(events)
    durations = events.group_by("instance_id").agg(
        duration_s=(pl.col("ts").max() - pl.col("ts").min()).dt.total_microseconds() / 1e6
    )
    mean = (
        instances.join(durations, on="instance_id")
        .group_by("variant")
        # summed in instance order: the join's row order varies between runs, and so
        # would the mean's last bits
        .agg(mean_duration_s=pl.col("duration_s").sort_by("instance_id").mean())
    )
    variants = (
        variants.join(mean, on="variant")
        .sort("variant")
        .select(
            variant_id=pl.col("variant").cast(pl.Int32),
            actions="actions",
            n_instances=pl.col("n_instances").cast(pl.Int32),
            share=pl.col("n_instances") / pl.col("n_instances").sum(),
            mean_duration_s="mean_duration_s",
        )
    )
    return instances.select("instance_id", variant_id=pl.col("variant").cast(pl.Int32)), variants


def _sample(events: pl.DataFrame, limit: int, max_events: int) -> pl.DataFrame:
    """Every k-th instance, so that at most ``limit`` remain and they hold about
    ``max_events`` events at most (reproducible, spread in time): token replay's cost
    grows with every prefix of every trace, and typing logged per key makes long ones."""
    ids = events.select(pl.col("instance_id").unique().sort())["instance_id"]
    per_instance = events.height / max(ids.len(), 1)
    limit = max(1, min(limit, int(max_events / per_instance)))
    if ids.len() <= limit:
        return events
    keep = ids.gather_every(-(-ids.len() // limit))
    return events.filter(pl.col("instance_id").is_in(keep.implode()))


def _pm4py_log(events: pl.DataFrame):
    """A pandas event log in pm4py's column names.

    Activity names lose characters XML cannot hold: a database written before imports
    dropped them could otherwise hold a BEL that breaks the BPMN writer.
    """
    return (
        events.sort("instance_id", "position")
        .select(
            **{
                "case:concept:name": pl.col("instance_id").cast(pl.String),
                "concept:name": strip_control_characters(pl.col("action")),
                "time:timestamp": pl.col("ts").dt.replace_time_zone("UTC"),
            }
        )
        .to_pandas()
    )
