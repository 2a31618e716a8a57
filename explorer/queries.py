"""Every DuckDB read and write of the explorer; pages call these, then a component builder.

Reads share one read-only connection that closes after `IDLE_CLOSE_S` without use, so a
page load's burst of callbacks pays for one open while the file is free again for
`taskmine mine` or `import` moments later. A decision is the only write: it closes the
reader and opens the database read-write for that one transaction (DuckDB refuses a
read-only and a read-write connection to one file within a process). One lock serialises
it all. Pages ask for aggregates; no call returns more than ``limit`` rows of events.
"""

from __future__ import annotations

import atexit
import functools
import inspect
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

import polars as pl

from explorer.decisions import ACTIONS, Decision, Unit, build_units
from explorer.errors import ExplorerError, UnknownProcessError
from storage.store import Store, open_store, utcnow

T = TypeVar("T")

#: A gap between two events longer than this is time away, not work.
IDLE_GAP_S = 300
#: The shared reader closes after this many idle seconds, releasing the file.
IDLE_CLOSE_S = 2.0


class _Reader:
    """The process's one read-only connection, opened on demand, closed when idle."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.store: Store | None = None
        self.timer: threading.Timer | None = None

    @contextmanager
    def use(self, db: Path) -> Iterator[Store]:
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
            if self.store is not None and self.store.path != Path(db):
                self.close()
            if self.store is None:
                self.store = open_store(db, read_only=True)
            try:
                yield self.store
            finally:
                self.timer = threading.Timer(IDLE_CLOSE_S, self.close)
                self.timer.daemon = True
                self.timer.start()

    def close(self) -> None:
        with self.lock:
            if self.store is not None:
                self.store.close()
                self.store = None


_READER = _Reader()
atexit.register(_READER.close)  # an open DuckDB handle at exit makes nanobind complain


def _stamp(db: Path) -> tuple:
    """What identifies a state of the database file: size and time of it and its WAL."""
    stamp = []
    for path in (db, db.with_name(db.name + ".wal")):
        try:
            stat = path.stat()
            stamp.append((stat.st_mtime_ns, stat.st_size))
        except FileNotFoundError:
            stamp.append(None)
    return tuple(stamp)


def cached_by_file(fn: Callable[..., T]) -> Callable[..., T]:
    """Cache a read until the database file changes (a write, a new run, a decision).

    Aggregates over every event cost the most and change the least: computed once per
    state of the file, a page re-renders and its callbacks re-run from memory.
    """

    signature = inspect.signature(fn)

    @functools.lru_cache(maxsize=32)
    def cached(stamp: tuple, *args: object) -> T:
        return fn(*args)

    @functools.wraps(fn)
    def wrapper(*args: object, **kwargs: object) -> T:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        db = Path(bound.arguments["db"])
        return cached(_stamp(db), db, *list(bound.arguments.values())[1:])

    _CACHES.append(cached)
    return wrapper


_CACHES: list = []


def clear_caches() -> None:
    """Forget cached reads and close the shared reader (benchmarks measure cold calls)."""
    for cache in _CACHES:
        cache.cache_clear()
    _READER.close()


@contextmanager
def reading(db: Path) -> Iterator[Store]:
    """The shared read-only connection; raises the storage error a notice page explains."""
    with _READER.use(db) as store:
        yield store


# -- overview ------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    totals: dict[str, float | int | None]
    per_app: pl.DataFrame  # app, hours
    heatmap: pl.DataFrame  # dow (0 = Monday), hour, hours


@cached_by_file
def read_overview(db: Path) -> Overview:
    """What was recorded: counts, active hours per app and per weekday × hour."""
    with reading(db) as store:
        totals = store.query(
            "SELECT count(*) AS events, count(DISTINCT user_id) AS users, "
            "count(DISTINCT app) AS apps, count(DISTINCT (user_id, ts::DATE)) AS user_days, "
            "count(DISTINCT ts::DATE) AS days, min(ts) AS first, max(ts) AS last FROM events"
        ).row(0, named=True)
        active = store.query(
            f"""WITH gaps AS (
                  SELECT app, ts, epoch(lead(ts) OVER (PARTITION BY user_id
                         ORDER BY ts, event_id) - ts) AS gap FROM events)
                SELECT app, isodow(ts) - 1 AS dow, hour(ts) AS hour,
                       sum(gap) / 3600 AS hours
                FROM gaps WHERE gap <= {IDLE_GAP_S} GROUP BY ALL"""
        )
        routine_s = _routine_seconds(store)
        totals["sessions"] = store.count("sessions")
    per_app = (
        active.group_by("app")
        .agg(pl.col("hours").sum())
        .sort("hours", descending=True)
        .with_columns(pl.col("app").fill_null("(unknown)"))
    )
    heatmap = active.group_by("dow", "hour").agg(pl.col("hours").sum())
    hours = float(active["hours"].sum() or 0.0)
    totals["hours"] = hours
    totals["routine_share"] = (
        None if routine_s is None or hours == 0 else min(1.0, routine_s / 3600 / hours)
    )
    return Overview(totals, per_app, heatmap)


def _routine_seconds(store: Store) -> float | None:
    """Seconds spent in instances of candidate processes in the latest run, if any."""
    run = store.query("SELECT max(run_id) FROM mining_runs WHERE status = 'done'").item()
    if run is None:
        return None
    return float(
        store.query(
            "SELECT coalesce(sum(duration_s), 0) FROM instances "
            "WHERE run_id = ? AND process_id >= 0",
            [run],
        ).item()
    )


# -- opportunities ---------------------------------------------------------------------


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
        run_id = _run(store, run_id)
        processes = _processes(store, run_id)
        units = _units(store, run_id, processes)
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


def _run(store: Store, run_id: int | None) -> int:
    """The run asked for, or the latest finished one."""
    if run_id is None:
        return store.latest_run_id()
    status = store.query("SELECT status FROM mining_runs WHERE run_id = ?", [run_id])
    if status.is_empty() or status.item() != "done":
        raise ExplorerError(
            f"mining run {run_id} does not exist or did not finish",
            "leave out --run to use the latest finished run",
        )
    return run_id


def _processes(store: Store, run_id: int) -> pl.DataFrame:
    return store.query(
        "SELECT process_id, signature, name, score, confidence, n_instances AS total_instances, "
        "per_week, hours_saved_per_month, apps, factors::VARCHAR AS factors "
        "FROM processes WHERE run_id = ? ORDER BY process_id",
        [run_id],
    )


def _units(store: Store, run_id: int, processes: pl.DataFrame) -> list[Unit]:
    decisions = [
        Decision(r["action"], r["signature"], r["other"], r["value"])
        for r in store.query(
            "SELECT action, signature, other, value FROM process_decisions ORDER BY decision_id"
        ).iter_rows(named=True)
    ]
    split = {d.signature for d in decisions if d.action == "split"}
    variants: dict[int, list[int]] = {}
    if split:
        rows = store.query(
            "SELECT v.process_id, v.variant_id FROM variants v JOIN processes p "
            "USING (run_id, process_id) WHERE run_id = ? AND p.signature IN (SELECT unnest(?)) "
            "ORDER BY v.process_id, v.n_instances DESC, v.variant_id",
            [run_id, sorted(split)],
        )
        for pid, vid in rows.iter_rows():
            variants.setdefault(pid, []).append(vid)
    return build_units(list(processes.iter_rows(named=True)), variants, decisions)


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


# -- decisions -------------------------------------------------------------------------


def record_decision(
    db: Path, action: str, signature: str, other: str | None = None, value: str | None = None
) -> None:
    """Store one analyst decision (opens the database read-write for this write only)."""
    if action not in ACTIONS:
        raise ExplorerError(f"unknown decision {action!r}", f"use one of {', '.join(ACTIONS)}")
    with _READER.lock:
        _READER.close()
        _write_decision(db, action, signature, other, value)


def _write_decision(
    db: Path, action: str, signature: str, other: str | None, value: str | None
) -> None:
    with open_store(db, create=False) as store, store.transaction() as con:
        next_id = con.execute(
            "SELECT coalesce(max(decision_id), 0) + 1 FROM process_decisions"
        ).fetchall()[0][0]
        con.execute(
            "INSERT INTO process_decisions VALUES (?, ?, ?, ?, ?, ?)",
            [next_id, utcnow(), action, signature, other, value],
        )


# -- one candidate ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessDetail:
    """A candidate with its decisions applied, its consensus steps and variants."""

    run_id: int
    unit: Unit
    row: dict  # the candidate's row of `read_opportunities`
    steps: pl.DataFrame
    variants: pl.DataFrame
    bpmn_xml: str | None
    candidates: list[tuple[str, str]]  # (signature, name) of the others, to merge


def read_process(
    db: Path, key: str, review_below: float = 0.0, run_id: int | None = None
) -> ProcessDetail:
    """One candidate by its key (``"12"`` or ``"12.3"``), or `UnknownProcessError`."""
    found = read_opportunities(db, Filters(), review_below, run_id)
    frames = pl.concat(
        [found.ranking.drop("rank"), found.review, found.dismissed], how="diagonal_relaxed"
    )
    match = frames.filter(pl.col("key") == key)
    if match.is_empty():
        raise UnknownProcessError(f"there is no candidate process {key!r} in the latest run")
    row = match.row(0, named=True)
    with reading(db) as store:
        run_id = _run(store, run_id)
        unit = _unit_by_key(store, run_id, key)
        steps = store.query(
            "SELECT * EXCLUDE (run_id) FROM process_steps WHERE run_id = ? AND process_id = ? "
            "ORDER BY step_no",
            [run_id, unit.primary],
        )
        variant_clause = "" if unit.variant_id is None else " AND variant_id = ?"
        variant_params = [] if unit.variant_id is None else [unit.variant_id]
        variants = store.query(
            "SELECT process_id, variant_id, actions, n_instances, share, mean_duration_s "
            "FROM variants WHERE run_id = ? AND process_id IN (SELECT unnest(?))"
            f"{variant_clause} ORDER BY n_instances DESC, variant_id",
            [run_id, list(unit.members), *variant_params],
        )
        bpmn = store.query(
            "SELECT bpmn_xml FROM processes WHERE run_id = ? AND process_id = ?",
            [run_id, unit.primary],
        ).item()
    others = [
        (r["signature"], r["name"])
        for r in frames.filter(pl.col("process_id") != unit.primary)
        .unique("signature", keep="first", maintain_order=True)
        .iter_rows(named=True)
    ]
    return ProcessDetail(run_id, unit, row, steps, _with_shares(variants), bpmn, others)


def _with_shares(variants: pl.DataFrame) -> pl.DataFrame:
    total = variants["n_instances"].sum() or 1
    return variants.with_columns(share=pl.col("n_instances") / total)


def _unit_by_key(store: Store, run_id: int, key: str) -> Unit:
    for unit in _units(store, run_id, _processes(store, run_id)):
        if unit.key == key:
            return unit
    raise UnknownProcessError(f"there is no candidate process {key!r} in the latest run")


def _selection(unit: Unit) -> tuple[str, list]:
    """SQL over ``instances i`` selecting a unit's instances."""
    sql = "i.run_id = ? AND i.process_id IN (SELECT unnest(?))"
    params: list = [list(unit.members)]
    if unit.variant_id is not None:
        sql += " AND i.variant_id = ?"
        params.append(unit.variant_id)
    return sql, params


