"""Finding 5 on a real `liuhen serve`: uvicorn believed ``X-Forwarded-For`` from 127.0.0.1, so rotating the header
never locked the account and the log recorded the forged address. Driven over HTTP on the loopback interface."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.instance.conftest import demo_home, home_copy, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.instance

DEMO_PASSWORD = "liuhen-demo-2026"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _login(base: str, username: str, password: str, forwarded_for: str) -> int:
    """One sign-in attempt as a browser makes it (the form's CSRF token and cookie first); the HTTP status."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect())
    with opener.open(f"{base}/login/", timeout=30) as page:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    assert token is not None
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    request = urllib.request.Request(
        f"{base}/login/", data=body, headers={"X-Forwarded-For": forwarded_for, "Referer": f"{base}/login/"}
    )
    try:
        with opener.open(request, timeout=30) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_forged_addresses_neither_dodge_the_lockout_nor_reach_the_log(server: str, home_copy: Path) -> None:  # noqa: F811
    statuses = [_login(server, "zhangwei", f"wrong-{n}", f"203.0.113.{n + 1}") for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the form again four times, then the fifth failure locks
    assert _login(server, "zhangwei", DEMO_PASSWORD, "203.0.113.99") == 429  # locked, whatever the address
    assert _login(server, "lina", DEMO_PASSWORD, "203.0.113.99") == 302  # another account is not
    log = (home_copy / "serve.log").read_text(encoding="utf-8")
    assert "登录失败 username=zhangwei ip=127.0.0.1" in log
    assert "203.0.113." not in log
