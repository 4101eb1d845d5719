"""Where webhooks may go: not to loopback, private, link-local or otherwise special addresses.

Checked when a URL is registered and again before every delivery, since a name
can resolve elsewhere later (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


def url_problem(url: str) -> str | None:
    """Why `url` cannot be called as written, or None. Checked at registration, so a URL
    that no HTTP client could use is never stored."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"the URL does not parse ({exc})"
    if parts.scheme not in ("http", "https"):
        return "the URL must start with http:// or https://"
    if parts.username is not None or parts.password is not None:
        return "the URL must not carry a user name or password"
    host = parts.hostname
    if not host:
        return "the URL has no host"
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return f"{host!r} is not a host name"
    labels = ascii_host.removesuffix(".").split(".")
    if len(ascii_host) > 253 or not all(0 < len(label) <= 63 for label in labels):
        return f"{host!r} is not a host name"
    return None


def _special(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


async def private_target(url: str) -> str | None:
    """Why `url` must not be called, or None when every address it resolves to is public."""
    problem = url_problem(url)
    if problem is not None:
        return problem
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        return f"{host} does not resolve: {getattr(exc, 'strerror', None) or exc}"
    # An IPv4 or IPv6 address is a string; anything else (a family without an IP address)
    # cannot be shown to be public, so it counts as special.
    addresses = {info[4][0] for info in infos}
    special = sorted(str(a) for a in addresses if not isinstance(a, str) or _special(a))
    if special:
        return f"{host} resolves to a non-public address ({', '.join(special)})"
    return None
