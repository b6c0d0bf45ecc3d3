"""Media commands: register devices, ingest recordings, link them to cases. Each is ledgered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import User
from liuhen.cases.models import Case
from liuhen.cases.queries import visible_cases
from liuhen.cases.services import require_agency_member, require_case_actor
from liuhen.core import periods
from liuhen.core.errors import InvalidInput
from liuhen.core.rules.deadlines import BY_KEY
from liuhen.ledger import services as ledger
from liuhen.ledger.models import Event
from liuhen.media import probe
from liuhen.media.models import Blob, Device, DeviceLog, Recording
from liuhen.media.storage import BlobStore, LocalBlobStore, StoredBlob, default_store, read_chunks

MATCH_WINDOW = timedelta(hours=2)  # a recording belongs to the case its officer worked on within 2 h of it


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
) -> Ingested:
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
    due = None
    if returned_at is not None:  # rule R1: remote duty uploads within 24 h of returning
        due = periods.due(BY_KEY["R1.remote"], returned_at).at
    elif end is not None:  # rule R1: within 24 h of the recording's end
        due = periods.due(BY_KEY["R1"], end).at
    rec = Recording.objects.create(
        blob=blob,
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
) -> Ingested:
    """Store a recording (one pass: hashed while written), read its metadata, make a poster, record it.

    With ``sha256`` (a finished upload, hashed as it arrived) a local store takes the file in as it is.
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
    )


@transaction.atomic
def assign_to_case(*, actor: User, recording: Recording, case: Case) -> Recording:
    """An officer files an unlinked recording under its case."""
    require_case_actor(actor, case)
    rec = Recording.objects.select_for_update().get(pk=recording.pk)
    if rec.case_id is not None:
        raise InvalidInput("该音像记录已归入案件")
    rec.case = case
    rec.save(update_fields=["case"])
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
