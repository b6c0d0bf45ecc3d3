"""The items of a scoring table that the records decide (rule SU4), each with its evidence.

Every check reads what the law names: finalised documents and their signatures, approved approvals, recorded
acts, the deadline instances the ledger drove, the AV gaps of the media app, and the case's own ledger events
re-hashed. A check answers met, not met, or not applicable (a hearing below the threshold, a case that is not
major), and lists the records it read, so the reviewer sees why and may override it with a reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from django.utils import timezone

from liuhen.cases.models import ActKind, ApprovalKind, ApprovalStatus, Case
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.documents.models import Document, DocumentStatus

INVESTIGATION_RECORDS = frozenset(t.code for t in BY_CODE.values() if t.investigation_record)
DECISIONS = frozenset(t.code for t in BY_CODE.values() if t.is_decision)


class Verdict(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NOT_APPLICABLE = "na"


VERDICT_LABELS = {Verdict.MET: "符合", Verdict.NOT_MET: "不符合", Verdict.NOT_APPLICABLE: "不适用"}


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    evidence: tuple[str, ...]

    def to_json(self) -> str:
        return json.dumps(list(self.evidence), ensure_ascii=False)


def _at(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _finals(case: Case, codes: frozenset[str] | set[str]) -> list[Document]:
    return list(
        case.documents.filter(doc_type__in=codes, status=DocumentStatus.FINAL)
        .prefetch_related("signatures__user__certificates")
        .order_by("finalised_at", "id")
    )


def _name(doc: Document) -> str:
    return f"{doc.type.name}{f' {doc.document_no}' if doc.document_no else ''}"


def _decision(case: Case) -> Document | None:
    docs = _finals(case, DECISIONS)
    return docs[0] if docs else None


def _officer_signatures(doc: Document) -> tuple[list[str], list[str]]:
    """(certified officers, problems) of a document's officer signatures: a certificate valid on the day signed."""
    ok: list[str] = []
    bad: list[str] = []
    seen: set[int | None] = set()
    for sig in doc.signatures.all():
        if sig.slot != "officer":
            continue
        who = sig.user.display_name if sig.user else sig.name
        cert = sig.user.valid_certificate(timezone.localtime(sig.signed_at).date()) if sig.user else None
        if cert is None:
            bad.append(f"{who} 签名时（{_at(sig.signed_at)}）无有效执法证")
        elif sig.user_id not in seen:
            seen.add(sig.user_id)
            ok.append(f"{who}（证号 {cert.certificate_no}）")
    return ok, bad


def certified(case: Case, params: dict[str, int]) -> Outcome:
    """Every officer who signed a record, and every 承办人 of an approval, held a valid certificate on the day
    signed (rule I1)."""
    from liuhen.cases.models import ApprovalStep, StepRole

    evidence, failed = [], False
    for doc in _finals(case, set(BY_CODE)):
        ok, bad = _officer_signatures(doc)
        if bad:
            failed = True
            evidence += [f"{_name(doc)}：{b}" for b in bad]
        elif ok:
            evidence.append(f"{_name(doc)}：{'、'.join(ok)}")
    steps = ApprovalStep.objects.filter(approval__case=case, role=StepRole.HANDLER).select_related("approval", "user")
    for step in steps.prefetch_related("user__certificates").order_by("signed_at", "id"):
        cert = step.user.valid_certificate(timezone.localtime(step.signed_at).date())
        what = f"{step.approval.get_kind_display()}承办人 {step.user.display_name}"
        if cert is None:
            failed = True
            evidence.append(f"{what} 签署时（{_at(step.signed_at)}）无有效执法证")
        else:
            evidence.append(f"{what}（证号 {cert.certificate_no}）")
    if not evidence:
        return Outcome(Verdict.NOT_MET, ("案卷中没有执法人员签名的文书或审批",))
    return Outcome(Verdict.NOT_MET if failed else Verdict.MET, tuple(evidence))


def two_officers(case: Case, params: dict[str, int]) -> Outcome:
    """At least two officers with valid certificates are assigned to the case (rule I1)."""
    today = timezone.localdate()
    rows = [(o.user.display_name, o.user.valid_certificate(today)) for o in case.officers.select_related("user")]
    certified_names = [f"{n}（证号 {c.certificate_no}）" for n, c in rows if c]
    evidence = [
        f"承办人员：{'、'.join(n for n, _ in rows) or '无'}",
        f"持有效执法证：{'、'.join(certified_names) or '无'}",
    ]
    return Outcome(Verdict.MET if len(certified_names) >= 2 else Verdict.NOT_MET, tuple(evidence))


def records_two_officers(case: Case, params: dict[str, int]) -> Outcome:
    """Each investigation record (笔录) is signed by two officers holding valid certificates (rules I1, I2)."""
    docs = _finals(case, INVESTIGATION_RECORDS)
    if not docs:
        return Outcome(Verdict.NOT_MET, ("案卷中没有已定稿的调查笔录",))
    evidence, failed = [], False
    for doc in docs:
        ok, bad = _officer_signatures(doc)
        if len(ok) < 2 or bad:
            failed = True
            evidence.append(f"{_name(doc)}：持证执法人员签名 {len(ok)} 人{'；' + '；'.join(bad) if bad else ''}")
        else:
            evidence.append(f"{_name(doc)}：{'、'.join(ok)}")
    return Outcome(Verdict.NOT_MET if failed else Verdict.MET, tuple(evidence))


