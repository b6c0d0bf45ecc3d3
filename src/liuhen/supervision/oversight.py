"""Monthly playback checks (rule SU1), the findings register (rule SU2) and 执法过错 cases.

A playback draw takes a share of the month's recordings by a seed from the ledger's root (anyone can recompute
the draw from the event); the supervisor plays each in the 调阅 viewer, which registers the read as usual, and
a check is accepted only after that read. A finding names its kind as the rules do (000 第二十四条), its case
and person, its evidence and a deadline; `liuhen verify`'s report opens findings of altered records. A fault
case opens from a decision revoked or changed on reconsideration or in court, with liability drafted from the
decision's approval chain, a one-month deadline extendable once by 30 days, and the "3 in one year" count.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from liuhen.accounts.models import Agency, User
from liuhen.cases.models import ActKind, ApprovalKind, ApprovalStatus, Case, StepRole
from liuhen.core.errors import InvalidInput
from liuhen.core.periods import LOCAL
from liuhen.ledger import services as ledger
from liuhen.ledger.models import Event
from liuhen.media.models import Recording
from liuhen.supervision.models import FaultCase, Finding, FindingKind, PlaybackCheck, PlaybackDraw
from liuhen.supervision.services import draw, ledger_seed, require_organiser

DEFAULT_PLAYBACK_SHARE = 5  # per cent; no national ratio is given (公安 规定: "按一定比例"), so the agency sets it
FAULT_MONTHS_EXTENSION_DAYS = 30
REPEAT_THRESHOLD = 3  # three or more faults in one year: 从重


# ---- playback ------------------------------------------------------------------------------------------------


def _month_span(month: str) -> tuple[datetime, datetime]:
    if not re.fullmatch(r"\d{4}-\d{2}", month or ""):
        raise InvalidInput(f"月份“{month}”无效，应为 YYYY-MM")
    y, m = int(month[:4]), int(month[5:])
    if not 1 <= m <= 12:
        raise InvalidInput(f"月份“{month}”无效，应为 YYYY-MM")
    start = datetime(y, m, 1, tzinfo=LOCAL)
    end = datetime(y, m, calendar.monthrange(y, m)[1], tzinfo=LOCAL) + timedelta(days=1)
    return start, end


def month_recordings(agency: Agency, month: str) -> list[int]:
    start, end = _month_span(month)
    when = Q(recorded_from__gte=start, recorded_from__lt=end) | Q(
        recorded_from__isnull=True, uploaded_at__gte=start, uploaded_at__lt=end
    )
    mine = Q(case__agency=agency) | Q(case__isnull=True, officer__agency=agency)
    return list(Recording.objects.filter(when & mine).values_list("pk", flat=True))


@transaction.atomic
def draw_playback(
    *, actor: User, agency: Agency, month: str, share_percent: int = DEFAULT_PLAYBACK_SHARE
) -> PlaybackDraw:
    """Draw ``share_percent`` of the month's recordings (at least one when there are any) for playback checks."""
    require_organiser(actor, agency)
    if not 1 <= share_percent <= 100:
        raise InvalidInput(f"抽查比例须在1%～100%之间，收到 {share_percent}%")
    ids = month_recordings(agency, month)
    if not ids:
        raise InvalidInput(f"{month} 没有本机关的音像记录可抽查")
    if PlaybackDraw.objects.filter(agency=agency, month=month).exists():
        raise InvalidInput(f"{month} 已抽取过，每月抽取一次")
    seed, size = ledger_seed(agency, f"playback:{month}")
    chosen = draw(ids, share_percent, seed, "playback") or draw(ids, 100, seed, "playback")[:1]
    now = timezone.now()
    row = PlaybackDraw.objects.create(
        agency=agency,
        month=month,
        share_percent=share_percent,
        seed=seed,
        tree_size=size,
        population=len(ids),
        drawn_by=actor,
        drawn_at=now,
    )
    checks = [PlaybackCheck.objects.create(draw=row, recording_id=pk) for pk in chosen]
    ledger.append(
        actor=actor,
        action="supervision.playback_drawn",
        subject_type="playback_draw",
        subject_id=row.pk,
        at=now,
        body={
            "rule": "SU1",
            "month": month,
            "seed": seed,
            "tree_size": size,
            "share_percent": share_percent,
            "population": sorted(ids),
            "drawn": chosen,
        },
        rows=[row, *checks],
    )
    return row


