"""The probes that held when the running system was attacked with ordinary accounts, kept as tests so they keep
holding: another agency's ids, vertical escalation, dead tokens, CSRF, session fixation, open redirects, DEBUG,
oversized and deeply nested JSON. (The permission matrix walks every operation × role in
tests/web/test_permissions.py; the revoked token and the other agency's case over the API are in tests/web/test_api.py;
the forms' CSRF, cookies, session age, failed-login log, password policy and id walking are in test_basics.py.)"""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from liuhen.accounts import services as accounts
from liuhen.accounts.models import User
from liuhen.cases import services as cases
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.documents import services as documents
from liuhen.media import services as media
from tests.conftest import PASSWORD
from tests.documents.conftest import sample_data
from tests.media.conftest import synthesise
from tests.security.conftest import api_client, web_client

pytestmark = pytest.mark.django_db


def _routes(case_id: int, doc_id: int, rec_id: int) -> list[str]:
    return [
        f"/api/v1/cases/{case_id}",
        f"/api/v1/cases/{case_id}/access-history",
        f"/api/v1/cases/{case_id}/recordings",
        f"/api/v1/cases/{case_id}/marks",
        f"/api/v1/cases/{case_id}/copy-requests",
        f"/api/v1/documents/{doc_id}",
        f"/api/v1/documents/{doc_id}/pdf",
        f"/api/v1/documents/{doc_id}/docx",
        f"/api/v1/recordings/{rec_id}/access-history",
        f"/cases/{case_id}/",
        f"/documents/{doc_id}/",
        f"/media/{rec_id}/stream/",
        f"/media/{rec_id}/poster/",
        f"/media/{rec_id}/access/",
    ]


def test_another_agencys_case_document_and_recording_are_not_there(tmp_path, blob_root, cast, other) -> None:  # type: ignore[no-untyped-def]
    """rule R9: across agencies every id is 404 both ways (nothing says it exists), with a purpose or without."""
    t = BY_CODE["inspection_transcript"]
    doc = documents.create_document(actor=other.officer, case=other.case, code=t.code, data=sample_data(t))
    rec = media.ingest_file(
        actor=None, path=synthesise(tmp_path / "lq.mp4"), officer=other.officer, case=other.case
    ).recording
    for user in (cast.handler, cast.unit_head, cast.leader, cast.legal_reviewer, cast.archivist):
        for client in (api_client(user), web_client(user)):
            for path in _routes(other.case.pk, doc.pk, rec.pk):
                if path.startswith("/api/") is (client.defaults.get("HTTP_AUTHORIZATION") is None):
                    continue  # API routes with the token, pages with the session
                r = client.get(path, {"purpose": "跨机关探测"}, HTTP_RANGE="bytes=1-")
                assert r.status_code in (403, 404), (user.username, path, r.status_code)
                assert other.case.case_no not in r.content.decode(errors="replace"), path
    ours = cases.create_case(actor=cast.handler, unit=cast.handler.unit, procedure="general_procedure", cause="本局")
    for path in (f"/api/v1/cases/{ours.pk}", f"/api/v1/cases/{ours.pk}/access-history"):
        assert api_client(other.officer).get(path).status_code == 404
        assert api_client(other.leader).get(path, {"purpose": "上级调阅"}).status_code == 404  # a peer, not a superior


def test_another_agency_cannot_write_to_our_case(cast, make_case, other) -> None:  # type: ignore[no-untyped-def]
    """rule R9: posting to our case's routes from another agency is 404 and changes nothing."""
    case = make_case()
    client = api_client(other.leader)
    posts = {
        f"/api/v1/cases/{case.pk}/transitions": {"action": "file"},
        f"/api/v1/cases/{case.pk}/acts": {"kind": "duty_log", "note": "x"},
        f"/api/v1/cases/{case.pk}/officers": {"username": other.officer.username, "opinion": "x"},
        f"/api/v1/cases/{case.pk}/approvals": {"kind": "filing", "opinion": "x"},
        f"/api/v1/cases/{case.pk}/access-requests": {"purpose": "x"},
        f"/api/v1/cases/{case.pk}/copy-requests": {"requester_kind": "party", "requester_name": "x", "reason": "x"},
    }
    for path, body in posts.items():
        assert client.post(path, body, content_type="application/json").status_code in (403, 404), path
    assert case.officers.count() == 1 and case.approvals.count() == 0 and case.acts.count() == 0


