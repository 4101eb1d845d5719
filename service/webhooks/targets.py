"""Where webhooks may go: not to loopback, private, link-local or otherwise special addresses.

Checked when a URL is registered and again before every delivery, since a name
can resolve elsewhere later (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


def _special(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


async def private_target(url: str) -> str | None:
    """Why `url` must not be called, or None when every address it resolves to is public."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        return "the URL has no host"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "the URL's port is not a number"
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"{host} does not resolve: {exc.strerror or exc}"
    # An IPv4 or IPv6 address is a string; anything else (a family without an IP address)
    # cannot be shown to be public, so it counts as special.
    addresses = {info[4][0] for info in infos}
    special = sorted(str(a) for a in addresses if not isinstance(a, str) or _special(a))
    if special:
        return f"{host} resolves to a non-public address ({', '.join(special)})"
    return None
