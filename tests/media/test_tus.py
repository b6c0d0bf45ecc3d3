"""Resumable uploads (tus 1.0 core, creation, termination, checksum) through the web, with real video."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.test import Client

from liuhen.media.models import Recording, Upload
from liuhen.media.storage import LocalBlobStore
from tests.media.conftest import synthesise

pytestmark = pytest.mark.django_db
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def meta(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def patch(client: Client, url: str, offset: int, data: bytes, checksum: bytes | None = None):  # type: ignore[no-untyped-def]
    headers = {**TUS, "HTTP_UPLOAD_OFFSET": str(offset)}
    if checksum is not None:
        headers["HTTP_UPLOAD_CHECKSUM"] = "sha256 " + base64.b64encode(checksum).decode()
    return client.generic("PATCH", url, data, content_type="application/offset+octet-stream", **headers)


def test_upload_survives_a_dropped_connection(tmp_path, blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    video = synthesise(tmp_path / "现场.mp4").read_bytes()
    web = Client()
    web.force_login(cast.handler)
    options = web.options("/uploads/", **TUS)
    assert "checksum" in options["Tus-Extension"] and options["Tus-Checksum-Algorithm"] == "sha256"
    created = web.post(
        "/uploads/",
        content_type="application/offset+octet-stream",
        **TUS,
        HTTP_UPLOAD_LENGTH=str(len(video)),
        HTTP_UPLOAD_METADATA=meta(filename="现场.mp4", case=str(case.pk)),
    )
    assert created.status_code == 201
    url = created["Location"]
    half = len(video) // 2
    assert patch(web, url, 0, video[:half], hashlib.sha256(video[:half]).digest()).status_code == 204
    # the connection drops; the client asks how much arrived and sends the rest
    head = web.head(url, **TUS)
    assert head["Upload-Offset"] == str(half) and head["Upload-Length"] == str(len(video))
    assert patch(web, url, 0, video[:10]).status_code == 409  # a wrong offset is refused
    corrupt = bytearray(video[half:])
    corrupt[5] ^= 0xFF
    assert patch(web, url, half, bytes(corrupt), hashlib.sha256(video[half:]).digest()).status_code == 460
    assert web.head(url, **TUS)["Upload-Offset"] == str(half)  # the bad chunk left nothing behind
    done = patch(web, url, half, video[half:], hashlib.sha256(video[half:]).digest())
    assert done.status_code == 204 and done["Upload-Offset"] == str(len(video))
    rec = Recording.objects.get()
    assert rec.case == case and rec.file_name == "现场.mp4" and rec.officer == cast.handler
    assert rec.blob_id == hashlib.sha256(video).hexdigest()
    assert LocalBlobStore(blob_root).path(rec.blob_id).read_bytes() == video  # the original, byte for byte
    assert rec.poster is not None and Upload.objects.get().recording == rec


def test_upload_refusals_and_termination(tmp_path, blob_root, cast) -> None:  # type: ignore[no-untyped-def]
    web = Client()
    web.force_login(cast.handler)
    assert web.post("/uploads/", **TUS, HTTP_UPLOAD_LENGTH="10").status_code == 400  # no file name
    assert (
        web.post("/uploads/", HTTP_UPLOAD_LENGTH="10", HTTP_UPLOAD_METADATA=meta(filename="a.mp4")).status_code == 412
    )
    assert (
        web.post("/uploads/", **TUS, HTTP_UPLOAD_LENGTH="0", HTTP_UPLOAD_METADATA=meta(filename="a.mp4")).status_code
        == 413
    )
    url = web.post("/uploads/", **TUS, HTTP_UPLOAD_LENGTH="2048", HTTP_UPLOAD_METADATA=meta(filename="notes.mp4"))[
        "Location"
    ]
    other = Client()
    other.force_login(cast.second_officer)
    assert other.head(url, **TUS).status_code == 404  # one officer's upload is not another's
    bogus = patch(web, url, 0, b"\0" * 2048)
    assert bogus.status_code == 422 and "不是可识别的音视频文件" in bogus.content.decode()
    assert not Recording.objects.exists()
    assert web.head(url, **TUS).status_code == 404  # the refused upload ended itself, nothing left to resume
    assert Upload.objects.count() == 0
    url = web.post("/uploads/", **TUS, HTTP_UPLOAD_LENGTH="2048", HTTP_UPLOAD_METADATA=meta(filename="notes.mp4"))[
        "Location"
    ]
    assert web.delete(url, **TUS).status_code == 204  # termination
    assert Upload.objects.count() == 0
    assert Client().post("/uploads/", **TUS).status_code == 302  # a login is needed
