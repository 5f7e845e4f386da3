"""The client's address: REMOTE_ADDR with no proxy, else the entry our own proxies appended."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from apps.auditing.clientip import client_ip

PROXY = "10.0.0.1"


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        # No proxy configured: the header is the client's own text, never read.
        (0, "198.51.100.7", None, "198.51.100.7"),
        (0, "198.51.100.7", "203.0.113.5", "198.51.100.7"),
        # One proxy: the entry it appended, the rightmost; whatever the client wrote before it.
        (1, PROXY, "198.51.100.7", "198.51.100.7"),
        (1, PROXY, "203.0.113.5, 198.51.100.7", "198.51.100.7"),
        (1, PROXY, "203.0.113.5,198.51.100.7", "198.51.100.7"),
        (1, PROXY, 'garbage, "unclosed, 198.51.100.7', "198.51.100.7"),
        (1, PROXY, "198.51.100.7:51234", "198.51.100.7"),
        (1, PROXY, "[2001:db8::7]:443", "2001:db8::7"),
        (1, PROXY, "::ffff:198.51.100.7", "198.51.100.7"),
        # Two proxies (a CDN, then ours): the second entry from the right.
        (2, PROXY, "203.0.113.5, 198.51.100.7, 192.0.2.1", "198.51.100.7"),
        (2, PROXY, "198.51.100.7, 192.0.2.1", "198.51.100.7"),
        # Fewer entries than proxies (a request that did not come through all of them):
        # the peer we see.
        (2, PROXY, "192.0.2.1", PROXY),
        (1, PROXY, None, PROXY),
        (1, PROXY, "", PROXY),
        # What our proxy appended is not an address: no address rather than a guess.
        (1, PROXY, "198.51.100.7, unknown", None),
        (0, "", None, None),
    ],
)
def test_client_ip(settings, proxies, remote, forwarded, expected):
    settings.SHOP_TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **meta)) == expected


def test_no_request_has_no_address():
    assert client_ip(None) is None
