"""The ranking: candidates with decisions applied, every figure recomputed under the filters."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import polars as pl

from explorer.decisions import Unit
from explorer.figures import FACTORS, hours_cells, unit_figures
from explorer.queries.facts import RunFacts, read_run_facts
from explorer.queries.reader import cached_by_file, reading
from explorer.queries.units import Units, processes_of, read_units
from explorer.savings import Assumptions, Bootstrap, bootstrap_hours


@dataclass(frozen=True)
class Filters:
    """What the analyst narrowed the figures to; empty means everything."""

    start: date | None = None
    end: date | None = None
    users: tuple[str, ...] = ()
    app: str | None = None
    min_confidence: float = 0.0


@dataclass(frozen=True)
class FilterOptions:
    users: list[str]
    apps: list[str]
    first: date | None
    last: date | None


def read_filter_options(db: Path) -> FilterOptions:
    with reading(db) as store:
        run_id = store.latest_run_id()
        users = store.query(
            "SELECT DISTINCT user_id FROM instances WHERE run_id = ? ORDER BY 1", [run_id]
        )["user_id"].to_list()
        apps = store.query(
            "SELECT DISTINCT unnest(apps) AS app FROM processes WHERE run_id = ? ORDER BY 1",
            [run_id],
        )["app"].to_list()
        span = store.query(
            "SELECT min(start_ts)::DATE, max(start_ts)::DATE FROM instances WHERE run_id = ?",
            [run_id],
        ).row(0)
    return FilterOptions(users, [a for a in apps if a], span[0], span[1])


@dataclass(frozen=True)
class Opportunities:
    """The ranking, the review queue and the dismissed candidates, each best first.

    ``bootstrap`` holds the draws behind every hours interval (`explorer.savings`), so a
    total over any candidates gets its interval too; ``n_users`` and ``n_days`` are the
    users and working days of the period the figures are over.
    """

    ranking: pl.DataFrame
    review: pl.DataFrame
    dismissed: pl.DataFrame
    bootstrap: Bootstrap
    n_users: int
    n_days: int


def read_opportunities(
    db: Path,
    filters: Filters,
    review_below: float,
    assumptions: Assumptions | None = None,
    run_id: int | None = None,
) -> Opportunities:
    """Candidates with the analyst's decisions applied, every figure over ``filters``,
    and savings (hours and money) under ``assumptions`` (default: recorded hours)."""
    found = _rank(db, filters, review_below, run_id)
    if assumptions is None:
        assumptions = Assumptions(hourly_cost=0.0, automation_rate=1.0)
    return replace(
        found,
        ranking=with_savings(found.ranking, assumptions),
        review=with_savings(found.review, assumptions),
        dismissed=with_savings(found.dismissed, assumptions),
    )


def with_savings(frame: pl.DataFrame, assumptions: Assumptions) -> pl.DataFrame:
    """Hours saved and money per month, with their intervals, from recorded hours."""
    rate, cost = assumptions.automation_rate, assumptions.money_per_hour
    return frame.with_columns(
        hours_saved_per_month=pl.col("hours_per_month") * rate,
        hours_low=pl.col("hours_per_month_low") * rate,
        hours_high=pl.col("hours_per_month_high") * rate,
        money_per_month=pl.col("hours_per_month") * cost,
        money_low=pl.col("hours_per_month_low") * cost,
        money_high=pl.col("hours_per_month_high") * cost,
    )


@cached_by_file
def _rank(db: Path, filters: Filters, review_below: float, run_id: int | None) -> Opportunities:
    facts = read_run_facts(db, run_id)
    found = read_units(db, facts.run_id)
    with reading(db) as store:
        processes = processes_of(store, facts.run_id)
    members, user_days = filtered(facts, found, filters)
    n_days = user_days["day"].n_unique()
    figures = unit_figures(facts, members, n_days)
    bootstrap = bootstrap_hours(hours_cells(facts, members), user_days)
    frame = _frame(found, processes, figures, bootstrap).filter(pl.col("n_instances") > 0)
    ranked = frame.sort(["score", "hours_per_month"], descending=True, nulls_last=True)
    live = ranked.filter(~pl.col("dismissed"))
    trusted = pl.col("confirmed") | (pl.col("confidence") >= review_below)
    ranking = live.filter(trusted & (pl.col("confidence") >= filters.min_confidence))
    return Opportunities(
        ranking.with_row_index("rank", offset=1).with_columns(pl.col("rank").cast(pl.Int64)),
        live.filter(~trusted),
        ranked.filter(pl.col("dismissed")),
        bootstrap,
        user_days["user_id"].n_unique(),
        n_days,
    )


def filtered(facts: RunFacts, found: Units, filters: Filters) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The units' instances (``key, instance_id``) and the user-days the filters keep."""
    days = facts.user_days
    instances = facts.instances
    if filters.start:
        days = days.filter(pl.col("day") >= filters.start)
    if filters.end:
        days = days.filter(pl.col("day") <= filters.end)
    if filters.users:
        days = days.filter(pl.col("user_id").is_in(list(filters.users)))
    if filters.app:
        instances = instances.filter(pl.col("apps").list.contains(filters.app))
    kept = instances.join(days, on=["user_id", "day"], how="semi").select("instance_id")
    return found.members.join(kept, on="instance_id", how="semi"), days


def _frame(
    found: Units, processes: pl.DataFrame, figures: pl.DataFrame, bootstrap: Bootstrap
) -> pl.DataFrame:
    apps = {r["process_id"]: r["apps"] or [] for r in processes.iter_rows(named=True)}
    units = pl.DataFrame(
        [
            {
                "key": u.key,
                "process_id": u.primary,
                "signature": u.signature,
                "name": u.name,
                "apps": sorted({a for m in u.members for a in apps.get(m, []) if a}),
                "dismissed": u.dismissed,
                "confirmed": u.confirmed,
                "note": note(u),
            }
            for u in found.units
        ],
        schema=_UNIT_SCHEMA,
    )
    intervals = bootstrap.intervals().rename(
        {"hours_low": "hours_per_month_low", "hours_high": "hours_per_month_high"}
    )
    return (
        units.join(figures, on="key", how="left")
        .join(intervals, on="key", how="left")
        .with_columns(pl.col("n_instances").fill_null(0))
        .rename({f: f"factor_{f}" for f in FACTORS})
    )


_UNIT_SCHEMA = {
    "key": pl.String,
    "process_id": pl.Int32,
    "signature": pl.String,
    "name": pl.String,
    "apps": pl.List(pl.String),
    "dismissed": pl.Boolean,
    "confirmed": pl.Boolean,
    "note": pl.String,
}


def note(unit: Unit) -> str:
    """What the analyst did to a candidate, in a few words."""
    notes = []
    if unit.merged_names:
        notes.append("merged with " + ", ".join(unit.merged_names))
    if unit.part is not None:
        notes.append(f"part of a split: {unit.part.label}")
    if unit.confirmed:
        notes.append("confirmed")
    return " · ".join(notes)
