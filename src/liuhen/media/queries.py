"""Reading media: which AV-required activities of a case lack a recording (rules AV1–AV13), late uploads (R1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from django.db.models import Q, QuerySet
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.cases.access import check_record, hidden_records
from liuhen.cases.models import Case
from liuhen.cases.queries import visible_cases
from liuhen.core.errors import InvalidInput, NotFound
from liuhen.core.permissions import Action, Scope, covers, scope
from liuhen.core.rules import rule
from liuhen.core.rules.av import (
    BY_DOC_TYPE,
    FOCUS,
    AVRequirement,
    activity_window,
    breaks,
    omission_allowed,
    overlaps,
    uninterrupted,
)
from liuhen.core.stages import Fact
from liuhen.media.models import AVOmission, InterruptionNote, OmissionStatus, Recording, RecordingReview


@dataclass(frozen=True)
class AVGap:
    """A mandatory-AV activity not recorded as the rules ask (blocking), or a finding on its recording."""

    rule_id: str
    activity: str
    source: str
    occurred_at: datetime
    document_id: int
    problem: str
    blocking: bool = True


def visible_recordings(user: User, *, lists: bool = True) -> QuerySet[Recording]:
    """Recordings of cases the user may see, and the agency's unlinked ones; lists leave out marked ones that
    are not for this role (R11), while opening one says why it is refused."""
    qs = Recording.objects.select_related("blob", "case", "device", "officer").filter(
        Q(case__in=visible_cases(user)) | Q(case__isnull=True, officer__agency=user.agency)
    )
    hidden = hidden_records(user, "recording") if lists else set()
    return qs.exclude(pk__in=hidden) if hidden else qs


def unlinked_to_handle(user: User) -> QuerySet[Recording]:
    """Unlinked recordings this user may file into a case or annotate: his own, his unit's, or the agency's when
    his role's MEDIA_UPLOAD scope reaches it (the permission table)."""
    qs = Recording.objects.select_related("device", "officer").filter(case__isnull=True, officer__agency=user.agency)
    reach = scope(user.role, Action.MEDIA_UPLOAD)
    if covers(reach, Scope.AGENCY):
        return qs
    if covers(reach, Scope.UNIT) and user.unit_id is not None:
        return qs.filter(Q(officer=user) | Q(unit_id=user.unit_id))
    return qs.filter(officer=user) if reach != Scope.NONE else qs.none()


def get_recording(user: User, recording_id: int) -> Recording:
    rec = visible_recordings(user, lists=False).filter(pk=recording_id).first()
    if rec is None:
        raise NotFound("音像记录不存在或无权查看")
    if rec.case is not None:
        check_record(user, rec.case, "recording", rec.pk)
    return rec


def _local(value: datetime) -> str:
    return f"{timezone.localtime(value):%H:%M}"


def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def counted_recordings(case: Case) -> QuerySet[Recording]:
    """Recordings that count for the AV rules: timed, and not from a faulty or retired device unless the unit head
    accepted them (rule DV1)."""
    return case.recordings.exclude(recorded_from__isnull=True).exclude(device_review__in=["pending", "rejected"])


def av_findings(case: Case) -> list[AVGap]:
    """Every mandatory-AV activity of the case (rules AV1–AV4, AV9, AV10) checked against its recordings; the
    covering recordings' playback reviews checked for I5, AV8 and AV11; AV13 where recording could not go on."""
    from liuhen.documents.models import Document, DocumentStatus

    docs = Document.objects.filter(
        case=case, status=DocumentStatus.FINAL, corrections__isnull=True, doc_type__in=list(BY_DOC_TYPE)
    ).order_by("id")
    recs = {r.pk: r for r in counted_recordings(case)}
    spans: dict[int, tuple[datetime, datetime]] = {
        pk: (r.recorded_from, r.recorded_to or r.recorded_from)  # type: ignore[misc]  # timed: see counted_recordings
        for pk, r in recs.items()
    }
    approved: dict[int, set[str]] = {}
    for doc_id, reason in AVOmission.objects.filter(case=case, status=OmissionStatus.APPROVED).values_list(
        "document_id", "reason"
    ):
        approved.setdefault(doc_id, set()).add(reason)
    # a case without recordings has neither reviews nor interruptions to read
    reviews = (
        {r.recording_id: r for r in RecordingReview.objects.filter(recording__in=list(recs)).order_by("id")}
        if recs
        else {}
    )
    stopped = (
        set(
            InterruptionNote.objects.filter(recording__in=list(recs), cannot_continue=True).values_list(
                "recording_id", flat=True
            )
        )
        if recs
        else set()
    )
    out: list[AVGap] = []
    for doc in docs:
        values = doc.values
        start, end = activity_window(values, doc.finalised_at or doc.created_at)
        window = (_aware(start), _aware(end))
        covering: set[int] = set()
        for row in BY_DOC_TYPE[doc.doc_type]:
            if not row.mandatory or not row.applies(values, major=case.is_major):
                continue
            if any(omission_allowed(row, reason) for reason in approved.get(doc.pk, ())):
                continue  # rule AV6: this activity, and only this one, may go unrecorded

            gap = partial(AVGap, activity=row.label, source=row.source, occurred_at=window[0], document_id=doc.pk)
            during = [pk for pk, span in spans.items() if span in overlaps(window, [span])]
            if not during:
                out.append(gap(rule_id=row.rule_id, problem=f"{doc.type.name}所记录的活动没有音像记录"))
                continue
            covering |= set(during)
            taken = [spans[p] for p in during]
            if row.requirement == AVRequirement.UNINTERRUPTED and not uninterrupted(window, taken):
                holes = "、".join(f"{_local(a)}至{_local(b)}" for a, b in breaks(window, taken))
                if stopped & set(during):  # rules AV12, AV13: reported at once, the important parts recorded
                    problem = f"无法全程记录（已报告主管人员），未记录：{holes}"
                    out.append(gap(rule_id="AV13", problem=problem, blocking=False))
                else:
                    out.append(gap(rule_id="AV4", problem=f"须自到达至离开不间断记录，录像中断：{holes}"))
        if covering:
            out += _review_findings(doc.pk, window[0], [reviews[p] for p in sorted(covering) if p in reviews])
    return out


