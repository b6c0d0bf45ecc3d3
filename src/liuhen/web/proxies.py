"""The client's address: the connecting peer, or what a configured trusted reverse proxy says it was.

``X-Forwarded-For`` is believed only when the request comes from an address in LIUHEN_TRUSTED_PROXIES (empty by
default: no one). Then the client is the right-most address of the header that is not itself a trusted proxy, so
a client cannot slip a forged address in front of the ones the proxies appended. ``REMOTE_ADDR`` is set to it
before anything reads it: the lock-out (django-axes), its failure log and the security log all see the real
address. `liuhen serve` starts uvicorn with its own proxy-header handling off, so this is the only place.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str | Iterable[str]) -> list[Network]:
    """``10.0.0.5, 192.168.1.0/24, ::1`` → networks; ValueError names an entry that is not an address."""
    items = value.split(",") if isinstance(value, str) else list(value)
    out = []
    for item in (i.strip() for i in items):
        if item:
            try:
                out.append(ipaddress.ip_network(item, strict=False))
            except ValueError as exc:
                raise ValueError(f"不是 IP 地址或网段：{item!r}") from exc
    return out


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(addr: ipaddress.IPv4Address | ipaddress.IPv6Address | None, networks: list[Network]) -> bool:
    return addr is not None and any(addr in net for net in networks)


def client_address(remote_addr: str, forwarded_for: str, networks: list[Network]) -> str:
    """The real client of a request that reached us from ``remote_addr`` with this X-Forwarded-For header."""
    if not networks or not forwarded_for or not _trusted(_address(remote_addr), networks):
        return remote_addr
    hops = [h.strip() for h in forwarded_for.split(",")]
    for hop in reversed(hops):
        addr = _address(hop)
        if addr is None:
            return remote_addr  # a garbled header: believe only the proxy we can see
        if not _trusted(addr, networks):
            return str(addr)
    return str(_address(hops[0]) or remote_addr)


class TrustedProxyMiddleware:
    """First in the chain: REMOTE_ADDR becomes the real client's address (see the module's note)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.networks = parse_networks(settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        meta["REMOTE_ADDR"] = client_address(
            str(meta.get("REMOTE_ADDR", "")), str(meta.get("HTTP_X_FORWARDED_FOR", "")), self.networks
        )
        return self.get_response(request)


def client_ip(request: Any) -> str | None:
    """The address django-axes locks out and logs (AXES_CLIENT_IP_CALLABLE): REMOTE_ADDR as the middleware left it,
    never a header the client wrote."""
    meta = getattr(request, "META", None) or {}
    return str(meta.get("REMOTE_ADDR")) if meta.get("REMOTE_ADDR") else None


def uvicorn_options(host: str, port: int, workers: int = 1) -> dict[str, Any]:
    """How `liuhen serve` runs uvicorn: its X-Forwarded-For handling off (by default it believes 127.0.0.1), as the
    client's address comes from LIUHEN_TRUSTED_PROXIES only (liuhen.web.proxies); ``workers`` serving processes
    (uvicorn's supervisor starts them and starts a new one for any that dies)."""
    return {
        "workers": workers,
        "app": "liuhen.web.asgi:application",
        "host": host,
        "port": port,
        "log_level": "info",
        "lifespan": "off",
        "proxy_headers": False,
        "forwarded_allow_ips": "",
        # An idle kept-alive connection stays open longer than nginx keeps its upstream ones (60 s) and than a
        # person thinks between clicks: with uvicorn's 5 s, a request sent on a connection the server was just
        # closing failed ("connection closed"; nginx does not retry a POST, so the person got a 502).
        "timeout_keep_alive": 75,
    }
