"""Monthly playback checks (rule SU1), the findings register with a `liuhen verify` failure (rule SU2), and
执法过错 cases drafted from the approval chain."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from liuhen.accounts.models import Role
from liuhen.cases import scenarios
from liuhen.cases import services as cases
from liuhen.cases.access import register_read
from liuhen.core import stages
from liuhen.core.errors import InvalidInput
from liuhen.ledger import triggers
from liuhen.ledger.models import Event
from liuhen.ledger.verify import verify
from liuhen.media import services as media
from liuhen.supervision import oversight
from liuhen.supervision.models import FindingKind
from tests.conftest import make_user
from tests.media.conftest import synthesise

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(agency, units):  # type: ignore[no-untyped-def]
    return make_user(agency, units[2], "super1", Role.SUPERVISOR)


def test_rule_su1_playback_draw_and_check_after_playing(
    agency, cast, make_case, supervisor, tmp_path, blob_root
) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    rec = media.ingest_file(actor=None, path=synthesise(tmp_path / "a.mp4"), officer=cast.handler, case=case).recording
    month = timezone.localtime(rec.recorded_from or rec.uploaded_at).strftime("%Y-%m")
    with pytest.raises(InvalidInput, match="月份"):
        oversight.draw_playback(actor=supervisor, agency=agency, month="2026-13")
    drawn = oversight.draw_playback(actor=supervisor, agency=agency, month=month, share_percent=5)
    check = drawn.checks.get()  # 5 % of one recording is still one
    assert check.recording == rec and drawn.population == 1
    body = json.loads(Event.objects.get(action="supervision.playback_drawn").body)
    assert body["seed"] == drawn.seed and body["drawn"] == [rec.pk]
    with pytest.raises(InvalidInput, match="每月抽取一次"):
        oversight.draw_playback(actor=supervisor, agency=agency, month=month)
    flags = dict(opening_statement=True, content_focus=False, interruptions_explained=True, device_officer_right=True)
    with pytest.raises(InvalidInput, match="请先在调阅页面回放"):
        oversight.record_playback_check(actor=supervisor, check=check, **flags)
    register_read(
        user=supervisor,
        case=case,
        subject_type="recording",
        subject_id=rec.pk,
        what=rec.file_name,
        channel="stream",
        purpose="监督检查",
    )
    done = oversight.record_playback_check(actor=supervisor, check=check, note="未摄录现场环境", **flags)
    assert done.checked_at and done.content_focus is False and done.upload_on_time == oversight.upload_on_time(rec)


@pytest.mark.tampers
def test_rule_su2_findings_register_with_a_verify_failure(agency, cast, make_case, supervisor) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    due = timezone.localdate() + timedelta(days=10)
    with pytest.raises(InvalidInput, match="问题类型"):
        oversight.open_finding(actor=supervisor, agency=agency, kind="bad", description="x", evidence="y", due_on=due)
    manual = oversight.open_finding(
        actor=supervisor,
        agency=agency,
        kind=FindingKind.NO_RECORD,
        case=case,
        person=cast.handler,
        description="现场检查未音像记录",
        evidence="回放抽查：无对应录像",
        due_on=due,
    )
    oversight.close_finding(actor=supervisor, finding=manual, closing="已补充说明并培训")
    event = Event.objects.filter(case_ref=case.pk, action="case.created").get()
    with connection.cursor() as cur:
        for sql in triggers.drop_statements(connection.vendor, "ledger_event"):
            cur.execute(sql)
        cur.execute("UPDATE ledger_event SET body = %s WHERE seq = %s", [event.body[:-1] + ',"x":1}', event.seq])
    report = verify()
    assert report
    opened = oversight.findings_from_verify(actor=supervisor, agency=agency, report=report)
    named = [f for f in opened if f.case_id == case.pk]
    assert named and named[0].kind == FindingKind.ALTERED and f"#{event.seq}" in named[0].evidence
    assert oversight.findings_from_verify(actor=supervisor, agency=agency, report=report) == []  # not twice


def test_fault_case_from_a_revoked_decision(agency, cast, make_case, supervisor) -> None:  # type: ignore[no-untyped-def]
    case = make_case(penalty_kind="fine", fine_amount=Decimal("5000"), officers=[cast.handler, cast.second_officer])
    case = scenarios.advance(case, stages.Stage.ENFORCEMENT, cast)
    with pytest.raises(InvalidInput, match="没有申请行政复议"):
        oversight.open_fault_case(actor=supervisor, case=case, trigger="revoked", trigger_note="复决字〔2026〕1号")
    cases.record_act(actor=cast.handler, case=case, kind="reconsideration", note="当事人向区政府申请行政复议")
    fault = oversight.open_fault_case(
        actor=supervisor, case=case, trigger="revoked", trigger_note="区政府复决字〔2026〕1号撤销原处罚决定"
    )
    liability = {p["role"]: p for p in json.loads(fault.liability)}
    assert liability["handler"]["liability"] == "direct" and liability["handler"]["name"] == "officer1"
    assert liability["reviewer"]["liability"] == "main" and liability["approver"]["liability"] == "important"
    assert fault.due_on > timezone.localdate() + timedelta(days=27)
    assert liability["handler"]["faults_in_year"] == 1 and not liability["handler"]["heavier"]
    for n in (2, 3):
        again = oversight.open_fault_case(actor=supervisor, case=case, trigger="changed", trigger_note=f"第{n}次")
    third = {p["role"]: p for p in json.loads(again.liability)}
    assert third["handler"]["faults_in_year"] == 3 and third["handler"]["heavier"]  # 3 in one year: 从重
    due = fault.due_on
    fault = oversight.extend_fault_case(actor=supervisor, fault=fault, reason="需调取复议卷宗")
    assert fault.due_on == due + timedelta(days=30)
    with pytest.raises(InvalidInput, match="只能延长一次"):
        oversight.extend_fault_case(actor=supervisor, fault=fault, reason="再延")
    fault = oversight.decide_fault_case(actor=supervisor, fault=fault, decision="承办人书面检讨，审核人诫勉谈话")
    assert fault.decided_at is not None