def played_by(user: User, check: PlaybackCheck) -> Event | None:
    """The user's registered play of the drawn recording after the draw (the 调阅 viewer's read, rule R9)."""
    return (
        Event.objects.filter(
            action="record.read",
            subject_type="recording",
            subject_id=str(check.recording_id),
            actor_id=user.pk,
            seq__gte=check.draw.tree_size,
        )
        .order_by("seq")
        .first()
    )


def upload_on_time(rec: Recording) -> bool | None:
    """rule R1, from the recording's own times: None when no deadline applied."""
    if rec.upload_due_at is None:
        return None
    return rec.uploaded_at <= rec.upload_due_at


@transaction.atomic
def record_playback_check(
    *,
    actor: User,
    check: PlaybackCheck,
    opening_statement: bool,
    content_focus: bool,
    interruptions_explained: bool,
    device_officer_right: bool,
    note: str = "",
) -> PlaybackCheck:
    """The supervisor's verdict on a drawn recording, accepted only after he played it in the viewer."""
    require_organiser(actor, check.draw.agency)
    if check.checked_at is not None:
        raise InvalidInput("该录像已检查")
    play = played_by(actor, check)
    if play is None:
        raise InvalidInput("请先在调阅页面回放该录像（回放即登记调阅），再记录检查结果")
    check.opening_statement, check.content_focus = opening_statement, content_focus
    check.interruptions_explained, check.device_officer_right = interruptions_explained, device_officer_right
    check.upload_on_time = upload_on_time(check.recording)
    check.note, check.checked_by, check.checked_at = (note or "").strip()[:1000], actor, timezone.now()
    check.save()
    ledger.append(
        actor=actor,
        action="supervision.playback_checked",
        subject_type="playback_check",
        subject_id=check.pk,
        case_ref=check.recording.case_id,
        at=check.checked_at,
        body={"rule": "SU1", "recording_id": check.recording_id, "played_seq": play.seq},
        rows=[check],
    )
    return check


# ---- findings ------------------------------------------------------------------------------------------------


def _finding_body(f: Finding) -> dict[str, object]:
    return {"id": f.pk, "rule": "SU2", "kind": f.kind, "origin": f.origin, "case_id": f.case_id}


@transaction.atomic
def open_finding(
    *,
    actor: User,
    agency: Agency,
    kind: str,
    description: str,
    evidence: str,
    due_on: date,
    origin: str = "report",
    case: Case | None = None,
    person: User | None = None,
) -> Finding:
    """Register a finding of one of the kinds the rules name (rule SU2)."""
    require_organiser(actor, agency)
    if kind not in FindingKind.values:
        raise InvalidInput(f"问题类型“{kind}”无效，可选：{'、'.join(FindingKind.labels)}")
    if case is not None and case.agency_id != agency.pk:
        raise InvalidInput("案件不属本机关")
    if person is not None and person.agency_id != agency.pk:
        raise InvalidInput("责任人不属本机关")
    if not description.strip() or not evidence.strip():
        raise InvalidInput("请填写问题和依据")
    if due_on <= timezone.localdate():
        raise InvalidInput(f"整改期限须晚于今天，收到 {due_on.isoformat()}")
    row = Finding.objects.create(
        agency=agency,
        kind=kind,
        origin=origin,
        case=case,
        person=person,
        description=description.strip()[:2000],
        evidence=evidence.strip()[:4000],
        due_on=due_on,
        opened_by=actor,
        opened_at=timezone.now(),
    )
    ledger.append(
        actor=actor,
        action="supervision.finding_opened",
        subject_type="finding",
        subject_id=row.pk,
        case_ref=row.case_id,
        at=row.opened_at,
        body=_finding_body(row),
        rows=[row],
    )
    return row


