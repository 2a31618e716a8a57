"""Errors of the simulator."""

from storage.errors import TaskmineError


class SimulationError(TaskmineError):
    """The simulation was asked for something it cannot produce (no users, no days…)."""
