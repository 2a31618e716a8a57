"""A seeded simulator of multi-user desktop work with known routines, and small samples.

>>> from sample_logs import simulate
>>> sim = simulate(users=3, days=2, seed=0)   # sim.events, .sessions, .screenshots, .routines
"""

from sample_logs.errors import SimulationError
from sample_logs.output import check_output, write_simulation
from sample_logs.routines import ROUTINES
from sample_logs.simulation import Simulation, simulate
from sample_logs.truth import measure_routines, routine_catalogue

__all__ = [
    "ROUTINES",
    "Simulation",
    "SimulationError",
    "check_output",
    "measure_routines",
    "routine_catalogue",
    "simulate",
    "write_simulation",
]
