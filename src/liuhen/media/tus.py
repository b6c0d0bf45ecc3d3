"""Resumable uploads over the tus 1.0 protocol (core, creation, termination, checksum).

A dropped connection loses nothing: the client asks (HEAD) how much has arrived and sends the rest (PATCH
at that offset). Each chunk may carry its SHA-256 (Upload-Checksum) and is refused (460) if it does not
match. The whole file's SHA-256 is computed as the chunks arrive; when the last byte is in, the file is
taken into the blob store as it is and ingested like any recording.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from liuhen.accounts.models import User
from liuhen.cases.queries import visible_cases
from liuhen.core.errors import LiuhenError
from liuhen.core.permissions import Action
from liuhen.media import services
from liuhen.media.models import Device, Upload
from liuhen.web.permissions import page_needs

VERSION = "1.0.0"
MAX_SIZE = 64 * 2**30  # 64 GiB
_HASHERS: dict[uuid.UUID, tuple[Any, int]] = {}  # upload id -> (running SHA-256, bytes hashed), this process


def _part(upload_id: uuid.UUID) -> Path:
    folder = settings.HOME / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{upload_id}.part"


def _response(status: int, **headers: str) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Tus-Resumable"] = VERSION
    response["Cache-Control"] = "no-store"
    for key, value in headers.items():
        response[key.replace("_", "-")] = value
    return response


def _refuse(status: int, message: str) -> HttpResponse:
    response = _response(status)
    response.content = message.encode("utf-8")
    response["Content-Type"] = "text/plain; charset=utf-8"
    return response


def _metadata(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _, value = pair.partition(" ")
        out[key] = base64.b64decode(value).decode("utf-8") if value else ""
    return out


def _options() -> HttpResponse:
    return _response(
        204,
        Tus_Version=VERSION,
        Tus_Extension="creation,termination,checksum",
        Tus_Max_Size=str(MAX_SIZE),
        Tus_Checksum_Algorithm="sha256",
    )


@login_required
@page_needs(Action.MEDIA_UPLOAD)
def uploads(request: HttpRequest) -> HttpResponse:
    """OPTIONS: what this server supports; POST: create an upload (Upload-Length, Upload-Metadata)."""
    if request.method == "OPTIONS":
        return _options()
    if request.method != "POST":
        return _refuse(405, "只支持 OPTIONS 和 POST")
    if request.headers.get("Tus-Resumable") != VERSION:
        return _refuse(412, "须使用 tus 1.0.0")
    try:
        length = int(request.headers.get("Upload-Length", ""))
        meta = _metadata(request.headers.get("Upload-Metadata", ""))
    except ValueError:
        return _refuse(400, "Upload-Length 或 Upload-Metadata 无效")
    if not 0 < length <= MAX_SIZE:
        return _refuse(413, f"文件大小须在 1 字节到 {MAX_SIZE // 2**30} GiB 之间")
    if not meta.get("filename"):
        return _refuse(400, "缺少文件名（Upload-Metadata filename）")
    user: User = request.user  # type: ignore[assignment]
    upload = Upload.objects.create(
        id=uuid.uuid4(), user=user, length=length, metadata=json.dumps(meta), created_at=timezone.now()
    )
    _part(upload.id).touch()
    _HASHERS[upload.id] = (hashlib.sha256(), 0)
    return _response(201, Location=f"/uploads/{upload.id}", Upload_Offset="0")


@login_required
@page_needs(Action.MEDIA_UPLOAD)
def upload(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    if request.method == "OPTIONS":
        return _options()
    user: User = request.user  # type: ignore[assignment]
    row = Upload.objects.filter(pk=upload_id, user=user).first()
    if row is None:
        return _refuse(404, "上传不存在")
    if request.method == "HEAD":
        return _response(200, Upload_Offset=str(row.offset), Upload_Length=str(row.length))
    if request.method == "DELETE":  # termination
        _part(row.id).unlink(missing_ok=True)
        _HASHERS.pop(row.id, None)
        if row.recording_id is None:
            row.delete()
        return _response(204)
    if request.method != "PATCH":
        return _refuse(405, "不支持的方法")
    if request.content_type != "application/offset+octet-stream":
        return _refuse(415, "Content-Type 须为 application/offset+octet-stream")
    if request.headers.get("Upload-Offset") != str(row.offset):
        return _refuse(409, f"偏移量不符：服务器已接收 {row.offset} 字节")
    expected = None
    checksum = request.headers.get("Upload-Checksum", "")
    if checksum:
        algo, _, value = checksum.partition(" ")
        if algo != "sha256":
            return _refuse(400, "只支持 sha256 校验")
        expected = base64.b64decode(value)
    part = _part(row.id)
    chunk_hash = hashlib.sha256()
    hasher, hashed = _HASHERS.get(row.id, (None, -1))
    grow = hasher.copy() if hasher is not None and hashed == row.offset else None
    received = 0
    with part.open("r+b") as fh:  # streamed: a chunk of any size never sits in memory whole
        fh.seek(row.offset)
        fh.truncate()
        while piece := request.read(2**20):
            received += len(piece)
            if row.offset + received > row.length:
                fh.truncate(row.offset)
                return _refuse(413, "超过声明的文件大小")
            fh.write(piece)
            chunk_hash.update(piece)
            if grow is not None:
                grow.update(piece)
        if expected is not None and chunk_hash.digest() != expected:
            fh.truncate(row.offset)
            return _refuse(460, "分块校验和不符，请重新发送")
        fh.flush()
    if grow is not None:  # one pass: the file's hash grows with it
        _HASHERS[row.id] = (grow, row.offset + received)
    row.offset += received
    row.save(update_fields=["offset"])
    if row.offset == row.length:
        try:
            _finish(user, row)
        except LiuhenError as exc:
            return _refuse(422, str(exc))
    return _response(204, Upload_Offset=str(row.offset))


def _finish(user: User, row: Upload) -> None:
    meta = json.loads(row.metadata)
    path = _part(row.id)
    hasher, hashed = _HASHERS.pop(row.id, (None, -1))
    if hasher is None or hashed != row.length:  # the server restarted mid-upload: hash the file once more
        hasher = hashlib.sha256()
        with path.open("rb") as fh:
            while block := fh.read(8 * 2**20):
                hasher.update(block)
    named = path.with_name(f"{row.id}-{Path(meta['filename']).name}")
    path.rename(named)
    case = visible_cases(user).filter(pk=int(meta["case"])).first() if meta.get("case", "").isdigit() else None
    device = Device.objects.filter(number=meta.get("device", ""), agency=user.agency).first()
    recorded, returned = meta.get("recorded_from", ""), meta.get("returned_at", "")
    recorded_from = timezone.make_aware(datetime.fromisoformat(recorded)) if recorded else None
    returned_at = timezone.make_aware(datetime.fromisoformat(returned)) if returned else None
    try:
        result = services.ingest_file(
            actor=user,
            path=named,
            device=device,
            officer=user,
            case=case,
            recorded_from=recorded_from,
            returned_at=returned_at,
            sha256=hasher.hexdigest(),
            file_name=Path(meta["filename"]).name,
            contractor=meta.get("contractor", ""),  # rule R16: the uploading officer supervised the contractor
            supervising_officer=user if meta.get("contractor", "").strip() else None,
        )
    finally:
        named.unlink(missing_ok=True)
    row.recording = result.recording
    row.save(update_fields=["recording"])
