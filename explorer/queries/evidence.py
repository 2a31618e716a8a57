"""Screens as evidence: the screenshot each step or event was done on, and where it clicked.

A recorder takes screenshots on clicks, focus changes, hotkeys, copy and paste, not on
typing; an event without its own screenshot shows the last one taken before it in the
same instance (the screen it was typed into), or failing that the next. A pointer event
with its own screenshot also gets its click position on that image, as fractions of its
width and height: from the click's offset in its window (``rel_x``/``rel_y`` of
``attrs``) when the screenshot is of that window, else from its screen position.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from explorer.queries.reader import reading
from storage.store import Store

POINTER_KINDS = ("click", "double_click", "right_click")

#: Events of the instances in ``_sel`` with the screenshot shown for each (``shot``), and
#: the click position on it (``mark_x``, ``mark_y`` in 0..1) when it is the event's own.
_SHOWN = f"""
shown AS (
  SELECT ie.instance_id, ie.position, ie.action, e.event_id, e.ts, e.kind, e.app,
         e.window_title, coalesce(e.element_name, e.element_label, e.element_id) AS element,
         e.text, e.screenshot_id AS own,
         coalesce(e.screenshot_id,
                  last_value(e.screenshot_id IGNORE NULLS) OVER preceding,
                  first_value(e.screenshot_id IGNORE NULLS) OVER following) AS shot,
         e.x, e.y, s.screen_width, s.screen_height,
         try_cast(json_extract(e.attrs, '$.rel_x') AS DOUBLE) AS rel_x,
         try_cast(json_extract(e.attrs, '$.rel_y') AS DOUBLE) AS rel_y,
         try_cast(json_extract(e.attrs, '$.win_w') AS DOUBLE) AS win_w,
         try_cast(json_extract(e.attrs, '$.win_h') AS DOUBLE) AS win_h
  FROM instance_events ie JOIN _sel USING (instance_id) JOIN events e USING (event_id)
  LEFT JOIN sessions s USING (session_id)
  WHERE ie.run_id = ?
  WINDOW preceding AS (PARTITION BY ie.instance_id ORDER BY ie.position
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
         following AS (PARTITION BY ie.instance_id ORDER BY ie.position
                       ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)),
marked AS (
  SELECT shown.* EXCLUDE (x, y, screen_width, screen_height, rel_x, rel_y, win_w, win_h),
         CASE WHEN own IS NULL OR kind NOT IN {POINTER_KINDS} OR x IS NULL THEN NULL
              WHEN win_w > 0 AND abs(img.width / img.height - win_w / win_h) < 0.03
                   THEN rel_x / win_w
              ELSE x / nullif(screen_width, 0) END AS mark_x,
         CASE WHEN own IS NULL OR kind NOT IN {POINTER_KINDS} OR y IS NULL THEN NULL
              WHEN win_w > 0 AND abs(img.width / img.height - win_w / win_h) < 0.03
                   THEN rel_y / win_h
              ELSE y / nullif(screen_height, 0) END AS mark_y
  FROM shown LEFT JOIN screenshots img ON img.screenshot_id = shown.shot)
"""


@contextmanager
def selection(store: Store, instance_ids: list[int]) -> Iterator[None]:
    """The instances ``instance_ids`` as table ``_sel`` (``instance_id``) while inside."""
    store.con.register(
        "_sel", pl.DataFrame({"instance_id": instance_ids}, schema={"instance_id": pl.Int64})
    )
    try:
        yield
    finally:
        store.con.unregister("_sel")


def _with_selection(store: Store, instance_ids: list[int], sql: str, params: list) -> pl.DataFrame:
    with selection(store, instance_ids):
        return store.query(sql, params)


def step_evidence(store: Store, run_id: int, instance_ids: list[int]) -> pl.DataFrame:
    """Per action label: ``action, shot, mark_x, mark_y`` of one event done with it,
    preferring an event with its own screenshot, then the earliest."""
    frame = _with_selection(
        store,
        instance_ids,
        f"""WITH {_SHOWN} SELECT action, shot, mark_x, mark_y FROM marked
            WHERE shot IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY action
                                       ORDER BY own IS NULL, mark_x IS NULL, ts) = 1""",
        [run_id],
    )
    return frame.with_columns(_clipped("mark_x"), _clipped("mark_y"))


def read_instance_events(db: Path, instance_id: int, limit: int) -> pl.DataFrame:
    """The events of one instance in order, each with the screenshot it shows and the
    click position on it: the replay view."""
    with reading(db) as store:
        run_id = store.latest_run_id()
        frame = _with_selection(
            store,
            [instance_id],
            f"""WITH {_SHOWN} SELECT position, ts, kind, app, window_title, element, text,
                       action, shot AS screenshot_id, own IS NOT NULL AS own_shot,
                       mark_x, mark_y
                FROM marked ORDER BY position LIMIT ?""",
            [run_id, limit],
        )
    return frame.with_columns(_clipped("mark_x"), _clipped("mark_y"))


def _clipped(column: str) -> pl.Expr:
    """A click position outside the image (a window moved since) is not drawn."""
    value = pl.col(column)
    return pl.when((value >= 0) & (value <= 1)).then(value).otherwise(None).alias(column)


def read_screenshot(db: Path, screenshot_id: int) -> tuple[str, bytes] | None:
    with reading(db) as store:
        return store.screenshot(screenshot_id)
