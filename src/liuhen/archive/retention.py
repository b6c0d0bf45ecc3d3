"""Retention terms, legal holds and disposal (鉴定销毁) of recordings (rules R3–R6).

A term counts from the case's end, never from upload: evidence keeps the case file's 保管期限 (R3, R6); a case
that drew an objection or complaint keeps its recordings as long (R4); other recordings at least 6 months (R5). A
legal hold (复议, 诉讼, 投诉) suspends every term of the case until lifted. Disposal needs the archivist's 鉴定 and
the agency head's approval (a second person); the blob leaves the store (on S3 only once its Object Lock retention
has passed) and the Disposal row stays as its tombstone, which `liuhen verify` tells from a lost file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.archive.models import (
    PERMANENT,
    CaseFile,
    Disposal,
    DisposalStatus,
    FileDisposal,
    HoldKind,
    LegalHold,
    LongTermMark,
    R4Ground,
)
from liuhen.archive.services import ended
from liuhen.cases.actors import require_agency_member
from liuhen.cases.models import Case
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation
from liuhen.core.permissions import refuse_own_request
from liuhen.core.rules import rule
from liuhen.core.stages import Stage
from liuhen.ledger import services as ledger
from liuhen.media.models import Recording
from liuhen.media.storage import BlobStore, LocalBlobStore, S3BlobStore, default_store

R5_MONTHS = 6
# rule R4's 长期保存: since 国家档案局令第8号 (2006) the terms are 永久 and 定期 30 or 10 years, the former 长期 being
# 定期30年; a recording R4 names keeps at least that long, and as long as its 案卷 where that is longer
R4_YEARS = 30


def _refuse(rule_id: str, message: str) -> RuleViolation:
    return RuleViolation(rule_id, rule(rule_id).source, message)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)  # pragma: no cover


def case_end(case: Case) -> date | None:
    """The day the case ended (结案, 不予立案 …): the terms count from it (R6)."""
    case_file = CaseFile.objects.filter(case=case).only("ended_on").first()
    if case_file is not None:
        return case_file.ended_on
    if case.stage != Stage.ARCHIVED and ended(case):
        return timezone.localtime(case.stage_changed_at).date()
    return None


@dataclass(frozen=True)
class Term:
    rule_id: str
    text: str
    expires_on: date | None  # None: permanent, or not yet running


def term_of(rec: Recording) -> Term:
    """The recording's retention term and when it ends."""
    disputes = r4_reasons(rec)
    long_term = f"{'、'.join(disputes)}，长期保存（R4）"
    if rec.case is None:
        start = rec.recorded_to or rec.recorded_from
        if start is None:
            return Term("R5", "未关联案件且无录制时间，期限无法起算", None)
        recorded = timezone.localtime(start).date()
        if disputes:
            return Term("R4", f"{long_term}：{R4_YEARS}年（自录制之日）", _add_months(recorded, 12 * R4_YEARS))
        return Term("R5", "非证据音像，至少保存6个月（自录制之日）", _add_months(recorded, 6))
    end = case_end(rec.case)
    if end is None:
        return Term("R6", "案件尚未办结，保管期限自办结之日起算", None)
    if rec.evidence or disputes:
        case_file = CaseFile.objects.filter(case=rec.case).first()
        basis = "证据音像与案卷同期保存（R3、R6）" if rec.evidence else long_term
        if case_file is None:
            return Term("R6", f"{basis}；案卷尚未组卷", None)
        if case_file.retention_years == PERMANENT:
            return Term("R6", f"{basis}：永久", None)
        years = case_file.retention_years
        if disputes and years < R4_YEARS:
            basis = long_term if not rec.evidence else f"{basis}；{long_term}"
            return Term("R4", f"{basis}：{R4_YEARS}年（长于案卷的{years}年）", _add_months(end, 12 * R4_YEARS))
        return Term("R6", f"{basis}：{years}年", _add_months(end, 12 * years))
    return Term("R5", "非证据音像，至少保存6个月（自案件办结之日）", _add_months(end, R5_MONTHS))


