"""Generated logs: a family's routines played into an Action Logger or SmartRPA CSV, with truth.

Everything is drawn from RNGs seeded by strings of (kind, family, seed), so a log depends
on nothing but its arguments; the routine *design* has an RNG of its own, so the same
seed gives the same routine whatever the log around it draws.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from random import Random

import polars as pl

from sample_logs.errors import SimulationError
from sample_logs.families import layouts
from sample_logs.families.logs import NOISE, Disturbance, Played, play_stream
from sample_logs.families.office import draw_excel_to_web, draw_form_to_spreadsheet, draw_web_form
from sample_logs.families.routine import Routine
from sample_logs.families.systems import Clickstream, draw_clickstream, draw_email_to_erp
from sample_logs.families.timing import Tempo

FAMILIES: dict[str, Callable[[Random], Routine]] = {
    "excel_to_web": draw_excel_to_web,
    "web_form": draw_web_form,
    "form_to_spreadsheet": draw_form_to_spreadsheet,
    "email_to_erp": draw_email_to_erp,
    "clickstream": draw_clickstream,
}
USER_NAMES = ("lenov", "user1", "mdumas", "student01", "u7")
USER_COLUMN_STYLES = ("filled", "filled", "empty", "absent", "partly")


@dataclass(frozen=True)
class UiLog:
    """A generated log: ``table`` is the CSV exactly as the tool writes it (strings, no truth
    columns); ``truth`` has one row per table row, columns ``Task`` and ``idx``."""

    name: str
    kind: str  # single or multi
    families: tuple[str, ...]
    routines: tuple[str, ...]
    layout: str
    table: pl.DataFrame
    truth: pl.DataFrame


def draw_routine(family: str, seed: int | str) -> Routine:
    """The routine design of ``family`` for ``seed``."""
    if family not in FAMILIES:
        raise SimulationError(f"unknown family {family!r}", f"choose one of {', '.join(FAMILIES)}")
    return FAMILIES[family](Random(f"design/{family}/{seed}"))


def single_routine_log(
    family: str, seed: int, layout: str | None = None, instances: int | None = None
) -> UiLog:
    """One person doing one routine 30-100 times (or ``instances`` times), unsegmented.

    >>> log = single_routine_log("excel_to_web", 3)   # log.table, log.truth
    """
    rng = Random(f"single/{family}/{seed}")
    routine = draw_routine(family, seed)
    drawn = rng.randint(30, 100)  # (drawn either way: the rest of the log stays the same)
    order = [0] * (drawn if instances is None else instances)
    disturbance = Disturbance.draw(rng, noisy=0.4, interleaved=0.3, clicks_only=_clicks(routine))
    layout = _layout(rng, [routine], layout)
    streams = _streams(rng, [routine], [order], disturbance)
    name = f"{family}-single-{seed}"
    return assemble_log(rng, name, "single", [routine], layout, streams)


def multi_routine_log(seed: int, layout: str | None = None, instances: int | None = None) -> UiLog:
    """3-4 routines of different families, 100-250 instances (or ``instances``) in
    random order; one or two users; some logs noisy, some with instances paused by
    others."""
    rng = Random(f"multi/{seed}")
    families = rng.sample(sorted(FAMILIES), rng.randint(3, 4))
    routines = [draw_routine(f, f"multi-{seed}") for f in families]
    drawn = rng.randint(100, 250)  # (drawn either way: the rest of the log stays the same)
    total = drawn if instances is None else instances
    weights = [rng.uniform(0.5, 2.0) for _ in routines]
    order = rng.choices(range(len(routines)), weights=weights, k=total)
    for i in range(len(routines)):  # every routine at least a few times
        order[i * 5 : i * 5 + 3] = [i] * 3
    rng.shuffle(order)
    clicks = all(_clicks(r) for r in routines)
    disturbance = Disturbance.draw(rng, noisy=0.6, interleaved=0.5, clicks_only=clicks)
    layout = _layout(rng, routines, layout)
    users = rng.choice((1, 1, 2))
    cut = rng.randint(total // 3, 2 * total // 3)
    orders = [order] if users == 1 else [order[:cut], order[cut:]]
    streams = _streams(rng, routines, orders, disturbance)
    return assemble_log(rng, f"multi-{seed}", "multi", routines, layout, streams)


def _clicks(routine: Routine) -> bool:
    return isinstance(routine, Clickstream) and routine.encoding == "xy"


def _layout(rng: Random, routines: list[Routine], wanted: str | None) -> str:
    """The tool: SmartRPA where a click stream has only coordinates or XPaths to offer."""
    needs = any(isinstance(r, Clickstream) and r.encoding != "css" for r in routines)
    return choose_layout(rng, needs, wanted)


def choose_layout(rng: Random, needs_smartrpa: bool, wanted: str | None) -> str:
    """``wanted`` checked against what the log's clicks offer, or else a tool drawn (SmartRPA
    where clicks carry no element ids for Action Logger's columns)."""
    if wanted is not None:
        if wanted not in layouts.LAYOUTS:
            raise SimulationError(
                f"unknown layout {wanted!r}", f"choose one of {', '.join(layouts.LAYOUTS)}"
            )
        if wanted == "actionlogger" and needs_smartrpa:
            raise SimulationError(
                "this log's clicks have no element ids for Action Logger's columns",
                "use the smartrpa layout, or leave the layout out to let the log choose",
            )
        return wanted
    return "smartrpa" if needs_smartrpa else rng.choice(layouts.LAYOUTS)