@transaction.atomic
def close_finding(*, actor: User, finding: Finding, closing: str) -> Finding:
    require_organiser(actor, finding.agency)
    if finding.closed_at:
        raise InvalidInput("该问题已整改完毕")
    if not closing.strip():
        raise InvalidInput("请填写整改情况")
    finding.closed_at, finding.closed_by, finding.closing = timezone.now(), actor, closing.strip()[:2000]
    finding.save()
    ledger.append(
        actor=actor,
        action="supervision.finding_closed",
        subject_type="finding",
        subject_id=finding.pk,
        case_ref=finding.case_id,
        at=finding.closed_at,
        body=_finding_body(finding),
        rows=[finding],
    )
    return finding


_CASE_NO = re.compile(r"案件 ([^，）\s]+)")


def findings_from_verify(
    *, actor: User, agency: Agency, report: Iterable[object], due_on: date | None = None
) -> list[Finding]:
    """Open a finding of an altered record for each problem of a `liuhen verify` report (rule SU2), naming the
    case where the report does; a problem already open in the register is not opened twice."""
    due_on = due_on or timezone.localdate() + timedelta(days=15)
    known = set(
        Finding.objects.filter(agency=agency, origin="verify", closed_at=None).values_list("evidence", flat=True)
    )
    out = []
    for problem in report:
        text = str(problem)
        if text in known:
            continue
        match = _CASE_NO.search(text)
        case = Case.objects.filter(agency=agency, case_no=match.group(1)).first() if match else None
        out.append(
            open_finding(
                actor=actor,
                agency=agency,
                kind=FindingKind.ALTERED,
                origin="verify",
                case=case,
                description="账本校验发现记录与账本不一致（毁损、删除或修改执法记录）",
                evidence=text,
                due_on=due_on,
            )
        )
        known.add(text)
    return out


# ---- 执法过错 ------------------------------------------------------------------------------------------------

LIABILITY_LABELS = {"direct": "直接责任", "main": "主要领导责任", "important": "重要领导责任", "none": "不承担责任"}
_DEFAULT_LIABILITY = {StepRole.HANDLER: "direct", StepRole.REVIEWER: "main", StepRole.APPROVER: "important"}


def draft_liability(case: Case) -> list[dict[str, object]]:
    """Liability from the decision's approval chain: 承办人 直接责任, 审核人 主要领导责任, 批准人 重要领导责任; a
    reviewer or approver who went ahead over a dissenting opinion is directly liable and the dissenter is not."""
    approval = case.approvals.filter(kind=ApprovalKind.DECISION, status=ApprovalStatus.APPROVED).order_by("-id").first()
    if approval is None:
        raise InvalidInput(f"案件 {case.case_no} 没有经批准的处理决定审批，无法依审批链划分责任")
    steps = list(approval.steps.select_related("user").order_by("signed_at", "id"))
    dissent = next((s for s in steps if not s.agree), None)
    out = []
    for s in steps:
        liability = _DEFAULT_LIABILITY[StepRole(s.role)]
        basis = f"{s.get_role_display()}（{s.signed_name}：{'同意' if s.agree else '不同意'}）"
        if dissent is not None and s.pk == dissent.pk:
            liability, basis = "none", f"{basis}，曾提出正确意见"
        elif dissent is not None and s.signed_at >= dissent.signed_at and s.agree:
            liability, basis = "direct", f"{basis}，改变正确意见"
        out.append(
            {"user_id": s.user_id, "name": s.user.display_name, "role": s.role, "liability": liability, "basis": basis}
        )
    return out


def faults_in_year(user_id: int, before: datetime) -> int:
    """Fault cases within the year before ``before`` that hold the user liable (the "3 in one year" count)."""
    since = before - timedelta(days=365)
    count = 0
    for text in FaultCase.objects.filter(opened_at__gte=since, opened_at__lte=before).values_list(
        "liability", flat=True
    ):
        if any(p["user_id"] == user_id and p["liability"] != "none" for p in json.loads(text)):
            count += 1
    return count


