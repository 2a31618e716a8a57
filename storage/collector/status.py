"""``taskmine collect status``: devices, their last upload, and the backlog on disk."""

from __future__ import annotations

from pathlib import Path

from storage.collector.layout import LEDGER, PARTIAL, RECEIVED
from storage.collector.ledger import Ledger


def collector_status(root: Path) -> list[str]:
    """Human-readable lines (the CLI escapes them: device users are recorded strings)."""
    if not (root / LEDGER).exists():
        return [f"no collector data in {root}: start one with `taskmine collect --data {root}`"]
    lines = []
    devices = Ledger(root).devices_summary()
    for d in devices:
        state = f"revoked {d['revoked_at']}" if d["revoked_at"] else "active"
        users = ", ".join(d["users"]) or "(bound by its first upload)"
        lines.append(
            f"device {d['name']}: {state}; users {users}; {d['uploads']:,} upload(s), "
            f"{d['events']:,} events, {_size(d['bytes'])}; last upload "
            f"{d['last_upload'] or 'never'}"
        )
    if not devices:
        lines.append("no devices: add one with `taskmine collect token add NAME --data DIR`")
    for folder, what in ((PARTIAL, "uploads in progress"), (RECEIVED, "sidecars waiting")):
        files = [p for p in (root / folder).glob("*") if p.is_file()]
        total = sum(p.stat().st_size for p in files)
        lines.append(f"backlog: {len(files):,} {what}, {_size(total)}")
    landed = sum(1 for _ in (root / "events").glob("user=*/day=*/*.parquet"))
    lines.append(f"landing area: {landed:,} events file(s) in {root / 'events'}")
    return lines


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n / 1024:.1f} KiB"
