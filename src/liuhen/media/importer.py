"""Body-camera dock import: a folder of recordings from one device, resumable and idempotent.

A journal (LIUHEN_HOME/imports/<device>.jsonl) remembers each file already ingested by path, size and mtime,
so a run that was interrupted goes on where it stopped without reading finished files again; a file met
again under another name is the same blob and the same record.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from liuhen.accounts.models import User
from liuhen.core.errors import InvalidInput
from liuhen.media import probe, services
from liuhen.media.models import Device, Recording
from liuhen.media.storage import BlobStore, default_store

MEDIA_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".ts", ".m4v", ".3gp", ".wav", ".mp3", ".aac", ".m4a", ".amr"}


@dataclass
class ImportResult:
    ingested: int = 0
    already: int = 0
    linked: int = 0
    unlinked: int = 0
    late: int = 0
    failed: list[str] = field(default_factory=list)
    bytes: int = 0


def media_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES)


def _journal(device: Device) -> Path:
    path = settings.HOME / "imports" / f"{device.number}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def import_folder(
    *,
    actor: User | None,
    folder: Path,
    device_no: str,
    progress: Callable[[str, int], None] | None = None,
    store: BlobStore | None = None,
    returned_at: datetime | None = None,
) -> ImportResult:
    if not folder.is_dir():
        raise InvalidInput(f"找不到文件夹 {folder}")
    device = Device.objects.select_related("officer").filter(number=device_no).first()
    if device is None:
        raise InvalidInput(f"设备 {device_no} 未登记（DV1：记录设备须先登记、分配）")
    store = store or default_store()
    journal = _journal(device)
    done: dict[str, str] = {}
    if journal.exists():
        for line in journal.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            done[entry["key"]] = entry["sha256"]
    result = ImportResult()
    for path in media_files(folder):
        stat = path.stat()
        key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
        if key in done and Recording.objects.filter(blob_id=done[key]).exists():
            result.already += 1
            if progress:
                progress(path.name, stat.st_size)
            continue
        token, stamp = probe.parse_camera_name(path.name)
        if token and token != device.number and not device.number.endswith(token):
            result.failed.append(f"{path.name}：文件名中的设备号 {token} 与 {device.number} 不符")
            continue
        when = timezone.make_aware(stamp, timezone.get_current_timezone()) if stamp else None
        try:
            ingested = services.ingest_file(
                actor=actor, path=path, device=device, recorded_from=when, store=store, returned_at=returned_at
            )
        except InvalidInput as exc:
            result.failed.append(f"{path.name}：{exc}")
            continue
        rec = ingested.recording
        with journal.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"key": key, "sha256": rec.blob_id}) + "\n")
        if ingested.created:
            result.ingested += 1
            result.bytes += stat.st_size
            result.linked += rec.case_id is not None
            result.unlinked += rec.case_id is None
            result.late += rec.late
        else:
            result.already += 1
        if progress:
            progress(path.name, stat.st_size)
    return result