def r4_triggers(case: Case) -> list[str]:
    """rule R4 (004 第十三条), read from the case's records: the party objected (陈述申辩, a hearing asked for) or
    complained (a hold for 复议, 诉讼 or 投诉), or obstructed the officers (拒绝配合调查记录)."""
    from liuhen.cases.models import ActKind
    from liuhen.documents.models import DocumentStatus

    found = []
    if LegalHold.objects.filter(case=case).exists():
        found.append("当事人申请复议、提起诉讼或投诉")
    finals = set(case.documents.filter(status=DocumentStatus.FINAL).values_list("doc_type", flat=True))
    if "statement_transcript" in finals or case.acts.filter(kind=ActKind.HEARING_REQUEST).exists():
        found.append("当事人提出异议（陈述申辩、要求听证）")
    if "refusal_record" in finals:
        found.append("当事人拒绝、阻碍调查")
    marked = LongTermMark.objects.filter(case=case, recording__isnull=True).values_list("ground", flat=True)
    found += [f"执法人员标记{R4Ground(g).label}" for g in sorted(set(marked))]
    return found


def r4_reasons(rec: Recording) -> list[str]:
    """rule R4 for one recording: its case's triggers, and the marks made on the recording itself."""
    found = r4_triggers(rec.case) if rec.case is not None else []
    marked = LongTermMark.objects.filter(recording=rec).values_list("ground", flat=True)
    found += [f"执法人员标记{R4Ground(g).label}（本记录）" for g in sorted(set(marked))]
    return found


def may_mark(user: User, case: Case | None, rec: Recording | None) -> bool:
    """rule R4: the officers of the case or of the recording, the head of the handling unit, the agency's leader."""
    agency_id = case.agency_id if case is not None else (rec.unit.agency_id if rec and rec.unit else None)
    if agency_id is None or user.agency_id != agency_id:
        return False
    if user.role == Role.LEADER:
        return True
    unit_id = case.unit_id if case is not None else (rec.unit_id if rec else None)
    if user.role == Role.UNIT_HEAD and user.unit_id == unit_id:
        return True
    if rec is not None and rec.officer_id == user.pk:
        return True
    return case is not None and case.officers.filter(user=user).exists()


@transaction.atomic
def mark_long_term(
    *, actor: User, case: Case | None = None, recording: Recording | None = None, ground: str, note: str
) -> LongTermMark:
    """rule R4: record that the case (or one recording) concerns an objection or complaint, obstruction or
    violence, or a mass or sudden incident; its recordings are then kept long-term."""
    if recording is not None:
        recording = Recording.objects.select_related("case", "unit").get(pk=recording.pk)
        if case is not None and recording.case_id != case.pk:
            raise InvalidInput("该音像记录不属于本案")
        case = recording.case
    elif case is None:
        raise InvalidInput("请指明案件或音像记录")
    if not may_mark(actor, case, recording):
        raise Forbidden("长期保存标记由本案执法人员、承办机构负责人或机关负责人作出")
    if ground not in R4Ground.values:
        raise InvalidInput(f"情形只能是{'、'.join(R4Ground.labels)}")
    if not note.strip():
        raise InvalidInput("请说明情况（如当事人异议内容、阻碍执法经过、事件概况）")
    if LongTermMark.objects.filter(case=case, recording=recording, ground=ground).exists():
        raise InvalidInput("已有相同的长期保存标记")
    mark = LongTermMark.objects.create(
        case=case, recording=recording, ground=ground, note=note.strip(), marked_by=actor, marked_at=timezone.now()
    )
    ledger.append(
        actor=actor,
        action="archive.long_term_marked",
        subject_type="long_term_mark",
        subject_id=mark.pk,
        case_ref=case.pk if case is not None else None,
        body={
            "case_no": case.case_no if case is not None else None,
            "recording": recording.pk if recording is not None else None,
            "ground": ground,
            "label": mark.get_ground_display(),
            "rule": "R4",
        },
        rows=[mark],
    )
    return mark


def active_hold(case: Case | None) -> LegalHold | None:
    if case is None:
        return None
    return LegalHold.objects.filter(case=case, lifted_at__isnull=True).order_by("id").first()


