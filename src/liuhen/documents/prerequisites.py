"""What the law requires on the case before a document may be finalised (rules S1, S7, I3, I4, D8, E3, E5).

Finalising checks a document's own fields and signatures (``liuhen.core.documents.checks``). Some documents also
depend on others: no enforcement without a served 催告书, no court application before its waiting period, no
power cut without the notice a day ahead. Those checks read the case's finalised documents, never a bare claim.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.utils import timezone

from liuhen.cases.models import ActKind
from liuhen.core import calendar, periods
from liuhen.core.calendar import WorkCalendar
from liuhen.core.documents import SlotRole
from liuhen.core.documents.checks import SignatureInput
from liuhen.core.errors import CalendarYearUnknown, Forbidden, InvalidInput, RuleViolation
from liuhen.core.rules import rule
from liuhen.core.rules.deadlines import BY_KEY
from liuhen.documents.models import Document, DocumentStatus

POWER_CUT_NOTICE = BY_KEY["I4.power"]  # rule I4 (安法70): 24 h written notice before a power cut
ENFORCEMENT = ("enforcement_decision", "substitute_performance_decision")


def _violation(rule_id: str, message: str) -> RuleViolation:
    return RuleViolation(rule_id, rule(rule_id).source, message)


def finalised(case_id: int, code: str) -> list[Document]:
    """The case's finalised documents of a type, newest first."""
    return list(
        Document.objects.filter(case_id=case_id, doc_type=code, status=DocumentStatus.FINAL).order_by(
            "-finalised_at", "-id"
        )
    )


def _local(value: str) -> datetime:
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=timezone.get_current_timezone())


def served_on(notice: Document) -> date | None:
    """When a notice was served (rule SV2): the date signed for on the 送达回证 that names it, else the day the
    recipient signed for it (or refused before a witness) on the notice itself; None while it is not served."""
    for receipt in finalised(notice.case_id, "delivery_receipt"):
        if notice.document_no and notice.document_no in str(receipt.values.get("served_document", "")):
            return timezone.localtime(_local(str(receipt.values["served_at"]))).date()
    signed = notice.signatures.filter(slot=SlotRole.RECIPIENT).order_by("signed_at").first()
    return timezone.localtime(signed.signed_at).date() if signed else None


def served_demand(doc: Document) -> tuple[Document, date]:
    """rule E3 (强制法35, 002 第二十九条): the served 催告书 an enforcement step rests on, and when it was served."""
    notices = finalised(doc.case_id, "demand_notice")
    if not notices:
        raise _violation("E3", f"{doc.type.name}须以已送达的催告书为前提：请先制作并送达催告书")
    for notice in notices:
        served = served_on(notice)
        if served is not None:
            return notice, served
    raise _violation("E3", "催告书尚未送达：须由当事人签收，或以载明其文号的送达回证送达")


def _statement_recorded(doc: Document, notice: Document) -> None:
    """rule E3 (强制法36, 002 第二十九条): the party's reply to the 催告书 is recorded and reviewed."""
    if not any(s.values.get("demand_no") == notice.document_no for s in finalised(doc.case_id, "demand_statement")):
        raise _violation(
            "E3",
            f"须先记录当事人收到催告书（{notice.document_no}）后的陈述、申辩及复核情况（催告陈述申辩及复核记录）",
        )


def _enforcement(doc: Document, inputs: list[SignatureInput], now: datetime) -> None:
    notice, _served = served_demand(doc)
    _statement_recorded(doc, notice)
    perform_by = date.fromisoformat(str(notice.values["perform_by"]))
    if timezone.localtime(now).date() <= perform_by:  # 强制法37: only after the time to perform has passed
        raise _violation("E3", f"催告书载明的履行期限（{perform_by.isoformat()}）尚未届满，不得作出强制执行决定")


