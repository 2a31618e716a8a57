"""Every DuckDB read and write of the explorer; pages call these, then a component builder.

One module per thing the pages ask about: `overview`, `candidates` (the ranking),
`process` (one candidate, its map and exports), `evidence` (the screens of steps and
events), `recordings` (a user's day); `facts` reads the per-instance facts every figure
is computed from; `units` folds analyst decisions into candidates and records new ones;
`reader` holds the shared read-only connection and the per-file-state cache. Pages ask
for aggregates; no call returns more than ``limit`` rows of events.
"""

from explorer.queries.candidates import (
    FilterOptions,
    Filters,
    Opportunities,
    read_filter_options,
    read_opportunities,
)
from explorer.queries.evidence import read_instance_events, read_screenshot
from explorer.queries.overview import IDLE_GAP_S, Overview, read_overview
from explorer.queries.process import (
    ProcessBundle,
    ProcessDetail,
    read_bundle,
    read_instance_unit,
    read_instances,
    read_paths,
    read_process,
    read_process_map,
    read_process_steps,
    read_variants,
)
from explorer.queries.reader import clear_caches
from explorer.queries.recordings import Timeline, read_timeline, read_user_days
from explorer.queries.units import read_units, record_decision, undo_target

__all__ = [
    "IDLE_GAP_S",
    "FilterOptions",
    "Filters",
    "Opportunities",
    "Overview",
    "ProcessBundle",
    "ProcessDetail",
    "Timeline",
    "clear_caches",
    "read_bundle",
    "read_filter_options",
    "read_instance_events",
    "read_instance_unit",
    "read_instances",
    "read_opportunities",
    "read_overview",
    "read_paths",
    "read_process",
    "read_process_map",
    "read_process_steps",
    "read_screenshot",
    "read_timeline",
    "read_units",
    "read_user_days",
    "read_variants",
    "record_decision",
    "undo_target",
]
