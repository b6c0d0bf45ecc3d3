"""Resumable uploads over the tus 1.0 protocol (core, creation, termination, checksum).

A dropped connection loses nothing: the client asks (HEAD) how much has arrived and sends the rest (PATCH
at that offset). Each chunk may carry its SHA-256 (Upload-Checksum) and is refused (460) if it does not
match. The whole file's SHA-256 is computed as the chunks arrive; when the last byte is in, the file is
taken into the blob store as it is and ingested like any recording.

Everything a client sends is checked before anything is written, and refused with a 4xx and the reason:
the length (LIUHEN_UPLOAD_MAX_BYTES), the file name, the case, the device, the times, the checksum. Each
user has at most LIUHEN_UPLOAD_MAX_OPEN unfinished uploads and LIUHEN_UPLOAD_MAX_PENDING_BYTES declared
in them; one left untouched for LIUHEN_UPLOAD_EXPIRY_DAYS is ended. An upload whose file cannot be taken
in is ended with the reason, and leaves no file behind.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
import unicodedata
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from liuhen.accounts.models import User
from liuhen.cases.queries import visible_cases
from liuhen.core.errors import InvalidInput, LiuhenError
from liuhen.core.permissions import Action
from liuhen.media import services
from liuhen.media.models import Device, Upload
from liuhen.web.permissions import page_needs

log = logging.getLogger("liuhen.media")
VERSION = "1.0.0"
METADATA_KEYS = {"filename", "filetype", "case", "device", "recorded_from", "returned_at", "contractor"}
MAX_METADATA = 4096  # characters of the Upload-Metadata header
MAX_FILE_NAME = 200  # characters; the record keeps the name as given (Recording.file_name)
_DIGITS = re.compile(r"[0-9]{1,19}")
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}")
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
    """The Upload-Metadata pairs this server uses (others are ignored); InvalidInput says what is wrong."""
    if len(header) > MAX_METADATA:
        raise InvalidInput(f"Upload-Metadata 过长（最多 {MAX_METADATA} 个字符）")
    out: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _, value = pair.partition(" ")
        if key not in METADATA_KEYS:
            continue
        try:
            out[key] = base64.b64decode(value, validate=True).decode("utf-8").strip() if value else ""
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidInput(f"Upload-Metadata 中 {key} 不是有效的 base64 编码的 UTF-8 文本") from None
    return out


def _file_name(value: str) -> str:
    """The name as given, without folders; refused if empty, too long or holding control characters."""
    name = value.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or name in {".", ".."}:
        raise InvalidInput("缺少文件名（Upload-Metadata filename）")
    if any(unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"} for c in name):
        raise InvalidInput("文件名含有控制字符或无效字符，请改名后再上传")
    if len(name) > MAX_FILE_NAME:
        raise InvalidInput(f"文件名过长（{len(name)} 个字符，最多 {MAX_FILE_NAME} 个），请改名后再上传")
    return name


def _time(meta: dict[str, str], key: str, label: str) -> str:
    """A time as ISO 8601 with its offset; one without an offset is Beijing time."""
    text = meta.get(key, "")
    if not text:
        return ""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{label}“{text[:40]}”格式不正确（应为 2026-03-01T09:30）") from None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return when.isoformat()


def _checked(meta: dict[str, str]) -> dict[str, str]:
    """Every metadata value the finished upload will use, checked now, before a byte is accepted."""
    out = {"filename": _file_name(meta.get("filename", ""))}
    if meta.get("case") and not _DIGITS.fullmatch(meta["case"]):
        raise InvalidInput("案件编号（case）须为数字")
    if meta.get("device"):
        meta["device"] = services.check_device_number(meta["device"])
    for key in ("case", "device"):
        if meta.get(key):
            out[key] = meta[key]
    for key, label in (("recorded_from", "录制开始时间"), ("returned_at", "返回时间")):
        if value := _time(meta, key, label):
            out[key] = value
    if contractor := meta.get("contractor", "").strip():  # rule R16: the third party that made the recording
        if len(contractor) > 100 or any(not ch.isprintable() for ch in contractor):
            raise InvalidInput("受委托制作音像记录的单位名称须为100字以内的可见文字")
        out["contractor"] = contractor
    return out


def _expire(user: User) -> None:
    """End the user's uploads left untouched past the expiry (tus expiration): their files and rows go."""
    cutoff = timezone.now() - timedelta(days=settings.UPLOAD_EXPIRY_DAYS)
    for row in Upload.objects.filter(user=user, recording__isnull=True, created_at__lt=cutoff):
        _discard(row)


