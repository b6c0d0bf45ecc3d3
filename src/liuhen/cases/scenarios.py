"""Move a case forward the way people do: by making the documents, approvals and records the gates ask for.

Used by `liuhen demo` to build cases in every stage, and by the tests to reach any stage of any procedure
with real commands. A fact that a document establishes is reached by drafting and finalising that document
(with its fields, signatures and rule checks); an approval by its 承办→审核→批准 chain; the rest by the
commands that record them. Nothing here bypasses a gate or records a free-text claim in a document's place.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from liuhen.accounts.models import User
from liuhen.cases import services
from liuhen.cases.models import ActKind, ApprovalKind, ApprovalStatus, Case
from liuhen.cases.queries import case_facts
from liuhen.core import stages
from liuhen.core.documents import DocumentType, FieldKind, SlotRole
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.core.stages import Fact

FACT_APPROVAL: dict[Fact, str] = {
    Fact.NON_FILING_APPROVED: ApprovalKind.NON_FILING,
    Fact.DECISION_APPROVED: ApprovalKind.DECISION,
    Fact.LICENCE_DECISION_APPROVED: ApprovalKind.LICENCE_DECISION,
    Fact.COMPULSION_APPROVED: ApprovalKind.COMPULSION,
    Fact.CLOSING_APPROVED: ApprovalKind.CLOSING,
    Fact.EXTENSION_APPROVED: ApprovalKind.EXTENSION,
}

# The document whose finalising makes a fact true (the documents app reads it back: liuhen.documents.facts)
FACT_DOCUMENT: dict[Fact, str] = {
    Fact.FILING_APPROVED: "filing_approval",
    Fact.DUTY_LOG: "duty_log",
    Fact.COMPLAINANT_NOTIFIED: "non_filing_notice",
    Fact.INSPECTION_TRANSCRIPT: "inspection_transcript",
    Fact.INVESTIGATION_REPORT: "investigation_report",
    Fact.RIGHTS_NOTICE_SERVED: "penalty_notice",
    Fact.HEARING_HELD: "hearing_transcript",
    Fact.LEGAL_REVIEW: "legal_review_opinion",
    Fact.COLLECTIVE_DISCUSSION: "collective_discussion",
    Fact.STATEMENT_HEARD: "onsite_penalty_decision",
    Fact.SIMPLIFIED_LIMITS: "onsite_penalty_decision",
    Fact.EXTENSION_NOTICE: "extension_decision",
    Fact.LIFT_DECISION: "lift_decision",
    Fact.RECTIFICATION_ORDER: "rectification_order",
    Fact.RECTIFICATION_CHECK: "rectification_check",
    Fact.DELIVERED: "delivery_receipt",
    Fact.APPLICATION_REGISTERED: "application_form",  # rule S1
    Fact.RECEIPT_ISSUED: "acceptance_receipt",
    Fact.SUPPLEMENT_NOTICE: "supplement_notice",
    Fact.REFUSAL_NOTICE: "refusal_decision",
    Fact.ENFORCEMENT_RESULT: "enforcement_result",  # rule E5
}
DECISION_DOCUMENT: dict[str, str] = {
    stages.Procedure.GENERAL: "penalty_decision",
    stages.Procedure.SIMPLIFIED: "onsite_penalty_decision",
}

# Commands without a document of their own: (kind, what the officer writes)
FACT_ACT: dict[Fact, tuple[str, str]] = {
    Fact.EMERGENCY_RECORDED: (ActKind.EMERGENCY_START, "现场发现重大事故隐患，情况紧急，先行启动调查"),
    Fact.HEARING_WINDOW_CLOSED: (ActKind.RIGHTS_WAIVER, "当事人书面表示放弃陈述、申辩和听证权利"),
    Fact.PERFORMANCE: (ActKind.PERFORMANCE, "当事人已按期缴纳罚款，缴款凭证附卷"),
    Fact.EMERGENCY_MEASURE_REPORTED: (ActKind.EMERGENCY_MEASURE_REPORT, "现场存在爆炸危险，紧急查封并已电话报告局长"),
}
COMMAND_KINDS = frozenset(kind for kind, _ in FACT_ACT.values())

# What the documents say, beyond a plain entry per field (see ``document_data``)
CONTENT: dict[str, dict[str, Any]] = {
    "filing_approval": {"case_source": "日常检查发现", "reason": "经现场检查发现涉嫌违法行为，符合立案条件"},
    "legal_review_opinion": {
        "opinion": "主体适格、事实清楚、证据确凿、程序合法、适用依据正确，处罚适当",
        "conclusion": "agree",
    },
    "collective_discussion": {"conclusion": "经局务会集体讨论，同意处罚意见"},
    "delivery_receipt": {"method": "direct", "place": "当事人住所"},
    "statement_transcript": {"adopted": "no", "review": "经复核，当事人陈述的理由不成立，不予采纳"},
    "compulsion_decision": {"term_days": 30},
    "extension_decision": {"reason": "案情复杂，需进一步检测鉴定", "extension_days": 30},
    "preservation_list": {"form": "registration", "storage": "onsite"},
}
# The files a service keeps with its 送达回证 (rules SV3, SV6)
SERVICE_ATTACHMENTS = {
    "mail": ("mail_registration", "postage_receipt", "return_receipt"),
    "public_notice": ("notice_copy",),
}
OPTIONAL_KEPT = {
    "legality_review",
    "proposed_fine",
    "fine",
    "av_notice",
    "certificates_shown",
    "informed",
}  # optional fields the scenarios fill in


@dataclass(frozen=True)
class Cast:
    """The people who act on a case: two officers, the unit head, a legal reviewer, a leader, an archivist."""

    handler: User
    second_officer: User
    unit_head: User
    legal_reviewer: User
    leader: User
    archivist: User


def _minute(delta: timedelta = timedelta(0)) -> str:
    return (timezone.localtime() + delta).strftime("%Y-%m-%dT%H:%M")


def _party(case: Case) -> str:
    party = case.parties.order_by("id").first()
    return party.name if party else "当事人"


def _decision_no(case: Case) -> str:
    codes = [t.code for t in BY_CODE.values() if t.is_decision]
    doc = case.documents.filter(doc_type__in=codes, status="final").order_by("-id").first()
    return f"{doc.type.name} {doc.document_no}" if doc else "决定书"


def document_data(case: Case, t: DocumentType, **changes: Any) -> dict[str, Any]:
    """A complete, lawful content for ``t`` on ``case``: every required field, in Chinese."""
    fine = str(case.fine_amount) if case.fine_amount else None
    data: dict[str, Any] = {}
    for f in t.fields:
        if not f.required and f.name not in OPTIONAL_KEPT:
            continue
        match f.kind:
            case FieldKind.DATE:
                data[f.name] = (timezone.localdate() + timedelta(days=15)).isoformat()
            case FieldKind.DATETIME:
                data[f.name] = _minute()
            case FieldKind.MONEY:
                data[f.name] = fine
            case FieldKind.INTEGER:
                data[f.name] = 30
            case FieldKind.CHOICE:
                data[f.name] = f.choices[0][0]
            case FieldKind.BOOL:
                data[f.name] = True
            case _:
                data[f.name] = f"{f.label}：{case.cause}（{_party(case)}）"
    data.update(CONTENT.get(t.code, {}))
    if t.code == "filing_approval" and not case.is_major:
        data.pop("legality_review", None)
    if t.code == "hearing_notification":  # rule D5: at least 7 working days ahead
        data["hearing_at"] = _minute(timedelta(days=30))
    if t.code == "delivery_receipt":
        data["served_document"] = _decision_no(case)
        method = changes.get("method")
        if method == "public_notice":  # rule SV6: the form and carrier of the notice (its copy is attached)
            data.update(notice_form="posting", notice_carrier="本机关公告栏")
        if method == "mail":  # rule SV3: EMS, its number, and the return receipt's date as the date served
            served = str(changes.get("served_at") or data["served_at"])
            data.update(mail_kind="ems", mail_no="EMS1234567890", receipt_signed_on=served[:10])
    if t.code == "enforcement_result" and case.documents.filter(doc_type="court_application", status="final"):
        # rule E5: the court enforced, and its ruling and outcome are recorded
        data.update(route="court", court_ruling="（2027）法执字第1号", court_outcome="executed")
    if t.code == "onsite_penalty_decision" and case.penalty_kind != "fine":
        data.pop("fine", None)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def signatures(case: Case, t: DocumentType, cast: Cast) -> list[Any]:
    """Who signs ``t``: the two officers, the party, the people of each slot."""
    from liuhen.documents.services import SignatureRequest as Sig

    users = {
        SlotRole.LEGAL_REVIEWER: cast.legal_reviewer,
        SlotRole.LEADER: cast.leader,
        SlotRole.CHAIR: cast.legal_reviewer,  # rule D5: the chair investigated nothing of the case
        SlotRole.RECORDER: cast.archivist,
        SlotRole.SERVER: cast.handler,
    }
    out: list[Sig] = []
    for slot in t.slots:
        if slot.role == SlotRole.OFFICER:
            officers = [cast.handler, cast.second_officer][: max(slot.minimum, 1)]
            out += [Sig("officer", username=u.get_username()) for u in officers]
        elif slot.role in users:
            out.append(Sig(slot.role.value, username=users[slot.role].get_username()))
        elif slot.required or slot.role == SlotRole.RECIPIENT:  # the party signs for what is handed over
            out.append(Sig(slot.role.value, name=_party(case)))
    return out


def author(t: DocumentType, cast: Cast) -> User:
    return {ActKind.LEGAL_REVIEW: cast.legal_reviewer, ActKind.COLLECTIVE_DISCUSSION: cast.leader}.get(
        t.records_act,  # type: ignore[call-overload]
        cast.handler,
    )


def approve(case: Case, kind: str, cast: Cast) -> None:
    """The 承办人 → 审核人 → 批准人 chain (rule D9), unless an approval of this kind already passed."""
    if case.approvals.filter(kind=kind, status=ApprovalStatus.APPROVED).exists():
        return
    approval = services.start_approval(actor=cast.handler, case=case, kind=kind, opinion="建议同意")
    services.review_approval(actor=cast.unit_head, approval=approval, agree=True, opinion="情况属实，同意")
    services.decide_approval(actor=cast.leader, approval=approval, approve=True, opinion="同意")


def make_document(
    case: Case,
    code: str,
    cast: Cast,
    *,
    final: bool = True,
    signed_at: datetime | None = None,
    backfill_reason: str = "",
    **changes: Any,
) -> Any:
    """Draft ``code`` with complete content and, unless ``final`` is False, finalise it with its signatures
    (signed at ``signed_at`` when the paper form was signed earlier: a 补录 with its reason)."""
    from liuhen.documents import attachments
    from liuhen.documents import services as documents

    t = BY_CODE[code]
    if t.investigation_record or any(s.role == SlotRole.OFFICER and s.minimum >= 2 for s in t.slots):
        satisfy(case, Fact.TWO_CERTIFIED_OFFICERS, cast)
    if t.approval:
        approve(case, t.approval, cast)
    actor = author(t, cast)
    doc = documents.create_document(actor=actor, case=case, code=code, data=document_data(case, t, **changes))
    for kind in SERVICE_ATTACHMENTS.get(str(doc.values.get("method")), ()) if code == "delivery_receipt" else ():
        attachments.attach(
            actor=actor, document=doc, name=f"{kind}.pdf", chunks=[f"{case.case_no} {kind}".encode()], kind=kind
        )
    if not final:
        return doc
    return documents.finalise(
        actor=actor,
        document=doc,
        signatures=signatures(case, t, cast),
        signed_at=signed_at,
        backfill_reason=backfill_reason,
    )


def omit_recordings(case: Case, cast: Cast) -> None:
    """rule AV6: each activity still lacking its recording is left unrecorded for a reason of the closed list,
    asked for by the officer and approved by the handling unit's head (activity by activity, never the case)."""
    from liuhen.documents.models import Document
    from liuhen.media import av_services
    from liuhen.media.queries import av_gaps

    for document_id in sorted({g.document_id for g in av_gaps(case) if g.blocking}):
        omission = av_services.request_av_omission(
            actor=cast.handler,
            document=Document.objects.get(pk=document_id),
            reason="flammable",
            note="检查现场为易燃易爆场所，依规不使用电子录像设备",
        )
        av_services.decide_av_omission(actor=cast.unit_head, omission=omission, approve=True, opinion="情况属实，同意")