def _add_month(d: date) -> date:
    y, m = (d.year + d.month // 12, d.month % 12 + 1)
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _fault_body(f: FaultCase) -> dict[str, object]:
    return {"id": f.pk, "case_no": f.case.case_no, "trigger": f.trigger, "due_on": f.due_on.isoformat()}


@transaction.atomic
def open_fault_case(*, actor: User, case: Case, trigger: str, trigger_note: str) -> FaultCase:
    """Open a 执法过错 case for a decision revoked or changed on reconsideration or in court (or a finding of
    fault), with liability drafted from the approval chain and a deadline one month on."""
    require_organiser(actor, case.agency)
    if trigger not in ("revoked", "changed", "finding"):
        raise InvalidInput(f"起因“{trigger}”无效，可选：revoked（撤销）、changed（变更）、finding（发现过错）")
    if not trigger_note.strip():
        raise InvalidInput("请填写起因说明（复议决定书或判决书文号、评查结论）")
    if (
        trigger in ("revoked", "changed")
        and not case.acts.filter(kind__in=[ActKind.RECONSIDERATION, ActKind.LITIGATION]).exists()
    ):
        raise InvalidInput(f"案件 {case.case_no} 没有申请行政复议或提起行政诉讼的记录")
    now = timezone.now()
    liability = draft_liability(case)
    for p in liability:
        if p["liability"] != "none":
            p["faults_in_year"] = faults_in_year(int(p["user_id"]), now) + 1  # type: ignore[call-overload]
            p["heavier"] = p["faults_in_year"] >= REPEAT_THRESHOLD  # type: ignore[operator]
    row = FaultCase.objects.create(
        agency=case.agency,
        case=case,
        trigger=trigger,
        trigger_note=trigger_note.strip()[:1000],
        liability=json.dumps(liability, ensure_ascii=False),
        opened_by=actor,
        opened_at=now,
        due_on=_add_month(timezone.localdate()),
    )
    ledger.append(
        actor=actor,
        action="supervision.fault_opened",
        subject_type="fault_case",
        subject_id=row.pk,
        case_ref=case.pk,
        at=now,
        body=_fault_body(row),
        rows=[row],
    )
    return row


@transaction.atomic
def extend_fault_case(*, actor: User, fault: FaultCase, reason: str) -> FaultCase:
    require_organiser(actor, fault.agency)
    if fault.extended or fault.decided_at:
        raise InvalidInput("过错案件只能延长一次，且须在作出决定前")
    if not reason.strip():
        raise InvalidInput("延长须说明理由")
    fault.extended, fault.due_on = True, fault.due_on + timedelta(days=FAULT_MONTHS_EXTENSION_DAYS)
    fault.save()
    ledger.append(
        actor=actor,
        action="supervision.fault_extended",
        subject_type="fault_case",
        subject_id=fault.pk,
        case_ref=fault.case_id,
        body={**_fault_body(fault), "reason": reason.strip()[:500]},
        rows=[fault],
    )
    return fault


@transaction.atomic
def decide_fault_case(*, actor: User, fault: FaultCase, decision: str) -> FaultCase:
    require_organiser(actor, fault.agency)
    if fault.decided_at:
        raise InvalidInput("该过错案件已作出决定")
    if not decision.strip():
        raise InvalidInput("请填写处理决定")
    fault.decision, fault.decided_by, fault.decided_at = decision.strip()[:2000], actor, timezone.now()
    fault.save()
    ledger.append(
        actor=actor,
        action="supervision.fault_decided",
        subject_type="fault_case",
        subject_id=fault.pk,
        case_ref=fault.case_id,
        at=fault.decided_at,
        body=_fault_body(fault),
        rows=[fault],
    )
    return fault


def overdue(d: date) -> bool:
    return d < timezone.localdate()
