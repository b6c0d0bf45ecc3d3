"""Separation of duties: the system administrator follows the permission table like every role. It manages people,
units, devices and settings, and sees no case content: 403 on every case, document and recording route of the
OpenAPI document and of the pages, an empty case list, and no command on a case (rules R9, R11)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import get_resolver

from liuhen.access import services as access
from liuhen.access import view_requests
from liuhen.accounts import services as accounts
from liuhen.accounts.models import Role
from liuhen.cases import services as cases
from liuhen.cases.access import cases_in_scope
from liuhen.cases.queries import visible_cases
from liuhen.core.errors import Forbidden, NotFound
from liuhen.core.permissions import Action
from liuhen.documents import services as documents
from liuhen.ledger.models import Event
from tests.conftest import make_user
from tests.web.test_permissions import operations

pytestmark = pytest.mark.django_db

CAUSE = "违规储存氯酸钾甲乙丙"
PARTY = "独一无二化工有限公司"
CASE_ACTIONS = [
    Action.CASE_VIEW,
    Action.CASE_WORK,
    Action.APPROVE,
    Action.RECORD_READ,
    Action.CONFIDENTIAL,
    Action.COPY_REQUEST,
    Action.COPY_DECIDE,
]
# what of a path makes it a case, document or recording route
CASE_ROUTE = re.compile(
    r"(^|/)(cases|approvals|documents|recordings|media|deadlines|access-requests?|copy-requests|view-requests|av-omissions|uploads)(/|$)"
)


@pytest.fixture
def content(tmp_path, blob_root, cast, make_case):  # type: ignore[no-untyped-def]
    from liuhen.media import services as media
    from tests.media.conftest import synthesise

    case = make_case(
        cause=CAUSE,
        officers=[cast.handler, cast.second_officer],
        parties=[cases.PartyInput(kind="organisation", name=PARTY, id_number="91320100MA1X2Y3Z4A")],
    )
    doc = documents.create_document(actor=cast.handler, case=case, code="inspection_transcript", data={})
    rec = media.ingest_file(actor=None, path=synthesise(tmp_path / "scene.mp4"), officer=cast.handler, case=case)
    approval = cases.start_approval(actor=cast.handler, case=case, kind="filing", opinion="建议立案")
    copy = access.request_copy(
        actor=cast.handler, case=case, requester_kind="party", requester_name=PARTY, reason="申请复制"
    )
    other = make_user(case.agency, None, "reader", Role.OFFICER, "CERT-R1")
    grant = access.request_access(actor=other, case_id=case.pk, purpose="比对")
    viewing = view_requests.receive_view_request(
        actor=cast.handler,
        case=case,
        applicant_kind="party",
        applicant_name=PARTY,
        records="现场检查笔录",
        channel="in_person",
    )
    created = Event.objects.get(action="case.created", case_ref=case.pk)
    return {
        "case": case,
        "values": {
            "case_id": case.pk,
            "document_id": doc.pk,
            "recording_id": rec.recording.pk,
            "approval_id": approval.pk,
            "request_id": copy.pk,
            "access_request_id": grant.pk,
            "view_request_id": viewing.pk,
            "omission_id": 999999,
            "seq": created.seq,
            "year": 2026,
            "alert_id": 999999,
            "token_id": 999999,
            "device_id": rec.recording.device_id or 999999,
            "step": "review",
            "upload_id": uuid.uuid4(),
            "code": "0000000000",
        },
        "grant": grant,
        "approval": approval,
    }


def administrators(agency):  # type: ignore[no-untyped-def]
    """The one `liuhen init` makes (of no agency, still a Django superuser) and an agency's own."""
    instance_admin, _ = accounts.create_admin(password="Admin-pass-2026!")
    return [instance_admin, make_user(agency, None, "agency_admin", Role.ADMIN)]


def leaks(text: str, case) -> list[str]:  # type: ignore[no-untyped-def]
    return [s for s in (case.case_no, CAUSE, PARTY) if s in text]


def test_the_administrator_gets_403_on_every_case_document_and_recording_route(agency, content) -> None:  # type: ignore[no-untyped-def]
    case, values = content["case"], content["values"]
    for admin in administrators(agency):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {accounts.create_token(actor=None, user=admin)}")
        wrong = []
        for method, path, _view in operations():
            if method == "DELETE" and "tokens" in path:
                continue
            url = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
            r = client.generic(method, url, "{}", content_type="application/json")
            body = r.content.decode()
            if CASE_ROUTE.search(path.removeprefix("/api/v1/")) and r.status_code != 403:
                wrong.append(f"{method} {path} -> {r.status_code}")
            if r.status_code >= 500 or leaks(body, case):
                wrong.append(f"{method} {path} -> {r.status_code} {leaks(body, case)}")
        # the ledger's copy of a case event is case content too
        assert client.get(f"/api/v1/ledger/events/{values['seq']}").status_code == 403
        assert not wrong, f"{admin.username}:\n" + "\n".join(wrong)


def test_the_administrator_gets_403_on_every_case_page(agency, content) -> None:  # type: ignore[no-untyped-def]
    case, values = content["case"], content["values"]
    for admin in administrators(agency):
        web = Client()
        web.force_login(admin)
        wrong = []
        for pattern in get_resolver().url_patterns:
            route = str(pattern.pattern)
            if route.startswith(("admin/", "api/v1/")) or getattr(pattern, "name", None) in ("login", "logout"):
                continue
            url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
            r = web.get(url)
            if r.status_code == 405:
                r = web.post(url, {})
            body = r.content.decode() if not r.streaming else ""
            if CASE_ROUTE.search(route) and r.status_code != 403:
                wrong.append(f"{url} -> {r.status_code}")
            if r.status_code >= 500 or leaks(body, case):
                wrong.append(f"{url} -> {r.status_code} {leaks(body, case)}")
        assert not wrong, f"{admin.username}:\n" + "\n".join(wrong)
        home = web.get("/").content.decode()
        assert "机关设置" in home and "登记案件" not in home
        assert "系统管理员管理机构、人员、设备和机关设置" in home
        assert "我承办的案件" not in home and "期限提醒" not in home


def test_the_administrator_has_an_empty_case_list_and_no_command_on_a_case(agency, units, cast, content) -> None:  # type: ignore[no-untyped-def]
    """Today's shortcut is gone: `admin` neither reads cases nor decides 调阅 requests, approvals or copies."""
    case = content["case"]
    for admin in administrators(agency):
        assert not visible_cases(admin).exists()
        for action in CASE_ACTIONS:
            assert not cases_in_scope(admin, action).exists()
        with pytest.raises(Forbidden):
            access.decide_access(actor=admin, request=content["grant"], approve=True, opinion="同意")
        with pytest.raises(Forbidden):
            cases.review_approval(actor=admin, approval=content["approval"], agree=True, opinion="同意")
        with pytest.raises(Forbidden):
            cases.create_case(actor=admin, unit=units[0], procedure="general_procedure", cause="管理员登记")
        with pytest.raises(Forbidden):
            cases.record_act(actor=admin, case=case, kind="note", note="管理员记录")
        with pytest.raises((Forbidden, NotFound)):
            access.request_access(actor=admin, case_id=case.pk, purpose="查看")
    content["grant"].refresh_from_db()
    assert content["grant"].status == "pending"