def read_process_map(
    db: Path, key: str, coverage: float = 100, run_id: int | None = None
) -> pl.DataFrame:
    """Directly-follows edges of a candidate's instances: source, target, count, median_s.

    Only the most frequent variants that together cover ``coverage`` % of the instances
    count. Computed in DuckDB from ``instance_events`` so it follows merges and splits;
    ``▶ start`` and ``■ end`` mark where instances begin and finish.
    """
    with reading(db) as store:
        run_id = _run(store, run_id)
        unit = _unit_by_key(store, run_id, key)
        where, params = _selection(unit)
        keep = (
            ""
            if coverage >= 100
            else (
                " AND i.variant_id IN (SELECT variant_id FROM cover WHERE before * 100 < ? * total)"
            )
        )
        return store.query(
            f"""WITH counts AS (SELECT variant_id, count(*) AS n FROM instances i
                                WHERE {where} GROUP BY ALL),
                 cover AS (SELECT variant_id, sum(n) OVER (ORDER BY n DESC, variant_id
                                  ROWS UNBOUNDED PRECEDING) - n AS before,
                                  sum(n) OVER () AS total FROM counts),
                 sel AS (SELECT instance_id FROM instances i WHERE {where}{keep}),
                 seq AS (
                   SELECT ie.instance_id, ie.position, ie.action, e.ts
                   FROM instance_events ie JOIN sel USING (instance_id)
                   JOIN events e USING (event_id) WHERE ie.run_id = ?),
                 pairs AS (
                   SELECT coalesce(lag(action) OVER w, '▶ start') AS source, action AS target,
                          epoch(ts - lag(ts) OVER w) AS gap FROM seq
                   WINDOW w AS (PARTITION BY instance_id ORDER BY position)
                   UNION ALL
                   SELECT arg_max(action, position), '■ end', NULL FROM seq
                   GROUP BY instance_id)
               SELECT source, target, count(*) AS count, median(gap) AS median_s
               FROM pairs GROUP BY ALL ORDER BY count DESC, source, target""",
            [run_id, *params, run_id, *params, *([coverage] if keep else []), run_id],
        )


