"""Move a case forward the way people do: by recording what the gates ask for, through the services.

Used by `liuhen demo` to build cases in every stage, and by the tests to reach any stage of any
procedure with real commands. Nothing here bypasses a gate.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from liuhen.accounts.models import User
from liuhen.cases import services
from liuhen.cases.models import ActKind, ApprovalKind, Case
from liuhen.cases.queries import case_facts
from liuhen.core import stages
from liuhen.core.stages import Fact

FACT_APPROVAL: dict[Fact, str] = {
    Fact.FILING_APPROVED: ApprovalKind.FILING,
    Fact.NON_FILING_APPROVED: ApprovalKind.NON_FILING,
    Fact.DECISION_APPROVED: ApprovalKind.DECISION,
    Fact.LICENCE_DECISION_APPROVED: ApprovalKind.LICENCE_DECISION,
    Fact.COMPULSION_APPROVED: ApprovalKind.COMPULSION,
    Fact.CLOSING_APPROVED: ApprovalKind.CLOSING,
    Fact.EXTENSION_APPROVED: ApprovalKind.EXTENSION,
}

FACT_ACT: dict[Fact, tuple[str, str]] = {
    Fact.EMERGENCY_RECORDED: (ActKind.EMERGENCY_START, "现场发现重大事故隐患，情况紧急，先行启动调查"),
    Fact.DUTY_LOG: (ActKind.DUTY_LOG, "值班电话接到群众举报，已登记值班记录"),
    Fact.COMPLAINANT_NOTIFIED: (ActKind.COMPLAINANT_NOTICE, "已电话及书面告知举报人不予立案的理由"),
    Fact.INVESTIGATION_REPORT: (ActKind.INVESTIGATION_REPORT, "调查终结，事实清楚，证据确凿，建议给予行政处罚"),
    Fact.RIGHTS_NOTICE_SERVED: (ActKind.RIGHTS_NOTICE, "行政处罚告知书已直接送达当事人"),
    Fact.HEARING_HELD: (ActKind.HEARING, "已依法举行听证，听证笔录附卷"),
    Fact.HEARING_WINDOW_CLOSED: (ActKind.RIGHTS_WAIVER, "当事人书面表示放弃陈述、申辩和听证权利"),
    Fact.AV_COMPLETE: (ActKind.AV_OMISSION, "检查现场为易燃易爆场所，依规不使用电子录像设备（AV6）"),
    Fact.LEGAL_REVIEW: (ActKind.LEGAL_REVIEW, "经法制审核，主体适格、事实清楚、程序合法、适用依据正确，同意"),
    Fact.COLLECTIVE_DISCUSSION: (ActKind.COLLECTIVE_DISCUSSION, "经局务会集体讨论，同意处罚意见"),
    Fact.DELIVERED: (ActKind.DELIVERY, "决定书已直接送达，当事人在送达回证上签收"),
    Fact.PERFORMANCE: (ActKind.PERFORMANCE, "当事人已按期缴纳罚款，缴款凭证附卷"),
    Fact.STATEMENT_HEARD: (ActKind.STATEMENT, "当事人当场陈述申辩，经复核不予采纳"),
    Fact.APPLICATION_REGISTERED: (ActKind.APPLICATION_REGISTRATION, "窗口登记申请"),
    Fact.RECEIPT_ISSUED: (ActKind.RECEIPT, "已出具受理凭证"),
    Fact.SUPPLEMENT_NOTICE: (ActKind.SUPPLEMENT_NOTICE, "一次性告知需补正的材料清单"),
    Fact.REFUSAL_NOTICE: (ActKind.REFUSAL_NOTICE, "申请事项不属于本机关职权范围，不予受理"),
    Fact.EMERGENCY_MEASURE_REPORTED: (ActKind.EMERGENCY_MEASURE_REPORT, "现场存在爆炸危险，紧急查封并已电话报告局长"),
    Fact.EXTENSION_NOTICE: (ActKind.EXTENSION_NOTICE, "案情复杂，经批准延长查封期限30日，已书面告知"),
    Fact.LIFT_DECISION: (ActKind.LIFT_DECISION, "隐患已消除，解除查封"),
    Fact.INSPECTION_TRANSCRIPT: (ActKind.INSPECTION_TRANSCRIPT, "现场检查笔录已制作，当事人签字确认"),
    Fact.RECTIFICATION_ORDER: (ActKind.RECTIFICATION_ORDER, "责令于15日内整改完毕"),
    Fact.RECTIFICATION_CHECK: (ActKind.RECTIFICATION_CHECK, "经复查，隐患已整改完毕"),
}


@dataclass(frozen=True)
class Cast:
    """The people who act on a case: two officers, the unit head, a legal reviewer, a leader, an archivist."""

    handler: User
    second_officer: User
    unit_head: User
    legal_reviewer: User
    leader: User
    archivist: User


def satisfy(case: Case, fact: Fact, cast: Cast) -> None:
    """Record, through the services, what makes ``fact`` true."""
    if fact in FACT_APPROVAL:
        kind = FACT_APPROVAL[fact]
        approval = services.start_approval(actor=cast.handler, case=case, kind=kind, opinion="建议同意")
        services.review_approval(actor=cast.unit_head, approval=approval, agree=True, opinion="情况属实，同意")
        services.decide_approval(actor=cast.leader, approval=approval, approve=True, opinion="同意")
    elif fact == Fact.TWO_CERTIFIED_OFFICERS:
        if not case.officers.filter(user=cast.second_officer).exists():
            services.assign_officer(actor=cast.handler, case=case, officer=cast.second_officer)
    elif fact in FACT_ACT:
        kind, note = FACT_ACT[fact]
        actor = {ActKind.LEGAL_REVIEW: cast.legal_reviewer, ActKind.COLLECTIVE_DISCUSSION: cast.leader}.get(
            kind, cast.handler
        )  # type: ignore[call-overload]
        services.record_act(actor=actor, case=case, kind=kind, note=note)
    elif fact in {Fact.VIOLATION_DATED, Fact.WITHIN_LIMITATION}:  # rule S6: a violation that ended last month
        from liuhen.cases.limitation import record_violation_period

        ended = timezone.localdate() - timedelta(days=30)
        record_violation_period(
            actor=cast.handler, case=case, violation_ended_on=ended, reason="登记时未填写，补充登记"
        )
    else:
        from liuhen.documents import scenario_records

        if not scenario_records.satisfy(case, fact, cast):
            raise ValueError(f"{fact} is set when the case is registered, not by a later record")


def needed(transition: stages.Transition, facts: frozenset[str]) -> list[Fact]:
    return [g.requires for g in transition.gates if not g.passes(facts)]


def step(case: Case, action: str, cast: Cast) -> Case:
    transition = stages.transition_for(case.procedure_enum, case.stage_enum, action)
    if transition is None:
        raise ValueError(f"no step {action} from {case.stage} in {case.procedure}")
    satisfied: set[Fact] = set()
    while missing := [f for f in needed(transition, case_facts(case)) if f not in satisfied]:
        satisfy(case, missing[0], cast)  # one at a time: recording one thing can raise another need (AV)
        satisfied.add(missing[0])
    actor = cast.archivist if action == "archive" else cast.handler
    return services.transition(actor=actor, case=case, action=action)


def path_to(procedure: stages.Procedure, target: stages.Stage, start: stages.Stage | None = None) -> list[str]:
    """The shortest list of actions from ``start`` (default: the procedure's first stage) to ``target``."""
    start = start or stages.INITIAL_STAGE[procedure]
    queue: deque[tuple[stages.Stage, list[str]]] = deque([(start, [])])
    seen = {start}
    while queue:
        stage, actions = queue.popleft()
        if stage == target:
            return actions
        for t in stages.transitions_from(procedure, stage):
            if t.target not in seen:
                seen.add(t.target)
                queue.append((t.target, [*actions, t.action]))
    raise ValueError(f"{target} cannot be reached in {procedure}")


def advance(case: Case, target: stages.Stage, cast: Cast) -> Case:
    for action in path_to(case.procedure_enum, target, case.stage_enum):
        case = step(case, action, cast)
    return case
