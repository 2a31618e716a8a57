"""Settings of a mining run, resolved by `storage.settings.load_config` (section ``[mining]``).

A run stores the resolved configuration it used, so that re-running it is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.settings import setting


@dataclass(frozen=True)
class MiningConfig:
    seed: int = setting(0, "seed of every random choice; same input + config = same result")
