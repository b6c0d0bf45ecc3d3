"""What finalising a document checks: required fields, signature slots, and the rules a document carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from liuhen.core import calendar
from liuhen.core.documents import ATTACHMENT_KINDS, DocumentType, FieldKind, SlotRole, missing_fields
from liuhen.core.errors import InvalidInput, RuleViolation
from liuhen.core.penalties import PartyKind, PenaltyKind, simplified_allowed
from liuhen.core.rules import rule

COMPULSION_MAX_DAYS = 30  # rule I4 (强制法25): 30 days, extendable once by at most 30 days
NIGHT_FROM, NIGHT_UNTIL = time(22, 0), time(6, 0)  # rule E4 (强制法43 “夜间”): 22:00 to 06:00
ENFORCEMENT_TIMES = {"enforcement_decision": "executed_at", "substitute_performance_decision": "performed_at"}
MAIL_ATTACHMENTS = ("mail_registration", "postage_receipt", "return_receipt")  # rule SV3 (002 第二十四条)


@dataclass(frozen=True)
class SignatureInput:
    slot: SlotRole
    name: str
    user_id: int | None = None
    certificate_no: str = ""
    certificate_valid: bool = False
    refused: bool = False
    refusal_reason: str = ""
    witness_name: str = ""


@dataclass(frozen=True)
class CaseContext:
    """What of the case a document's rules compare it with, read by the documents app before finalising."""

    officer_ids: frozenset[int] = frozenset()  # assigned to the case
    party_kinds: tuple[PartyKind, ...] = ()
    is_major: bool = False
    # rule D5: the assigned officers and everyone who signed an investigation record as an officer, by user id
    # and by name
    investigator_ids: frozenset[int] = frozenset()
    investigator_names: frozenset[str] = frozenset()
    # rule D4: the fines proposed in the finalised 行政处罚告知书 (None where a notice states none)
    notified_fines: tuple[Decimal | None, ...] = field(default_factory=tuple)


def _violation(rule_id: str, message: str) -> RuleViolation:
    return RuleViolation(rule_id, rule(rule_id).source, message)


def check_fields(doc_type: DocumentType, data: dict[str, Any]) -> None:
    missing = missing_fields(doc_type, data)
    if missing:
        unchecked = [f for f in missing if f.kind == FieldKind.BOOL and f.must_be_true]
        if unchecked and len(unchecked) == len(missing):
            f = unchecked[0]
            raise _violation(f.must_be_true, f"须确认“{f.label}”")
        raise InvalidInput(f"{doc_type.name}缺少必填项：{'、'.join(f.label for f in missing)}")


def check_slots(doc_type: DocumentType, signatures: list[SignatureInput]) -> None:
    by_slot: dict[SlotRole, list[SignatureInput]] = {}
    for s in signatures:
        if not s.name.strip():
            raise InvalidInput("签名人姓名不能为空")
        by_slot.setdefault(s.slot, []).append(s)
    allowed = {slot.role for slot in doc_type.slots}
    for role in by_slot:
        if role not in allowed:
            raise InvalidInput(f"{doc_type.name}没有“{role}”签名栏")
    for slot in doc_type.slots:
        got = by_slot.get(slot.role, [])
        if slot.required and len(got) < slot.minimum:
            if slot.role == SlotRole.OFFICER and slot.minimum >= 2:
                raise _violation("I1", f"{doc_type.name}须有{slot.minimum}名以上执法人员签名")
            raise InvalidInput(f"{doc_type.name}缺少签名：{slot.title}")
        for s in got:
            if s.refused:
                if not slot.refusable:
                    raise InvalidInput(f"“{slot.title}”不能拒签")
                if not s.refusal_reason.strip() or not s.witness_name.strip():  # rule I2
                    raise _violation("I2", f"{slot.title}拒绝签名的，须记录拒签理由并由见证人签名")
    officers = by_slot.get(SlotRole.OFFICER, [])
    if doc_type.investigation_record:  # rule I1: two officers with valid certificates, numbers recorded
        valid = [o for o in officers if o.certificate_valid and o.certificate_no]
        if len(valid) < 2:
            raise _violation("I1", "调查取证须有2名以上持有效执法证的执法人员，并记录执法证号")