def _discard(row: Upload) -> None:
    """An unfinished upload ends: its file and its row are removed (working state, not a record)."""
    for path in _part(row.id).parent.glob(f"{row.id}*"):
        path.unlink(missing_ok=True)
    _HASHERS.pop(row.id, None)
    if row.recording_id is None:
        Upload.objects.filter(pk=row.pk).delete()


def _quota(user: User, length: int) -> str:
    """Why this user may not start an upload of ``length`` bytes now, or ''."""
    limit = settings.UPLOAD_MAX_BYTES
    if not 0 < length <= limit:
        return f"文件大小须在 1 字节到 {_size(limit)} 之间"
    open_rows = Upload.objects.filter(user=user, recording__isnull=True)
    if open_rows.count() >= settings.UPLOAD_MAX_OPEN:
        return f"未完成的上传已有 {settings.UPLOAD_MAX_OPEN} 个：请先完成或取消其中的上传"
    pending = sum(r.length - r.offset for r in open_rows)
    if pending + length > settings.UPLOAD_MAX_PENDING_BYTES:
        return f"未完成的上传合计超过 {_size(settings.UPLOAD_MAX_PENDING_BYTES)}：请先完成或取消其中的上传"
    return ""


def _size(n: int) -> str:
    return f"{n / 2**30:g} GiB" if n >= 2**30 else f"{n / 2**20:g} MiB"


def _options() -> HttpResponse:
    return _response(
        204,
        Tus_Version=VERSION,
        Tus_Extension="creation,termination,checksum",
        Tus_Max_Size=str(settings.UPLOAD_MAX_BYTES),
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
    declared = request.headers.get("Upload-Length", "")
    if not _DIGITS.fullmatch(declared):
        return _refuse(400, "Upload-Length 须为文件的字节数")
    length = int(declared)
    try:
        meta = _checked(_metadata(request.headers.get("Upload-Metadata", "")))
    except InvalidInput as exc:
        return _refuse(400, str(exc))
    user: User = request.user  # type: ignore[assignment]
    _expire(user)
    if refused := _quota(user, length):
        return _refuse(413, refused)
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
        _discard(row)
        return _response(204)
    if request.method != "PATCH":
        return _refuse(405, "不支持的方法")
    if request.content_type != "application/offset+octet-stream":
        return _refuse(415, "Content-Type 须为 application/offset+octet-stream")
    if request.headers.get("Upload-Offset") != str(row.offset):
        return _refuse(409, f"偏移量不符：服务器已接收 {row.offset} 字节")
    if row.offset == row.length:
        return _refuse(409, "该上传已接收完毕")
    expected = None
    checksum = request.headers.get("Upload-Checksum", "")
    if checksum:
        algo, _, value = checksum.partition(" ")
        if algo != "sha256":
            return _refuse(400, "只支持 sha256 校验")
        try:
            expected = base64.b64decode(value.strip(), validate=True)
        except binascii.Error:
            expected = b""
        if len(expected) != hashlib.sha256().digest_size:
            return _refuse(400, "Upload-Checksum 格式不正确：应为 sha256 与 base64 编码的 32 字节摘要")
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
        except LiuhenError as exc:  # the upload ends with the reason; nothing of it stays behind
            _discard(row)
            return _refuse(422, f"{exc}（本次上传已结束，请处理后重新上传）")
        except Exception:
            _discard(row)
            raise
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
    suffix = Path(meta["filename"]).suffix
    named = path.with_name(f"{row.id}{suffix if _SUFFIX.fullmatch(suffix) else ''}")  # never the client's name
    path.rename(named)
    case = visible_cases(user).filter(pk=int(meta["case"])).first() if meta.get("case") else None
    device = Device.objects.filter(number=meta.get("device", ""), agency=user.agency).first()
    recorded, returned = meta.get("recorded_from", ""), meta.get("returned_at", "")
    recorded_from = datetime.fromisoformat(recorded) if recorded else None  # checked and zoned on creation
    returned_at = datetime.fromisoformat(returned) if returned else None
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
            file_name=meta["filename"],
            contractor=meta.get("contractor", ""),  # rule R16: the uploading officer supervised the contractor
            supervising_officer=user if meta.get("contractor", "").strip() else None,
        )
    finally:
        named.unlink(missing_ok=True)
    row.recording = result.recording
    row.save(update_fields=["recording"])
