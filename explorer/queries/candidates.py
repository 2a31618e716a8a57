"""The ranking: candidates with decisions applied, their statistics under the filters."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from explorer.decisions import Unit
from explorer.queries.reader import cached_by_file, reading
from explorer.queries.units import processes_of, run_of, units_of
from storage.store import Store


@dataclass(frozen=True)
class Filters:
    """What the analyst narrowed the ranking to; empty means everything."""

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
    """The ranking, the review queue and the dismissed candidates, each best first."""

    ranking: pl.DataFrame
    review: pl.DataFrame
    dismissed: pl.DataFrame
    factor_names: list[str] = field(default_factory=list)


@cached_by_file
def read_opportunities(
    db: Path, filters: Filters, review_below: float, run_id: int | None = None
) -> Opportunities:
    """Candidates with the analyst's decisions applied, their statistics over ``filters``.

    Counts, users, durations and variants are recomputed over the instances the filters
    keep; frequency and hours saved per month are mining's figures scaled by the share of
    each candidate's instances kept. Score and confidence are mining's (a merge shows the
    instance-weighted mean score and the lowest confidence; a split variant its parent's).
    """
    with reading(db) as store:
        run_id = run_of(store, run_id)
        processes = processes_of(store, run_id)
        units = units_of(store, run_id, processes)
        stats = _unit_stats(store, run_id, units, filters)
    frame = _combine(units, processes, stats)
    if filters.app:
        frame = frame.filter(pl.col("apps").list.contains(filters.app))
    frame = frame.filter(pl.col("n_instances") > 0)
    factor_names = sorted({k for f in frame["factors"].to_list() for k in json.loads(f or "{}")})
    frame = _with_factor_columns(frame, factor_names)
    ranked = frame.sort(["score", "hours_saved_per_month"], descending=True, nulls_last=True)
    live = ranked.filter(~pl.col("dismissed"))
    ranking = live.filter(
        (pl.col("confidence") >= review_below) & (pl.col("confidence") >= filters.min_confidence)
    ).with_row_index("rank", offset=1)
    review = live.filter(pl.col("confidence") < review_below)
    return Opportunities(ranking, review, ranked.filter(pl.col("dismissed")), factor_names)


def _unit_table(units: list[Unit]) -> pl.DataFrame:
    rows = [(u.key, pid, u.variant_id) for u in units for pid in u.members]
    return pl.DataFrame(
        rows,
        schema={"key": pl.String, "process_id": pl.Int32, "variant_id": pl.Int32},
        orient="row",
    )


def _instance_filter(filters: Filters) -> tuple[str, list]:
    clauses, params = [], []
    if filters.start:
        clauses.append("i.start_ts >= ?")
        params.append(filters.start)
    if filters.end:
        clauses.append("i.start_ts < ?")
        params.append(filters.end + timedelta(days=1))
    if filters.users:
        clauses.append("i.user_id IN (SELECT unnest(?))")
        params.append(list(filters.users))
    return "".join(f" AND {c}" for c in clauses), params


def _unit_stats(store: Store, run_id: int, units: list[Unit], filters: Filters) -> pl.DataFrame:
    """Per unit and member: instances kept, users, durations, variants (over the filters)."""
    where, params = _instance_filter(filters)
    store.con.register("_units", _unit_table(units).to_arrow())
    try:
        return store.query(
            f"""SELECT m.key, i.process_id, count(*) AS n,
                       list(DISTINCT i.user_id) AS users, sum(i.duration_s) AS duration_s,
                       list(DISTINCT i.variant_id) AS variants
                FROM instances i JOIN _units m ON i.process_id = m.process_id
                     AND (m.variant_id IS NULL OR i.variant_id = m.variant_id)
                WHERE i.run_id = ?{where} GROUP BY ALL""",
            [run_id, *params],
        )
    finally:
        store.con.unregister("_units")


def _combine(units: list[Unit], processes: pl.DataFrame, stats: pl.DataFrame) -> pl.DataFrame:
    by_id = {r["process_id"]: r for r in processes.iter_rows(named=True)}
    by_key: dict[str, list[dict]] = {}
    for row in stats.iter_rows(named=True):
        by_key.setdefault(row["key"], []).append(row)
    rows = []
    for u in units:
        parts = by_key.get(u.key, [])
        n = sum(p["n"] for p in parts)
        per_week = hours = 0.0
        for p in parts:
            proc = by_id[p["process_id"]]
            share = p["n"] / max(proc["total_instances"] or 0, p["n"], 1)
            per_week += (proc["per_week"] or 0.0) * share
            hours += (proc["hours_saved_per_month"] or 0.0) * share
        members = [by_id[m] for m in u.members]
        weights = [max(m["total_instances"] or 0, 1) for m in members]
        score = (
            members[0]["score"]
            if len(members) == 1
            else sum(m["score"] * w for m, w in zip(members, weights, strict=True)) / sum(weights)
        )
        users = {x for p in parts for x in p["users"]}
        apps = sorted({a for m in members for a in (m["apps"] or []) if a})
        rows.append(
            {
                "key": u.key,
                "process_id": u.primary,
                "signature": u.signature,
                "name": u.name,
                "score": score,
                "confidence": min(m["confidence"] for m in members),
                "n_instances": n,
                "per_week": per_week,
                "n_users": len(users),
                "mean_duration_s": (sum(p["duration_s"] for p in parts) / n) if n else None,
                "hours_saved_per_month": hours,
                "n_variants": len({(p["process_id"], v) for p in parts for v in p["variants"]}),
                "apps": apps,
                "factors": by_id[u.primary]["factors"],
                "dismissed": u.dismissed,
                "note": _note(u),
            }
        )
    return pl.DataFrame(rows, schema=_OPPORTUNITY_SCHEMA)


_OPPORTUNITY_SCHEMA = {
    "key": pl.String,
    "process_id": pl.Int32,
    "signature": pl.String,
    "name": pl.String,
    "score": pl.Float64,
    "confidence": pl.Float64,
    "n_instances": pl.Int64,
    "per_week": pl.Float64,
    "n_users": pl.Int64,
    "mean_duration_s": pl.Float64,
    "hours_saved_per_month": pl.Float64,
    "n_variants": pl.Int64,
    "apps": pl.List(pl.String),
    "factors": pl.String,
    "dismissed": pl.Boolean,
    "note": pl.String,
}


def _note(unit: Unit) -> str:
    if unit.merged_names:
        return "merged with " + ", ".join(unit.merged_names)
    if unit.variant_id is not None:
        return "split by variant"
    return ""


def _with_factor_columns(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    parsed = [json.loads(f or "{}") for f in frame["factors"].to_list()]
    return frame.with_columns(
        pl.Series(f"factor_{n}", [_as_float(p.get(n)) for p in parsed], dtype=pl.Float64)
        for n in names
    )


def _as_float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
