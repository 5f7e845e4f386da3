"""The client's address: the one place the shop reads it (audit context, throttling, events).

Each proxy in front of the shop appends the address it received the request from to
`X-Forwarded-For`, and the last one's own address is `REMOTE_ADDR`. So behind
`SHOP_TRUSTED_PROXY_COUNT` = N proxies the header reads "<whatever the client wrote>, ...,
<what our outermost proxy saw>, ..., <what our innermost proxy saw>": only its last N entries
were written by us, and the client is the Nth from the right. Anything further left the client
wrote itself, so the leftmost entry is never used. With 0 (the default: no proxy) the header is
ignored and the address is `REMOTE_ADDR`.

The header is split on commas and nothing else: it has no quoting (RFC 7239's `Forwarded`
does, and a parser that honours quotes in `X-Forwarded-For` lets a client's unclosed quote
swallow the entries our proxies appended — which is why this is not django-ipware).
"""

from __future__ import annotations

import ipaddress
import re

from django.conf import settings

_PORT = re.compile(r"^(?:\[(?P<v6>[^\]]+)\]|(?P<v4>[0-9.]+))(?::\d{1,5})?$")


def parse_ip(value: str) -> str | None:
    """A normalised address from one header entry ("a.b.c.d", "a.b.c.d:port", "[v6]:port")."""
    value = value.strip()
    match = _PORT.match(value)
    if match:
        value = match.group("v6") or match.group("v4")
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # one client, one spelling
    return str(address)


def client_ip(request) -> str | None:
    """The client's address as our own proxies saw it; None if there is none to read."""
    if request is None:
        return None
    candidate = request.META.get("REMOTE_ADDR") or ""
    proxies = max(0, int(getattr(settings, "SHOP_TRUSTED_PROXY_COUNT", 0)))
    if proxies:
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        # Fewer entries than proxies: the request did not come through all of them (a health
        # check from the proxy's host): the peer we see is the one to name.
        if request.META.get("HTTP_X_FORWARDED_FOR") and len(hops) >= proxies:
            candidate = hops[-proxies]
    return parse_ip(candidate)
