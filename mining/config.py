"""Settings of a mining run, resolved by `storage.settings.load_config` (section ``[mining]``).

A run stores the resolved configuration it used, so that re-running it is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.settings import setting

#: Apps people use interchangeably for the same routine (process names on Windows, names
#: on macOS and Linux), matched without regard to case. Their events share action labels,
#: so one routine done in Chrome by one user and in Edge by another is one candidate.
APP_FAMILIES = [
    *(
        f"{app}=browser"
        for app in (
            "chrome.exe", "msedge.exe", "firefox.exe", "brave.exe", "opera.exe",
            "iexplore.exe", "google chrome", "google-chrome", "chromium", "firefox",
            "microsoft edge", "safari",
        )
    ),
    *(
        f"{app}=mail"
        for app in (
            "outlook.exe", "olk.exe", "thunderbird.exe", "thunderbird", "microsoft outlook",
            "mail",
        )
    ),
]  # fmt: skip


@dataclass(frozen=True)
class MiningConfig:
    seed: int = setting(0, "seed of every random choice; same input + config = same result")
    # -- actions and segmentation (mining/actions.py, segment.py, context.py, structure.py)
    title_similarity: float = setting(
        0.5, "share of equal tokens for two window titles to share a template (Drain)"
    )
    target_similarity: float = setting(
        0.4, "share of equal words for two element names or labels to share a template"
    )
    title_min_distinct: int = setting(
        4, "distinct values at a title position that make it a placeholder <*>"
    )
    app_families: list[str] = setting(
        APP_FAMILIES,
        "APP=FAMILY pairs: apps that do one job (two browsers, two mail clients) share labels",
    )
    action_attrs: list[str] = setting(
        [], "attrs keys used as an action's target when it has no element field"
    )
    action_position_px: float = setting(
        12.0, "clicks with no element closer than this many pixels are one spot (one target)"
    )
    action_spot_moves: float = setting(
        0.2, "a generated id keeps click spots if this share of its clicks land off the last one"
    )
    segment_idle_s: float = setting(
        600.0, "a gap of this many seconds always ends a task instance (idle)"
    )
    segment_min_events: int = setting(3, "fewest events of a task instance; shorter is noise")
    segment_stray_support: float = setting(
        0.1, "an action in fewer of its routine's instances than this share is noise there"
    )
    routine_lockstep: float = setting(
        0.45, "chunks of actions are one routine when their anchors take turns in this share"
    )
    routine_part_share: float = setting(
        0.8, "share of a community's runs inside another routine's instances that joins it to it"
    )
    routine_attached: float = setting(
        0.6, "an action with fewer of its neighbours in its own community is shared by routines"
    )
    routine_link: float = setting(
        0.2, "directly-follows probability that ties a shared action's event to its neighbour"
    )
    segment_token_chars: int = setting(
        4, "shortest value token (in texts, labels, titles, URLs) that can link events"
    )
    segment_context_s: float = setting(
        1800.0, "a token that recurs only within this many seconds marks one business object"
    )
    segment_window_share: float = setting(
        0.3, "share of a window template's events inside instances that makes it a routine window"
    )
    segment_need_data: bool = setting(
        True, "a context instance must enter or move data (type, paste, copy), not only look"
    )
    segment_min_contexts: int = setting(
        10, "context instances a user needs to be segmented by context rather than structure"
    )
    segment_context_disagree: float = setting(
        0.5, "share of context instances that structure cuts that makes context win"
    )
    segment_context_glue: float = setting(
        0.9, "share of cut context instances holding two of one routine's that makes context lose"
    )
    segment_context_spread: float = setting(
        2.0, "context loses when its tenth-longest instances are this many times its median one"
    )
    # -- clustering, alignment, discovery, scoring (mining/cluster.py … score.py) --------
    cluster_max_variants: int = setting(
        4000, "most variants (copies included) hdbscan clusters; the rest join the nearest"
    )
    cluster_min_size: int = setting(5, "fewest instances a candidate process has")
    cluster_min_samples: int = setting(3, "hdbscan min_samples: higher = more noise")
    cluster_epsilon: float = setting(
        0.6, "hdbscan cluster_selection_epsilon (normalised edit distance): closer merge"
    )
    cluster_join: float = setting(
        0.3, "an instance hdbscan leaves out joins the nearest candidate within this edit distance"
    )
    align_min_support: float = setting(
        0.2, "share of instances an action needs to be a step of the consensus workflow"
    )
    align_required_support: float = setting(
        0.8, "share of instances a step needs to be required (part of the rule), not optional"
    )
    align_max_block: int = setting(4, "longest block of actions detected as a repeated loop")
    align_repeat_share: float = setting(
        0.2, "share of its instances in which a step must repeat to be marked repeated"
    )
    align_exception_similarity: float = setting(
        0.5, "an instance sharing less than this with the consensus is an exception"
    )
    discover_noise: float = setting(0.2, "noise threshold of pm4py's inductive miner (IMf)")
    discover_max_instances: int = setting(
        100, "instances per candidate sampled for discovery, fitness and precision"
    )
    discover_max_events: int = setting(
        3000, "events of those sampled instances, about at most (long instances: fewer)"
    )
