"""The demo's general-procedure penalty case with its whole chain of documents, 立案审批表 to 送达回证."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Unit, User
from liuhen.cases import services as cases
from liuhen.cases.models import Case
from liuhen.core.stages import Procedure
from liuhen.documents import services as docs
from liuhen.documents.models import Document

PARTY = "明山金属制品有限公司"
Sig = docs.SignatureRequest


def _now(minutes: int = 0) -> str:
    return (timezone.localtime() + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def _approve(case: Case, kind: str, handler: User, head: User, leader: User, opinion: str) -> None:
    approval = cases.start_approval(actor=handler, case=case, kind=kind, opinion=opinion)
    cases.review_approval(actor=head, approval=approval, agree=True, opinion="经审核，事实清楚，同意")
    cases.decide_approval(actor=leader, approval=approval, approve=True, opinion="同意")


def _doc(actor: User, case: Case, code: str, data: dict[str, Any], sigs: list[docs.SignatureRequest]) -> Document:
    doc = docs.create_document(actor=actor, case=case, code=code, data=data)
    return docs.finalise(actor=actor, document=doc, signatures=sigs)


def film(case: Case, officer: User, at: str) -> None:
    """The body camera's clip of one on-site activity (starting ``at``), through the same ingest as the dock, and
    its playback review (AV1, AV2, AV10, I5, AV8, AV11, R1)."""
    import shutil
    import tempfile
    from datetime import UTC, datetime
    from pathlib import Path

    from liuhen.core.rules.av import FOCUS
    from liuhen.media.models import Device
    from liuhen.media.samples import make_clip
    from liuhen.media.services import ingest_file, review_recording

    if shutil.which("ffmpeg") is None:  # no clip can be made: the demo's activities would stand unrecorded
        raise RuntimeError("演示数据需要 ffmpeg 生成执法记录仪录像（AV1）")
    start = timezone.make_aware(datetime.fromisoformat(at))
    folder = Path(tempfile.mkdtemp(prefix="liuhen-demo-"))
    try:
        clip = folder / f"DSJ_3201001_{timezone.localtime(start):%Y%m%d%H%M%S}_0001.mp4"
        created = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # one activity, one distinct file
        make_clip(clip, seconds=6, size="640x360", created=created, gps="+31.2304+121.4737/")
        rec = ingest_file(
            actor=officer, path=clip, device=Device.objects.get(number="3201001"), case=case, recorded_from=start
        ).recording
        review_recording(
            actor=officer, recording=rec, party_told=True, opening_statement=True, focus=list(FOCUS), note="回放审查"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


WITNESS = "钱某"  # the warehouse keeper questioned as a witness (a natural person other than the party)


@transaction.atomic
def load_document_chain(users: dict[str, User], unit: Unit) -> Case:
    zw, ln, head, leader = users["zhangwei"], users["lina"], users["chenjie"], users["zhouming"]
    officers = [Sig("officer", username="zhangwei"), Sig("officer", username="lina")]
    party = Sig("party", name="赵某（法定代表人）")
    case = cases.create_case(
        actor=zw,
        unit=unit,
        procedure=Procedure.GENERAL,
        cause="未按规定对危险化学品储存场所设置安全警示标志",
        summary=f"{PARTY}危险化学品仓库未设置安全警示标志，存在事故隐患。",
        is_major=True,
        penalty_kind="fine",
        fine_amount=Decimal("50000"),
        violation_ended_on=timezone.localdate() - timedelta(days=10),  # rule S6
        violation_at=timezone.now() - timedelta(days=10, hours=2),  # found at the inspection that morning
        violation_place="明山区工业园路18号危险化学品仓库",
        officers=[zw, ln],
        parties=[
            cases.PartyInput(
                kind="organisation",
                name=PARTY,
                id_number="91320100MA1S7T8U9V",
                legal_representative="赵某",
                address="明山区工业园路18号",
                phone="025-52345678",
            )
        ],
    )
    facts = f"经查，{PARTY}危险化学品仓库（存放甲醇约12吨）未设置安全警示标志，违反《安全生产法》第三十五条。"
    filing = docs.create_document(
        actor=zw,
        case=case,
        code="filing_approval",
        data={
            "case_source": "日常检查发现",
            "party_summary": f"{PARTY}，法定代表人赵某，住所明山区工业园路18号。",
            "reason": facts,
            "legality_review": "经法制科合法性审查，符合立案条件。",
        },
    )
    _approve(case, "filing", zw, head, leader, "该单位涉嫌违反《安全生产法》第三十五条，建议立案调查")
    docs.finalise(actor=zw, document=filing)
    case = cases.transition(actor=zw, case=case, action="file")
    _doc(
        zw,
        case,
        "inspection_transcript",
        {
            "place": f"{PARTY}危险化学品仓库",
            "started_at": _now(-180),
            "ended_at": _now(-120),
            "certificates_shown": True,
            "informed": True,
            "av_notice": True,
            "content": "仓库内存放甲醇约12吨，仓库入口及周边未设置安全警示标志；现场拍照、录像。",
        },
        [*officers, party],
    )
    _doc(
        ln,
        case,
        "inquiry_transcript",
        {
            "person": WITNESS,
            "person_id": "320102197501011234",
            "place": "明山区应急管理局询问室",
            "started_at": _now(-100),
            "ended_at": _now(-60),
            "certificates_shown": True,
            "informed": True,
            "av_notice": True,
            "content": "问：你在该公司担任什么职务？答：仓库保管员。"
            "问：仓库是否设置了安全警示标志？答：没有，仓库是今年新建的，还没来得及设置。",
        },
        [*officers, Sig("party", name=WITNESS)],
    )
    film(case, zw, _now(-180))  # the inspection
    film(case, ln, _now(-100))  # the inquiry
    preserved = _doc(
        zw,
        case,
        "preservation_list",
        {
            "reason": "仓库现场照片及出入库台账可能灭失",
            "items": "出入库台账2本；现场照片24张",
            "form": "registration",
            "storage": "onsite",
            "place": f"{PARTY}办公室",
        },
        [*officers, party],
    )
    _doc(  # rule I3: the decision on what was preserved, within 7 working days
        zw,
        case,
        "preservation_decision",
        {
            "list_no": preserved.document_no,
            "decision": "record",
            "content": "出入库台账已复印、现场照片已拍摄存档，原件退还当事人。",
        },
        [Sig("officer", username=zw.username), Sig("recipient", name="赵某")],
    )
    film(case, zw, _now(-5))  # the preservation, just now
    report = docs.create_document(
        actor=zw,
        case=case,
        code="investigation_report",
        data={
            "facts": facts,
            "evidence": "现场检查笔录、询问笔录、现场照片、出入库台账",
            "legal_basis": "《安全生产法》第三十五条、第九十九条第一项",
            "considerations": "初次违法，已开始整改",
            "proposal": "建议给予罚款人民币伍万元的行政处罚",
            "drafter": "张伟",
        },
    )
    _approve(case, "decision", zw, head, leader, "建议给予罚款伍万元")
    docs.finalise(actor=zw, document=report)
    case = cases.transition(actor=zw, case=case, action="conclude_investigation")
    case = cases.transition(actor=zw, case=case, action="give_notice")
    _doc(
        zw,
        case,
        "penalty_notice",
        {
            "facts": facts,
            "evidence": "现场检查笔录、询问笔录、现场照片",
            "legal_basis": "《安全生产法》第九十九条第一项",
            "proposed_penalty": "罚款人民币伍万元",
            "proposed_fine": "50000",
            "rights": "你单位可在收到本告知书之日起5个工作日内提出陈述、申辩，或要求举行听证；"
            "认为执法人员与本案有直接利害关系的，有权申请回避。",
            "recusal_right": True,
            "told_how": "both",
        },
        [Sig("recipient", name="赵某")],
    )
    _doc(
        zw,
        case,
        "statement_transcript",
        {
            "place": "明山区应急管理局",
            "started_at": _now(-30),
            "ended_at": _now(-10),
            "certificates_shown": True,
            "informed": True,
            "statement": "仓库新建不久，已于检查后设置警示标志，请求从轻处罚。",
            "review": "当事人已整改，但违法事实成立，处罚幅度已考虑整改情节，不予采纳。",
            "adopted": "no",
        },
        [*officers, Sig("party", name="赵某")],
    )
    film(case, zw, _now(-30))  # the statement and defence
    cases.record_act(actor=zw, case=case, kind="rights_waiver", note="当事人书面表示放弃听证（见陈述申辩笔录）")
    _doc(
        users["sunli"],
        case,
        "legal_review_opinion",
        {
            "reviewed_matter": "对明山金属制品有限公司罚款伍万元",
            "opinion": "主体适格，事实清楚，证据确凿，程序合法，适用依据正确，处罚适当。",
            "conclusion": "agree",
        },
        [Sig("legal_reviewer", username="sunli")],
    )
    _doc(
        leader,
        case,
        "collective_discussion",
        {
            "held_at": _now(-5),
            "participants": "周明、陈杰、孙丽、张伟",
            "content": "听取承办人汇报及法制审核意见",
            "conclusion": "同意给予罚款人民币伍万元的行政处罚",
        },
        [Sig("leader", username="zhouming"), Sig("recorder", username="lina")],
    )
    case = cases.transition(actor=zw, case=case, action="decide")
    decision = _doc(
        zw,
        case,
        "penalty_decision",
        {
            # the witness's name and phone are in the decision; its public entry leaves them out (rule P9)
            "facts": f"{facts}仓库保管员{WITNESS}（联系电话13705181234）证实仓库自建成起未设置安全警示标志。",
            "evidence": "现场检查笔录、询问笔录、现场照片、出入库台账",
            "legal_basis": "《安全生产法》第九十九条第一项",
            "penalty": "罚款人民币伍万元",
            "fine": "50000",
            "performance": "自收到本决定书之日起15日内缴至指定银行账户；逾期每日按罚款数额的3%加处罚款。",
        },
        [],
    )
    _doc(
        zw,
        case,
        "delivery_receipt",
        {
            "served_document": f"行政处罚决定书 {decision.document_no}",
            "method": "direct",
            "place": f"{PARTY}办公室",
            "served_at": _now(),
            "certificates_shown": True,
            "informed": True,
        },
        [Sig("server", username="zhangwei"), Sig("recipient", name="赵某")],
    )
    return cases.transition(actor=zw, case=case, action="deliver")
