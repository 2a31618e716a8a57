"""Hours and money a candidate would save per month, and how far that figure could be off.

The hours are the time the recorded instances took, per working week of the period
looked at, over a month (52/12 weeks), times the automation rate: the share of that time
a bot takes over. Money is those hours at the hourly cost. Both rest on a sample: a few
users on a few days. The 80 % interval says how much the figure depends on which users
and which days happened to be recorded: a two-way (pigeonhole) bootstrap draws users and
days with replacement, independently, and recomputes the figure from the user-days
drawn, 1,000 times; 80 % of the draws fall inside the interval. Resampling both users
and days is conservative (it counts both sources of variation) and needs no model of how
often a routine runs. Pure functions over DataFrames, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from mining.score import WEEKS_PER_MONTH, WORKDAYS_PER_WEEK

LEVEL = 0.8
REPLICATES = 1000
SEED = 0  # the same data always gives the same interval


@dataclass(frozen=True)
class Assumptions:
    """What turns recorded hours into savings: editable on the pages, defaults in settings."""

    hourly_cost: float
    automation_rate: float
    currency: str = "€"

    @property
    def money_per_hour(self) -> float:
        return self.hourly_cost * self.automation_rate


def weeks_of(n_days: int) -> float:
    """Working weeks in a period with ``n_days`` recorded days."""
    return n_days / WORKDAYS_PER_WEEK


def per_month(hours: float | np.ndarray, n_days: int) -> float | np.ndarray:
    """Hours recorded over ``n_days`` working days, as hours per month."""
    return hours / max(weeks_of(n_days), 1e-9) * WEEKS_PER_MONTH


@dataclass(frozen=True)
class Bootstrap:
    """Bootstrap draws of each unit's recorded hours per month (draws × units)."""

    keys: list[str]
    draws: np.ndarray

    def interval(self, keys: list[str] | None = None) -> tuple[float, float]:
        """The central `LEVEL` interval of the sum over ``keys`` (default: all of them)."""
        if not self.keys or self.draws.size == 0:
            return (float("nan"), float("nan"))
        wanted = set(self.keys if keys is None else keys)
        columns = [i for i, k in enumerate(self.keys) if k in wanted]
        total = self.draws[:, columns].sum(axis=1)
        low, high = np.quantile(total, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
        return float(low), float(high)

    def intervals(self) -> pl.DataFrame:
        """``key, hours_low, hours_high`` (recorded hours per month) of every unit."""
        quantiles = (
            np.quantile(self.draws, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], axis=0)
            if self.draws.size
            else np.empty((2, 0))
        )
        return pl.DataFrame(
            {"key": self.keys, "hours_low": quantiles[0], "hours_high": quantiles[1]},
            schema={"key": pl.String, "hours_low": pl.Float64, "hours_high": pl.Float64},
        )


def bootstrap_hours(
    hours: pl.DataFrame, user_days: pl.DataFrame, replicates: int = REPLICATES, seed: int = SEED
) -> Bootstrap:
    """Draws of hours per month per unit, resampling users and days.

    ``hours``: ``key, user_id, day, hours`` (the recorded hours of a unit's instances
    that started on that user-day). ``user_days``: ``user_id, day``, every user-day of
    the period (days with nothing of a unit count as zero for it).
    """
    keys = sorted(hours["key"].unique().to_list())
    users = sorted(user_days["user_id"].unique().to_list())
    days = sorted(user_days["day"].unique().to_list())
    if not keys or not users or not days:
        return Bootstrap(keys, np.empty((replicates, len(keys))))
    index = {
        "key": {k: i for i, k in enumerate(keys)},
        "user_id": {u: i for i, u in enumerate(users)},
        "day": {d: i for i, d in enumerate(days)},
    }
    cells = hours.filter(pl.col("user_id").is_in(users) & pl.col("day").is_in(days))
    grid = np.zeros((len(keys), len(users), len(days)))
    np.add.at(
        grid,
        tuple(
            np.asarray([index[c][v] for v in cells[c].to_list()], dtype=np.int64)
            for c in ("key", "user_id", "day")
        ),
        cells["hours"].to_numpy(),
    )
    rng = np.random.default_rng(seed)
    user_weights = rng.multinomial(len(users), np.full(len(users), 1 / len(users)), replicates)
    day_weights = rng.multinomial(len(days), np.full(len(days), 1 / len(days)), replicates)
    totals = np.einsum("bu,kud,bd->bk", user_weights, grid, day_weights, optimize=True)
    return Bootstrap(keys, per_month(totals, len(days)))


def explain_interval(low: float, high: float, users: int, days: int) -> str:
    """The interval in one sentence an analyst can repeat to a CFO."""
    if not np.isfinite(low) or users * days < 2:
        return "One user on one day: too little to say how far the figure could be off."
    return (
        f"80 % interval {low:,.0f}–{high:,.0f} h: recomputed from 1,000 random re-draws of "
        f"the {users} recorded user{'s' * (users != 1)} and {days} working "
        f"day{'s' * (days != 1)}, 8 in 10 land in this range; it is how much the figure "
        "depends on who was recorded and when."
    )


def assumptions_from(stored: dict | None, defaults: Assumptions) -> Assumptions:
    """The analyst's assumptions as a page stored them (rate in %), else the defaults;
    a value that is not a usable number keeps its default."""
    stored = stored or {}

    def number(key: str, default: float, top: float) -> float:
        value = stored.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= top:
            return float(value)
        return default

    return Assumptions(
        number("hourly_cost", defaults.hourly_cost, 1e9),
        number("automation_rate", 100 * defaults.automation_rate, 100) / 100,
        defaults.currency,
    )