def read_instances(db: Path, key: str, limit: int) -> pl.DataFrame:
    """A candidate's instances, newest first, at most ``limit``."""
    with reading(db) as store:
        run_id = store.latest_run_id()
        where, params = _selection(_unit_by_key(store, run_id, key))
        return store.query(
            "SELECT instance_id, user_id, start_ts, duration_s, n_events, variant_id "
            f"FROM instances i WHERE {where} ORDER BY start_ts DESC LIMIT ?",
            [run_id, *params, limit],
        )


def read_instance_events(db: Path, instance_id: int, limit: int) -> pl.DataFrame:
    """The events of one instance in order, with their screenshot ids: the replay view."""
    with reading(db) as store:
        run_id = store.latest_run_id()
        return store.query(
            "SELECT ie.position, e.ts, e.kind, e.app, e.window_title, "
            "coalesce(e.element_name, e.element_label, e.element_id) AS element, e.text, "
            "ie.action, e.screenshot_id FROM instance_events ie JOIN events e USING (event_id) "
            "WHERE ie.run_id = ? AND ie.instance_id = ? ORDER BY ie.position LIMIT ?",
            [run_id, instance_id, limit],
        )


def read_screenshot(db: Path, screenshot_id: int) -> tuple[str, bytes] | None:
    with reading(db) as store:
        return store.screenshot(screenshot_id)