def _review_findings(doc_id: int, at: datetime, reviews: list[RecordingReview]) -> list[AVGap]:
    """rules I5, AV8, AV11: a recording of a mandatory activity is reviewed on playback; what it lacks is reported."""
    label = "音像记录回放审查"
    if not reviews:
        problem = "录像尚未回放审查（告知当事人、语音说明、摄录重点）"
        return [AVGap("AV11", label, "003 第十三、十四条", at, doc_id, problem)]
    out = []
    if not any(r.party_told for r in reviews):
        out.append(AVGap("I5", label, rule("I5").source, at, doc_id, "录像未显示已告知当事人开始记录", False))
    if not any(r.opening_statement for r in reviews):
        problem = "录像开始时未说明时间、地点、人员和事项"
        out.append(AVGap("AV8", label, rule("AV8").source, at, doc_id, problem, False))
    missing = [text for key, text in FOCUS.items() if not any(getattr(r, key) for r in reviews)]
    if missing:
        out.append(AVGap("AV11", label, rule("AV11").source, at, doc_id, f"未摄录：{'、'.join(missing)}", False))
    return out


def av_gaps(case: Case) -> list[AVGap]:
    """What blocks the case's AV gate (rule AV1 and the rows it stands for)."""
    return [g for g in av_findings(case) if g.blocking]


def av_facts(case: Case, on: date) -> set[str]:
    return set() if av_gaps(case) else {Fact.AV_COMPLETE}


def late_uploads(user: User, scope: str = "mine") -> QuerySet[Recording]:
    """rule R1: recordings uploaded after their 24-hour deadline, for an officer, a unit or the agency."""
    qs = Recording.objects.select_related("officer", "device", "case").filter(officer__agency=user.agency)
    if scope == "mine":
        qs = qs.filter(officer=user)
    elif scope == "unit":
        qs = qs.filter(unit=user.unit) if user.unit_id else qs.none()
    elif scope != "agency":
        raise InvalidInput(f"未知的范围：{scope}（mine、unit 或 agency）")
    return qs.exclude(upload_due_at__isnull=True).extra(where=["uploaded_at > upload_due_at"]).order_by("-uploaded_at")


@dataclass(frozen=True)
class Report:
    rule_id: str
    kind: str
    recording_id: int
    file_name: str
    officer: str
    at: datetime
    text: str


def reports(user: User) -> list[Report]:
    """What is reported to supervisors: recordings that could not go on (AV12), files of faulty or retired devices
    awaiting a decision (DV1), and recordings found unrelated to enforcement (DV2). A unit head sees the unit's;
    leaders and supervisors the agency's."""
    if user.role == Role.UNIT_HEAD and user.unit_id:
        mine = Q(unit_id=user.unit_id) | Q(case__unit_id=user.unit_id)
    elif user.role in {Role.LEADER, Role.SUPERVISOR}:
        mine = Q(officer__agency_id=user.agency_id) | Q(case__agency_id=user.agency_id)
    else:
        return []
    recs = Recording.objects.filter(mine).select_related("officer")
    out = [
        Report("AV12", "无法继续记录", n.recording_id, n.recording.file_name, _who(n.recording), n.recorded_at, n.note)
        for n in InterruptionNote.objects.filter(recording__in=recs, cannot_continue=True).select_related(
            "recording__officer"
        )
    ]
    for r in recs.filter(device_review="pending"):
        text = f"设备录制时处于“{r.device_status}”状态，待决定是否采用"
        out.append(Report("DV1", "故障或报废设备的录像", r.pk, r.file_name, _who(r), r.uploaded_at, text))
    unchecked = recs.filter(device__isnull=False, precheck__isnull=True, recorded_from__isnull=False)
    for r in unchecked.exclude(triage="private_use").select_related("device"):
        text = f"设备 {r.device.number if r.device else ''} 录制前没有使用前检查（电量、存储）记录"
        out.append(Report("DV1", "未做使用前检查", r.pk, r.file_name, _who(r), r.uploaded_at, text))
    for r in recs.filter(triage="private_use"):
        out.append(
            Report("DV2", "与执法无关的录像", r.pk, r.file_name, _who(r), r.triaged_at or r.uploaded_at, r.triage_note)
        )
    return sorted(out, key=lambda x: x.at, reverse=True)


def _who(rec: Recording) -> str:
    return rec.officer.display_name if rec.officer else ""
