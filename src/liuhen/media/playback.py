"""After a recording: why it broke off (AV7, AV12), its playback reviews (I5, AV8, AV11) and its use as evidence
(R3). Each command is ledgered; ``liuhen.media.services`` re-exports them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.cases.services import require_case_actor
from liuhen.core import periods
from liuhen.core.errors import InvalidInput, RuleViolation
from liuhen.core.periods import LOCAL
from liuhen.core.rules import rule
from liuhen.core.rules.av import FOCUS
from liuhen.core.rules.deadlines import BY_KEY
from liuhen.ledger import services as ledger
from liuhen.media.models import InterruptionNote, InterruptionReason, Recording, RecordingReview
from liuhen.media.services import require_unlinked_handler


@transaction.atomic
def note_interruption(
    *,
    actor: User,
    recording: Recording,
    reason: str,
    note: str = "",
    stated_in_next_segment: bool = False,
    cannot_continue: bool = False,
) -> InterruptionNote:
    """rule AV7: the reason a recording broke off, from the next segment or a written note afterwards.

    rule AV12: a recording that could not be continued is also reported to the supervisor at once: the head of
    the recording's unit (the agency's leader where the unit has none) is named on the note and notified."""
    if recording.case is not None:
        require_case_actor(actor, recording.case)
    else:
        require_unlinked_handler(actor, recording)
    if reason not in InterruptionReason.values:
        raise InvalidInput(f"未知的中断原因：{reason}")
    if reason == InterruptionReason.OTHER and not note.strip():
        raise InvalidInput("中断原因为“其他”时须写明情况")
    if cannot_continue and stated_in_next_segment:
        raise InvalidInput("确实无法继续记录的，没有续录，须事后书面说明")
    if cannot_continue and not note.strip():
        raise InvalidInput("无法继续记录的，须书面说明情况")
    supervisor = supervisor_of(recording, actor) if cannot_continue else None
    entry = InterruptionNote.objects.create(
        recording=recording,
        reason=reason,
        note=note.strip(),
        stated_in_next_segment=stated_in_next_segment,
        cannot_continue=cannot_continue,
        reported_to=supervisor,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    ledger.append(
        actor=actor,
        action="media.interruption_noted",
        subject_type="recording",
        subject_id=recording.pk,
        case_ref=recording.case_id,
        body={
            "sha256": recording.blob_id,
            "reason": reason,
            "note": entry.note,
            "in_next": stated_in_next_segment,
            "cannot_continue": cannot_continue,
            "reported_to": supervisor.get_username() if supervisor else None,
        },
        rows=[entry],
    )
    return entry


def supervisor_of(recording: Recording, actor: User) -> User:
    """rule AV12 (003 第十四条(三)): whom an officer reports to: the unit head, else the agency's leader."""
    unit_id = recording.case.unit_id if recording.case is not None else recording.unit_id or actor.unit_id
    if actor.agency_id is None:
        raise InvalidInput("不属于任何机关的用户不能报告")
    heads = User.objects.filter(agency_id=actor.agency_id, is_active=True)
    head = None
    if unit_id is not None:
        head = heads.filter(role=Role.UNIT_HEAD, unit_id=unit_id).exclude(pk=actor.pk).order_by("id").first()
    head = head or heads.filter(role=Role.LEADER).exclude(pk=actor.pk).order_by("id").first()
    if head is None:
        raise InvalidInput("本单位没有可报告的主管人员（承办机构负责人或机关负责人）")
    return head


@transaction.atomic
def review_recording(
    *,
    actor: User,
    recording: Recording,
    party_told: bool,
    opening_statement: bool,
    focus: Iterable[str] = (),
    note: str = "",
) -> RecordingReview:
    """rules I5, AV8, AV11: a playback review records whether the party was told, whether the opening statement
    was made, and which of the content focus points the recording shows. A later review adds a row."""
    if recording.case is not None:
        require_case_actor(actor, recording.case)
    else:
        require_unlinked_handler(actor, recording)
    shown = set(focus)
    unknown = shown - set(FOCUS)
    if unknown:
        raise InvalidInput(f"未知的摄录重点：{'、'.join(sorted(unknown))}")
    now = timezone.now()
    review = RecordingReview.objects.create(
        recording=recording,
        party_told=party_told,
        opening_statement=opening_statement,
        note=note.strip(),
        reviewed_by=actor,
        reviewed_at=now,
        **{key: key in shown for key in FOCUS},
    )
    rec = Recording.objects.select_for_update().get(pk=recording.pk)
    rec.party_told, rec.opening_statement = party_told, opening_statement
    rec.save(update_fields=["party_told", "opening_statement"])
    ledger.append(
        actor=actor,
        action="media.reviewed",
        subject_type="recording",
        subject_id=rec.pk,
        case_ref=rec.case_id,
        at=now,
        body={
            "sha256": rec.blob_id,
            "review": review.pk,
            "party_told": party_told,
            "opening_statement": opening_statement,
            "focus": sorted(shown),
            "note": review.note,
        },
        rows=[review, rec],
    )
    return review


