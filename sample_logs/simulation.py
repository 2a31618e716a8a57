"""The simulator's facade: users x working days of desktop work with known routines.

Everything is drawn from RNGs seeded by (seed, user, day), so the same arguments give the
same frames, and one user-day does not shift when another changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

import polars as pl

from sample_logs import fakes
from sample_logs.errors import SimulationError
from sample_logs.layout import CANVAS, SCREEN
from sample_logs.render import render_state
from sample_logs.routines import ROUTINES, USES_MIRO
from sample_logs.steps import CLICKS, COPIES, DOUBLE_CLICKS
from sample_logs.truth import routine_catalogue
from sample_logs.workday import ALT_TAB, Columns, Profile, ShotKeys, simulate_day
from storage.models import EVENT_SCHEMA, SCREENSHOT_SCHEMA, SESSION_SCHEMA, conform

DEFAULT_START = date(2026, 3, 2)  # a Monday: fixed, so that outputs never depend on today
SOURCE_FILE = "simulator"


@dataclass(frozen=True)
class Simulation:
    """Frames in the store's schemas, plus ``routines``: the catalogue with measured hours.

    ``spec`` names the arguments that produced it (the same spec gives the same frames).
    """

    events: pl.DataFrame
    sessions: pl.DataFrame
    screenshots: pl.DataFrame
    routines: pl.DataFrame
    spec: str


def simulate(
    users: int,
    days: int,
    seed: int = 0,
    start: date | None = None,
    screenshots: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> Simulation:
    """Simulate ``users`` employees over ``days`` working days (weekends skipped).

    A user-day has about 2,000 events: seven routines (``routines``) at user-specific
    rates, interleaved with noise, interruptions, idle gaps, meetings and lunch. Ground
    truth is in ``truth_process`` (routine name or ``__noise__``) and ``truth_instance``.
    With ``screenshots`` False, no images are rendered (for very large logs).

    >>> sim = simulate(users=2, days=1, seed=7)
    >>> sim.events.select("user_id").n_unique()
    2
    """
    if users < 1 or days < 1:
        raise SimulationError(
            f"cannot simulate {users} user(s) over {days} day(s)", "ask for at least 1 of each"
        )
    workdays = _working_days(start or DEFAULT_START, days)
    shots, hosts = ShotKeys(), {}
    frames = []
    for u in range(users):
        profile = _profile(seed, u)
        # one user at a time: Python lists stay small, polars frames hold the result
        cols, session_ids = Columns(), []
        for d, day in enumerate(workdays):
            session_id = f"{profile.user_id}/{day.isoformat()}"
            before = len(cols)
            simulate_day(
                profile, day, session_id, Random(f"taskmine-sim/{seed}/{u}/{d}"), cols, shots
            )
            session_ids.extend([session_id] * (len(cols) - before))
            hosts[session_id] = profile.host
            if on_progress:
                on_progress(u * days + d + 1, users * days)
        frames.append(_events_frame(cols, session_ids))
    events = pl.concat(frames, rechunk=False).with_columns(
        event_id=pl.int_range(1, pl.len() + 1, dtype=pl.Int64),
        source_row=pl.int_range(0, pl.len(), dtype=pl.Int64),
    )
    events, shot_frame = _with_screenshots(events, shots) if screenshots else (events, None)
    events = conform(events.drop("shot"), EVENT_SCHEMA)
    return Simulation(
        events,
        _sessions(events, hosts),
        shot_frame if shot_frame is not None else pl.DataFrame(schema=SCREENSHOT_SCHEMA),
        routine_catalogue(events),
        spec=f"users={users} days={days} seed={seed} start={workdays[0]} shots={screenshots}",
    )


def _profile(seed: int, index: int) -> Profile:
    rng = Random(f"taskmine-sim/{seed}/profile/{index}")
    first, last = fakes.person(rng)
    digest = hashlib.sha256(f"taskmine-sim/{seed}/{index}".encode()).hexdigest()
    return Profile(
        user_id=f"user-{digest[:8]}",
        first=first,
        last=last,
        email=fakes.email_of(first, last, fakes.MAIL_DOMAIN),
        flavour="thunderbird" if rng.random() < 0.25 else "outlook",
        speed=rng.lognormvariate(0.0, 0.15),
        habits={
            CLICKS: rng.uniform(0.45, 0.95),
            DOUBLE_CLICKS: rng.uniform(0.3, 0.9),
            COPIES: rng.uniform(0.55, 0.95),
            ALT_TAB: rng.uniform(0.05, 0.45),
            USES_MIRO: rng.choice((0.95, 0.8, 0.2)),
        },
        rates={r.name: r.per_day * rng.uniform(0.6, 1.4) for r in ROUTINES},
        host=f"WS-{rng.choice(fakes.DEPARTMENTS).upper()[:3]}-{rng.randrange(1000):03d}",
    )


def _working_days(start: date, days: int) -> list[date]:
    out, day = [], start
    while len(out) < days:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def _events_frame(cols: Columns, session_ids: list[str]) -> pl.DataFrame:
    data = cols.data
    frame = pl.DataFrame(
        {name: data[name] for name in data if name != "ts"},
        schema_overrides={"x": pl.Int32, "y": pl.Int32, "shot": pl.Int64},
        strict=False,
    )
    return frame.with_columns(
        ts=pl.Series(data["ts"], dtype=pl.Int64).cast(pl.Datetime("us")),
        session_id=pl.Series(session_ids, dtype=pl.String),
        user_id=pl.Series(session_ids, dtype=pl.String).str.split("/").list.first(),
        source_file=pl.lit(SOURCE_FILE),
    )


def _with_screenshots(events: pl.DataFrame, shots: ShotKeys) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events pointing to their screenshots, and the screenshots: one per user and screen
    state (window, active element), stamped at its first showing, as a recorder that skips
    captures it already holds (by their hash) would keep them."""
    firsts = (
        events.filter(pl.col("shot") >= 0)
        .group_by("user_id", "shot", maintain_order=True)
        .agg(pl.col("session_id", "ts").first())
        .with_columns(screenshot_id=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    )
    states = {shot_id: state for state, shot_id in shots.ids.items()}
    rendered = [render_state(*states[shot]) for shot in firsts["shot"]]
    shot_frame = firsts.with_columns(
        format=pl.lit("webp"),
        width=pl.lit(CANVAS[0], pl.Int32),
        height=pl.lit(CANVAS[1], pl.Int32),
        size_bytes=pl.Series([len(image) for image, _ in rendered], dtype=pl.Int64),
        phash=pl.Series([phash for _, phash in rendered], dtype=pl.Int64),
        image=pl.Series([image for image, _ in rendered], dtype=pl.Binary),
    )
    events = events.join(
        shot_frame.select("user_id", "shot", "screenshot_id"),
        on=["user_id", "shot"],
        how="left",
        maintain_order="left",
    )
    return events, conform(shot_frame.drop("user_id", "shot"), SCREENSHOT_SCHEMA)


def _sessions(events: pl.DataFrame, hosts: dict[str, str]) -> pl.DataFrame:
    frame = events.group_by("session_id", maintain_order=True).agg(
        user_id=pl.col("user_id").first(),
        started_at=pl.col("ts").min(),
        ended_at=pl.col("ts").max(),
    )
    return conform(
        frame.with_columns(
            host=pl.col("session_id").replace_strict(hosts, return_dtype=pl.String),
            os=pl.lit("Windows 11 23H2"),
            screen_width=pl.lit(SCREEN[0]),
            screen_height=pl.lit(SCREEN[1]),
            recorder_version=pl.lit("taskmine-simulator/1"),
            dropped_events=pl.lit(0),
        ),
        SESSION_SCHEMA,
    )