def test_an_officer_cannot_call_what_belongs_to_leaders_or_administrators(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """Vertical escalation (rules D9, R9, R10): approving, deciding copies, issuing checkpoints, the admin site."""
    case = make_case()
    approval = cases.start_approval(actor=cast.handler, case=case, kind="filing", opinion="建议立案")
    cases.review_approval(actor=cast.unit_head, approval=approval, agree=True, opinion="同意")
    officer = api_client(cast.handler)
    sign = {"agree": True, "opinion": "同意"}
    assert (
        officer.post(f"/api/v1/approvals/{approval.pk}/decide", sign, content_type="application/json").status_code
        == 403
    )
    assert (
        officer.post(f"/api/v1/approvals/{approval.pk}/review", sign, content_type="application/json").status_code
        == 403
    )
    assert officer.get("/api/v1/approvals/pending").status_code == 403
    assert officer.post("/api/v1/ledger/checkpoints").status_code == 403
    assert (
        officer.post(
            "/api/v1/copy-requests/1/decide", {"approve": True, "reason": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    admin = web_client(cast.handler).get("/admin/")
    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]
    approval.refresh_from_db()
    assert approval.status == "approving"


@pytest.mark.tampers  # the user is deactivated by hand
def test_a_deactivated_users_token_and_session_stop_working(cast) -> None:  # type: ignore[no-untyped-def]
    """A person who left: his token answers 401 and his session no longer signs him in."""
    token = accounts.create_token(actor=None, user=cast.handler)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    web = web_client(cast.handler)
    assert client.get("/api/v1/me").status_code == 200
    User.objects.filter(pk=cast.handler.pk).update(is_active=False)
    assert client.get("/api/v1/me").status_code == 401
    assert web.get("/").status_code == 302


def test_the_api_with_a_session_cookie_needs_the_csrf_token(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """A page elsewhere cannot make a signed-in browser post to the API: without the CSRF token it is refused."""
    case = make_case()
    browser = web_client(cast.handler, enforce_csrf_checks=True)
    r = browser.post(
        f"/api/v1/cases/{case.pk}/acts", {"kind": "duty_log", "note": "跨站请求"}, content_type="application/json"
    )
    assert r.status_code in (401, 403)
    assert case.acts.count() == 0
    assert browser.get(f"/api/v1/cases/{case.pk}").status_code == 200  # reading needs no token


def test_signing_in_gives_a_new_session_id(cast) -> None:  # type: ignore[no-untyped-def]
    """Session fixation: an id planted before login is not the one that signs in."""
    client = Client()
    client.get("/login/")
    session = client.session
    session["planted"] = "yes"
    session.save()
    planted = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = planted
    assert client.post("/login/", {"username": "officer1", "password": PASSWORD}).status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != planted
    intruder = Client()
    intruder.cookies[settings.SESSION_COOKIE_NAME] = planted
    assert intruder.get("/").status_code == 302  # the planted id signs no one in


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "http://evil.example", "\\\\evil.example"]
)
def test_no_open_redirect_after_login_or_logout(cast, target) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    r = client.post(f"/login/?next={target}", {"username": "officer1", "password": PASSWORD, "next": target})
    assert r.status_code == 302 and "evil.example" not in r["Location"]
    r = client.post(f"/logout/?next={target}", {"next": target})
    assert r.status_code == 302 and "evil.example" not in r["Location"]


def test_debug_is_off_and_errors_show_no_internals(cast) -> None:  # type: ignore[no-untyped-def]
    assert settings.DEBUG is False
    r = web_client(cast.handler).get("/no-such-page/")
    assert r.status_code == 404 and b"Traceback" not in r.content and b"URLconf" not in r.content


def test_a_large_json_body_is_refused_not_a_server_error(cast, units) -> None:  # type: ignore[no-untyped-def]
    """A body past DATA_UPLOAD_MAX_MEMORY_SIZE is 4xx and registers nothing."""
    body = json.dumps(
        {"procedure": "general_procedure", "cause": "大", "unit_id": units[0].pk, "summary": "x" * 3_000_000}
    )
    r = api_client(cast.handler).post("/api/v1/cases", body, content_type="application/json")
    assert 400 <= r.status_code < 500
    assert not cast.handler.created_cases.exists()


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_deeply_nested_json_body_is_refused_not_a_server_error(cast, units, depth) -> None:  # type: ignore[no-untyped-def]
    body = '{"procedure": "general_procedure", "cause": "深", "parties": ' + "[" * depth + "]" * depth + "}"
    r = api_client(cast.handler).post("/api/v1/cases", body, content_type="application/json")
    assert 400 <= r.status_code < 500, r.status_code
    assert not cast.handler.created_cases.exists()
