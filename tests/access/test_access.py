"""调阅 (access) requests (R9), confidentiality marks (R11) and copy requests (R10, R12)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from liuhen.access import services as access
from liuhen.access.models import ConfidentialityMark, CopyDecision, CopyRequest
from liuhen.accounts.models import Role
from liuhen.accounts.services import create_token
from liuhen.cases.models import AccessRequest, Case
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.core.errors import Forbidden, InvalidInput, NotFound
from liuhen.documents import services as documents
from liuhen.ledger.models import Event
from liuhen.media.models import Blob
from tests.conftest import make_user
from tests.documents.conftest import sample_data, sample_signatures

pytestmark = pytest.mark.django_db


def web(user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def api(user):  # type: ignore[no-untyped-def]
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=user)}")


def final_document(cast, case, code: str = "inspection_transcript"):  # type: ignore[no-untyped-def]
    t = BY_CODE[code]
    draft = documents.create_document(actor=cast.handler, case=case, code=code, data=sample_data(t))
    return documents.finalise(actor=cast.handler, document=draft, signatures=sample_signatures(t))


def events(action: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(e.body) for e in Event.objects.filter(action=action).order_by("seq")]


# -- registered viewing with approval (R9) ---------------------------------------------------------------------


@pytest.mark.tampers  # a grant is made to expire by hand
def test_reading_another_units_case_needs_an_approved_request(cast, agency, units, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case(officers=[cast.handler, cast.second_officer])
    doc = final_document(cast, case)
    outsider = make_user(agency, units[1], "other_unit_officer", Role.OFFICER, "CERT-9")
    page = web(outsider).get(f"/cases/{case.pk}/")
    assert page.status_code == 403 and "调阅申请" in page.content.decode()
    assert api(outsider).get(f"/api/v1/documents/{doc.pk}/pdf").status_code == 404  # no way round the case

    r = web(outsider).post(f"/cases/{case.pk}/access-request/", {"purpose": "关联案件核查"})
    assert r.status_code == 302 and r["Location"] == "/access-requests/"
    req = AccessRequest.objects.get()
    assert req.status == "pending" and web(outsider).get(f"/cases/{case.pk}/").status_code == 403  # not yet

    assert "待我审批的调阅申请（1）" in web(cast.unit_head).get("/").content.decode()
    assert "待我审批的调阅申请" not in web(cast.second_officer).get("/").content.decode()
    listing = web(cast.unit_head).get("/access-requests/").content.decode()
    assert "关联案件核查" in listing and case.case_no in listing
    with pytest.raises(Forbidden):  # an officer cannot approve, nor the head of another unit
        access.decide_access(actor=cast.second_officer, request=req, approve=True, opinion="同意")
    r = web(cast.unit_head).post(f"/access-requests/{req.pk}/decide/", {"approve": "1", "opinion": "同意调阅"})
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.status == "approved" and req.decided_by == cast.unit_head
    assert req.expires_at is not None and req.expires_at - req.decided_at == timedelta(days=7)

    assert web(outsider).get(f"/cases/{case.pk}/").status_code == 200
    page = web(outsider).get(f"/cases/{case.pk}/access-history/").content.decode()  # the case's 调阅记录 tab
    assert "调阅申请" in page and "关联案件核查" in page and "同意调阅" in page
    assert api(outsider).get(f"/api/v1/documents/{doc.pk}/pdf").status_code == 200
    read = [e for e in events("record.read") if e["case_no"] == case.case_no][-1]
    assert read["purpose"] == "经批准调阅：关联案件核查"
    assert [e["approve"] for e in events("access.decided")] == [True]
    # the grant opens reading, not working on the case
    assert api(outsider).post(
        f"/api/v1/cases/{case.pk}/documents", {}, content_type="application/json"
    ).status_code in (
        403,
        422,
    )
    assert case.pk in set(access.cases_in_scope(outsider, access.Action.CASE_VIEW).values_list("pk", flat=True))

    AccessRequest.objects.filter(pk=req.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert web(outsider).get(f"/cases/{case.pk}/").status_code == 403  # expired


def test_refused_access_request_opens_nothing(cast, agency, units, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    outsider = make_user(agency, units[1], "other_unit_officer", Role.OFFICER, "CERT-9")
    created = api(outsider).post(
        f"/api/v1/cases/{case.pk}/access-requests", {"purpose": "学习参考"}, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["status"] == "pending"
    again = api(outsider).post(
        f"/api/v1/cases/{case.pk}/access-requests", {"purpose": "再次申请"}, content_type="application/json"
    )
    assert again.status_code == 422 and "审批中" in again.json()["detail"]
    decided = api(cast.leader).post(
        f"/api/v1/access-requests/{created.json()['id']}/decide",
        {"approve": False, "opinion": "与工作无关"},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == "refused"
    assert decided.json()["expires_at"] is None
    r = api(outsider).get(f"/api/v1/cases/{case.pk}")
    assert r.status_code == 403 and "access-requests" in r.json()["hint"]
    assert api(outsider).get("/api/v1/access-requests").json()[0]["opinion"] == "与工作无关"


def test_a_access_request_by_case_number(cast, agency, units, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    outsider = make_user(agency, units[1], "other_unit_officer", Role.OFFICER, "CERT-9")
    client = web(outsider)
    r = client.post("/access-requests/", {"case_no": "不存在〔2026〕1号", "purpose": "核查"}, follow=True)
    assert "未找到案号为“不存在〔2026〕1号”的案件" in r.content.decode() and not AccessRequest.objects.exists()
    r = client.post("/access-requests/", {"case_no": case.case_no, "purpose": "关联案件核查"}, follow=True)
    assert "调阅申请已提交" in r.content.decode()
    assert AccessRequest.objects.get().case == case


def test_access_requests_are_refused_where_they_make_no_sense(cast, agency, units, make_case) -> None:  # type: ignore[no-untyped-def]
    from liuhen.accounts import services as accounts

    case = make_case()
    with pytest.raises(InvalidInput, match="已在您的查看范围内"):
        access.request_access(actor=cast.handler, case_id=case.pk, purpose="承办")
    outsider = make_user(agency, units[1], "other_unit_officer", Role.OFFICER, "CERT-9")
    with pytest.raises(InvalidInput, match="目的"):
        access.request_access(actor=outsider, case_id=case.pk, purpose="  ")
    other = accounts.create_agency(actor=None, name="别处应急管理局", short_name="别应急")
    stranger = make_user(other, None, "stranger", Role.OFFICER)
    with pytest.raises(NotFound):  # another agency's case is not there to ask for
        access.request_access(actor=stranger, case_id=case.pk, purpose="核查")
    with pytest.raises(NotFound):
        access.request_access(actor=outsider, case_id=case.pk + 1000, purpose="核查")
    head2 = make_user(agency, units[1], "head2", Role.UNIT_HEAD, "CERT-8")
    req = access.request_access(actor=head2, case_id=case.pk, purpose="交叉检查")
    with pytest.raises(Forbidden):  # the head of the requester's own unit is not the head of the case's unit
        access.decide_access(actor=head2, request=req, approve=True, opinion="同意")
    assert AccessRequest.objects.get().status == "pending"


# -- confidentiality marks (R11) -------------------------------------------------------------------------------


def test_a_marked_document_is_for_the_roles_the_table_allows(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case(officers=[cast.handler, cast.second_officer])
    doc = final_document(cast, case)
    r = api(cast.handler).post(
        f"/api/v1/cases/{case.pk}/marks",
        {"subject_type": "document", "subject_id": doc.pk, "mark": "trade_secret", "reason": "含企业工艺参数"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["mark_label"] == "商业秘密"
    assert events("record.marked")[-1]["mark"] == "trade_secret"
    # the archivist sees the agency's cases but not what is marked (CONFIDENTIAL: none)
    archivist = web(cast.archivist)
    case_page = archivist.get(f"/cases/{case.pk}/documents/")
    assert (
        case_page.status_code == 200
        and '现场检查笔录</a> <span class="badge warn">保密</span>' in case_page.content.decode()
    )
    assert archivist.get(f"/documents/{doc.pk}/pdf/").status_code == 403
    assert api(cast.archivist).get(f"/api/v1/documents/{doc.pk}/pdf").status_code == 403
    assert doc.pk not in {d["id"] for d in api(cast.archivist).get("/api/v1/documents").json()["items"]}
    assert doc.pk in {d["id"] for d in api(cast.leader).get("/api/v1/documents").json()["items"]}
    assert web(cast.second_officer).get(f"/documents/{doc.pk}/pdf/").status_code == 200  # a handling officer may
    access.set_mark(
        actor=cast.handler, case=case, subject_type="document", subject_id=doc.pk, mark="none", reason="已解密"
    )
    assert archivist.get(f"/documents/{doc.pk}/pdf/").status_code == 200
    assert ConfidentialityMark.objects.count() == 2  # the lifted mark stays on record
    assert (
        "文书：现场检查笔录（第1版）：含企业工艺参数"
        in web(cast.handler).get(f"/cases/{case.pk}/copies/").content.decode()
    )
    listed = api(cast.handler).get(f"/api/v1/cases/{case.pk}/marks").json()
    assert [(m["mark"], m["reason"]) for m in listed] == [("trade_secret", "含企业工艺参数"), ("none", "已解密")]


def test_a_marked_case_leaves_the_lists_of_those_who_may_not_see_it(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case, other = make_case(), make_case()
    access.set_mark(
        actor=cast.handler, case=case, subject_type="case", subject_id=case.pk, mark="state_secret", reason="涉密"
    )
    listed = {c["id"] for c in api(cast.archivist).get("/api/v1/cases").json()["items"]}
    assert case.pk not in listed and other.pk in listed
    r = api(cast.archivist).get(f"/api/v1/cases/{case.pk}")
    assert r.status_code == 403 and "保密" in r.json()["detail"]
    assert case.case_no not in web(cast.archivist).get("/cases/").content.decode()
    assert case.pk in {c["id"] for c in api(cast.leader).get("/api/v1/cases").json()["items"]}


def test_marks_are_refused_without_right_reason_or_subject(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case, other = make_case(), make_case()
    doc = final_document(cast, other)
    with pytest.raises(Forbidden):
        access.set_mark(
            actor=cast.archivist, case=case, subject_type="case", subject_id=case.pk, mark="trade_secret", reason="x"
        )
    with pytest.raises(InvalidInput, match="不属于本案"):
        access.set_mark(
            actor=cast.handler, case=case, subject_type="document", subject_id=doc.pk, mark="trade_secret", reason="x"
        )
    with pytest.raises(InvalidInput, match="理由"):
        access.set_mark(
            actor=cast.handler, case=case, subject_type="case", subject_id=case.pk, mark="trade_secret", reason=" "
        )
    r = api(cast.handler).post(
        f"/api/v1/cases/{case.pk}/marks",
        {"subject_type": "case", "subject_id": case.pk, "mark": "top_secret", "reason": "x"},
        content_type="application/json",
    )
    assert r.status_code == 422 and "top_secret" in r.json()["detail"]
    assert not ConfidentialityMark.objects.exists()


# -- copy requests (R10, R12) ----------------------------------------------------------------------------------


def test_party_copy_approved_by_the_unit_head_withholds_marked_records(
    tmp_path, blob_root, cast, make_case, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from liuhen.media import services as media
    from tests.media.conftest import synthesise

    case = make_case(officers=[cast.handler, cast.second_officer])
    shown = final_document(cast, case)
    secret = final_document(cast, case, "inquiry_transcript")
    rec = media.ingest_file(
        actor=None, path=synthesise(tmp_path / "scene.mp4"), officer=cast.handler, case=case
    ).recording
    access.set_mark(
        actor=cast.handler,
        case=case,
        subject_type="document",
        subject_id=secret.pk,
        mark="personal_privacy",
        reason="含证人身份信息",
    )
    client = web(cast.handler)
    client.post(
        f"/cases/{case.pk}/copy-requests/",
        {"requester_kind": "party", "requester_name": "明山建材有限公司", "reason": "申请复制案卷材料"},
    )
    req = CopyRequest.objects.get()
    assert req.status == "pending"
    with pytest.raises(Forbidden):  # an officer does not approve copies
        access.decide_copy(actor=cast.second_officer, request=req, approve=True, reason="同意")
    with django_capture_on_commit_callbacks(execute=True) as queued:  # the package is built by a job
        r = web(cast.unit_head).post(f"/copy-requests/{req.pk}/decide/", {"approve": "1", "reason": "同意提供"})
        req.refresh_from_db()
        assert r.status_code == 302 and req.status == "preparing"
    assert len(queued) == 1
    req.refresh_from_db()
    assert req.status == "approved" and len(req.package_sha256) == 64 and req.percent == 100
    assert "下载复制件" in web(cast.handler).get(f"/copy-requests/{req.pk}/status/").content.decode()

    download = client.get(f"/copy-requests/{req.pk}/package/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == req.package_sha256  # the copy given is the copy recorded
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        for entry in manifest["files"]:
            assert hashlib.sha256(zf.read(entry["file"])).hexdigest() == entry["sha256"]
        names = zf.namelist()
        listing = zf.read("复制件清单.txt").decode()
    assert case.case_no in listing and "明山建材有限公司（当事人）" in listing and "询问笔录（保密）" in listing
    assert all(f["sha256"] in listing for f in manifest["files"])
    sources = {f["source"] for f in manifest["files"]}
    assert f"document:{shown.pk}" in sources and f"recording:{rec.pk}" in sources
    assert f"document:{secret.pk}" not in sources and not any("询问笔录" in n for n in names)
    assert manifest["withheld"] == ["文书 询问笔录（保密）"]
    access.set_mark(
        actor=cast.handler,
        case=case,
        subject_type="recording",
        subject_id=rec.pk,
        mark="trade_secret",
        reason="厂区工艺",
    )
    assert api(cast.archivist).get(f"/api/v1/cases/{case.pk}/recordings").json() == []
    page = client.get(f"/cases/{case.pk}/media/").content.decode()
    assert '<strong>scene.mp4</strong> <span class="badge warn">保密</span>' in page
    assert "scene.mp4" not in web(cast.archivist).get(f"/cases/{case.pk}/media/").content.decode()
    assert web(cast.archivist).get(f"/media/{rec.pk}/stream/").status_code == 403
    assert len(api(cast.unit_head).get(f"/api/v1/cases/{case.pk}/recordings").json()) == 1
    assert next(f for f in manifest["files"] if f["source"] == f"recording:{rec.pk}")["sha256"] == rec.blob_id
    provided = events("copy.provided")[-1]
    assert provided["package_sha256"] == req.package_sha256 and provided["withheld"] == manifest["withheld"]
    assert web(cast.archivist).get(f"/copy-requests/{req.pk}/package/").status_code == 200  # archivist: agency
    reader = make_user(case.agency, None, "reader", Role.OFFICER, "CERT-R")  # another unit, reading by approval
    grant = access.request_access(actor=reader, case_id=case.pk, purpose="比对")
    access.decide_access(actor=cast.unit_head, request=grant, approve=True, opinion="同意")
    assert web(reader).get(f"/cases/{case.pk}/").status_code == 200
    assert web(reader).get(f"/copy-requests/{req.pk}/package/").status_code == 403  # reads, does not hand copies
    history = client.get(f"/api/v1/cases/{case.pk}/access-history", HTTP_X_LIUHEN_PURPOSE="x").json()
    assert any(h["what"] == "复制件" and h["channel"] == "download" for h in history)


def test_a_refused_copy_request_changes_nothing(tmp_path, blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case(officers=[cast.handler, cast.second_officer])
    final_document(cast, case)
    req = access.request_copy(
        actor=cast.handler, case=case, requester_kind="party", requester_name="张某", reason="复制"
    )
    before = (Blob.objects.count(), list(Case.objects.values()), Event.objects.filter(action="copy.provided").count())
    r = api(cast.unit_head).post(
        f"/api/v1/copy-requests/{req.pk}/decide",
        {"approve": False, "reason": "涉及正在调查的事项"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "refused"
    listed = api(cast.handler).get(f"/api/v1/cases/{case.pk}/copy-requests").json()
    assert listed[0]["decisions"] == [{"role": "unit_head", "approve": False, "reason": "涉及正在调查的事项"}]
    assert (
        Blob.objects.count(),
        list(Case.objects.values()),
        Event.objects.filter(action="copy.provided").count(),
    ) == before
    req.refresh_from_db()
    assert req.package_sha256 == "" and req.manifest == ""
    assert api(cast.handler).get(f"/api/v1/copy-requests/{req.pk}/package").status_code == 404
    again = api(cast.unit_head).post(
        f"/api/v1/copy-requests/{req.pk}/decide",
        {"approve": True, "reason": "改为同意"},
        content_type="application/json",
    )
    assert again.status_code == 422 and CopyDecision.objects.count() == 1  # a decision is not taken back


def test_court_copy_needs_the_legal_unit_and_the_handling_unit(
    tmp_path, blob_root, cast, agency, units, make_case, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    case = make_case(officers=[cast.handler, cast.second_officer])
    final_document(cast, case)
    req = access.request_copy(
        actor=cast.handler,  # not the legal reviewer, who signs it (D9: no one approves their own request)
        case=case,
        requester_kind="court",
        requester_name="某区人民法院",
        reason="行政诉讼举证",
    )
    head2 = make_user(agency, units[1], "head2", Role.UNIT_HEAD, "CERT-8")
    with pytest.raises(Forbidden):  # the head of another unit is not the handling unit's head
        access.decide_copy(actor=head2, request=req, approve=True, reason="同意")
    assert "待我审批的复制申请（1）" in web(cast.unit_head).get("/").content.decode()
    assert "待我审批的复制申请（1）" in web(cast.legal_reviewer).get("/").content.decode()
    access.decide_copy(actor=cast.unit_head, request=req, approve=True, reason="同意")
    req.refresh_from_db()
    assert req.status == "pending" and not req.package_sha256  # R12: the legal unit has not signed yet
    assert "待我审批的复制申请" not in web(cast.unit_head).get("/").content.decode()  # signed already
    assert "待我审批的复制申请（1）" in web(cast.legal_reviewer).get("/").content.decode()
    assert "待我审批的复制申请" not in web(head2).get("/").content.decode()  # not the handling unit
    with pytest.raises(InvalidInput, match="已签署"):
        access.decide_copy(actor=cast.unit_head, request=req, approve=True, reason="再次同意")
    with django_capture_on_commit_callbacks(execute=True):
        access.decide_copy(actor=cast.legal_reviewer, request=req, approve=True, reason="法制机构同意")
    req.refresh_from_db()
    assert req.status == "approved" and req.package_sha256
    assert sorted(d.role for d in req.decisions.all()) == ["legal_reviewer", "unit_head"]


def test_a_case_marked_as_a_whole_is_not_copied(tmp_path, blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    access.set_mark(
        actor=cast.handler, case=case, subject_type="case", subject_id=case.pk, mark="state_secret", reason="涉密"
    )
    req = access.request_copy(
        actor=cast.handler, case=case, requester_kind="party", requester_name="张某", reason="复制"
    )
    with pytest.raises(Forbidden, match="整体已标注保密"):
        access.decide_copy(actor=cast.unit_head, request=req, approve=True, reason="同意")
    req.refresh_from_db()
    assert req.status == "pending" and not CopyDecision.objects.exists()  # the refusal rolled everything back


def test_a_package_that_fails_says_why_and_is_built_again(
    tmp_path, blob_root, cast, make_case, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from liuhen.media import services as media
    from liuhen.media.storage import default_store
    from tests.media.conftest import synthesise

    case = make_case(officers=[cast.handler, cast.second_officer])
    rec = media.ingest_file(actor=None, path=synthesise(tmp_path / "a.mp4"), officer=cast.handler, case=case).recording
    path = default_store().path(rec.blob_id)  # type: ignore[attr-defined]
    kept = tmp_path / "kept"
    shutil.copy(path, kept)
    path.chmod(0o600)
    path.unlink()  # the store has lost the file (what `liuhen verify` would report)
    req = access.request_copy(
        actor=cast.handler, case=case, requester_kind="party", requester_name="张某", reason="复制"
    )
    with django_capture_on_commit_callbacks(execute=True):
        access.decide_copy(actor=cast.unit_head, request=req, approve=True, reason="同意")
    req.refresh_from_db()
    assert req.status == "failed" and "不在存储中" in req.failure and not req.package_sha256
    assert not Event.objects.filter(action="copy.provided").exists()
    page = web(cast.unit_head).get(f"/cases/{case.pk}/copies/").content.decode()
    assert "复制件生成失败" in page and "重新生成" in page
    shutil.copy(kept, path)
    with django_capture_on_commit_callbacks(execute=True):
        r = api(cast.unit_head).post(f"/api/v1/copy-requests/{req.pk}/retry", content_type="application/json")
    assert r.status_code == 200
    req.refresh_from_db()
    assert req.status == "approved" and req.failure == "" and Event.objects.filter(action="copy.provided").count() == 1
    again = api(cast.unit_head).post(f"/api/v1/copy-requests/{req.pk}/retry", content_type="application/json")
    assert again.status_code == 422  # only a failed package is built again


def test_the_list_filter_agrees_with_the_one_case_check(cast, agency, units, make_case) -> None:  # type: ignore[no-untyped-def]
    """`within_scope` (one query for many cases, used to hide marked records) and `allowed` (one case) read the
    same table; they must give the same answer for every role, action and case."""
    from liuhen.accounts import services as accounts
    from liuhen.cases import services as case_services
    from liuhen.cases.access import allowed, within_scope
    from liuhen.core.permissions import Action

    own_unit = make_case(officers=[cast.handler, cast.second_officer])
    o3 = make_user(agency, units[1], "o3", Role.OFFICER, "CERT-31")
    o4 = make_user(agency, units[1], "o4", Role.OFFICER, "CERT-32")
    other_unit = case_services.create_case(
        actor=o3, unit=units[1], procedure="general_procedure", cause="其他科室案件", officers=[o3, o4]
    )
    below = accounts.create_agency(actor=None, name="下级应急管理局", short_name="下应急", parent=agency)
    below_unit = accounts.create_unit(actor=None, agency=below, name="执法大队")
    boss = make_user(below, below_unit, "below_officer", Role.OFFICER, "CERT-33")
    lower = case_services.create_case(actor=boss, unit=below_unit, procedure="general_procedure", cause="下级机关案件")
    all_cases = [own_unit, other_unit, lower]
    users = [cast.handler, cast.unit_head, cast.legal_reviewer, cast.leader, cast.archivist, o3, boss]
    for user in users:
        for action in Action:
            expected = {c.pk for c in all_cases if allowed(user, action, c)}
            assert within_scope(user, action, [c.pk for c in all_cases]) == expected, (user.username, action)


@pytest.mark.tampers  # the copy package is changed behind the application
def test_verify_finds_a_changed_or_lost_copy(
    tmp_path, blob_root, cast, make_case, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    """R12 (a copy kept): `liuhen verify` checks every package given against the store and the ledger."""
    from liuhen.ledger.verify import verify
    from liuhen.media.storage import default_store

    case = make_case(officers=[cast.handler, cast.second_officer])
    final_document(cast, case)
    req = access.request_copy(
        actor=cast.handler, case=case, requester_kind="party", requester_name="张某", reason="复制"
    )
    with django_capture_on_commit_callbacks(execute=True):
        access.decide_copy(actor=cast.unit_head, request=req, approve=True, reason="同意")
    req.refresh_from_db()
    assert not [f for f in verify() if "复制件" in f.record]
    path = default_store().path(req.package_sha256)  # type: ignore[attr-defined]
    path.chmod(0o600)
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    found = [str(f) for f in verify() if "复制件" in f.record]
    assert len(found) == 1 and "复制件内容与哈希不符" in found[0] and case.case_no in found[0]
    path.unlink()
    assert any("存储中找不到该复制件" in str(f) for f in verify())
    CopyRequest.objects.filter(pk=req.pk).update(manifest=req.manifest.replace("张某", "李某"))
    assert any("哈希清单与账本记录不符" in str(f) for f in verify())
