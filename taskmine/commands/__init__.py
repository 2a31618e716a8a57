"""Subcommands of ``taskmine``, one module per stage. Each exposes ``register(subparsers)``.

Handlers take ``(args, ui)``, call one facade function of their stage, print a short
summary through ``ui`` and return the exit code. Stages are imported inside handlers.
"""

from storage.errors import TaskmineError


class NotImplementedYet(TaskmineError):
    """A contract command whose stage has not been built yet (exit code 2)."""

    def __init__(self, command: str) -> None:
        super().__init__(
            f"`taskmine {command}` is not implemented yet",
            "see README.md for the commands that work today",
        )
