"""Which webhook URLs may be called: the SSRF policy, checked at registration and at each delivery.

https anywhere public; in production never a private, loopback, link-local or
otherwise non-global address, judged on the addresses the name resolves to
(so a public name pointing at 127.0.0.1 is refused too). Outside production,
plain http is allowed for loopback receivers only (local development, tests).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable

import httpx

from resolvers.common.errors import invalid

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
MAX_URL = 2048


async def resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def parse(url: str, *, production: bool, field: str = "url") -> httpx.URL:
    """The URL if its form is acceptable (scheme, host, no credentials); raises INVALID."""
    if len(url) > MAX_URL:
        raise invalid(f"url longer than {MAX_URL} characters", field)
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise invalid("not a valid URL", field) from None
    if parsed.scheme not in {"https", "http"} or not parsed.host:
        raise invalid("url must be an absolute https:// URL", field)
    if parsed.userinfo:
        raise invalid("url must not carry credentials", field)
    if parsed.scheme == "http" and production:
        raise invalid("url must use https", field)
    return parsed


async def check(url: str, *, production: bool, resolver: Resolver = resolve, field: str = "url") -> list[str]:
    """The addresses the URL's host resolves to, each allowed by the policy; raises INVALID."""
    parsed = parse(url, production=production, field=field)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = [ipaddress.ip_address(a.split("%")[0]) for a in await resolver(parsed.host, port)]
    except (OSError, ValueError):
        raise invalid(f"host {parsed.host} does not resolve", field) from None
    if not addresses:
        raise invalid(f"host {parsed.host} does not resolve", field)
    for address in addresses:
        if production and not _public(address):
            raise invalid(f"url resolves to a non-public address ({address}), refused", field)
        if parsed.scheme == "http" and not address.is_loopback:
            raise invalid("plain http is allowed for loopback receivers only; use https", field)
    return [str(a) for a in addresses]


def _public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast
