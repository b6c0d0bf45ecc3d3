"""Device and recording oversight: the pre-use check (DV1), the decision on a faulty or retired device's files
(DV1), and the finding on an unlinked recording unrelated to enforcement (DV2). Each command is ledgered."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.cases.services import require_agency_member
from liuhen.core.errors import Forbidden, InvalidInput
from liuhen.ledger import services as ledger
from liuhen.media.models import Device, DeviceLog, DeviceStatus, Recording


@transaction.atomic
def check_device(*, actor: User, device: Device, battery_ok: bool, storage_ok: bool, note: str = "") -> DeviceLog:
    """rule DV1 (004 第二十条): battery and storage checked before each use, recorded per device and use.

    A device that fails its check is not used: what failed is written down, and a fault is reported with log_device."""
    require_agency_member(actor, device.agency_id)
    if device.status != DeviceStatus.IN_SERVICE:
        raise InvalidInput(f"设备 {device.number} 处于“{device.get_status_display()}”状态，不能使用")
    note = note.strip()
    if not (battery_ok and storage_ok) and not note:
        raise InvalidInput("检查未通过的，须写明情况")
    now = timezone.now()
    entry = DeviceLog.objects.create(
        device=device, kind="check", note=note, battery_ok=battery_ok, storage_ok=storage_ok, actor=actor, at=now
    )
    ledger.append(
        actor=actor,
        action="device.checked",
        subject_type="device",
        subject_id=device.pk,
        at=now,
        body={
            "number": device.number,
            "log": entry.pk,
            "battery_ok": battery_ok,
            "storage_ok": storage_ok,
            "note": note,
        },
        rows=[entry],
    )
    return entry


def _unit_head_of(actor: User, rec: Recording) -> None:
    unit_id = rec.case.unit_id if rec.case is not None else rec.unit_id
    agency_id = rec.case.agency_id if rec.case is not None else (rec.officer.agency_id if rec.officer else None)
    if actor.agency_id != agency_id or actor.role != Role.UNIT_HEAD or actor.unit_id != unit_id:
        raise Forbidden("须由该录像所属单位的承办机构负责人决定")


@transaction.atomic
def decide_device_recording(*, actor: User, recording: Recording, accept: bool, reason: str) -> Recording:
    """rule DV1: a file from a faulty or retired device is used only when the unit head accepts it, with a reason.

    Until then, and after a refusal, it does not count as recording any activity (media.queries.counted_recordings)."""
    rec = Recording.objects.select_for_update(of=("self",)).select_related("case", "officer").get(pk=recording.pk)
    _unit_head_of(actor, rec)
    if rec.device_review != "pending":
        raise InvalidInput("该录像无须或已经作出审定")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("须写明采用或不予采用的理由")
    now = timezone.now()
    rec.device_review = "accepted" if accept else "rejected"
    rec.device_review_reason, rec.device_reviewed_by, rec.device_reviewed_at = reason, actor, now
    rec.save(update_fields=["device_review", "device_review_reason", "device_reviewed_by", "device_reviewed_at"])
    ledger.append(
        actor=actor,
        action="media.device_review",
        subject_type="recording",
        subject_id=rec.pk,
        case_ref=rec.case_id,
        at=now,
        body={
            "sha256": rec.blob_id,
            "device_status": rec.device_status,
            "decision": rec.device_review,
            "reason": reason,
        },
        rows=[rec],
    )
    return rec


TRIAGE = dict(Recording._meta.get_field("triage").choices or ())


@transaction.atomic
def triage_recording(*, actor: User, recording: Recording, finding: str, note: str) -> Recording:
    """rule DV2 (004 第二十三条(四)): an unlinked recording is looked at by the unit head, who records whether it
    shows an activity unrelated to enforcement (private use). The finding is reported: it is ledgered, and it is
    listed for the unit's head and the agency's supervisors (media.queries.reports)."""
    rec = Recording.objects.select_for_update(of=("self",)).select_related("case", "officer").get(pk=recording.pk)
    _unit_head_of(actor, rec)
    if rec.case_id is not None:
        raise InvalidInput("该录像已归入案件，无须核查")
    if rec.triage:
        raise InvalidInput("该录像已核查")
    if finding not in TRIAGE:
        raise InvalidInput(f"核查结论只能是：{'、'.join(TRIAGE.values())}")
    note = note.strip()
    if not note:
        raise InvalidInput("须写明核查情况")
    now = timezone.now()
    rec.triage, rec.triage_note, rec.triaged_by, rec.triaged_at = finding, note, actor, now
    rec.save(update_fields=["triage", "triage_note", "triaged_by", "triaged_at"])
    ledger.append(
        actor=actor,
        action="media.triaged",
        subject_type="recording",
        subject_id=rec.pk,
        at=now,
        body={
            "sha256": rec.blob_id,
            "finding": finding,
            "note": note,
            "officer": rec.officer.get_username() if rec.officer else None,
            "device": rec.device.number if rec.device_id and rec.device else None,
        },
        rows=[rec],
    )
    return rec