def decision_document(case: Case, params: dict[str, int]) -> Outcome:
    doc = _decision(case)
    if doc is None:
        return Outcome(Verdict.NOT_MET, ("案卷中没有已定稿的决定书",))
    return Outcome(Verdict.MET, (f"{_name(doc)}，{_at(doc.finalised_at)} 定稿",))


def inspection_transcript(case: Case, params: dict[str, int]) -> Outcome:
    docs = _finals(case, {"inspection_transcript"})
    if not docs:
        return Outcome(Verdict.NOT_MET, ("案卷中没有已定稿的现场检查笔录",))
    return Outcome(Verdict.MET, tuple(f"{_name(d)}，{_at(d.finalised_at)} 定稿" for d in docs))


def _deadlines(case: Case, keys: tuple[str, ...] | None = None) -> list[tuple[str, Verdict]]:
    from liuhen.core.rules.deadlines import BY_KEY, DeadlineKind
    from liuhen.deadlines.models import Deadline, DeadlineStatus

    qs = Deadline.objects.filter(case=case, kind=DeadlineKind.DEADLINE).order_by("started_at", "id")
    if keys is not None:
        qs = qs.filter(rule_key__in=keys)
    now, today = timezone.now(), timezone.localdate()
    out = []
    for d in qs:
        title = BY_KEY[d.rule_key].title if d.rule_key in BY_KEY else d.rule_key
        if d.due_at:
            due = f"届满 {_at(d.due_at)}"
        else:
            due = f"届满 {d.due_on.isoformat()}{'（估算）' if d.unverified_year else ''}" if d.due_on else "届满日待定"
        passed = (d.due_at is not None and d.due_at < now) or (
            d.due_at is None and d.due_on is not None and d.due_on < today
        )
        if d.status == DeadlineStatus.LATE or (d.status == DeadlineStatus.OPEN and passed):
            out.append((f"{d.rule_id} {title}：{due}，{'逾期办理' if d.closed_at else '已逾期未办'}", Verdict.NOT_MET))
        elif d.status == DeadlineStatus.OPEN:
            out.append((f"{d.rule_id} {title}：{due}，尚在期限内", Verdict.NOT_APPLICABLE))
        else:
            out.append((f"{d.rule_id} {title}：{due}，{_at(d.closed_at)} 按期办理", Verdict.MET))
    return out


def filing_on_time(case: Case, params: dict[str, int]) -> Outcome:
    """The 立案审批 approved; after an emergency start, within 24 hours (rules S2, S3)."""
    approval = case.approvals.filter(kind=ApprovalKind.FILING, status=ApprovalStatus.APPROVED).first()
    if approval is None:
        return Outcome(Verdict.NOT_MET, ("立案审批未经批准",))
    evidence = [f"立案审批 {_at(approval.created_at)} 提交，{_at(approval.decided_at)} 批准"]
    late = approval.late
    for text, verdict in _deadlines(case, ("S3",)):
        evidence.append(text)
        late = late or verdict == Verdict.NOT_MET
    if approval.late:
        evidence.append("紧急先行启动后超过24小时才补报（S3）")
    return Outcome(Verdict.NOT_MET if late else Verdict.MET, tuple(evidence))


def notice_before_decision(case: Case, params: dict[str, int]) -> Outcome:
    """The rights notice (告知) reached the party before the decision was made (rule D4)."""
    decision = _decision(case)
    if decision is None:
        return Outcome(Verdict.NOT_MET, ("案卷中没有已定稿的决定书",))
    notices = list(case.acts.filter(kind=ActKind.RIGHTS_NOTICE).order_by("occurred_at"))
    if not notices:
        return Outcome(Verdict.NOT_MET, (f"{_name(decision)} 之前没有送达行政处罚告知书",))
    first = notices[0]
    evidence = (f"告知送达 {_at(first.occurred_at)}", f"{_name(decision)} 定稿 {_at(decision.finalised_at)}")
    before = decision.finalised_at is not None and first.occurred_at < decision.finalised_at
    return Outcome(Verdict.MET if before else Verdict.NOT_MET, evidence)


def _fine(case: Case) -> Decimal | None:
    decision = _decision(case)
    raw = decision.values.get("fine") if decision else None
    if raw not in (None, ""):
        return Decimal(str(raw))
    return case.fine_amount


