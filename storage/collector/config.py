"""Settings of the collector (``[collector]`` in a TOML file, ``TASKMINE_COLLECTOR_*``),
and the rule that keeps it off the network unless it is protected."""

from __future__ import annotations

from dataclasses import dataclass

from storage.collector.errors import InsecureBindError
from storage.collector.uploads import Limits
from storage.network import is_loopback
from storage.settings import setting

MIB = 1 << 20


@dataclass(frozen=True)
class CollectorConfig:
    max_upload_mb: float = setting(256.0, "largest upload (one Parquet file) taken, in MiB")
    max_chunk_mb: float = setting(8.0, "largest chunk of an upload in one request, in MiB")
    max_rows: int = setting(2_000_000, "most rows in one uploaded file")
    max_unpacked_mb: float = setting(
        2048.0, "largest size of one uploaded file once decompressed, in MiB"
    )
    abandoned_after_days: float = setting(
        7.0, "uploads in progress and sidecars untouched this many days are removed"
    )

    def limits(self) -> Limits:
        return Limits(
            max_upload_bytes=int(self.max_upload_mb * MIB),
            max_chunk_bytes=int(self.max_chunk_mb * MIB),
            max_rows=self.max_rows,
            max_unpacked_bytes=int(self.max_unpacked_mb * MIB),
            abandoned_after_s=self.abandoned_after_days * 86400,
        )


def check_bind(host: str, tls: bool, active_devices: int) -> None:
    """Refuse a bind other machines can reach unless traffic is encrypted and at least
    one device token exists (`InsecureBindError`): recordings are sensitive, and tokens
    sent in clear text can be replayed."""
    if is_loopback(host):
        return
    if not tls:
        raise InsecureBindError(
            f"refusing to collect recordings on {host}, which other machines can reach, "
            "without TLS",
            "pass --certfile and --keyfile, or bind to 127.0.0.1 behind a reverse proxy "
            "that terminates TLS (README.md, 'Running a collector')",
        )
    if active_devices == 0:
        raise InsecureBindError(
            f"refusing to collect recordings on {host} before any device has a token",
            "create one with `taskmine collect token add NAME --data DIR`",
        )