def check_rules(
    doc_type: DocumentType,
    data: dict[str, Any],
    signatures: list[SignatureInput],
    *,
    today: date,
    context: CaseContext,
    attachments: frozenset[str] = frozenset(),
) -> None:
    """The rules specific to a document type (rule ids next to each)."""
    code = doc_type.code
    if code == "hearing_notification":  # rule D5: the hearing is announced 7 working days ahead
        hearing_on = datetime.fromisoformat(str(data["hearing_at"])).date()
        earliest = calendar.add_workdays(today, 7)
        if hearing_on < earliest:
            raise _violation("D5", f"听证须在举行7个工作日前通知当事人：本通知最早可定于{earliest.isoformat()}举行听证")
    if code == "hearing_notification" and str(data.get("chair_name") or "").strip() in context.investigator_names:
        raise _violation("D5", f"听证主持人{data['chair_name']}参与了本案调查，应当回避")  # rule D5
    if code == "hearing_transcript":
        _check_chair(signatures, context)
    if code == "filing_approval" and context.is_major and not str(data.get("legality_review") or "").strip():
        raise _violation("S2", "重大执法行为立案须经法制机构合法性审查，立案审批表须载明审查意见")  # rule S2
    if code == "onsite_penalty_decision":
        _check_simplified_fine(data, context)
    if code == "penalty_decision":
        _check_not_heavier(data, context)
    if code == "compulsion_decision" and int(data["term_days"]) > COMPULSION_MAX_DAYS:  # rule I4
        raise _violation("I4", f"查封、扣押的期限不得超过{COMPULSION_MAX_DAYS}日")
    if code == "extension_decision" and int(data["extension_days"]) > COMPULSION_MAX_DAYS:  # rule I4
        raise _violation("I4", f"延长期限不得超过{COMPULSION_MAX_DAYS}日")
    if code in ENFORCEMENT_TIMES:
        check_enforcement_time(datetime.fromisoformat(str(data[ENFORCEMENT_TIMES[code]])), data)
    if code == "delivery_receipt":
        _check_delivery(data, signatures, attachments)


def _check_chair(signatures: list[SignatureInput], context: CaseContext) -> None:
    """rule D5 (处罚法64): the chair is a member of the agency, named as a user, who investigated nothing of the
    case: not an assigned officer, and no signer of an investigation record (by user or by the same name)."""
    for s in signatures:
        if s.slot != SlotRole.CHAIR:
            continue
        if s.user_id is None:
            raise _violation("D5", "听证主持人须选择本机关人员（不能只填写姓名），以核对其是否参与本案调查")
        investigated = s.user_id in context.officer_ids | context.investigator_ids
        if investigated or s.name.strip() in context.investigator_names:
            raise _violation("D5", f"听证主持人{s.name}参与了本案调查，应当回避")


def _fine(data: dict[str, Any]) -> Decimal | None:
    value = data.get("fine")
    return Decimal(str(value)) if value not in (None, "") else None


def _check_simplified_fine(data: dict[str, Any], context: CaseContext) -> None:
    """rule S5 (处罚法51): the ceiling is checked on the fine the 当场行政处罚决定书 states."""
    fine = _fine(data)
    penalty = PenaltyKind.FINE if fine is not None and fine > 0 else PenaltyKind.WARNING
    if not simplified_allowed(list(context.party_kinds), penalty, fine):
        raise _violation(
            "S5",
            f"当场行政处罚决定书载明罚款{fine}元，超出简易程序限额（个人200元以下、单位3000元以下），应适用一般程序",
        )


def _check_not_heavier(data: dict[str, Any], context: CaseContext) -> None:
    """rule D4 (处罚法44、45): the decided fine is never above the one the party was notified of."""
    fine = _fine(data)
    if fine is None or fine <= 0:
        return
    stated = [f for f in context.notified_fines if f is not None]
    if not stated:
        raise _violation("D4", "行政处罚告知书未载明拟罚款金额，不能作出罚款决定；须先告知拟处罚内容")
    if fine > max(stated):
        raise _violation(
            "D4", f"决定的罚款{fine}元高于告知书载明的拟罚款{max(stated)}元；不得因当事人陈述、申辩而加重处罚"
        )


