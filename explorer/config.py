"""Settings of the explorer, resolved by `storage.settings.load_config` (section ``[explorer]``)."""

from __future__ import annotations

from dataclasses import dataclass

from explorer.savings import Assumptions
from storage.settings import setting


@dataclass(frozen=True)
class ExplorerConfig:
    token: str = setting(
        "",
        "access token; when set, every request needs `?token=…` once (it moves to a cookie) or "
        "an `Authorization: Bearer …` header. Required (or basic auth) to bind a non-loopback "
        "host, then at least 16 characters",
    )
    username: str = setting("", "basic-auth user name (with `password`), an alternative to token")
    password: str = setting(
        "", "basic-auth password (with `username`); at least 16 characters for a non-loopback host"
    )
    review_confidence: float = setting(
        0.5, "candidates whose confidence is below this go to the review queue, not the ranking"
    )
    max_rows: int = setting(500, "most instances or events a page lists at once")
    hourly_cost: float = setting(
        40.0,
        "what an hour of the recorded work costs, for savings in money (editable on the pages)",
    )
    automation_rate: float = setting(
        1.0,
        "share of a routine's recorded time a bot would take over, 0-1 (1: all of it, as "
        "mining's hours saved; editable on the pages)",
    )
    currency: str = setting("€", "the symbol money figures are shown with")
    user_groups: dict = setting(
        {},
        "named groups of (pseudonymous) user ids for the Users filter, a TOML table such as "
        '`user_groups = { finance = ["user-1a2b", "user-3c4d"] }`',
    )

    @property
    def assumptions(self) -> Assumptions:
        """The savings assumptions a page starts from."""
        rate = min(max(self.automation_rate, 0.0), 1.0)
        return Assumptions(max(self.hourly_cost, 0.0), rate, self.currency)

    @property
    def has_credentials(self) -> bool:
        """A token, or a user and password, that are more than blanks."""
        return bool(self.token.strip() or (self.username.strip() and self.password.strip()))