def satisfy(case: Case, fact: Fact, cast: Cast) -> None:
    """Make, through the services, the record that makes ``fact`` true."""
    if fact in FACT_APPROVAL:
        approve(case, FACT_APPROVAL[fact], cast)
    elif fact == Fact.TWO_CERTIFIED_OFFICERS:
        if not case.officers.filter(user=cast.second_officer).exists():
            services.assign_officer(actor=cast.handler, case=case, officer=cast.second_officer)
    elif fact == Fact.DECISION_DOCUMENT:
        make_document(case, DECISION_DOCUMENT[case.procedure], cast)
    elif fact == Fact.STATEMENTS_REVIEWED:
        from liuhen.documents import services as documents

        for draft in case.documents.filter(doc_type="statement_transcript", status="draft", supersedes=None):
            t = draft.type
            documents.save_draft(actor=cast.handler, document=draft, data=document_data(case, t, **draft.values))
            documents.finalise(actor=cast.handler, document=draft, signatures=signatures(case, t, cast))
    elif fact in FACT_DOCUMENT:
        make_document(case, FACT_DOCUMENT[fact], cast)
    elif fact == Fact.AV_COMPLETE:
        omit_recordings(case, cast)
    elif fact in FACT_ACT:
        kind, note = FACT_ACT[fact]
        services.record_act(actor=cast.handler, case=case, kind=kind, note=note)
    elif fact in {Fact.VIOLATION_DATED, Fact.WITHIN_LIMITATION}:  # rule S6: a violation that ended last month
        from liuhen.cases.limitation import record_violation_period

        ended = timezone.localdate() - timedelta(days=30)
        record_violation_period(
            actor=cast.handler, case=case, violation_ended_on=ended, reason="登记时未填写，补充登记"
        )
    elif fact == Fact.CASE_FILE_SIGNED:  # rules R2, R14: the 案卷 assembled, signed by 立卷人 and 检查人
        from liuhen.archive.scenario import bind

        bind(case, cast)
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