def at_night(at: datetime) -> bool:
    return at.time() >= NIGHT_FROM or at.time() < NIGHT_UNTIL


def check_enforcement_time(at: datetime, data: dict[str, Any]) -> None:
    """rule E4 (强制法43): no enforcement at night or on a rest day of the official calendar unless urgent.

    An unknown calendar year raises CalendarYearUnknown (rule T5): the day cannot be judged, so it is refused."""
    rest_day = not calendar.is_workday(at.date())
    if not (rest_day or at_night(at)):
        return
    urgent = data.get("urgent") is True and bool(str(data.get("urgent_reason") or "").strip())
    if not urgent:
        when = "法定节假日或休息日" if rest_day else "夜间（22时至次日6时）"
        raise _violation("E4", f"{at:%Y-%m-%d %H:%M}为{when}，除情况紧急并写明理由外，不得实施强制执行")


def _filled(data: dict[str, Any], *names: str) -> bool:
    return all(str(data.get(n) or "").strip() for n in names)


def _check_delivery(data: dict[str, Any], signatures: list[SignatureInput], attachments: frozenset[str]) -> None:
    method = data.get("method")
    recipient = [s for s in signatures if s.slot == SlotRole.RECIPIENT]
    witnesses = [s for s in signatures if s.slot == SlotRole.WITNESS]
    refused = any(s.refused for s in recipient)
    if method == "direct" and refused:  # rule SV2: a refusal makes it 留置送达
        raise _violation("SV2", "受送达人拒绝签收的，应采用留置送达并记明拒收事由")
    has_reason = bool(str(data.get("refusal_reason") or "").strip())
    has_witness = bool(witnesses) or any(s.witness_name for s in recipient)
    if method == "left_with" and not (has_reason and has_witness):  # rule SV4
        raise _violation("SV4", "留置送达须记明拒收事由和日期，并由见证人签名")
    if method == "mail":  # rule SV3: registered mail or EMS; registration, postage and return receipts kept
        if data.get("mail_kind") not in {"registered", "ems"} or not _filled(data, "mail_no"):
            raise _violation("SV3", "邮寄送达须使用挂号信或特快专递，并记录邮寄方式和单号")
        missing = [ATTACHMENT_KINDS[k] for k in MAIL_ATTACHMENTS if k not in attachments]
        if missing:
            raise _violation("SV3", f"邮寄送达须留存{'、'.join(missing)}（作为附件上传）")
        signed_on = data.get("receipt_signed_on")
        served_on = datetime.fromisoformat(str(data["served_at"])).date().isoformat()
        if not signed_on or signed_on != served_on:  # the date on the return receipt is the date served
            raise _violation("SV3", "邮寄送达以回执上的签收日期为送达日期：送达时间须与回执签收日期一致")
    if method in {"entrusted", "forwarded"}:  # rule SV5
        if not _filled(data, "entrust_reason", "intermediary"):
            raise _violation("SV5", "委托、转交送达须记录委托、转交的原因和受委托（转交）的机关、单位")
        if not recipient or refused:
            raise _violation("SV5", "委托、转交送达须由受送达人在送达回证上签名")
    if method == "public_notice":  # rule SV6
        if not _filled(data, "failed_methods"):
            raise _violation("SV6", "公告送达须记录其他方式均无法送达的情况")
        if not _filled(data, "notice_form", "notice_carrier"):
            raise _violation("SV6", "公告送达须记录公告的方式和载体")
        if "notice_copy" not in attachments:
            raise _violation("SV6", "公告送达须留存书面公告（作为附件上传）")
    if method == "electronic" and data.get("consent") is not True:  # rule SV7
        raise _violation("SV7", "电子送达须经受送达人书面同意")


def check_finalise(
    doc_type: DocumentType,
    data: dict[str, Any],
    signatures: list[SignatureInput],
    *,
    today: date,
    context: CaseContext,
    attachments: frozenset[str] = frozenset(),
) -> None:
    check_fields(doc_type, data)
    check_slots(doc_type, signatures)
    check_rules(doc_type, data, signatures, today=today, context=context, attachments=attachments)
