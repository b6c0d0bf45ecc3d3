"""Browser uploads (tus): every input is checked with a 4xx and its reason before a byte is kept, a failed
upload leaves no file and no wedged row, and each user's uploads have quotas (finding 9)."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from liuhen.media.models import Recording, Upload
from tests.media.conftest import synthesise

pytestmark = pytest.mark.django_db
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def meta(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(client: Client, length: int, **values: str) -> Any:
    return client.post(
        "/uploads/",
        content_type="application/offset+octet-stream",
        **TUS,
        HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA=meta(**values),
    )


def patch(client: Client, url: str, offset: int, data: bytes, checksum: str | None = None) -> Any:
    headers = {**TUS, "HTTP_UPLOAD_OFFSET": str(offset)}
    if checksum is not None:
        headers["HTTP_UPLOAD_CHECKSUM"] = checksum
    return client.generic("PATCH", url, data, content_type="application/offset+octet-stream", **headers)


def sha256(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


def leftovers() -> list[Path]:
    folder = settings.HOME / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def web(cast, blob_root) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(cast.handler)
    for path in leftovers():  # the uploads folder is shared by the test session
        path.unlink()
    return client


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("长" * 300 + ".mp4", "文件名过长"),
        ("现场\x00.mp4", "控制字符"),
        ("a\nb.mp4", "控制字符"),
        ("../", "缺少文件名"),
    ],
)
def test_a_bad_file_name_is_refused_before_anything_is_kept(web, name, reason) -> None:  # type: ignore[no-untyped-def]
    r = create(web, 1000, filename=name)
    assert r.status_code == 400 and reason in r.content.decode()
    assert not Upload.objects.exists() and leftovers() == []


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"recorded_from": "昨天上午"}, "录制开始时间"),
        ({"returned_at": "2026-13-01T09:00"}, "返回时间"),
        ({"case": "１２"}, "案件编号"),
        ({"device": "../../etc/x"}, "设备编号"),
    ],
)
def test_bad_metadata_is_refused_with_its_reason(web, values, reason) -> None:  # type: ignore[no-untyped-def]
    r = create(web, 1000, filename="现场.mp4", **values)
    assert r.status_code == 400 and reason in r.content.decode()
    r = web.post("/uploads/", **TUS, HTTP_UPLOAD_LENGTH="1000", HTTP_UPLOAD_METADATA="filename !!!")
    assert r.status_code == 400 and "base64" in r.content.decode()
    for length in ("1_000", " 1000", "-5", "1e3"):
        r = web.post("/uploads/", **TUS, HTTP_UPLOAD_LENGTH=length, HTTP_UPLOAD_METADATA=meta(filename="a.mp4"))
        assert r.status_code == 400
    assert not Upload.objects.exists()


def test_a_timezone_aware_start_time_is_taken_as_given(web, tmp_path, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    video = synthesise(tmp_path / "v.mp4").read_bytes()
    url = create(web, len(video), filename="现场.mp4", case=str(case.pk), recorded_from="2026-03-01T01:30:00+00:00")[
        "Location"
    ]
    assert patch(web, url, 0, video, sha256(video)).status_code == 204
    rec = Recording.objects.get()
    assert rec.recorded_from == timezone.make_aware(timezone.datetime(2026, 3, 1, 9, 30))  # 01:30 UTC is 09:30 Beijing
    assert leftovers() == []


def test_a_malformed_checksum_is_refused_and_the_upload_goes_on(web, tmp_path) -> None:  # type: ignore[no-untyped-def]
    video = synthesise(tmp_path / "v.mp4").read_bytes()
    url = create(web, len(video), filename="现场.mp4")["Location"]
    for bad in ("sha256 !!!not-base64!!!", "sha256 " + base64.b64encode(b"short").decode(), "sha256"):
        r = patch(web, url, 0, video, bad)
        assert r.status_code == 400 and "Upload-Checksum" in r.content.decode()
        assert web.head(url, **TUS)["Upload-Offset"] == "0"
    assert patch(web, url, 0, video, sha256(video)).status_code == 204
    assert Recording.objects.filter(file_name="现场.mp4").exists() and leftovers() == []


def test_a_file_that_cannot_be_taken_in_ends_the_upload_cleanly(web) -> None:  # type: ignore[no-untyped-def]
    """Not a recording: the client is told why, and no file, no row and no wedged offset stay behind."""
    data = b"this is not a video " * 100
    url = create(web, len(data), filename="笔记.mp4")["Location"]
    r = patch(web, url, 0, data, sha256(data))
    assert r.status_code == 422 and "上传已结束" in r.content.decode()
    assert web.head(url, **TUS).status_code == 404
    assert not Upload.objects.exists() and leftovers() == [] and not Recording.objects.exists()


def test_uploads_have_quotas(web, settings) -> None:  # type: ignore[no-untyped-def]
    r = create(web, 64 * 2**30, filename="大.mp4")  # the 64 GiB the server once accepted
    assert r.status_code == 413 and "16 GiB" in r.content.decode()
    assert web.options("/uploads/", **TUS)["Tus-Max-Size"] == str(16 * 2**30)
    settings.UPLOAD_MAX_OPEN, settings.UPLOAD_MAX_PENDING_BYTES = 2, 3 * 2**20
    assert create(web, 2**20, filename="1.mp4").status_code == 201
    r = create(web, 2**21 + 1, filename="2.mp4")
    assert r.status_code == 413 and "合计超过 3 MiB" in r.content.decode()
    second = create(web, 2**20, filename="2.mp4")
    assert second.status_code == 201
    r = create(web, 10, filename="3.mp4")
    assert r.status_code == 413 and "未完成的上传已有 2 个" in r.content.decode()
    assert web.delete(second["Location"], **TUS).status_code == 204  # termination frees its place
    assert create(web, 10, filename="3.mp4").status_code == 201
    # an upload left untouched past the expiry is ended on the next creation, file and all
    Upload.objects.update(created_at=timezone.now() - timedelta(days=settings.UPLOAD_EXPIRY_DAYS + 1))
    assert len(leftovers()) == 2
    assert create(web, 10, filename="4.mp4").status_code == 201
    assert Upload.objects.count() == 1 and len(leftovers()) == 1
