"""`liuhen demo`: a realistic demo agency with people, certificates and cases in every stage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from liuhen.access import services as access
from liuhen.access.models import Mark
from liuhen.accounts import services as accounts
from liuhen.accounts.models import Agency, Role
from liuhen.agency_settings.services import set_setting
from liuhen.cases import scenarios, services
from liuhen.cases.models import CaseSource
from liuhen.core import stages
from liuhen.core.rules.agency_settings import COPY_APPROVER, COURT, REVIEW_BODY
from liuhen.core.stages import Procedure, Stage
from liuhen.deadlines.services import scan
from liuhen.demo_documents import load_document_chain
from liuhen.documents import services as documents
from liuhen.ledger.services import issue_checkpoint

DEMO_AGENCY = "明山区应急管理局"
DEMO_PASSWORD = "liuhen-demo-2026"

PEOPLE = [
    # username, name, role, unit index, certificate number
    ("zhangwei", "张伟", Role.OFFICER, 0, "应急执证3201001"),
    ("lina", "李娜", Role.OFFICER, 0, "应急执证3201002"),
    ("wangqiang", "王强", Role.OFFICER, 1, "应急执证3201003"),
    ("zhaomin", "赵敏", Role.OFFICER, 1, "应急执证3201004"),
    ("chenjie", "陈杰", Role.UNIT_HEAD, 0, "应急执证3201005"),
    ("liuyang", "刘洋", Role.UNIT_HEAD, 1, "应急执证3201006"),
    ("sunli", "孙丽", Role.LEGAL_REVIEWER, 2, None),
    ("zhouming", "周明", Role.LEADER, None, None),
    ("wufang", "吴芳", Role.ARCHIVIST, 2, None),
    ("zhengkai", "郑凯", Role.SUPERVISOR, 2, None),
    ("xuli", "徐丽", Role.ADMIN, None, None),  # manages people, devices and settings; sees no case content
]

# The demo agency follows its own regulation (002) where the regulations differ: a party's copy is approved by
# the agency head (002 第三十四条), not the handling unit's head (000 第二十一条, the default).
DEMO_SETTINGS = [
    (COPY_APPROVER, "leader", "依本局《行政执法全过程记录制度》第三十四条：当事人申请复制须经本机关负责人同意"),
    (REVIEW_BODY, "明山区人民政府", "复议法24：本局为明山区人民政府工作部门"),
    (COURT, "明山区人民法院", "行诉法18：本局所在地的基层人民法院"),
]

# Realistic matters per procedure; the demo puts one case in every stage of every procedure.
MATTERS: dict[Procedure, list[tuple[str, tuple[str, str, str]]]] = {
    Procedure.GENERAL: [
        ("未按规定对重大危险源进行登记建档", ("organisation", "明山化工有限公司", "91320100MA1X2Y3Z4A")),
        ("未如实记录安全生产教育和培训情况", ("organisation", "明山五金制品厂", "91320100MA1B2C3D4E")),
        ("举报的无证经营危险化学品行为经核查不成立", ("individual", "周某", "320102198001011234")),
        ("特种作业人员未持证上岗", ("organisation", "明山建材有限公司", "91320100MA1F2G3H4J")),
        ("未按规定设置安全警示标志", ("organisation", "明山物流有限公司", "91320100MA1K2L3M4N")),
        (
            "未在有较大危险因素的设备上设置明显的安全警示标志",
            ("organisation", "明山重工有限公司", "91320100MA1U2V3W4X"),
        ),
        ("未组织制定生产安全事故应急救援预案", ("organisation", "明山食品有限公司", "91320100MA1P2Q3R4S")),
        ("危险物品储存场所不符合安全要求", ("organisation", "明山仓储有限公司", "91320100MA1T2U3V4W")),
        ("未按规定开展安全生产风险辨识", ("organisation", "明山印染有限公司", "91320100MA1Y2Z3A4B")),
    ],
    Procedure.SIMPLIFIED: [
        ("未佩戴劳动防护用品进入作业区", ("individual", "钱某", "320102198805061234")),
        ("作业现场未设置安全警示标志（当场处罚）", ("organisation", "明山装饰工程部", "92320100MA1C2D3E4F")),
        ("动火作业未按规定办理审批手续", ("individual", "郑某", "320102199003071234")),
        ("安全出口被杂物堵塞", ("organisation", "明山超市", "92320100MA1G2H3J4K")),
        ("未如实填写作业记录", ("individual", "冯某", "320102198507091234")),
    ],
    Procedure.INSPECTION: [
        ("年度执法检查计划：烟花爆竹经营单位", ("organisation", "明山烟花爆竹零售店", "92320100MA1L2M3N4P")),
        ("双随机抽查：粉尘涉爆企业", ("organisation", "明山木业有限公司", "91320100MA1X9Y8Z7A")),
        ("双随机抽查：有限空间作业企业", ("organisation", "明山污水处理有限公司", "91320100MA1Q2R3S4T")),
        ("专项检查：冶金企业煤气区域", ("organisation", "明山钢铁有限公司", "91320100MA1V2W3X4Y")),
        ("复查：危化品仓库整改情况", ("organisation", "明山危化品储运公司", "91320100MA1C8D7E6F")),
    ],
    Procedure.LICENCE: [
        ("烟花爆竹经营（零售）许可申请", ("individual", "孙某", "320102197902111234")),
        ("危险化学品经营许可证申请", ("organisation", "明山化学品贸易有限公司", "91320100MA1Z2A3B4C")),
        ("危险化学品安全使用许可申请（材料不全）", ("organisation", "明山新材料有限公司", "91320100MA1M2N3P4Q")),
        ("非药品类易制毒化学品经营备案", ("organisation", "明山精细化工有限公司", "91320100MA1D2E3F4G")),
        ("危险化学品经营许可证延期申请", ("organisation", "明山油品销售有限公司", "91320100MA1H2J3K4L")),
        ("烟花爆竹经营（零售）许可变更申请", ("individual", "吴某", "320102196812131234")),
    ],
    Procedure.COMPULSION: [
        ("查封存在重大事故隐患的危化品仓库", ("organisation", "明山危化品储运公司", "91320100MA1C8D7E6F")),
        ("扣押违法储存的烟花爆竹", ("individual", "陈某", "320102197705051234")),
        ("查封不符合安全条件的有限空间作业场所", ("organisation", "明山环保科技有限公司", "91320100MA1R2S3T4U")),
        ("停止供电：拒不执行停产停业决定", ("organisation", "明山冶炼厂", "91320100MA1W2X3Y4Z")),
        ("扣押非法运输的危险化学品", ("organisation", "明山运输有限公司", "91320100MA1A3B4C5D")),
    ],
    Procedure.COMPLAINT: [
        ("群众举报夜间违规动火作业", ("organisation", "明山机械厂", "91320100MA1G6H5J4K")),
        ("举报企业安全出口上锁", ("organisation", "明山服装厂", "91320100MA1E3F4G5H")),
        ("举报居民楼内违规储存液化气", ("individual", "褚某", "320102198211111234")),
        ("举报工地未设安全防护", ("organisation", "明山建筑工程有限公司", "91320100MA1J3K4L5M")),
        ("举报加油站违规销售散装汽油", ("organisation", "明山加油站", "91320100MA1N3P4Q5R")),
    ],
}

PUNISHABLE = (Procedure.GENERAL, Procedure.SIMPLIFIED, Procedure.COMPLAINT)  # the limitation (S6) applies
PENALTY: dict[Procedure, tuple[str, Decimal | None]] = {
    Procedure.GENERAL: ("fine", Decimal("30000")),
    Procedure.SIMPLIFIED: ("fine", Decimal("200")),
}


def demo_cases() -> list[tuple[Procedure, Stage, str, tuple[str, str, str]]]:
    """One case for every stage of every procedure."""
    out = []
    for procedure, matters in MATTERS.items():
        for i, stage in enumerate(stages.stages_of(procedure)):
            cause, party = matters[i % len(matters)]
            out.append((procedure, stage, cause, party))
    return out


def register_cameras(users: dict[str, Any]) -> None:
    """A body camera for each officer (DV1)."""
    from liuhen.media.services import register_device

    for n, name in enumerate(("zhangwei", "lina", "wangqiang", "zhaomin"), 1):
        user = users[name]
        register_device(actor=None, agency_id=user.agency_id, number=f"320100{n}", officer=user, model_name="DSJ-V9")


def load_demo(progress: Callable[[str], object] = lambda _m: None) -> bool:
    """Load the demo once. Returns False if it was loaded before."""
    if Agency.objects.filter(name=DEMO_AGENCY).exists():
        return False
    from django.conf import settings

    settings.RENDER_ON_FINALISE = False  # the demo's documents are laid out on their first read, not by 70 jobs
    with transaction.atomic():
        agency = accounts.create_agency(
            actor=None, name=DEMO_AGENCY, short_name="明应急", template="{agency_short}{kind}〔{year}〕{seq:03d}号"
        )
        units = [
            accounts.create_unit(actor=None, agency=agency, name="执法监察大队"),
            accounts.create_unit(actor=None, agency=agency, name="危险化学品监管科"),
            accounts.create_unit(actor=None, agency=agency, name="政策法规科", is_legal_unit=True),
        ]
        users = {}
        today = timezone.localdate()
        for username, name, role, unit_ix, cert in PEOPLE:
            user = accounts.create_user(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                full_name=name,
                role=role,
                agency=agency,
                unit=units[unit_ix] if unit_ix is not None else None,
                is_staff=role == Role.ADMIN,
            )
            if cert:
                accounts.issue_certificate(
                    actor=None,
                    user=user,
                    certificate_no=cert,
                    valid_from=date(today.year - 2, 1, 1),
                    valid_to=date(today.year + 3, 12, 31),
                )
            users[username] = user
        progress(f"已创建机关“{DEMO_AGENCY}”、3 个单位、{len(users)} 名人员（密码 {DEMO_PASSWORD}）")
        for key, value, reason in DEMO_SETTINGS:
            set_setting(actor=users["xuli"], agency=agency, key=key, value=value, reason=reason)
        progress("  机关设置：当事人申请复制由机关负责人审批（002 第三十四条，R10）")
    ended_on = timezone.localdate() - timedelta(days=20)  # rule S6: the demo's violations ended last month
    # 违法时间: the morning of that day, when the inspection found it
    violation_at = timezone.make_aware(datetime.combine(ended_on, time(9, 30)))
    for procedure, target, cause, party in demo_cases():
        penalty, fine = PENALTY.get(procedure, ("", None))
        if procedure == Procedure.SIMPLIFIED and party[0] == "organisation":
            fine = Decimal("2000")
        major = procedure == Procedure.GENERAL and "重大危险源" in cause
        unit_ix = 1 if procedure in (Procedure.COMPULSION, Procedure.LICENCE) else 0
        handler, second = (users["wangqiang"], users["zhaomin"]) if unit_ix else (users["zhangwei"], users["lina"])
        cast = scenarios.Cast(
            handler=handler,
            second_officer=second,
            unit_head=users["liuyang" if unit_ix else "chenjie"],
            legal_reviewer=users["sunli"],
            leader=users["zhouming"],
            archivist=users["wufang"],
        )
        with transaction.atomic():
            case = services.create_case(
                actor=handler,
                unit=units[unit_ix],
                procedure=procedure,
                cause=cause,
                source=CaseSource.COMPLAINT if procedure == Procedure.COMPLAINT else CaseSource.INSPECTION,
                summary=f"{party[1]}：{cause}。",
                is_major=major,
                penalty_kind=penalty,
                fine_amount=fine,
                violation_ended_on=ended_on if procedure in PUNISHABLE else None,  # rule S6
                violation_at=violation_at if procedure in PUNISHABLE else None,
                violation_place=f"{party[1]}生产经营场所" if procedure in PUNISHABLE else "",
                parties=[
                    services.PartyInput(
                        kind=party[0],
                        name=party[1],
                        id_number=party[2],
                        phone="139" + party[2][6:14] if party[0] == "individual" else "",
                    )
                ],
                officers=[handler],
            )
            case = scenarios.advance(case, target, cast)
        progress(f"  {case.case_no} {stages.PROCEDURE_LABELS[procedure]} → {stages.STAGE_LABELS[target]}")
    # One general case waiting for the leader's approval of its 立案审批表 (the demo leader approves it)
    with transaction.atomic():
        case = services.create_case(
            actor=users["lina"],
            unit=units[0],
            procedure=Procedure.GENERAL,
            cause="未按规定开展事故隐患排查治理",
            summary="明山纺织有限公司涉嫌未按规定开展事故隐患排查治理。",
            penalty_kind="fine",
            fine_amount=Decimal("15000"),
            violation_ended_on=ended_on,
            violation_at=violation_at,
            violation_place="明山区纺织工业园3号厂房",
            officers=[users["lina"], users["zhangwei"]],
            parties=[services.PartyInput(kind="organisation", name="明山纺织有限公司", id_number="91320100MA1M5N4P3Q")],
        )
        approval = services.start_approval(
            actor=users["lina"],
            case=case,
            kind="filing",
            opinion="经现场检查发现该企业未建立隐患排查治理制度，建议立案调查",
        )
        services.review_approval(actor=users["chenjie"], approval=approval, agree=True, opinion="情况属实，同意立案")
        documents.create_document(  # rule S2: the 立案审批表 is finalised once the chain is approved
            actor=users["lina"],
            case=case,
            code="filing_approval",
            data={
                "case_source": "日常检查发现",
                "party_summary": "明山纺织有限公司，住所明山区纺织路8号。",
                "reason": "现场检查发现该企业未建立事故隐患排查治理制度，涉嫌违反《安全生产法》第四十一条。",
            },
        )
    progress(f"  {case.case_no} 立案审批待机关负责人 zhouming 批准，立案审批表草稿待定稿")
    # An emergency start 30 hours ago whose 立案审批表 was never backfilled: overdue under rule S3
    with transaction.atomic():
        case = services.create_case(
            actor=users["zhangwei"],
            unit=units[0],
            procedure=Procedure.GENERAL,
            cause="有限空间作业未执行作业审批制度",
            summary="明山污水处理有限公司有限空间作业现场发现人员中毒风险，先行启动调查。",
            violation_at=timezone.now() - timedelta(hours=31),
            violation_place="明山污水处理有限公司2号调节池",
            penalty_kind="fine",
            fine_amount=Decimal("20000"),
            officers=[users["zhangwei"], users["lina"]],
            parties=[
                services.PartyInput(kind="organisation", name="明山污水处理有限公司", id_number="91320100MA1Q2R3S4T")
            ],
        )
        services.record_act(
            actor=users["zhangwei"],
            case=case,
            kind="emergency_start",
            note="作业现场硫化氢浓度超标，立即责令停止作业并先行启动调查",
            occurred_at=timezone.now() - timedelta(hours=30),
            backfill_reason="夜间现场处置，返回单位后补录",
        )
        case = services.transition(actor=users["zhangwei"], case=case, action="emergency_start")
    progress(f"  {case.case_no} 紧急先行启动已超过24小时未补报立案审批表（S3 逾期）")
    register_cameras(users)
    case = load_document_chain(users, units[0])
    progress(f"  {case.case_no} 一般程序处罚案件，文书从立案审批表到送达回证均已定稿，现场录像已归入案件")
    inquiry = case.documents.filter(doc_type="inquiry_transcript").order_by("-id").first()
    if inquiry is not None:
        access.set_mark(
            actor=users["zhangwei"],
            case=case,
            subject_type="document",
            subject_id=inquiry.pk,
            mark=Mark.PERSONAL_PRIVACY,
            reason="含证人身份证号码和联系方式",
        )
        progress("  询问笔录已标注“个人隐私”：档案员不可查阅，复制时不予提供（R11）")
    access.request_access(actor=users["zhaomin"], case_id=case.pk, purpose="同一企业危化品储存问题比对")
    progress("  赵敏（另一科室）申请调阅该案，待陈杰审批（R9）")
    from liuhen.disclosure.demo import load_prior, publish_drafts

    publish_drafts(users["zhouming"], progress)
    load_prior(users["chenjie"], users["zhouming"], units, progress)
    from liuhen.supervision.demo import load_supervision_demo

    with transaction.atomic():
        load_supervision_demo(users, units, progress)
    scan()
    issue_checkpoint()
    return True
