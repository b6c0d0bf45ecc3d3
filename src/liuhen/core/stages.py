"""Procedures, their stages, and the one table of transitions with their gates.

A case moves only along a row of ``TRANSITIONS``. Each row lists gates: a gate names a rule of the catalogue and a
fact that must hold (optionally only when another fact holds). Facts are plain names computed from what was
recorded on the case (approvals, acts, officers, penalty); this module only reads them, so the whole state machine
is testable without a database."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from liuhen.core.errors import RuleViolation, StageError
from liuhen.core.rules import rule


class Procedure(StrEnum):
    GENERAL = "general_procedure"
    SIMPLIFIED = "simplified_procedure"
    INSPECTION = "inspection"
    LICENCE = "licence"
    COMPULSION = "compulsion"
    COMPLAINT = "complaint"


PROCEDURE_LABELS: dict[Procedure, str] = {
    Procedure.GENERAL: "行政处罚（一般程序）",
    Procedure.SIMPLIFIED: "行政处罚（简易程序）",
    Procedure.INSPECTION: "行政检查",
    Procedure.LICENCE: "依申请事项",
    Procedure.COMPULSION: "行政强制措施",
    Procedure.COMPLAINT: "投诉举报",
}


class Stage(StrEnum):
    INTAKE = "intake"
    INVESTIGATION = "investigation"
    REVIEW = "review"
    NOTICE = "notice"
    DECISION = "decision"
    ENFORCEMENT = "enforcement"
    CLOSED = "closed"
    ARCHIVED = "archived"
    NOT_FILED = "not_filed"
    PLANNED = "planned"
    INSPECTING = "inspecting"
    RECTIFYING = "rectifying"
    APPLIED = "applied"
    SUPPLEMENTING = "supplementing"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    IN_FORCE = "in_force"
    LIFTED = "lifted"
    RECEIVED = "received"
    LEADER_REVIEW = "leader_review"
    FILED = "filed"


STAGE_LABELS: dict[Stage, str] = {
    Stage.INTAKE: "案源登记",
    Stage.INVESTIGATION: "调查取证",
    Stage.REVIEW: "审查",
    Stage.NOTICE: "告知",
    Stage.DECISION: "决定",
    Stage.ENFORCEMENT: "执行",
    Stage.CLOSED: "结案",
    Stage.ARCHIVED: "归档",
    Stage.NOT_FILED: "不予立案",
    Stage.PLANNED: "检查计划",
    Stage.INSPECTING: "现场检查",
    Stage.RECTIFYING: "责令整改",
    Stage.APPLIED: "申请登记",
    Stage.SUPPLEMENTING: "补正材料",
    Stage.ACCEPTED: "已受理",
    Stage.REFUSED: "不予受理",
    Stage.IN_FORCE: "措施实施中",
    Stage.LIFTED: "措施解除",
    Stage.RECEIVED: "值班登记",
    Stage.LEADER_REVIEW: "领导研判",
    Stage.FILED: "已立案",
}

INITIAL_STAGE: dict[Procedure, Stage] = {
    Procedure.GENERAL: Stage.INTAKE,
    Procedure.SIMPLIFIED: Stage.INTAKE,
    Procedure.INSPECTION: Stage.PLANNED,
    Procedure.LICENCE: Stage.APPLIED,
    Procedure.COMPULSION: Stage.INTAKE,
    Procedure.COMPLAINT: Stage.RECEIVED,
}


class Fact(StrEnum):
    """Names of what can be true of a case; computed by the cases app from its records."""

    FILING_APPROVED = "filing_approved"
    EMERGENCY_RECORDED = "emergency_recorded"
    NON_FILING_APPROVED = "non_filing_approved"
    COMPLAINANT_NOTIFIED = "complainant_notified"
    DUTY_LOG = "duty_log"
    TWO_CERTIFIED_OFFICERS = "two_certified_officers"
    INVESTIGATION_REPORT = "investigation_report"
    RIGHTS_NOTICE_SERVED = "rights_notice_served"
    HEARING_REQUESTED = "hearing_requested"
    HEARING_HELD = "hearing_held"
    MAJOR = "major"
    LEGAL_REVIEW = "legal_review"
    COLLECTIVE_DISCUSSION = "collective_discussion"
    DECISION_APPROVED = "decision_approved"
    DELIVERED = "delivered"
    PERFORMANCE = "performance"
    CLOSING_APPROVED = "closing_approved"
    SIMPLIFIED_LIMITS = "simplified_limits"
    STATEMENT_HEARD = "statement_heard"
    APPLICATION_REGISTERED = "application_registered"
    RECEIPT_ISSUED = "receipt_issued"
    SUPPLEMENT_NOTICE = "supplement_notice"
    REFUSAL_NOTICE = "refusal_notice"
    COMPULSION_APPROVED = "compulsion_approved"
    EMERGENCY_MEASURE_REPORTED = "emergency_measure_reported"
    EXTENSION_NOTICE = "extension_notice"
    NOT_YET_EXTENDED = "not_yet_extended"
    LIFT_DECISION = "lift_decision"
    INSPECTION_TRANSCRIPT = "inspection_transcript"
    RECTIFICATION_ORDER = "rectification_order"
    RECTIFICATION_CHECK = "rectification_check"
    LICENCE_DECISION_APPROVED = "licence_decision_approved"
    HEARING_WINDOW_CLOSED = "hearing_window_closed"
    AV_COMPLETE = "av_complete"
    STATEMENTS_MADE = "statements_made"
    STATEMENTS_REVIEWED = "statements_reviewed"
    DECISION_DOCUMENT = "decision_document"
    VIOLATION_DATED = "violation_dated"
    WITHIN_LIMITATION = "within_limitation"
    MEASURE_DOCUMENTED = "measure_documented"
    EMERGENCY_MEASURE_DOCUMENTED = "emergency_measure_documented"
    EXTENSION_APPROVED = "extension_approved"
    ENFORCED = "enforced"
    ENFORCEMENT_RESULT = "enforcement_result"
    ONSITE_DECISION_FILED = "onsite_decision_filed"
    NO_PENDING_RECUSAL = "no_pending_recusal"
    CASE_FILE_SIGNED = "case_file_signed"


@dataclass(frozen=True)
class Gate:
    """A rule that must hold for a step: ``requires`` must be a fact, unless ``only_if`` is not."""

    rule_id: str
    requires: Fact
    message: str
    only_if: Fact | None = None

    def passes(self, facts: frozenset[str]) -> bool:
        if self.only_if is not None and self.only_if not in facts:
            return True
        return self.requires in facts

    def violation(self) -> RuleViolation:
        return RuleViolation(self.rule_id, rule(self.rule_id).source, self.message)


@dataclass(frozen=True)
class Transition:
    procedure: Procedure
    source: Stage
    action: str
    target: Stage
    label: str
    gates: tuple[Gate, ...] = ()


_S2 = Gate("S2", Fact.FILING_APPROVED, "立案审批表须经负责人批准后方可立案调查")
_S3 = Gate("S3", Fact.EMERGENCY_RECORDED, "紧急启动须先记录紧急情况及理由，并在24小时内补报立案审批表")
_I1 = Gate("I1", Fact.TWO_CERTIFIED_OFFICERS, "调查取证须有2名以上持有效执法证的执法人员")
_D9_CLOSE = Gate("D9", Fact.CLOSING_APPROVED, "结案须经承办人、审核人、批准人审批（结案审批表）")
_AV = Gate("AV1", Fact.AV_COMPLETE, "须音像记录的执法活动（AV1–AV4）均须关联录像，或依 AV6 记录不录制的理由")
_DELIVERED = Gate("SV2", Fact.DELIVERED, "决定书须送达当事人并留存已定稿的送达回证（载明决定书文号）后方可进入执行")
_PERFORMED = Gate("E1", Fact.PERFORMANCE, "须记录当事人履行决定的情况后方可结案")
# rule S6 (处罚法36): the limitation period runs from the end of the violation, recorded at registration
_S6 = (
    Gate("S6", Fact.VIOLATION_DATED, "须登记违法行为发生（连续或继续状态的为终了）之日，以核对追责时效"),
    Gate(
        "S6",
        Fact.WITHIN_LIMITATION,
        "违法行为已超过追责时效（2年；危害生命健康、金融安全且有危害后果的5年），不再给予行政处罚",
    ),
)
# rule E5 (000 第十八条; 002 第三十一条): an enforced case records the result, the court's included
_E5 = Gate(
    "E5",
    Fact.ENFORCEMENT_RESULT,
    "已强制执行或申请法院强制执行的，须制作强制执行结果记录（含法院执行结果）后方可结案",
    Fact.ENFORCED,
)
_R14 = Gate(
    "R14",
    Fact.CASE_FILE_SIGNED,
    "归档须先组卷（封面、目录、页号、备考表），经立卷人、检查人（不同两人）签名并通过四性检测",
)
_S7 = Gate("S7", Fact.NO_PENDING_RECUSAL, "当事人申请回避的，须由机关负责人作出回避决定后方可继续调查或作出决定")


def _t(p: Procedure, src: Stage, action: str, dst: Stage, label: str, *gates: Gate) -> Transition:
    return Transition(p, src, action, dst, label, tuple(gates))


P, S = Procedure, Stage
G, SP, IN, LI, CO, CP = P.GENERAL, P.SIMPLIFIED, P.INSPECTION, P.LICENCE, P.COMPULSION, P.COMPLAINT

TRANSITIONS: tuple[Transition, ...] = (
    # 一般程序 (S2, S3, I1, D1-D5, D9, SV, E1)
    _t(G, S.INTAKE, "file", S.INVESTIGATION, "立案", _S2, *_S6),
    _t(G, S.INTAKE, "emergency_start", S.INVESTIGATION, "紧急先行启动", _S3),
    _t(
        G, S.INTAKE, "not_file", S.NOT_FILED, "不予立案", Gate("S4", Fact.NON_FILING_APPROVED, "不予立案须经负责人批准")
    ),
    _t(
        G,
        S.INVESTIGATION,
        "conclude_investigation",
        S.REVIEW,
        "调查终结",
        _S7,
        _I1,
        _AV,
        Gate("S2", Fact.FILING_APPROVED, "紧急启动的案件须补报立案审批表并经批准后方可调查终结"),
    ),
    _t(
        G,
        S.REVIEW,
        "give_notice",
        S.NOTICE,
        "告知权利",
        Gate("D1", Fact.INVESTIGATION_REPORT, "须先制作案件调查报告（处理呈批），载明事实、证据和法律依据"),
    ),
    _t(
        G,
        S.NOTICE,
        "decide",
        S.DECISION,
        "作出决定",
        _S7,
        Gate("D4", Fact.RIGHTS_NOTICE_SERVED, "作出处罚决定前须告知当事人拟处罚内容及陈述、申辩、听证权利"),
        Gate(
            "D5", Fact.HEARING_WINDOW_CLOSED, "告知后5个工作日的听证申请期尚未届满（当事人书面放弃或已申请听证的除外）"
        ),
        Gate("D5", Fact.HEARING_HELD, "当事人已要求听证，须举行听证后方可作出决定", Fact.HEARING_REQUESTED),
        Gate(
            "D4",
            Fact.STATEMENTS_REVIEWED,
            "当事人提出陈述、申辩的，须在陈述申辩笔录中记录复核意见并定稿后方可作出决定",
            Fact.STATEMENTS_MADE,
        ),
        Gate(
            "D2",
            Fact.LEGAL_REVIEW,
            "重大执法决定须经法制审核且审核通过（审核结论为不同意的，不得作出决定）",
            Fact.MAJOR,
        ),
        Gate("D3", Fact.COLLECTIVE_DISCUSSION, "情节复杂或重大违法行为须经负责人集体讨论", Fact.MAJOR),
        Gate("D9", Fact.DECISION_APPROVED, "处理决定须经承办人、审核人、批准人审批"),
    ),
    _t(
        G,
        S.DECISION,
        "deliver",
        S.ENFORCEMENT,
        "送达",
        Gate("D6", Fact.DECISION_DOCUMENT, "须制作行政处罚决定书并定稿（载明救济途径和期限）后方可送达"),
        _DELIVERED,
    ),
    _t(G, S.ENFORCEMENT, "close", S.CLOSED, "结案", _PERFORMED, _E5, _D9_CLOSE, _AV),
    _t(G, S.CLOSED, "archive", S.ARCHIVED, "归档", _R14),
    _t(G, S.NOT_FILED, "archive", S.ARCHIVED, "归档", _R14),
    # 简易程序 (S5, D8)
    _t(
        SP,
        S.INTAKE,
        "decide_on_spot",
        S.DECISION,
        "当场作出处罚决定",
        _S7,
        _I1,
        Gate("D8", Fact.STATEMENT_HEARD, "须制作当场行政处罚决定书并定稿，记录当事人的陈述、申辩及复核情况"),
        Gate(
            "S5",
            Fact.SIMPLIFIED_LIMITS,
            "简易程序仅适用于警告或对个人200元以下、对单位3000元以下的罚款（以当场行政处罚决定书载明的罚款为准）",
        ),
        *_S6,
    ),
    _t(SP, S.DECISION, "deliver", S.ENFORCEMENT, "当场交付决定书", _DELIVERED),
    _t(
        SP,
        S.ENFORCEMENT,
        "close",
        S.CLOSED,
        "结案",
        _PERFORMED,
        _E5,
        Gate("D8", Fact.ONSITE_DECISION_FILED, "当场作出的行政处罚决定须报所属行政机关备案（当场行政处罚决定备案表）"),
    ),
    _t(SP, S.CLOSED, "archive", S.ARCHIVED, "归档", _R14),
    # 行政检查
    _t(IN, S.PLANNED, "start_inspection", S.INSPECTING, "开始现场检查", _I1),
    _t(
        IN,
        S.INSPECTING,
        "order_rectification",
        S.RECTIFYING,
        "责令限期整改",
        Gate("E1", Fact.RECTIFICATION_ORDER, "须制作责令限期整改指令书"),
    ),
    _t(
        IN,
        S.INSPECTING,
        "close",
        S.CLOSED,
        "检查结束",
        Gate("I2", Fact.INSPECTION_TRANSCRIPT, "须制作现场检查笔录"),
        _AV,
    ),
    _t(
        IN,
        S.RECTIFYING,
        "close",
        S.CLOSED,
        "复查通过",
        Gate("E1", Fact.RECTIFICATION_CHECK, "责令改正的须按期复查并记录复查意见"),
        _AV,
    ),
    _t(IN, S.CLOSED, "archive", S.ARCHIVED, "归档", _R14),
    # 依申请 (S1)
    _t(
        LI,
        S.APPLIED,
        "accept",
        S.ACCEPTED,
        "受理",
        Gate("S1", Fact.APPLICATION_REGISTERED, "须制作并定稿申请登记表"),
        Gate("S1", Fact.RECEIPT_ISSUED, "受理须出具受理通知书（受理凭证）并定稿"),
    ),
    _t(
        LI,
        S.APPLIED,
        "request_supplement",
        S.SUPPLEMENTING,
        "一次性告知补正",
        Gate("S1", Fact.SUPPLEMENT_NOTICE, "须以补正材料通知书一次性告知申请人需补正的全部内容"),
    ),
    _t(
        LI,
        S.SUPPLEMENTING,
        "accept",
        S.ACCEPTED,
        "补正后受理",
        Gate("S1", Fact.RECEIPT_ISSUED, "受理须出具受理通知书（受理凭证）并定稿"),
    ),
    _t(
        LI,
        S.APPLIED,
        "refuse",
        S.REFUSED,
        "不予受理",
        Gate("S1", Fact.REFUSAL_NOTICE, "不予受理须出具不予受理决定书并说明理由"),
    ),
    _t(
        LI,
        S.ACCEPTED,
        "decide",
        S.DECISION,
        "作出许可决定",
        Gate("D9", Fact.LICENCE_DECISION_APPROVED, "许可决定须经承办人、审核人、批准人审批"),
    ),
    _t(LI, S.DECISION, "close", S.CLOSED, "办结", _DELIVERED),
    _t(LI, S.CLOSED, "archive", S.ARCHIVED, "归档", _R14),
    _t(LI, S.REFUSED, "archive", S.ARCHIVED, "归档", _R14),
    # 行政强制措施 (I4)
    _t(
        CO,
        S.INTAKE,
        "apply_measure",
        S.IN_FORCE,
        "实施强制措施",
        _S7,
        _I1,
        Gate("I4", Fact.COMPULSION_APPROVED, "实施行政强制措施须事先经负责人批准"),
        Gate(
            "I4",
            Fact.MEASURE_DOCUMENTED,
            "实施强制措施须有已定稿的行政强制措施决定书、查封扣押清单（一式二份；停止供电的为停止供电记录）和现场笔录",
        ),
    ),
    _t(
        CO,
        S.INTAKE,
        "emergency_measure",
        S.IN_FORCE,
        "紧急实施强制措施",
        _I1,
        Gate("I4", Fact.EMERGENCY_MEASURE_REPORTED, "紧急实施须记录紧急情况，并在24小时内向负责人报告、补办批准"),
        Gate(
            "I4",
            Fact.EMERGENCY_MEASURE_DOCUMENTED,
            "紧急实施须当场制作现场笔录和查封扣押清单（一式二份；停止供电的为停止供电记录）",
        ),
    ),
    _t(
        CO,
        S.IN_FORCE,
        "extend",
        S.IN_FORCE,
        "延长期限",
        Gate("I4", Fact.NOT_YET_EXTENDED, "查封、扣押期限只能延长一次"),
        Gate("I4", Fact.EXTENSION_APPROVED, "延长查封、扣押期限须经机关负责人重新批准（延长期限审批）"),
        Gate("I4", Fact.EXTENSION_NOTICE, "延长期限须制作延长查封扣押期限决定书并书面告知当事人"),
        Gate("I4", Fact.COMPULSION_APPROVED, "强制措施须已经负责人批准（紧急实施的须补办批准）"),
    ),
    _t(
        CO,
        S.IN_FORCE,
        "lift",
        S.LIFTED,
        "解除强制措施",
        Gate("I4", Fact.LIFT_DECISION, "须制作解除决定书"),
        Gate("I4", Fact.COMPULSION_APPROVED, "强制措施须已经负责人批准（紧急实施的须补办批准）"),
    ),
    _t(CO, S.LIFTED, "close", S.CLOSED, "结案", _E5, _D9_CLOSE, _AV),
    _t(CO, S.CLOSED, "archive", S.ARCHIVED, "归档", _R14),
    # 投诉举报 (S4)
    _t(CP, S.RECEIVED, "report_to_leader", S.LEADER_REVIEW, "报值班领导", Gate("S4", Fact.DUTY_LOG, "须填写值班记录")),
    _t(CP, S.LEADER_REVIEW, "file", S.FILED, "决定立案", _S2, *_S6),
    _t(
        CP,
        S.LEADER_REVIEW,
        "not_file",
        S.NOT_FILED,
        "决定不予立案",
        Gate("S4", Fact.NON_FILING_APPROVED, "不予立案须经负责人批准"),
        Gate("S4", Fact.COMPLAINANT_NOTIFIED, "不予立案须告知投诉人、举报人并书面记录"),
    ),
    _t(CP, S.FILED, "archive", S.ARCHIVED, "归档", _R14),
    _t(CP, S.NOT_FILED, "archive", S.ARCHIVED, "归档", _R14),
)

_INDEX: dict[tuple[Procedure, Stage, str], Transition] = {(t.procedure, t.source, t.action): t for t in TRANSITIONS}
if len(_INDEX) != len(TRANSITIONS):  # pragma: no cover - a table error, caught at import
    raise RuntimeError("TRANSITIONS has two rows for the same procedure, stage and action")


def stages_of(procedure: Procedure) -> list[Stage]:
    seen: list[Stage] = [INITIAL_STAGE[procedure]]
    for t in TRANSITIONS:
        if t.procedure == procedure:
            for s in (t.source, t.target):
                if s not in seen:
                    seen.append(s)
    return seen


def transitions_from(procedure: Procedure, stage: Stage) -> list[Transition]:
    return [t for t in TRANSITIONS if t.procedure == procedure and t.source == stage]


def transition_for(procedure: Procedure, stage: Stage, action: str) -> Transition | None:
    return _INDEX.get((Procedure(procedure), Stage(stage), action))


def first_refusal(transition: Transition, facts: frozenset[str]) -> RuleViolation | None:
    for gate in transition.gates:
        if not gate.passes(facts):
            return gate.violation()
    return None


def check(procedure: Procedure, stage: Stage, action: str, facts: frozenset[str]) -> Transition:
    """The transition for ``action`` from ``stage``; raises StageError or the first RuleViolation."""
    transition = transition_for(procedure, stage, action)
    if transition is None:
        label = STAGE_LABELS.get(Stage(stage), stage)
        raise StageError(f"当前阶段（{label}）不能执行“{action}”")
    refusal = first_refusal(transition, facts)
    if refusal is not None:
        raise refusal
    return transition


def next_steps(
    procedure: Procedure, stage: Stage, facts: frozenset[str]
) -> list[tuple[Transition, RuleViolation | None]]:
    """Every step from ``stage`` with the reason it is refused now (None when it is allowed)."""
    return [(t, first_refusal(t, facts)) for t in transitions_from(procedure, stage)]
