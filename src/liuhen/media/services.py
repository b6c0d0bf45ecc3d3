"""Media commands: register devices, ingest recordings, link them to cases. Each is ledgered."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import User
from liuhen.cases.access import allowed_in_unit
from liuhen.cases.models import Case
from liuhen.cases.queries import visible_cases
from liuhen.cases.services import require_agency_member, require_case_actor
from liuhen.core import periods
from liuhen.core.errors import Forbidden, InvalidInput
from liuhen.core.permissions import Action
from liuhen.core.rules.deadlines import BY_KEY
from liuhen.ledger import services as ledger
from liuhen.ledger.models import Event
from liuhen.media import probe
from liuhen.media.models import (
    Blob,
    Device,
    DeviceLog,
    DeviceStatus,
    Recording,
)
from liuhen.media.storage import BlobStore, LocalBlobStore, StoredBlob, default_store, read_chunks

MATCH_WINDOW = timedelta(hours=2)  # a recording belongs to the case its officer worked on within 2 h of it
SEGMENT_GAP = timedelta(minutes=10)  # the same device resuming within 10 minutes continues the same activity


DEVICE_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


def check_device_number(number: str) -> str:
    """A device number as printed on the device: letters, digits, '-' and '_', at most 40; it names files."""
    number = number.strip()
    if not number:
        raise InvalidInput("设备编号不能为空")
    if not DEVICE_NUMBER.fullmatch(number):
        shown = number[:40].encode("unicode_escape").decode("ascii")
        raise InvalidInput(f"设备编号“{shown}”无效：只能由字母、数字、“-”和“_”组成，最多 40 个字符")
    return number


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
    number = check_device_number(number)
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
    logs = [DeviceLog.objects.create(device=device, kind="registered", actor=actor, at=now, note=model_name)]
    if officer is not None:
        logs.append(
            DeviceLog.objects.create(device=device, kind="assigned", actor=actor, at=now, note=officer.display_name)
        )
    ledger.append(
        actor=actor,
        action="device.registered",
        subject_type="device",
        subject_id=device.pk,
        at=now,
        body={"number": number, "kind": kind, "officer": officer.get_username() if officer else None},
        rows=[device, *logs],
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
            "returned_at": returned_at.isoformat() if returned_at else None,
            "late": bool(due and now > due),
            "poster": poster.sha256 if poster else None,
            "device_status": rec.device_status or None,
            "device_review": rec.device_review or None,
            "precheck": precheck.pk if precheck else None,
            "contractor": contractor or None,
            "supervising_officer": supervising_officer.get_username() if supervising_officer else None,
        },
        rows=[blob, *([poster] if poster else []), rec],
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


def recording_agency(rec: Recording) -> int | None:
    """The agency a recording belongs to: its officer's, or failing that its device's."""
    if rec.officer is not None:
        return rec.officer.agency_id
    return rec.device.agency_id if rec.device is not None else None


def may_handle_unlinked(user: User, rec: Recording) -> bool:
    """An unlinked recording is filed into a case or annotated by its own officer, within the unit it was recorded
    in, or by a role whose MEDIA_UPLOAD scope in the permission table reaches further (a leader, the archivist)."""
    return allowed_in_unit(
        user,
        Action.MEDIA_UPLOAD,
        rec.unit_id,
        recording_agency(rec),
        own=rec.officer_id is not None and rec.officer_id == user.pk,
    )


def require_unlinked_handler(user: User, rec: Recording) -> None:
    if not may_handle_unlinked(user, rec):
        raise Forbidden("该音像记录属于其他单位，只能由该单位人员归档或标注（权限表，R9）")


@transaction.atomic
def assign_to_case(*, actor: User, recording: Recording, case: Case) -> Recording:
    """An officer files an unlinked recording under its case: one he may work on, and a recording of his own unit
    (or of the reach his role has in the permission table)."""
    require_case_actor(actor, case)
    rec = Recording.objects.select_for_update(of=("self",)).select_related("officer", "device").get(pk=recording.pk)
    if rec.case_id is not None:
        raise InvalidInput("该音像记录已归入案件")
    require_unlinked_handler(actor, rec)
    if recording_agency(rec) != case.agency_id:
        raise InvalidInput("该音像记录不是本案所属机关的记录")
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
        rows=[rec],
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
        rows=[device, entry],
    )
    return entry


@transaction.atomic
def assign_device(*, actor: User, device: Device, officer: User) -> Device:
    """rule DV1: a device is assigned to one officer at a time."""
    require_agency_member(actor, device.agency_id)
    if officer.agency_id != device.agency_id:
        raise InvalidInput(f"{officer.display_name} 不是本机关人员")
    device.officer, device.unit = officer, officer.unit
    device.save(update_fields=["officer", "unit"])
    entry = DeviceLog.objects.create(
        device=device, kind="assigned", actor=actor, at=timezone.now(), note=officer.display_name
    )
    ledger.append(
        actor=actor,
        action="device.assigned",
        subject_type="device",
        subject_id=device.pk,
        body={"number": device.number, "officer": officer.get_username()},
        rows=[device, entry],
    )
    return device


# After a recording: its interruptions, playback reviews and use as evidence (kept in their own module)
from liuhen.media.playback import (  # noqa: E402
    enter_start_time as enter_start_time,
)
from liuhen.media.playback import (  # noqa: E402
    mark_evidence as mark_evidence,
)
from liuhen.media.playback import (  # noqa: E402
    note_interruption as note_interruption,
)
from liuhen.media.playback import (  # noqa: E402
    review_recording as review_recording,
)
from liuhen.media.playback import (  # noqa: E402
    supervisor_of as supervisor_of,
)