def _streams(
    rng: Random, routines: list[Routine], orders: list[list[int]], disturbance: Disturbance
) -> list[list[Played]]:
    day = datetime(2026, 3, 2, 8, 30) + timedelta(days=rng.randrange(60))
    return [
        play_stream(
            rng,
            routines,
            order,
            day + timedelta(minutes=rng.randrange(60)),
            Tempo.draw(rng),
            disturbance,
        )
        for order in orders
    ]


def assemble_log(
    rng: Random,
    name: str,
    kind: str,
    routines: list[Routine],
    layout: str,
    streams: list[list[Played]],
) -> UiLog:
    """The log as its tool writes it, and its truth, from played streams (one per person,
    written one after the other)."""
    style = "filled" if len(streams) > 1 else rng.choice(USER_COLUMN_STYLES)
    users = rng.sample(USER_NAMES, len(streams))
    rows, tasks, idxs = [], [], []
    for u, stream in enumerate(streams):
        for played in stream:
            if not layouts.recorded(layout, played.event):
                continue
            user = _user_cell(rng, style, users[u])
            rows.append(layouts.render_row(layout, played.ts, user, played.event))
            tasks.append(played.task)
            idx = f"noise-{len(idxs)}" if played.task == NOISE else played.idx
            idxs.append(idx if len(streams) == 1 else f"{users[u]}/{idx}")
    columns = [
        c for c in layouts.columns(layout) if style != "absent" or c not in ("userID", "user")
    ]
    table = pl.DataFrame(rows, schema=dict.fromkeys(layouts.columns(layout), pl.String)).select(
        columns
    )
    truth = pl.DataFrame({"Task": tasks, "idx": idxs}, schema={"Task": pl.String, "idx": pl.String})
    return UiLog(
        name=name,
        kind=kind,
        families=tuple(r.family for r in routines),
        routines=tuple(r.name for r in routines),
        layout=layout,
        table=table,
        truth=truth,
    )


def _user_cell(rng: Random, style: str, user: str) -> str:
    if style == "filled" or (style == "partly" and rng.random() < 0.9):
        return user
    return ""


#: The event label columns `taskrec_eval.py` compares in its edit distance, and where a
#: SmartRPA log keeps the same thing.
EVAL_LABELS = {
    "eventType": "event_type",
    "target.id": "id",
    "target.name": "tag_name",
    "target.innerText": "tag_innerText",
    "target.sheetName": "current_worksheet",
    "url": "browser_url",
}


def write_uilog(log: UiLog, folder: str | Path) -> tuple[Path, Path]:
    """Write ``folder/logs/NAME.csv`` (the log) and ``folder/truth/NAME.csv``.

    The log is written as its tool does: SmartRPA with a UTF-8 byte-order mark. The truth
    file is what `taskrec_eval.py` reads: ``Task`` and ``idx`` per log row, plus the
    event label columns its edit distance compares (in Action Logger names, whichever the
    layout). Returns both paths.
    """
    folder = Path(folder)
    log_path, truth_path = folder / "logs" / f"{log.name}.csv", folder / "truth" / f"{log.name}.csv"
    for path in (log_path, truth_path):
        path.parent.mkdir(parents=True, exist_ok=True)
    encoding = "utf-8-sig" if log.layout == "smartrpa" else "utf-8"
    _write_csv(log_path, log.table, encoding)
    _write_csv(truth_path, log.truth.hstack(_eval_labels(log)), "utf-8")
    return log_path, truth_path


def _eval_labels(log: UiLog) -> pl.DataFrame:
    al = log.layout == "actionlogger"
    return log.table.select(
        pl.col(name if al else smart).alias(name) for name, smart in EVAL_LABELS.items()
    )


def _write_csv(path: Path, frame: pl.DataFrame, encoding: str) -> None:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(frame.columns)
        writer.writerows(frame.iter_rows())