# -- recordings ------------------------------------------------------------------------


@cached_by_file
def read_user_days(db: Path) -> pl.DataFrame:
    """Each user's recorded days with their event counts, for the recordings picker."""
    with reading(db) as store:
        return store.query(
            "SELECT user_id, ts::DATE AS day, count(*) AS events FROM events "
            "GROUP BY ALL ORDER BY user_id, day"
        )


@dataclass(frozen=True)
class Timeline:
    sessions: pl.DataFrame  # session_id, start, end
    instances: pl.DataFrame  # instance_id, start_ts, end_ts, name, key
    activity: pl.DataFrame  # minute, events


def read_timeline(db: Path, user_id: str, day: date) -> Timeline:
    """One user's day: sessions, instances (named after decisions) and events per 5 min."""
    start, end = day, day + timedelta(days=1)
    with reading(db) as store:
        sessions = store.query(
            "SELECT session_id, min(ts) AS start, max(ts) AS end FROM events "
            "WHERE user_id = ? AND ts >= ? AND ts < ? GROUP BY ALL ORDER BY start",
            [user_id, start, end],
        )
        activity = store.query(
            "SELECT time_bucket(INTERVAL 5 MINUTE, ts) AS minute, count(*) AS events "
            "FROM events WHERE user_id = ? AND ts >= ? AND ts < ? GROUP BY ALL ORDER BY 1",
            [user_id, start, end],
        )
        done = store.query("SELECT max(run_id) FROM mining_runs WHERE status = 'done'").item()
        if done is None:
            return Timeline(sessions, _EMPTY_INSTANCES, activity)
        instances = store.query(
            "SELECT instance_id, process_id, variant_id, start_ts, end_ts, n_events "
            "FROM instances WHERE run_id = ? AND user_id = ? AND start_ts >= ? "
            "AND start_ts < ? AND process_id >= 0 ORDER BY start_ts",
            [done, user_id, start, end],
        )
        units = _units(store, done, _processes(store, done))
    return Timeline(sessions, _name_instances(instances, units), activity)