def hearing_offered(case: Case, params: dict[str, int]) -> Outcome:
    """A fine at or above the table's threshold for the party's kind needs the hearing right notified (处罚法63)."""
    fine = _fine(case)
    party = case.parties.order_by("id").first()
    kind = party.kind if party else "organisation"
    threshold = params.get("hearing_individual" if kind == "individual" else "hearing_organisation", 0)
    who = "公民" if kind == "individual" else "法人或其他组织"
    if fine is None or fine < threshold:
        shown = "无罚款" if fine is None else f"罚款 {fine} 元"
        return Outcome(Verdict.NOT_APPLICABLE, (f"{shown}，低于{who}的听证标准 {threshold} 元",))
    docs = _finals(case, {"hearing_rights_notice", "hearing_transcript"})
    evidence = [f"罚款 {fine} 元，达到{who}的听证标准 {threshold} 元"]
    if not docs:
        return Outcome(Verdict.NOT_MET, (*evidence, "案卷中没有已定稿的听证告知书或听证笔录"))
    return Outcome(Verdict.MET, (*evidence, *(f"{_name(d)}，{_at(d.finalised_at)} 定稿" for d in docs)))


def collective_discussion(case: Case, params: dict[str, int]) -> Outcome:
    """A major case is discussed collectively, after its legality review, before the decision (rule D2)."""
    if not case.is_major:
        return Outcome(Verdict.NOT_APPLICABLE, ("非重大执法决定",))
    decision = _decision(case)
    discussed = _finals(case, {"collective_discussion"})
    reviewed = _finals(case, {"legal_review_opinion"})
    evidence = [f"{_name(d)}，{_at(d.finalised_at)} 定稿" for d in (*reviewed, *discussed)]
    if decision is not None:
        evidence.append(f"{_name(decision)} 定稿 {_at(decision.finalised_at)}")
    before = [d for d in discussed if decision is None or (d.finalised_at or timezone.now()) <= decision.finalised_at]  # type: ignore[operator]
    if not before or not reviewed:
        missing = "集体讨论记录" if not before else "法制审核意见书"
        return Outcome(Verdict.NOT_MET, (*evidence, f"重大案件决定前没有已定稿的{missing}"))
    return Outcome(Verdict.MET, tuple(evidence))


def service_on_time(case: Case, params: dict[str, int]) -> Outcome:
    """The decision served within 7 working days of the decision (rule SV1, 处罚法61)."""
    rows = _deadlines(case, ("SV1",))
    if not rows:
        if _decision(case) is None:
            return Outcome(Verdict.NOT_MET, ("案卷中没有已定稿的决定书",))
        return Outcome(Verdict.MET, ("决定书当场交付，无须另行送达",))
    verdicts = {v for _, v in rows}
    if Verdict.NOT_MET in verdicts:
        verdict = Verdict.NOT_MET
    else:
        verdict = Verdict.MET if Verdict.MET in verdicts else Verdict.NOT_APPLICABLE
    return Outcome(verdict, tuple(t for t, _ in rows))


def av_complete(case: Case, params: dict[str, int]) -> Outcome:
    """Every activity the mandatory-AV list names has its recording, or an approved reason (rules AV1–AV6)."""
    from liuhen.media.queries import av_gaps

    gaps = av_gaps(case)
    if gaps:
        return Outcome(
            Verdict.NOT_MET, tuple(f"{g.rule_id} {g.activity}（{_at(g.occurred_at)}）：{g.problem}" for g in gaps)
        )
    linked = case.recordings.count()
    return Outcome(Verdict.MET, (f"应音像记录的环节均有记录或经批准的不记录理由；本案关联音像记录 {linked} 条",))


def deadlines_met(case: Case, params: dict[str, int]) -> Outcome:
    rows = _deadlines(case)
    if not rows:
        return Outcome(Verdict.NOT_APPLICABLE, ("本案没有机关须遵守的期限",))
    failed = any(v == Verdict.NOT_MET for _, v in rows)
    return Outcome(Verdict.NOT_MET if failed else Verdict.MET, tuple(t for t, _ in rows))


def ledger_verified(case: Case, params: dict[str, int]) -> Outcome:
    """Each of the case's ledger events re-hashed to its leaf, and each finalised document to its content hash."""
    from liuhen.ledger.queries import case_timeline
    from liuhen.ledger.verify import recompute_leaf

    problems, count = [], 0
    for event in case_timeline(case.pk).iterator():
        count += 1
        _, _, problem = recompute_leaf(event)
        if problem:
            problems.append(f"账本事件 #{event.seq}（{event.action}）：{problem}")
    if not count:
        return Outcome(Verdict.NOT_MET, ("本案没有账本事件",))
    if problems:
        return Outcome(Verdict.NOT_MET, tuple(problems))
    return Outcome(Verdict.MET, (f"本案 {count} 个账本事件逐一重算哈希，均与账本一致",))


Check = Callable[[Case, dict[str, int]], Outcome]
CHECKS: dict[str, Check] = {
    f.__name__: f
    for f in (
        certified,
        two_officers,
        records_two_officers,
        decision_document,
        inspection_transcript,
        filing_on_time,
        notice_before_decision,
        hearing_offered,
        collective_discussion,
        service_on_time,
        av_complete,
        deadlines_met,
        ledger_verified,
    )
}


def run(check: str, case: Case, params: dict[str, int]) -> Outcome:
    return CHECKS[check](case, params)
