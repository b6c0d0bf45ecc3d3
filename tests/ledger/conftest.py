"""A working agency's records in every projected table, made through the commands (for the tamper suite)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection

from liuhen.access import services as access
from liuhen.access import view_requests
from liuhen.accounts import services as accounts
from liuhen.accounts.models import Role
from liuhen.agency_settings import services as agency_settings
from liuhen.cases import scenarios
from liuhen.cases import services as cases
from liuhen.cases.models import Case
from liuhen.core import stages
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.core.rules.agency_settings import COPY_APPROVER
from liuhen.deadlines.calendar_store import import_schedule
from liuhen.disclosure import services as disclosure
from liuhen.disclosure.models import Entry
from liuhen.documents import attachments, stored
from liuhen.documents import services as documents
from liuhen.ledger import services as ledger
from liuhen.ledger import triggers
from liuhen.media import av_services, device_services
from liuhen.media import services as media
from tests.conftest import make_user
from tests.documents.conftest import sample_data, sample_signatures
from tests.media.conftest import synthesise

ID_NUMBER = "320102198805061234"
PHONE = "13912345678"
ADDRESS = "明山区工业园路18号"


@dataclass
class World:
    case: Case
    other_case: Case
    objects: dict[str, Any]


@pytest.fixture
def world(tmp_path, blob_root, cast, make_case, units, agency) -> World:  # type: ignore[no-untyped-def]
    """Every kind of record once: a case with a natural person as party, approvals, an act, a finalised document,
    recordings on a device with a log and an interruption note, a mark, 调阅 and copy requests, an officer
    assigned from another unit through an approval, an agency setting, a token and a year's holiday schedule."""
    party = cases.PartyInput(
        kind="individual", name="钱某", id_number=ID_NUMBER, phone=PHONE, address=ADDRESS, legal_representative=""
    )
    case = make_case(
        parties=[party], officers=[cast.handler, cast.second_officer], penalty_kind="fine", fine_amount="5000"
    )
    case = scenarios.advance(case, stages.Stage.INVESTIGATION, cast)
    other_case = make_case()
    act = cases.record_act(actor=cast.handler, case=case, kind="note", note="现场检查发现培训记录缺失")
    t = BY_CODE["inquiry_transcript"]
    doc = documents.create_document(actor=cast.handler, case=case, code=t.code, data=sample_data(t))
    doc = documents.finalise(actor=cast.handler, document=doc, signatures=sample_signatures(t))
    stored.keep(doc, b"%PDF-1.7 the form as issued", b"PK the form as DOCX")  # its files, kept as issued
    draft = documents.create_document(
        actor=cast.handler, case=case, code="evidence_request", data=sample_data(BY_CODE["evidence_request"])
    )
    attachments.attach(actor=cast.handler, document=draft, name="申请材料.pdf", chunks=[b"%PDF-1.7 scan"])
    quiet = {"party_objects": False, "dangerous": False, "legacy_issue": False, "after_commitment": False}
    site = documents.create_document(
        actor=cast.handler,
        case=case,
        code="inspection_transcript",
        data={**sample_data(BY_CODE["inspection_transcript"]), **quiet, "major_hazard": False},
    )
    site = documents.finalise(actor=cast.handler, document=site, signatures=sample_signatures(site.type))
    omission = av_services.request_av_omission(
        actor=cast.handler, document=site, reason="flammable", note="加油站加油区，易燃易爆"
    )
    omission = av_services.decide_av_omission(
        actor=cast.unit_head, omission=omission, approve=True, opinion="情况属实，同意不予录制"
    )
    viewing = view_requests.receive_view_request(
        actor=cast.handler,
        case=case,
        applicant_kind="interested",
        applicant_name="孙某",
        relation="相邻企业的负责人",
        records="现场检查笔录",
        channel="in_person",
    )
    viewing = view_requests.reply_view_request(
        actor=cast.unit_head, request=viewing, reply="partly", reason="涉及个人隐私的部分不予提供"
    )
    device = media.register_device(actor=None, agency_id=agency.pk, number="3201001", officer=cast.handler)
    check = device_services.check_device(actor=cast.handler, device=device, battery_ok=True, storage_ok=True)
    media.log_device(actor=cast.unit_head, device=device, kind="check", note="使用前检查正常")
    first = media.ingest_file(
        actor=None, device=device, case=case, path=synthesise(tmp_path / "1.mp4", created="2026-11-23T02:00:00Z")
    ).recording
    second = media.ingest_file(
        actor=None,
        device=device,
        case=case,
        path=synthesise(tmp_path / "2.mp4", created="2026-11-23T02:05:00Z", tone=500),
    ).recording
    from tests.supervision.world import supervise

    supervision = supervise(agency, units, cast, make_case, first, make_user)  # before the recording nothing refers to
    apart = media.ingest_file(  # another activity, which nothing refers to
        actor=None,
        device=device,
        case=case,
        path=synthesise(tmp_path / "3.mp4", created="2026-11-23T05:00:00Z", tone=700),
    ).recording
    review = media.review_recording(
        actor=cast.handler, recording=first, party_told=True, opening_statement=True, focus=["scene"], note="已回放"
    )
    note = media.note_interruption(actor=cast.handler, recording=second, reason="battery", note="电池耗尽，更换后续录")
    mark = access.set_mark(
        actor=cast.handler,
        case=case,
        subject_type="recording",
        subject_id=second.pk,
        mark="personal_privacy",
        reason="拍到当事人家属",
    )
    outsider = make_user(agency, units[1], "officer9", Role.OFFICER, "CERT-9")
    grant = access.request_access(actor=outsider, case_id=case.pk, purpose="类案参考")
    grant = access.decide_access(actor=cast.unit_head, request=grant, approve=True, opinion="同意调阅")
    copy = access.request_copy(
        actor=cast.handler, case=case, requester_kind="party", requester_name="钱某", reason="申请复制决定书"
    )
    access.decide_copy(actor=cast.unit_head, request=copy, approve=False, reason="尚未作出决定")
    assignee = make_user(agency, units[1], "officer8", Role.OFFICER, "CERT-8")
    assignment = cases.propose_officer(actor=cast.handler, case=other_case, officer=assignee, opinion="需要协助调查")
    cases.review_approval(actor=cast.unit_head, approval=assignment, agree=True, opinion="同意指派")
    cases.decide_approval(actor=cast.leader, approval=assignment, approve=True, opinion="批准指派")
    admin = make_user(agency, None, "sysadmin", Role.ADMIN)
    setting = agency_settings.set_setting(
        actor=admin, agency=agency, key=COPY_APPROVER, value="leader", reason="依002第三十四条"
    )
    accounts.create_token(actor=cast.handler, user=cast.handler, name="测试")
    accounts.revoke_tokens(actor=None, user=cast.handler)
    import_schedule(
        actor=None,
        data=b"date,kind,name\n2031-01-01,holiday,\xe5\x85\x83\xe6\x97\xa6\n",
        filename="2031.csv",
        source="国办发明电〔2030〕1号",
    )
    # rules P2, P5, P7: a decision's entry published, a correction asked, last year's statistics published
    decided = make_case("simplified_procedure", officers=[cast.handler, cast.second_officer], penalty_kind="warning")
    decided = scenarios.step(decided, "decide_on_spot", cast)
    entry = disclosure.publish_entry(actor=cast.unit_head, entry=Entry.objects.get(case=decided))
    disclosure.request_correction(entry=entry, requester="周某", contact="13900000000", text="名称有误")
    disclosure.publish_statistics(actor=cast.leader, agency=agency, year=2025)
    # rules P1, P4, P11: a line of the 随机抽查事项清单 kept, the 事前公开 published by another
    from liuhen.disclosure import prior

    listed = {"name": "危险化学品经营单位检查", "target": "经营企业", "method": "现场检查", "basis": "安法65"}
    prior.save_item(actor=cast.unit_head, agency=agency, values=listed)
    power = {"name": "对未进行安全生产教育培训的处罚", "basis": "安法97", "duties": "立案、调查、决定、送达、执行"}
    prior.save_item(actor=cast.unit_head, agency=agency, values=power, kept="powers")
    guide = {"name": "危险化学品经营许可", "approver": "本局", "conditions": "符合条件", "time_limit": "20个工作日"}
    prior.save_item(actor=cast.unit_head, agency=agency, values=guide, kept="service_guides")
    prior.publish(actor=cast.leader, agency=agency)
    ledger.issue_checkpoint()
    from tests.archive.world import archive

    objects = {
        **supervision,
        **archive(cast, make_case, tmp_path),
        "act": act,
        "document": doc,
        "draft": draft,
        "device": device,
        "recording": first,
        "second_recording": second,
        "unreferenced_recording": apart,
        "interruption": note,
        "mark": mark,
        "access_request": grant,
        "copy_request": copy,
        "party": case.parties.get(),
        "approval": case.approvals.get(kind="filing"),
        "assignment": assignment,
        "setting": setting,
        "omission": omission,
        "view_request": viewing,
        "review": review,
        "device_check": check,
        "user": cast.handler,
        "outsider": outsider,
        "entry": entry,
    }
    return World(case=Case.objects.get(pk=case.pk), other_case=other_case, objects=objects)


def raw(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params or [])


def drop_triggers() -> None:
    for table in triggers.append_only_tables():
        for sql in triggers.drop_statements(connection.vendor, table):
            raw(sql)