@transaction.atomic
def mark_evidence(*, actor: User, recording: Recording, explanation_id: int) -> Recording:
    """rule R3: a recording used as evidence carries a written explanation (音像资料文字说明), finalised."""
    from liuhen.documents.models import Document, DocumentStatus

    rec = Recording.objects.select_for_update(of=("self",)).select_related("case").get(pk=recording.pk)
    if rec.case is None:
        raise InvalidInput("须先将该录像归入案件")
    require_case_actor(actor, rec.case)
    doc = Document.objects.filter(pk=explanation_id, case=rec.case, doc_type="av_explanation").first()
    if doc is None or doc.status != DocumentStatus.FINAL:
        raise RuleViolation("R3", rule("R3").source, "作为证据的音像记录须附已定稿的音像资料文字说明")
    rec.evidence, rec.explanation = True, doc
    rec.save(update_fields=["evidence", "explanation"])
    ledger.append(
        actor=actor,
        action="media.marked_evidence",
        subject_type="recording",
        subject_id=rec.pk,
        case_ref=rec.case_id,
        body={"case_no": rec.case.case_no, "sha256": rec.blob_id, "explanation": doc.pk},
        rows=[rec],
    )
    return rec


@transaction.atomic
def enter_start_time(*, actor: User, recording: Recording, recorded_from: datetime | str) -> Recording:
    """The start of a recording whose file carried no creation time, as an officer reads it from the camera or the
    scene (rule R1: the 24-hour upload period runs from the recording's end). Entered once, with who and when, in
    the ledger; the file itself is untouched. A start the file or the upload already gave is never replaced."""
    recording = Recording.objects.select_for_update(of=("self",)).select_related("case").get(pk=recording.pk)
    if recording.case is not None:
        require_case_actor(actor, recording.case)
    else:
        require_unlinked_handler(actor, recording)
    if recording.recorded_from is not None:
        raise InvalidInput("该音像记录已有录制开始时间，不能更改")
    if isinstance(recorded_from, str):
        try:
            recorded_from = datetime.fromisoformat(recorded_from.strip().replace(" ", "T", 1))
        except ValueError:
            raise InvalidInput(f"录制开始时间无效：{recorded_from}（应为 YYYY-MM-DD HH:MM）") from None
    start = recorded_from if timezone.is_aware(recorded_from) else timezone.make_aware(recorded_from, LOCAL)
    end = start + timedelta(milliseconds=recording.duration_ms or 0)
    if end > recording.uploaded_at:
        uploaded = timezone.localtime(recording.uploaded_at)
        raise InvalidInput(f"录制开始时间不对：按时长，录制应在上传（{uploaded:%Y-%m-%d %H:%M}）前结束")
    now = timezone.now()
    due = None
    if recording.returned_at is None:  # rule R1: within 24 h of the end (remote duty: of the return, already set)
        due = periods.due(BY_KEY["R1"], end).at
    recording.recorded_from, recording.recorded_to = start, end
    recording.upload_due_at = due if recording.returned_at is None else recording.upload_due_at
    recording.start_entered_by, recording.start_entered_at = actor, now
    recording.save(
        update_fields=["recorded_from", "recorded_to", "upload_due_at", "start_entered_by", "start_entered_at"]
    )
    ledger.append(
        actor=actor,
        action="media.start_entered",
        subject_type="recording",
        subject_id=recording.pk,
        case_ref=recording.case_id,
        at=now,
        body={
            "case_no": recording.case.case_no if recording.case else None,
            "sha256": recording.blob_id,
            "recorded_from": start.isoformat(),
            "recorded_to": end.isoformat(),
            # the deadline table: recorded (R1 opens), and uploaded when it was (R1 is met, or was late)
            "occurred_at": recording.uploaded_at.isoformat(),
            "late": recording.late,
        },
        rows=[recording],
    )
    return recording
