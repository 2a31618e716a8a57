"""What the services (explorer, collector) and the recorder's shipping judge of a host."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Is ``host`` this machine only (``localhost``, 127.0.0.0/8, ``::1``)? A name other
    than ``localhost`` is not: it may resolve anywhere."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
