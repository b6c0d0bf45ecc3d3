"""Media commands: register devices, ingest recordings, link them to cases. Each is ledgered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.cases.models import Case
from liuhen.cases.queries import visible_cases
from liuhen.cases.services import require_agency_member, require_case_actor
from liuhen.core import periods
from liuhen.core.errors import InvalidInput, RuleViolation
from liuhen.core.rules import rule
from liuhen.core.rules.av import FOCUS
from liuhen.core.rules.deadlines import BY_KEY
from liuhen.ledger import services as ledger
from liuhen.ledger.models import Event
from liuhen.media import probe
from liuhen.media.models import (
    Blob,
    Device,
    DeviceLog,
    DeviceStatus,
    InterruptionNote,
    InterruptionReason,
    Recording,
    RecordingReview,
)
from liuhen.media.storage import BlobStore, LocalBlobStore, StoredBlob, default_store, read_chunks

MATCH_WINDOW = timedelta(hours=2)  # a recording belongs to the case its officer worked on within 2 h of it
SEGMENT_GAP = timedelta(minutes=10)  # the same device resuming within 10 minutes continues the same activity


@transaction.atomic
def register_device(
    *,
    actor: User | None,
    agency_id: int,
    number: str,
    officer: User | None = None,
    kind: str = "body_camera",
    model_name: str = "",
) -> Device:
    number = number.strip()
    if not number:
        raise InvalidInput("设备编号不能为空")
    if Device.objects.filter(number=number).exists():
        raise InvalidInput(f"设备 {number} 已登记")
    device = Device.objects.create(
        agency_id=agency_id,
        number=number,
        kind=kind,
        model_name=model_name,
        officer=officer,
        unit=officer.unit if officer else None,
    )
    now = timezone.now()
    DeviceLog.objects.create(device=device, kind="registered", actor=actor, at=now, note=model_name)
    if officer is not None:
        DeviceLog.objects.create(device=device, kind="assigned", actor=actor, at=now, note=officer.display_name)
    ledger.append(
        actor=actor,
        action="device.registered",
        subject_type="device",
        subject_id=device.pk,
        at=now,
        body={"number": number, "kind": kind, "officer": officer.get_username() if officer else None},
    )
    return device


def _blob(stored: StoredBlob, content_type: str, derived_from: Blob | None = None, derivation: str = "") -> Blob:
    blob, _ = Blob.objects.get_or_create(
        sha256=stored.sha256,
        defaults={
            "size": stored.size,
            "content_type": content_type,
            "derived_from": derived_from,
            "derivation": derivation,
            "stored_at": timezone.now(),
        },
    )
    return blob


def store_file(chunks: Iterable[bytes], content_type: str, store: BlobStore | None = None) -> Blob:
    """Keep a file (a postage receipt, a copy of a notice …) in the content-addressed store, hashed as written."""
    return _blob((store or default_store()).put(chunks), content_type or "application/octet-stream")


def match_case(officer: User | None, start: datetime | None, end: datetime | None) -> Case | None:
    """The case whose recorded activity by this officer lies nearest the recording (within 2 h), if one."""
    if officer is None or start is None:
        return None
    end = end or start
    cases = visible_cases(officer).filter(officers__user=officer).values_list("id", flat=True)
    events = Event.objects.filter(
        case_ref__in=list(cases), actor_id=officer.pk, at__gte=start - MATCH_WINDOW, at__lte=end + MATCH_WINDOW
    ).values_list("case_ref", "at")
    best: tuple[timedelta, int] | None = None
    for case_id, at in events:
        gap = max(start - at, at - end, timedelta(0))
        if case_id is not None and (best is None or gap < best[0]):
            best = (gap, case_id)
    return Case.objects.get(pk=best[1]) if best else None


@dataclass(frozen=True)
class Ingested:
    recording: Recording
    created: bool


@transaction.atomic
def _record(
    *,
    actor: User | None,
    stored: StoredBlob,
    file_name: str,
    info: probe.MediaInfo,
    poster_stored: StoredBlob | None,
    device: Device | None,
    officer: User | None,
    recorded_from: datetime | None,
    returned_at: datetime | None,
    case: Case | None,
    place: str,
    party: str,
    cause: str,
    contractor: str = "",
    supervising_officer: User | None = None,
) -> Ingested:
    contractor = contractor.strip()[:120]
    if contractor and supervising_officer is None:  # rule R16
        raise InvalidInput("第三方制作的音像记录须记明监督的执法人员")
    blob = _blob(stored, "video/" + (info.container or "octet-stream"))
    poster = _blob(poster_stored, "image/jpeg", derived_from=blob, derivation="poster") if poster_stored else None
    existing = Recording.objects.filter(blob=blob).first()
    if existing is not None:  # the same file again is the same record
        return Ingested(existing, created=False)
    now = timezone.now()
    start = recorded_from or info.created
    end = start + timedelta(milliseconds=info.duration_ms) if start and info.duration_ms else start
    if case is None:
        case = match_case(officer, start, end)
    previous = None
    if device is not None and start is not None:  # segments of one activity (AV7 asks why it broke off)
        previous = (
            Recording.objects.filter(device=device, recorded_to__lte=start, recorded_to__gte=start - SEGMENT_GAP)
            .order_by("-recorded_to")
            .first()
        )
    if case is not None and not party:  # rule R7: indexed by party and cause as well
        party = ", ".join(case.parties.values_list("name", flat=True))[:120]
    cause = cause or (case.cause if case is not None else "")
    due = None
    if returned_at is not None:  # rule R1: remote duty uploads within 24 h of returning
        due = periods.due(BY_KEY["R1.remote"], returned_at).at
    elif end is not None:  # rule R1: within 24 h of the recording's end
        due = periods.due(BY_KEY["R1"], end).at
    flagged = device is not None and device.status != DeviceStatus.IN_SERVICE  # rule DV1: a decision is needed
    precheck = None
    if device is not None and start is not None:  # rule DV1: the check made before this use, the same day
        day_start = timezone.localtime(start).replace(hour=0, minute=0, second=0, microsecond=0)
        precheck = (
            DeviceLog.objects.filter(device=device, kind="check", at__gte=day_start, at__lte=start)
            .order_by("-at")
            .first()
        )
    rec = Recording.objects.create(
        blob=blob,
        contractor=contractor,
        supervising_officer=supervising_officer,
        device_status=device.status if device is not None else "",
        device_review="pending" if flagged else "",
        precheck=precheck,
        case=case,
        device=device,
        officer=officer,
        unit=officer.unit if officer else None,
        file_name=file_name,
        recorded_from=start,
        recorded_to=end,
        returned_at=returned_at,
        uploaded_at=now,
        upload_due_at=due,
        duration_ms=info.duration_ms,
        container=info.container,
        video_codec=info.video_codec,
        audio_codec=info.audio_codec,
        width=info.width,
        height=info.height,
        created_in_file=info.created,
        gps=info.gps,
        place=place,
        party=party,
        cause=cause,
        poster=poster,
        continues=previous,
    )
    ledger.append(
        actor=actor,
        action="media.ingested",
        subject_type="recording",
        subject_id=rec.pk,
        case_ref=case.pk if case else None,
        at=now,
        body={
            "case_no": case.case_no if case else None,
            "sha256": blob.sha256,
            "size": blob.size,
            "file_name": rec.file_name,
            "device": device.number if device else None,
            "officer": officer.get_username() if officer else None,
            "recorded_from": start.isoformat() if start else None,
            "recorded_to": end.isoformat() if end else None,
            "late": bool(due and now > due),
            "poster": poster.sha256 if poster else None,
            "device_status": rec.device_status or None,
            "device_review": rec.device_review or None,
            "precheck": precheck.pk if precheck else None,
            "contractor": contractor or None,
            "supervising_officer": supervising_officer.get_username() if supervising_officer else None,
        },
    )
    return Ingested(rec, created=True)


def ingest_file(
    *,
    actor: User | None,
    path: Path,
    device: Device | None = None,
    officer: User | None = None,
    recorded_from: datetime | None = None,
    returned_at: datetime | None = None,
    case: Case | None = None,
    place: str = "",
    party: str = "",
    cause: str = "",
    store: BlobStore | None = None,
    sha256: str = "",
    file_name: str = "",
    contractor: str = "",
    supervising_officer: User | None = None,
) -> Ingested:
    """Store a recording (one pass: hashed while written), read its metadata, make a poster, record it.

    With ``sha256`` (a finished upload, hashed as it arrived) a local store takes the file in as it is. A recording
    made by a contracted third party names it and the officer who supervised it (rule R16). A file from a faulty
    or retired device is flagged for the unit head's decision (rule DV1).
    """
    store = store or default_store()
    info = probe.probe(path)  # refuses what is not audio or video before anything is stored
    frame = probe.poster(path)  # a derivative is a new blob; the original is never touched
    if sha256 and isinstance(store, LocalBlobStore):
        stored = store.adopt(path, sha256)
    else:
        with path.open("rb") as fh:
            stored = store.put(read_chunks(fh))
    poster_stored = store.put([frame]) if frame is not None else None
    return _record(
        actor=actor,
        stored=stored,
        file_name=file_name or path.name,
        info=info,
        poster_stored=poster_stored,
        device=device,
        officer=officer or (device.officer if device else None),
        recorded_from=recorded_from,
        returned_at=returned_at,
        case=case,
        place=place,
        party=party,
        cause=cause,
        contractor=contractor,
        supervising_officer=supervising_officer,
    )


@transaction.atomic
def assign_to_case(*, actor: User, recording: Recording, case: Case) -> Recording:
    """An officer files an unlinked recording under its case."""
    require_case_actor(actor, case)
    rec = Recording.objects.select_for_update().get(pk=recording.pk)
    if rec.case_id is not None:
        raise InvalidInput("该音像记录已归入案件")
    rec.case = case
    rec.party = rec.party or ", ".join(case.parties.values_list("name", flat=True))[:120]
    rec.cause = rec.cause or case.cause
    rec.save(update_fields=["case", "party", "cause"])
    ledger.append(
        actor=actor,
        action="media.linked",
        subject_type="recording",
        subject_id=rec.pk,
        case_ref=case.pk,
        body={"case_no": case.case_no, "sha256": rec.blob_id, "file_name": rec.file_name},
    )
    return rec


@transaction.atomic
def log_device(*, actor: User, device: Device, kind: str, note: str = "") -> DeviceLog:
    """rule DV1: checks, maintenance, faults (no private repairs: a fault takes the device out of service)."""
    require_agency_member(actor, device.agency_id)
    if kind not in {k for k, _ in DeviceLog._meta.get_field("kind").choices}:  # type: ignore[union-attr]
        raise InvalidInput(f"未知的设备事项：{kind}")
    entry = DeviceLog.objects.create(device=device, kind=kind, note=note, actor=actor, at=timezone.now())
    status = {"fault": "faulty", "repaired": "in_service", "retired": "retired"}.get(kind)
    if status:
        device.status = status
        device.save(update_fields=["status"])
    ledger.append(
        actor=actor,
        action="device.logged",
        subject_type="device",
        subject_id=device.pk,
        body={"number": device.number, "kind": kind, "note": note, "status": device.status},
    )
    return entry


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
    )
    return rec


@transaction.atomic
def assign_device(*, actor: User, device: Device, officer: User) -> Device:
    """rule DV1: a device is assigned to one officer at a time."""
    require_agency_member(actor, device.agency_id)
    if officer.agency_id != device.agency_id:
        raise InvalidInput(f"{officer.display_name} 不是本机关人员")
    device.officer, device.unit = officer, officer.unit
    device.save(update_fields=["officer", "unit"])
    DeviceLog.objects.create(device=device, kind="assigned", actor=actor, at=timezone.now(), note=officer.display_name)
    ledger.append(
        actor=actor,
        action="device.assigned",
        subject_type="device",
        subject_id=device.pk,
        body={"number": device.number, "officer": officer.get_username()},
    )
    return device
