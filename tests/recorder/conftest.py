"""Fixtures of the recorder suite: see `recorder_harness`."""

from tests.recorder.recorder_harness import apps, desktop  # noqa: F401 - pytest finds fixtures by name