def check_disposable(rec: Recording, on: date | None = None) -> Term:
    """Raises RuleViolation unless the recording's term has passed and no hold is on its case."""
    on = on or timezone.localdate()
    hold = active_hold(rec.case)
    if hold is not None:
        raise _refuse("R6", f"案件处于{hold.get_kind_display()}期间（{hold.reason}），一切保管期限暂停，不得销毁")
    term = term_of(rec)
    if term.expires_on is None or on <= term.expires_on:
        until = f"，至 {term.expires_on:%Y-%m-%d} 期满" if term.expires_on else ""
        raise _refuse(term.rule_id, f"保管期限未满：{term.text}{until}，不得销毁")
    return term


def _hold_actor(actor: User, case: Case) -> None:
    require_agency_member(actor, case.agency_id)
    if actor.role not in (Role.ARCHIVIST, Role.LEGAL_REVIEWER, Role.LEADER):
        raise Forbidden("诉讼保全由档案管理员、法制审核人员或机关负责人设置和解除")


@transaction.atomic
def place_hold(*, actor: User, case: Case, kind: str, reason: str) -> LegalHold:
    _hold_actor(actor, case)
    if kind not in HoldKind.values:
        raise InvalidInput(f"事由只能是{'、'.join(HoldKind.labels)}")
    if not reason.strip():
        raise InvalidInput("请说明复议、诉讼或投诉的情况")
    hold = LegalHold.objects.create(
        case=case, kind=kind, reason=reason.strip(), placed_by=actor, placed_at=timezone.now()
    )
    ledger.append(
        actor=actor,
        action="archive.hold_placed",
        subject_type="legal_hold",
        subject_id=hold.pk,
        case_ref=case.pk,
        body={"case_no": case.case_no, "kind": kind, "label": hold.get_kind_display()},
        rows=[hold],
    )
    return hold


@transaction.atomic
def lift_hold(*, actor: User, hold: LegalHold, reason: str) -> LegalHold:
    hold = LegalHold.objects.select_for_update().select_related("case").get(pk=hold.pk)
    _hold_actor(actor, hold.case)
    if hold.lifted_at is not None:
        raise InvalidInput("该诉讼保全已解除")
    if not reason.strip():
        raise InvalidInput("解除须说明理由（如复议决定、判决已生效）")
    hold.lifted_by, hold.lifted_at, hold.lift_reason = actor, timezone.now(), reason.strip()
    hold.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
    ledger.append(
        actor=actor,
        action="archive.hold_lifted",
        subject_type="legal_hold",
        subject_id=hold.pk,
        case_ref=hold.case_id,
        body={"case_no": hold.case.case_no, "kind": hold.kind},
        rows=[hold],
    )
    return hold


@transaction.atomic
def propose_disposal(*, actor: User, recording: Recording, appraisal: str) -> Disposal:
    """The archivist's 鉴定: the recording is past its term and may be destroyed."""
    rec = Recording.objects.select_related("case", "blob").get(pk=recording.pk)
    if actor.role != Role.ARCHIVIST or (rec.case is not None and rec.case.agency_id != actor.agency_id):
        raise Forbidden("鉴定销毁由本机关档案管理员提出")
    if not appraisal.strip():
        raise InvalidInput("请填写鉴定意见（保管期满、无保存价值的理由）")
    if Disposal.objects.filter(recording=rec).exclude(status=DisposalStatus.REFUSED).exists():
        raise InvalidInput("该音像记录已在销毁清单中")
    whole = FileDisposal.objects.filter(case_file__case=rec.case, status=DisposalStatus.APPROVED)
    if rec.case is not None and whole.exists():
        raise InvalidInput("该音像记录已随案卷整卷销毁（见销毁清册）")
    term = check_disposable(rec)
    assert term.expires_on is not None
    disposal = Disposal.objects.create(
        recording=rec,
        sha256=rec.blob.sha256,
        size=rec.blob.size,
        term=term.text,
        expired_on=term.expires_on,
        appraisal=appraisal.strip(),
        proposed_by=actor,
        proposed_at=timezone.now(),
    )
    ledger.append(
        actor=actor,
        action="archive.disposal_proposed",
        subject_type="disposal",
        subject_id=disposal.pk,
        case_ref=rec.case_id,
        body={"recording": rec.pk, "sha256": disposal.sha256, "term": term.text, "rule": term.rule_id},
        rows=[disposal],
    )
    return disposal