_EMPTY_INSTANCES = pl.DataFrame(
    schema={
        "instance_id": pl.Int64,
        "start_ts": pl.Datetime("us"),
        "end_ts": pl.Datetime("us"),
        "n_events": pl.Int32,
        "name": pl.String,
        "key": pl.String,
    }
)


def _name_instances(instances: pl.DataFrame, units: list[Unit]) -> pl.DataFrame:
    """Label each instance with the candidate (after merges and splits) it belongs to."""
    names = pl.DataFrame(
        [(u.key, pid, u.variant_id, u.name) for u in units for pid in u.members],
        schema={
            "key": pl.String,
            "process_id": pl.Int32,
            "unit_variant": pl.Int32,
            "name": pl.String,
        },
        orient="row",
    )
    return (
        instances.join(names, on="process_id", how="inner")
        .filter(pl.col("unit_variant").is_null() | (pl.col("unit_variant") == pl.col("variant_id")))
        .select(_EMPTY_INSTANCES.columns)
    )


# -- exports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessBundle:
    """Everything an export of one candidate needs, read in one go."""

    detail: ProcessDetail
    edges: pl.DataFrame
    instances: pl.DataFrame
    events: pl.DataFrame  # one row per event of every instance, in order
    screenshots: dict[int, tuple[str, bytes]]  # the consensus steps' screenshots


def read_bundle(db: Path, key: str, run_id: int | None = None) -> ProcessBundle:
    detail = read_process(db, key, 0.0, run_id)
    edges = read_process_map(db, key, 100, detail.run_id)
    with reading(db) as store:
        where, params = _selection(detail.unit)
        instances = store.query(
            "SELECT instance_id, user_id, session_id, start_ts, end_ts, duration_s, n_events, "
            f"variant_id FROM instances i WHERE {where} ORDER BY start_ts, instance_id",
            [detail.run_id, *params],
        )
        events = store.query(
            f"""SELECT i.instance_id, ie.position, ie.action, e.event_id, e.user_id, e.ts,
                       e.kind, e.app, e.window_title, e.url, e.element_name, e.element_role,
                       e.text, e.source_file, e.source_row
                FROM instances i JOIN instance_events ie USING (run_id, instance_id)
                JOIN events e USING (event_id) WHERE {where}
                ORDER BY i.start_ts, i.instance_id, ie.position""",
            [detail.run_id, *params],
        )
        ids = [int(s) for s in detail.steps["screenshot_id"].drop_nulls().to_list()]
        shots = {i: shot for i in ids if (shot := store.screenshot(i)) is not None}
    return ProcessBundle(detail, edges, instances, events, shots)
