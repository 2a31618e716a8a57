"""Clustering instances into candidate processes, on hand-made logs with known routines."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest

from mining.cluster import (
    _by_routine,
    _unclustered_routines,
    cluster_instances,
    coarse_action,
    instance_variants,
)
from mining.config import MiningConfig

ENTRY = ["open form", "type name", "type amount", "click save", "close form"]
MAIL = ["open inbox", "read mail", "click reply", "type answer", "click send"]


def steps_of(sequences: list[list[str]]) -> pl.DataFrame:
    """One row per event: ``instance_id, position, action`` (instance ids in list order)."""
    rows = [(i, p, action) for i, seq in enumerate(sequences) for p, action in enumerate(seq)]
    return pl.DataFrame(
        rows,
        schema={"instance_id": pl.Int64, "position": pl.Int32, "action": pl.String},
        orient="row",
    )


def two_routines() -> list[list[str]]:
    """12 invoice entries (some with an optional check), 10 mails, 2 one-off stretches."""
    entries = [ENTRY] * 8 + [ENTRY[:3] + ["click check"] + ENTRY[3:]] * 4
    mails = [MAIL] * 6 + [MAIL[:2] + ["click forward"] + MAIL[2:]] * 4
    noise = [["play music", "skip song", "pause music"], ["open news", "scroll news", "x"]]
    return entries + mails + noise


def test_instances_of_one_routine_share_a_candidate_and_noise_stays_out():
    assignment = cluster_instances(steps_of(two_routines()), MiningConfig())
    cluster = assignment.sort("instance_id")["cluster"].to_list()
    assert len(set(cluster[:12])) == 1 and cluster[0] >= 0
    assert len(set(cluster[12:22])) == 1 and cluster[12] >= 0
    assert cluster[0] != cluster[12]
    assert cluster[22:] == [-1, -1]
    # numbered by size: the 12 entries come first
    assert cluster[0] == 0 and cluster[12] == 1


def test_membership_and_persistence_are_probabilities():
    assignment = cluster_instances(steps_of(two_routines()), MiningConfig())
    members = assignment.filter(pl.col("cluster") >= 0)
    assert members["membership"].is_between(0.0, 1.0).all()
    assert members["persistence"].is_between(0.0, 1.0).all()
    assert assignment.filter(pl.col("cluster") < 0)["membership"].to_list() == [0.0, 0.0]


def test_same_input_gives_the_same_assignment():
    steps = steps_of(two_routines())
    assert cluster_instances(steps, MiningConfig()).equals(cluster_instances(steps, MiningConfig()))


def test_sampling_many_variants_still_assigns_every_routine():
    config = MiningConfig(cluster_max_variants=12)
    assignment = cluster_instances(steps_of(two_routines()), config).sort("instance_id")
    cluster = assignment["cluster"].to_list()
    assert cluster[0] >= 0 and len(set(cluster[:12])) == 1
    assert cluster[12] >= 0 and len(set(cluster[12:22])) == 1


def test_a_log_of_one_routine_is_one_candidate():
    """A log holding one routine, always done alike or with an option, is one candidate
    (hdbscan on its own never selects a single cluster)."""
    for sequences in ([ENTRY] * 20, two_routines()[:12]):
        assignment = cluster_instances(steps_of(sequences), MiningConfig())
        assert assignment["cluster"].to_list() == [0] * len(sequences)
        assert assignment["persistence"].is_between(0.0, 1.0).all()


def test_two_branches_of_one_routine_are_one_candidate():
    """Saving or cancelling the same form: hdbscan splits the two branches at its root,
    where its epsilon never merges; they share most of their actions, so they merge."""
    cancelled = ENTRY[:3] + ["click cancel", "confirm cancel", "close form"]
    assignment = cluster_instances(steps_of([ENTRY] * 10 + [cancelled] * 10), MiningConfig())
    assert assignment["cluster"].to_list() == [0] * 20


def test_the_same_fields_in_two_windows_are_two_candidates():
    """An order form (customer, amount, save) and a returns form (amount, save): the
    actions without titles nearly coincide; the windows tell the routines apart."""
    orders = [f"{a}|Orders form" for a in ("click|Form|Customer", "type|Form|Customer")]
    orders += [f"{a}|Orders form" for a in ("click|Form|Amount", "type|Form|Amount")]
    orders += ["hotkey|Form||Orders form"]
    returns = [f"{a}|Returns form" for a in ("click|Form|Amount", "type|Form|Amount")]
    returns += ["hotkey|Form||Returns form"]
    cluster = cluster_instances(steps_of([orders] * 10 + [returns] * 10), MiningConfig())
    assert cluster["cluster"].n_unique() == 2 and (cluster["cluster"] >= 0).all()


def test_the_same_clicks_in_two_apps_of_one_launchpad_are_two_candidates():
    """Two Fiori apps: the same list, Approve and Submit, told apart by their route only
    (the window title, here the item, is dropped)."""
    clicks = ["__item<n>-list", "approveButton", "__button<n>-BDI-content"]
    orders, invoices = (
        [f"click|Chrome|{c}|Item <num>|erp.example/flp#{route}" for c in clicks]
        for route in ("SalesOrder-approve", "SupplierInvoice-approve")
    )
    cluster = cluster_instances(steps_of([orders] * 10 + [invoices] * 10), MiningConfig())
    assert sorted(cluster["cluster"].to_list()) == [0] * 10 + [1] * 10
    assert cluster["cluster"].head(10).n_unique() == 1


def test_too_few_instances_are_all_noise():
    assignment = cluster_instances(steps_of([ENTRY, ENTRY]), MiningConfig())
    assert assignment["cluster"].to_list() == [-1, -1]


def test_variants_are_numbered_by_frequency():
    instances, variants = instance_variants(steps_of([MAIL, ENTRY, ENTRY]))
    assert variants["actions"].to_list() == [ENTRY, MAIL]
    assert variants["n_instances"].to_list() == [2, 1]
    assert instances.sort("instance_id")["variant"].to_list() == [1, 0, 0]


def test_coarse_action_drops_the_title_when_the_element_is_known():
    events = pl.DataFrame(
        {
            "action": ["click|SAP|Post|Invoice 4711 - SAP", "focus|SAP||Invoice 4711 - SAP"],
            "kind": ["click", "focus"],
            "app": ["SAP", "SAP"],
            "element_name": ["Post", None],
        }
    )
    coarse = events.select(coarse=coarse_action())["coarse"].to_list()
    assert coarse == ["click|SAP|Post", "focus|SAP||Invoice 4711 - SAP"]


def test_coarse_action_keeps_the_web_site_and_drops_the_page():
    actions = [
        "click|chrome|save|Order <num> | Shop|shop.example/orders/<num>/edit",
        "click|chrome|approveButton||erp.example:44300/sap/bc/ui2/flp#SalesOrder-approve",
    ]
    coarse = pl.DataFrame({"action": actions}).select(coarse_action()).to_series().to_list()
    assert coarse == [
        "click|chrome|save|shop.example",
        "click|chrome|approveButton|erp.example:44300#SalesOrder-approve",
    ]


def test_two_apps_of_a_launchpad_that_share_no_site_are_two_candidates():
    """Two Fiori apps, each opened now and then from the launchpad (home and a tile, on
    no app's route), each item looked at in a few ways before it is decided: so many
    variants, each about as far from the others, that hdbscan finds no density parting
    the apps. Their steps share no web site: they are two candidates."""
    rng = random.Random(1)
    sequences = []
    for route in ("SalesOrder-approve", "SupplierInvoice-approve"):
        for _ in range(25):
            launch = ["click|Chrome|shell-home||", "click|Chrome|__tile<n>||"]
            opened = launch if rng.random() < 0.3 else []
            looks = rng.sample(["tabNotes", "tabItems", "line-1", "back"], rng.randint(0, 3))
            decide = [rng.choice(["approveButton", "rejectButton"]), "__button<n>-BDI-content"]
            steps = ["__item<n>-list", *looks, *decide]
            sequences.append(opened + [f"click|Chrome|{c}||erp.example/flp#{route}" for c in steps])
    cluster = cluster_instances(steps_of(sequences), MiningConfig())["cluster"]
    assert cluster.head(25).n_unique() == 1 and cluster.tail(25).n_unique() == 1
    assert cluster[0] != cluster[25] and cluster.min() >= 0


def test_one_form_filled_from_two_workbooks_is_two_candidates_even_as_one_routine():
    """Claims entered into one portal form, some from one workbook and some from
    another, cell by cell with optional fields: every step on the portal is alike, and
    structure saw one routine. The workbooks (the title before its sheet) tell the
    sources apart; one instance that copied from both ties nothing."""
    rng = random.Random(2)
    portal = "|Claims - portal.example|portal.example/claims/new"
    sequences, routine = [], []
    for book, n in (("Eingang.xlsx", 20), ("claims_to_enter.xlsx", 15)):
        for _ in range(n):
            fields = rng.sample(["claimant", "amount", "iban", "policy"], rng.randint(2, 4))
            copied = [(f"copy|Excel|{c}<row>|{book} | Sheet1|", f"paste|Chrome|{f}{portal}")
                      for c, f in zip("ABCD"[: len(fields)], fields, strict=True)]  # fmt: skip
            sequences.append([a for pair in copied for a in pair] + [f"click|Chrome|save{portal}"])
            routine.append(0)
    sequences.append([*sequences[0][:2], *sequences[-1][2:]])
    routine.append(0)
    steps = steps_of(sequences).join(
        pl.DataFrame({"instance_id": range(len(routine)), "routine": routine}), on="instance_id"
    )
    cluster = cluster_instances(steps, MiningConfig())["cluster"]
    assert cluster.head(20).n_unique() == 1 and cluster.slice(20, 15).n_unique() == 1
    assert cluster[0] != cluster[20] and cluster.head(35).min() >= 0


def test_a_site_visited_in_passing_splits_no_candidate():
    """Invoices keyed into a desktop ERP, 200 times; in 20 a supplier was looked up on
    one web site, in 6 on another. Those sites are visits in passing, not what the
    instances are about: a few instances of a large cluster stay in it."""
    steps = (("click", "Vendor"), ("type", "Vendor"), ("type", "Amount"), ("click", "Post"))
    erp = [f"{step}|SAP|{field}|Enter Invoice|" for step, field in steps]
    crm = "click|Chrome|search|Accounts - crm.example|crm.example/accounts"
    registry = "click|Chrome|search|Lookup - registry.example|registry.example/search"
    sequences = [erp] * 174
    sequences += [[*erp[:2], crm, *erp[2:]]] * 20 + [[*erp[:2], registry, *erp[2:]]] * 6
    cluster = cluster_instances(steps_of(sequences), MiningConfig())["cluster"]
    assert cluster.n_unique() == 1 and cluster[0] >= 0


def test_a_routine_that_opens_one_web_page_or_another_is_one_candidate():
    """Values looked up in a sheet and entered in a web form (recorded without
    addresses), the form opened from one of two pages: one step on one site or the
    other is a branch of the routine, not another app."""
    steps = ["openFile|Excel||data.xls | Sheet1|", "copy|Excel|||", "click|Web|name||",
             "paste|Web|name||", "click|Web|OK||"]  # fmt: skip
    sequences = [
        [*steps[:2], f"goToUrl|Web|||www.{site}.example", *steps[2:]]
        for site in ["forms"] * 25 + ["forms2"] * 15
    ]
    cluster = cluster_instances(steps_of(sequences), MiningConfig())["cluster"]
    assert cluster.n_unique() == 1 and cluster[0] >= 0


def test_a_routine_hdbscan_leaves_out_whole_is_a_candidate_of_its_own():
    """Batches of approvals, each checked in its own way, that structure found to be one
    routine: no two sit close, and hdbscan leaves them all out. Structure saw them
    repeat: they become a candidate (persistence 0: no density held them together). A
    routine that is the most of a cluster, or has too few instances, does not."""
    instances = pl.DataFrame(
        {
            "instance_id": range(15),
            "raw": [0] * 6 + [-1] * 6 + [-1] * 2 + [-1],
            "membership": [0.9] * 6 + [0.0] * 9,
            "routine": [0] * 6 + [1] * 6 + [2] * 2 + [0],
        },
        schema_overrides={"raw": pl.Int32, "routine": pl.Int64},
    )
    placed, persistence = _unclustered_routines(instances, np.array([0.7]), MiningConfig())
    assert placed["raw"].to_list() == [0] * 6 + [1] * 6 + [-1] * 3
    assert persistence.tolist() == [0.7, 0.0]


def test_unclustered_instances_join_the_cluster_their_routine_is_most_of():
    """An inbox's approvals, eight of them in a cluster where two of another routine's
    instances came too (no cluster is nine in ten theirs), and four hdbscan left out:
    structure saw all twelve repeat one routine, so the four join its cluster. An
    instance of a routine that leads no cluster stays out."""
    instances = pl.DataFrame(
        {
            "instance_id": range(15),
            "variant": range(15),
            "raw": [0] * 10 + [-1] * 5,
            "membership": [0.9] * 10 + [0.0] * 5,
            "routine": [0] * 8 + [1] * 2 + [0] * 4 + [1],
        },
        schema_overrides={"raw": pl.Int32, "routine": pl.Int64},
    )
    places = pl.DataFrame(
        schema={"variant": pl.Int64, "kind": pl.Int64, "site": pl.Int64, "code": pl.Int32}
    )
    placed, _ = _by_routine(instances, np.array([0.6]), places)
    assert placed.sort("instance_id")["raw"].to_list() == [0] * 14 + [-1]


@pytest.mark.parametrize(
    "clusters",
    [
        # a sheet's set-up, then enrolments from it into two portals
        [{1: {0}}, {0: {0}, 1: {0}}, {0: {1}, 1: {0}}],
        # claims from two workbooks into one portal, and the set-up of both workbooks
        [{0: {0}, 1: {0}}, {1: {0, 1}}, {0: {0}, 1: {1}}],
    ],
    ids=["two-portals", "two-workbooks"],
)
def test_clusters_of_one_routine_merge_only_where_each_shares_their_places(
    clusters: list[dict[int, set[int]]],
) -> None:
    """Structure saw one routine in three clusters (kind 0: web sites, 1: workbooks).
    The second shares places with the first and joins it; the third works on a site or
    workbook that one of those two does not, and stays a candidate of its own, though
    it shares something with the other."""
    rows, places = [], []
    for raw, where in enumerate(clusters):
        for k in range(10):
            variant = 10 * raw + k
            rows.append((variant, variant, raw, 0.9, 0))
            for kind, sites in where.items():
                places += [(variant, kind, site, 2 * site + step + 10 * kind)
                           for site in sites for step in (0, 1)]  # fmt: skip
    instances = pl.DataFrame(
        rows,
        schema={"instance_id": pl.Int64, "variant": pl.Int64, "raw": pl.Int32,
                "membership": pl.Float64, "routine": pl.Int64},
        orient="row",
    )  # fmt: skip
    places_frame = pl.DataFrame(
        places,
        schema={"variant": pl.Int64, "kind": pl.Int64, "site": pl.Int64, "code": pl.Int32},
        orient="row",
    )
    merged, _ = _by_routine(instances, np.array([0.5, 0.5, 0.5]), places_frame)
    raw = merged.sort("instance_id")["raw"].to_list()
    assert raw == [0] * 20 + [2] * 10