def _s3_versions(store: S3BlobStore, sha256: str, now: datetime) -> list[dict[str, Any]]:
    """Every version of the object; refused while any is under its Object Lock retention."""
    key = store.key(sha256)
    versions: list[dict[str, Any]] = store.client.list_object_versions(Bucket=store.bucket, Prefix=key).get(
        "Versions", []
    )
    for v in versions:
        head = store.client.head_object(Bucket=store.bucket, Key=key, VersionId=v["VersionId"])
        until = head.get("ObjectLockRetainUntilDate")
        if until is not None and until > now:
            raise InvalidInput(f"存储的防删除保留期至 {timezone.localtime(until):%Y-%m-%d}，期满后方可销毁")
    return versions


def _may_delete(store: BlobStore, sha256: str, now: datetime) -> None:
    """Refuses (changing nothing) when the blob cannot be destroyed now: checked for every file before any goes."""
    if isinstance(store, S3BlobStore):
        _s3_versions(store, sha256, now)
    elif not isinstance(store, LocalBlobStore):
        raise InvalidInput("当前存储不支持销毁")  # pragma: no cover


def _delete_blob(store: BlobStore, sha256: str, now: datetime) -> None:
    """Remove a blob for good: the file, or every version of the S3 object once its Object Lock has passed."""
    if isinstance(store, LocalBlobStore):
        store.path(sha256).unlink(missing_ok=True)
        return
    if isinstance(store, S3BlobStore):
        for v in _s3_versions(store, sha256, now):
            store.client.delete_object(Bucket=store.bucket, Key=store.key(sha256), VersionId=v["VersionId"])
        return
    raise InvalidInput("当前存储不支持销毁")  # pragma: no cover


@transaction.atomic
def decide_disposal(*, actor: User, disposal: Disposal, approve: bool, opinion: str = "") -> Disposal:
    """The agency head approves (the blob is destroyed, the row stays as its tombstone) or refuses."""
    d = (
        Disposal.objects.select_for_update(of=("self",))
        .select_related("recording__case", "recording__poster")
        .get(pk=disposal.pk)
    )
    rec = d.recording
    if actor.role != Role.LEADER or (rec.case is not None and rec.case.agency_id != actor.agency_id):
        raise Forbidden("销毁须经本机关负责人批准")
    refuse_own_request(decider_id=actor.pk, requester_ids=[d.proposed_by_id], what="销毁")
    if d.status != DisposalStatus.PROPOSED:
        raise InvalidInput(f"该销毁已{d.get_status_display()}")
    now = timezone.now()
    if approve:
        check_disposable(rec)  # a hold placed since, or a term changed, still stops it
    d.status = DisposalStatus.APPROVED if approve else DisposalStatus.REFUSED
    d.decided_by, d.decided_at, d.opinion = actor, now, opinion.strip()
    d.save(update_fields=["status", "decided_by", "decided_at", "opinion"])
    listing: list[dict[str, Any]] = [
        {
            "file_name": rec.file_name,
            "sha256": d.sha256,
            "size": d.size,
            "term": d.term,
            "expired_on": str(d.expired_on),
        }
    ]
    ledger.append(
        actor=actor,
        action="archive.disposal_decided",
        subject_type="disposal",
        subject_id=d.pk,
        case_ref=rec.case_id,
        at=now,
        body={"approved": approve, "list": listing if approve else [], "poster": rec.poster_id if approve else None},
        rows=[d],
    )
    if approve:
        store = default_store()
        _delete_blob(store, d.sha256, now)
        if rec.poster_id:
            _delete_blob(store, rec.poster_id, now)
    return d


def past_term(user: User, on: date | None = None) -> list[tuple[Recording, Term]]:
    """The archivist's list: recordings of the agency whose term has passed and that no hold keeps."""
    on = on or timezone.localdate()
    out: list[tuple[Recording, Term]] = []
    if user.agency_id is None:
        return out
    qs = (
        Recording.objects.filter(case__agency_id=user.agency_id)
        .exclude(disposals__status=DisposalStatus.APPROVED)
        .exclude(case__case_file__disposals__status=DisposalStatus.APPROVED)  # gone with its whole 案卷
    )
    for rec in qs.select_related("case", "blob").order_by("id")[:1000]:
        term = term_of(rec)
        if term.expires_on is not None and on > term.expires_on and active_hold(rec.case) is None:
            out.append((rec, term))
    return out