def _decision_served_on(case_id: int) -> date | None:
    from liuhen.cases.models import CaseAct

    at = (
        CaseAct.objects.filter(case_id=case_id, kind=ActKind.DELIVERY)
        .order_by("occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return timezone.localtime(at).date() if at else None


def _last_day(compute: Callable[[WorkCalendar | None], date | None]) -> tuple[date, int | None]:
    """A period's last day, or, past the holiday table, its estimate (weekends only: never later than the real
    day, so a day on or before it is surely inside the period) and the unknown year (rule T5)."""
    try:
        end = compute(None)
        assert end is not None
        return end, None
    except CalendarYearUnknown as exc:
        cal = calendar.current()
        guess = WorkCalendar(days=cal.days, years=cal.years | set(range(exc.year, exc.year + 60)))
        end = compute(guess)
        assert end is not None
        return end, exc.year


def _court_application(doc: Document, inputs: list[SignatureInput], now: datetime) -> None:
    notice, served = served_demand(doc)
    _statement_recorded(doc, notice)
    if str(doc.values.get("demand_served_on")) != served.isoformat():
        raise InvalidInput(f"申请书载明的催告书送达日期与送达记录（{served.isoformat()}）不符")
    today = timezone.localtime(now).date()
    wait_end, unknown = _last_day(lambda cal: periods.due(BY_KEY["E3.wait"], served, cal).on)
    if today <= wait_end:  # rule E3 (强制法54): ten working days after the 催告书 was served
        raise _violation(
            "E3", f"催告书于{served.isoformat()}送达，须满10个工作日（{wait_end.isoformat()}）后方可申请法院强制执行"
        )
    decision_served = _decision_served_on(doc.case_id)
    if decision_served is not None:  # rule E3 (强制法53): once the appeal periods have lapsed
        lapse, unknown_lapse = _last_day(lambda cal: periods.appeal_periods_lapse(decision_served, cal))
        if today <= lapse:
            raise _violation("E3", f"复议、诉讼期限于{lapse.isoformat()}届满，届满后方可申请法院强制执行")
        unknown = unknown or unknown_lapse
    if unknown is not None:  # rule T5: past an estimate, a waiting period is never guessed short
        raise InvalidInput(f"{unknown}年节假日安排尚未导入，无法确定申请法院强制执行的最早日期")


def _demand_statement(doc: Document, inputs: list[SignatureInput], now: datetime) -> None:
    v = doc.values
    if not any(n.document_no == v.get("demand_no") for n in finalised(doc.case_id, "demand_notice")):
        raise _violation("E3", f"本案没有文号为“{v.get('demand_no')}”的已送达催告书")
    if v.get("made") == "stated" and not all(v.get(k) for k in ("statement", "review", "adopted")):
        raise _violation("E3", "当事人陈述、申辩的，须记录其事实、理由和证据，以及复核意见和是否采纳")


def _enforcement_result(doc: Document, inputs: list[SignatureInput], now: datetime) -> None:
    v = doc.values
    if v.get("route") == "court":  # rule E5 (002 第三十一条; 000 第十八条): the court's outcome too
        if not finalised(doc.case_id, "court_application"):
            raise _violation("E5", "本案没有已定稿的强制执行申请书，不能记录法院执行结果")
        if not v.get("court_ruling") or not v.get("court_outcome"):
            raise _violation("E5", "申请法院强制执行的，须记录人民法院的裁定书文号和执行结果")
    elif not any(finalised(doc.case_id, code) for code in ENFORCEMENT):
        raise _violation("E5", "本案没有已定稿的强制执行决定书或代履行决定书，不能记录执行结果")


def _preservation_decision(doc: Document, inputs: list[SignatureInput], now: datetime) -> None:
    lists = finalised(doc.case_id, "preservation_list")
    if not any(d.document_no == doc.values.get("list_no") for d in lists):  # rule I3
        raise _violation("I3", f"本案没有文号为“{doc.values.get('list_no')}”的证据登记保存清单")


def _power_cut_notice(doc: Document, inputs: list[SignatureInput], now: datetime) -> None:
    cut_at = _local(str(doc.values["cut_at"]))
    earliest = now + timedelta(hours=POWER_CUT_NOTICE.period)
    if cut_at < earliest:  # rule I4 (安法70)
        raise _violation(
            "I4", f"停止供电须提前24小时书面通知：本通知最早可定于{timezone.localtime(earliest):%Y-%m-%d %H:%M}停止供电"
        )


def _power_cut_record(doc: Document, inputs: list[SignatureInput], now: datetime) -> None:
    v = doc.values
    if v.get("emergency") is True:  # rule I4 (安法70): an emergency needs no notice, but its reason is recorded
        if not str(v.get("emergency_reason") or "").strip():
            raise _violation("I4", "以紧急情形未提前通知而停止供电的，须说明紧急情形")
        return
    cut_at = _local(str(v["cut_at"]))
    for notice in finalised(doc.case_id, "power_cut_notice"):
        assert notice.finalised_at is not None
        if cut_at >= notice.finalised_at + timedelta(hours=POWER_CUT_NOTICE.period):
            return
    raise _violation("I4", "停止供电须提前24小时书面通知当事人（停止供电通知书送达满24小时），紧急情形除外")


def _extension_decision(doc: Document, inputs: list[SignatureInput], now: datetime) -> None:
    """rule I4 (强制法25): a measure is extended while its term runs; once it has ended, it is lifted instead."""
    from liuhen.deadlines.models import Deadline, DeadlineStatus
    from liuhen.deadlines.services import ends_at

    term = Deadline.objects.filter(case_id=doc.case_id, rule_key="I4.term").order_by("-started_at", "-id").first()
    if term is None or term.status != DeadlineStatus.OPEN:
        raise _violation("I4", "本案没有正在实施的查封、扣押措施，不能延长期限")
    if now >= ends_at(term):
        day = term.due_on.isoformat() if term.due_on else ""
        raise _violation("I4", f"查封、扣押期限已于{day}届满，不能再延长，应当及时解除")


def _onsite_decision_filing(doc: Document, inputs: list[SignatureInput], now: datetime) -> None:
    numbers = {d.document_no for d in finalised(doc.case_id, "onsite_penalty_decision")}
    if doc.values.get("decision_no") not in numbers:  # rule D8 (002 第二十二条(五); 处罚法52)
        raise _violation("D8", f"本案没有文号为“{doc.values.get('decision_no')}”的已定稿当场行政处罚决定书")


def _application_form(doc: Document, inputs: list[SignatureInput], now: datetime) -> None:
    v = doc.values
    applicant = [s for s in inputs if s.slot == SlotRole.PARTY and not s.refused]
    if v.get("channel") == "oral" and not (str(v.get("oral_record") or "").strip() and applicant):
        raise _violation("S1", "口头申请须当场记录申请内容，并由申请人签名确认")
    if v.get("channel") == "online" and not doc.attachments.exists():  # 000 第五条
        raise _violation("S1", "网络申请须以截图、拍照等方式留存电子数据：请添加截图或照片附件")


def _recusal_decision(doc: Document, inputs: list[SignatureInput], now: datetime) -> None:
    """rule S7 (处罚法43): a 回避决定书 answers an application on the record, and the agency's head signs it."""
    from liuhen.accounts.models import Role, User
    from liuhen.documents.queries import pending_recusals

    if doc.version == 1 and not pending_recusals(doc.case):
        raise InvalidInput("本案没有待决定的回避申请：须先制作并定稿回避申请记录")
    leaders = [s for s in inputs if s.slot == SlotRole.LEADER]
    ids = [s.user_id for s in leaders if s.user_id is not None]
    heads = User.objects.filter(pk__in=ids, role=Role.LEADER, agency_id=doc.case.agency_id)
    if not ids or heads.count() != len(leaders):
        raise Forbidden("回避决定须由本机关负责人签名（选择本机关负责人账号）")


CHECKS: dict[str, Callable[[Document, list[SignatureInput], datetime], None]] = {
    "recusal_decision": _recusal_decision,
    "enforcement_decision": _enforcement,
    "substitute_performance_decision": _enforcement,
    "court_application": _court_application,
    "demand_statement": _demand_statement,
    "enforcement_result": _enforcement_result,
    "preservation_decision": _preservation_decision,
    "power_cut_notice": _power_cut_notice,
    "power_cut_record": _power_cut_record,
    "onsite_decision_filing": _onsite_decision_filing,
    "extension_decision": _extension_decision,
    "application_form": _application_form,
}


def check(doc: Document, inputs: list[SignatureInput], now: datetime) -> None:
    """Raises RuleViolation (or InvalidInput) when the case lacks what this document depends on."""
    fn = CHECKS.get(doc.doc_type)
    if fn is not None:
        fn(doc, inputs, now)
