"""Security basics (R9–R11; 003 第二十条): CSRF, cookies, session expiry, lock-out, passwords, tokens, ids."""

from __future__ import annotations

import logging

import pytest
from axes.models import AccessFailureLog
from django.conf import settings
from django.test import Client

from liuhen.accounts import services as accounts
from liuhen.accounts.models import Role, User
from liuhen.core.errors import InvalidInput
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_forms_refuse_a_post_without_the_csrf_token(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.handler)
    r = client.post(f"/cases/{case.pk}/transition/", {"action": "file"})
    assert r.status_code == 403
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in page  # every form carries one


def test_session_cookie_and_expiry_settings() -> None:
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600  # one working day at most
    assert settings.X_FRAME_OPTIONS == "DENY"


def test_session_ends_at_its_age(cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SESSION_COOKIE_AGE = 1
    client = Client()
    client.post("/login/", {"username": "officer1", "password": PASSWORD})
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.update(expire_date=timezone.now())
    assert client.get("/").status_code == 302  # back to the login page


def test_failed_logins_are_logged_and_kept(cast, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.WARNING, logger="liuhen.security"):
        Client().post("/login/", {"username": "officer2", "password": "wrong-password"}, REMOTE_ADDR="10.1.2.3")
    assert "登录失败 username=officer2 ip=10.1.2.3" in caplog.text
    assert "wrong-password" not in caplog.text
    row = AccessFailureLog.objects.get()
    assert row.username == "officer2" and row.ip_address == "10.1.2.3"


def test_password_policy_refuses_weak_passwords(agency, units) -> None:  # type: ignore[no-untyped-def]
    for weak in ("12345678901", "password123", "short1", "weakuser2026"):
        with pytest.raises(InvalidInput, match="密码不符合要求"):
            accounts.create_user(
                actor=None,
                username="weakuser2026",
                password=weak,
                full_name="弱密码",
                role=Role.OFFICER,
                agency=agency,
                unit=units[0],
            )
    assert not User.objects.filter(username="weakuser2026").exists()


def test_record_ids_are_not_guessable_into_access(cast, agency, units, make_case) -> None:  # type: ignore[no-untyped-def]
    """Walking ids finds nothing outside one's scope: another unit's case is 403, everything else 404."""
    case = make_case()
    outsider = make_user(agency, units[1], "walker", Role.OFFICER, "CERT-W")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {accounts.create_token(actor=None, user=outsider)}")
    for n in range(1, case.pk + 20):
        r = client.get(f"/api/v1/cases/{n}")
        assert r.status_code in (403, 404)
        assert case.case_no not in r.content.decode()
        for path in (f"/api/v1/documents/{n}", f"/api/v1/documents/{n}/pdf", f"/api/v1/cases/{n}/recordings"):
            assert client.get(path).status_code in (403, 404)
