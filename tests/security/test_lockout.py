"""Finding 5: lock-out bypass. uvicorn believed ``X-Forwarded-For`` from localhost and django-axes locked per user
and address, so rotating the header never locked an account and the forged address was what the log recorded.
Now the lock-out is per account whatever the address, and the address is the connecting peer's unless that peer
is a configured trusted proxy (LIUHEN_TRUSTED_PROXIES, empty by default)."""

from __future__ import annotations

import logging

import pytest
import uvicorn
from axes.models import AccessFailureLog
from django.conf import settings
from django.test import Client
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from liuhen.web.proxies import client_address, parse_networks, uvicorn_options
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _fail(username: str, n: int, **meta: str) -> None:
    Client().post("/login/", {"username": username, "password": f"wrong-{n}"}, **meta)


def test_rotating_addresses_still_locks_the_account(cast) -> None:  # type: ignore[no-untyped-def]
    """Each failure from another address, real or forged, counts against the one account."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail("officer1", n, REMOTE_ADDR=f"10.9.0.{n + 1}", HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}")
    r = Client().post("/login/", {"username": "officer1", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert r.status_code in (403, 429) and "_auth_user_id" not in Client().session
    assert "锁定" in r.content.decode() or r.status_code == 429
    # another account is not locked by them
    ok = Client().post("/login/", {"username": "officer2", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert ok.status_code == 302


def test_a_forged_forwarded_for_is_not_what_is_logged(cast, caplog) -> None:  # type: ignore[no-untyped-def]
    """With no trusted proxy, the header is ignored: the log and axes' failure log keep the real address."""
    with caplog.at_level(logging.WARNING, logger="liuhen.security"):
        _fail("officer2", 0, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert "ip=10.1.2.3" in caplog.text and "198.51.100.7" not in caplog.text
    assert AccessFailureLog.objects.get().ip_address == "10.1.2.3"


def test_a_trusted_proxys_forwarded_for_names_the_client(cast, settings, caplog) -> None:  # type: ignore[no-untyped-def]
    """Behind a configured proxy, the client is the right-most untrusted address it appended."""
    from django.test import override_settings

    with override_settings(TRUSTED_PROXIES=["10.0.0.0/24"]), caplog.at_level(logging.WARNING, "liuhen.security"):
        _fail("officer2", 0, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7, 192.0.2.44")
        _fail("officer2", 1, REMOTE_ADDR="10.0.9.9", HTTP_X_FORWARDED_FOR="192.0.2.99")  # not a trusted proxy
    assert [r.ip_address for r in AccessFailureLog.objects.order_by("id")] == ["192.0.2.44", "10.0.9.9"]
    assert "ip=192.0.2.44" in caplog.text and "198.51.100.7" not in caplog.text


def test_client_address_believes_only_trusted_proxies() -> None:
    trusted = parse_networks("10.0.0.0/24, ::1")
    assert client_address("127.0.0.1", "203.0.113.9", []) == "127.0.0.1"  # nothing trusted by default
    assert client_address("127.0.0.1", "203.0.113.9", trusted) == "127.0.0.1"  # localhost is not a proxy here
    assert client_address("10.0.0.2", "203.0.113.9", trusted) == "203.0.113.9"
    # a client that writes its own header in front cannot choose the address: the proxy's append wins
    assert client_address("10.0.0.2", "1.2.3.4, 203.0.113.9", trusted) == "203.0.113.9"
    assert client_address("10.0.0.2", "203.0.113.9, 10.0.0.7", trusted) == "203.0.113.9"  # a chain of proxies
    assert client_address("::1", "2001:db8::5", trusted) == "2001:db8::5"
    assert client_address("10.0.0.2", "not-an-address", trusted) == "10.0.0.2"
    with pytest.raises(ValueError, match="不是 IP"):
        parse_networks("10.0.0.0/24, proxy.example")


def test_serve_does_not_let_uvicorn_believe_forwarded_headers() -> None:
    """`liuhen serve` runs uvicorn without its proxy-header middleware (which trusts 127.0.0.1 by default)."""
    options = uvicorn_options("127.0.0.1", 8000)
    assert options["proxy_headers"] is False
    config = uvicorn.Config(**options)
    config.load()
    app = config.loaded_app
    while app is not None:
        assert not isinstance(app, ProxyHeadersMiddleware)
        app = getattr(app, "app", None)


def test_lockout_parameters() -> None:
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]
    assert settings.TRUSTED_PROXIES == []  # the default: no proxy believed
