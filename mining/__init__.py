"""Mining: from recorded events to ranked automation opportunities.

One module per step, each a few pure functions over polars DataFrames::

    label_actions → segment_stream → cluster_instances → align_cluster
                  → discover_model → score_processes        (mine: all of it, recorded)

Names are imported on first use, so ``import mining`` stays cheap (no pm4py, hdbscan or
scikit-learn until a step runs).

Example::

    import mining
    from storage.store import open_store

    with open_store("work.duckdb") as store:
        run_id = mining.mine(store, mining.MiningConfig())
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "MiningConfig": "mining.config",
    "label_actions": "mining.actions",
    "segment_stream": "mining.segment",
    "cluster_instances": "mining.cluster",
    "align_cluster": "mining.align",
    "discover_model": "mining.discover",
    "score_processes": "mining.score",
    "mine": "mining.pipeline",
    "mine_events": "mining.pipeline",
    "mine_landing": "mining.pipeline",
    "evaluate_run": "mining.evaluate",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mining' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
