"""Body-camera dock import: a folder of recordings from one device, resumable and idempotent.

A journal (LIUHEN_HOME/imports/<device>.jsonl) remembers each file already ingested by path, size and mtime,
so a run that was interrupted goes on where it stopped without reading finished files again; a file met
again under another name is the same blob and the same record.

Only what is in the folder is imported: a symbolic link (to a file or a folder) is reported and not followed,
and the device number must be a plain one (letters, digits, '-', '_') because it names the journal.
"""

from __future__ import annotations

import json
import os
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


def scan(folder: Path) -> tuple[list[Path], list[Path]]:
    """(media files, symbolic links) under the folder; links are never followed."""
    files, links = [], []
    for root, dirs, names in os.walk(folder, followlinks=False):
        for name in [*dirs, *names]:
            path = Path(root) / name
            if path.is_symlink():
                links.append(path)
            elif name in names and path.is_file() and path.suffix.lower() in MEDIA_SUFFIXES:
                files.append(path)
    return sorted(files), sorted(links)


def media_files(folder: Path) -> list[Path]:
    return scan(folder)[0]


def _journal(device: Device) -> Path:
    folder = settings.HOME / "imports"
    path = folder / f"{services.check_device_number(device.number)}.jsonl"
    if path.resolve().parent != folder.resolve():  # never a file outside LIUHEN_HOME/imports
        raise InvalidInput(f"设备编号“{device.number}”不能用作文件名")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
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
    device_no = services.check_device_number(device_no)
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
    files, links = scan(folder)
    result.failed += [f"{link.relative_to(folder)}：是符号链接，未导入（只导入采集站文件夹内的文件）" for link in links]
    for path in files:
        if path.is_symlink():  # replaced by a link since the folder was read
            result.failed.append(f"{path.relative_to(folder)}：是符号链接，未导入")
            continue
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
