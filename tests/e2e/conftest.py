"""The end-to-end suite reuses the recorder suite's desktop harness (Xvfb, form app)."""

from tests.recorder.recorder_harness import desktop  # noqa: F401 - pytest finds fixtures by name
