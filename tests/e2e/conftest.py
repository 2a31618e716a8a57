"""The end-to-end suite reuses the recorder suite's desktop harness (Xvfb, form app).

The checkout goes first on ``sys.path``: ``tests/`` is on it too (its conftest), and its
``tests/mining`` folder would otherwise shadow the ``mining`` package.
"""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS.parent), str(TESTS / "recorder")]

from recorder_harness import desktop  # noqa: E402, F401 - pytest finds fixtures by name
