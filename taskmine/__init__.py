"""taskmine: find the desktop routines worth automating. See README.md."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("taskmine")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
