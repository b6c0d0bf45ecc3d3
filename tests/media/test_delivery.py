"""Downloads and video leave through the object store (presigned URLs) or the front web server (X-Accel-Redirect),
never through Python, and only after the permission check and the registered read (rule R9).

The object store is a real S3 API (moto's server over HTTP); the presigned URLs are fetched from it as a browser
would, byte ranges included; the X-Accel-Redirect location is fetched as nginx's internal location would."""

from __future__ import annotations

import hashlib
import urllib.request

import pytest
from django.test import Client

from liuhen.access import services as access
from liuhen.accounts import services as accounts
from liuhen.ledger.models import Event
from liuhen.media import services
from liuhen.media.storage import LocalBlobStore
from tests.conftest import PASSWORD
from tests.media.conftest import synthesise

pytestmark = pytest.mark.django_db


def login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def fetch(url: str, byte_range: str = "") -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Range": byte_range} if byte_range else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


@pytest.fixture
def s3_blobs(s3_client, settings, monkeypatch):  # type: ignore[no-untyped-def]
    """LIUHEN_STORAGE_URL=s3://liuhen-blobs/instance, with the credentials and endpoint in the usual AWS_* variables."""
    s3_client.create_bucket(Bucket="liuhen-blobs")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_client.meta.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "liuhen")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "liuhen-test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    settings.STORAGE_URL = "s3://liuhen-blobs/instance"
    return s3_client


def recording_reads(rec) -> int:  # type: ignore[no-untyped-def]
    return Event.objects.filter(action="record.read", subject_type="recording", subject_id=str(rec.pk)).count()


def stranger_and_admin(agency):  # type: ignore[no-untyped-def]
    other = accounts.create_agency(actor=None, name="另一区应急管理局", short_name="另应急")
    stranger = accounts.create_user(
        actor=None, username="stranger", password=PASSWORD, full_name="外人", role="officer", agency=other, unit=None
    )
    admin = accounts.create_user(
        actor=None, username="sysadmin", password=PASSWORD, full_name="管理员", role="admin", agency=agency, unit=None
    )
    return stranger, admin


def test_video_by_presigned_url_after_the_read(tmp_path, s3_blobs, settings, cast, make_case, agency) -> None:  # type: ignore[no-untyped-def]
    settings.BLOB_DELIVERY = "presigned"
    clip = synthesise(tmp_path / "scene.mp4")
    data = clip.read_bytes()
    rec = services.ingest_file(actor=None, path=clip, officer=cast.handler, case=make_case()).recording
    stranger, admin = stranger_and_admin(agency)
    for outsider in (stranger, admin):  # no URL for those who may not see it, and no read
        refused = login(outsider).get(f"/media/{rec.pk}/stream/")
        assert refused.status_code in {403, 404} and not refused.has_header("Location")
    assert recording_reads(rec) == 0

    web = login(cast.handler)
    first = web.get(f"/media/{rec.pk}/stream/", HTTP_RANGE="bytes=0-")
    assert first.status_code == 302 and first.content == b""
    url = first["Location"]
    assert url.startswith(s3_blobs.meta.endpoint_url) and "X-Amz-Signature=" in url
    assert recording_reads(rec) == 1  # registered before the URL was given
    status, body = fetch(url)
    assert status == 200 and body == data  # the exact bytes, from the object store
    status, part = fetch(url, "bytes=100-199")
    assert status == 206 and part == data[100:200]  # the player's seeks go to the store too
    seek = web.get(f"/media/{rec.pk}/stream/", HTTP_RANGE="bytes=5000-")
    assert seek.status_code == 302 and recording_reads(rec) == 1  # the same play: one read


def test_copy_package_by_presigned_url(
    tmp_path, s3_blobs, settings, cast, make_case, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.BLOB_DELIVERY = "presigned"
    case = make_case()
    services.ingest_file(actor=None, path=synthesise(tmp_path / "scene.mp4"), officer=cast.handler, case=case)
    req = access.request_copy(
        actor=cast.handler, case=case, requester_kind="party", requester_name="明山建材有限公司", reason="申请复制"
    )
    with django_capture_on_commit_callbacks(execute=True):  # the package is built by a job (into the S3 store)
        access.decide_copy(actor=cast.unit_head, request=req, approve=True, reason="同意提供")
    req.refresh_from_db()
    assert req.status == "approved"
    reads = Event.objects.filter(action="record.read", subject_type="copy_request", subject_id=str(req.pk))

    refused = login(cast.legal_reviewer).get(f"/copy-requests/{req.pk}/package/")
    assert refused.status_code in {403, 404} and not refused.has_header("Location") and reads.count() == 0
    download = login(cast.handler).get(f"/copy-requests/{req.pk}/package/")
    assert download.status_code == 302 and reads.count() == 1
    status, body = fetch(download["Location"])
    assert status == 200 and hashlib.sha256(body).hexdigest() == req.package_sha256 and body[:2] == b"PK"


def test_video_by_x_accel_redirect_from_the_local_store(tmp_path, blob_root, settings, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    settings.BLOB_DELIVERY, settings.ACCEL_REDIRECT = "accel", "/protected/"
    clip = synthesise(tmp_path / "scene.mp4")
    rec = services.ingest_file(actor=None, path=clip, officer=cast.handler, case=make_case()).recording
    r = login(cast.handler).get(f"/media/{rec.pk}/stream/", HTTP_RANGE="bytes=100-199")
    location = r["X-Accel-Redirect"]
    assert r.status_code == 200 and r.content == b"" and r["Content-Type"] == rec.blob.content_type
    assert location == f"/protected/{rec.blob_id[:2]}/{rec.blob_id[2:4]}/{rec.blob_id}"
    # nginx's internal location aliases /protected/ to the blob folder and answers the range itself
    stored = blob_root / location.removeprefix("/protected/")
    assert stored == LocalBlobStore(blob_root).path(rec.blob_id) and stored.read_bytes() == clip.read_bytes()
    assert recording_reads(rec) == 1


def test_video_by_x_accel_redirect_from_s3(tmp_path, s3_blobs, settings, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    settings.BLOB_DELIVERY, settings.ACCEL_REDIRECT = "accel", "/internal-s3/"
    clip = synthesise(tmp_path / "scene.mp4")
    rec = services.ingest_file(actor=None, path=clip, officer=cast.handler, case=make_case()).recording
    r = login(cast.handler).get(f"/media/{rec.pk}/stream/")
    location = r["X-Accel-Redirect"]
    assert r.status_code == 200 and r.content == b"" and recording_reads(rec) == 1
    # deploy/nginx: location ~ ^/internal-s3/(https?)/([^/]+)/(.*)$ { proxy_pass $1://$2/$3$is_args$args; }
    scheme, host, rest = location.removeprefix("/internal-s3/").split("/", 2)
    status, part = fetch(f"{scheme}://{host}/{rest}", "bytes=10-29")
    assert status == 206 and part == clip.read_bytes()[10:30]


def test_delivery_settings_refuse_what_cannot_work() -> None:
    import subprocess
    import sys

    def settings_with(**env: str) -> subprocess.CompletedProcess[str]:
        import os

        return subprocess.run(
            [sys.executable, "-c", "import liuhen.settings as s; print(s.CONTENT_SECURITY_POLICY['DIRECTIVES'])"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
        )

    wrong = settings_with(LIUHEN_BLOB_DELIVERY="presigned", LIUHEN_STORAGE_URL="file:///tmp/blobs")
    assert wrong.returncode != 0 and "只适用于 S3 存储" in wrong.stderr
    wrong = settings_with(LIUHEN_BLOB_DELIVERY="cdn")
    assert wrong.returncode != 0 and "应为 app、presigned 或 accel" in wrong.stderr
    policy = settings_with(
        LIUHEN_BLOB_DELIVERY="presigned",
        LIUHEN_STORAGE_URL="s3://evidence/blobs",
        AWS_ENDPOINT_URL_S3="https://s3.example.internal:9000",
    )
    assert policy.returncode == 0, policy.stderr
    assert "'media-src': [\"'self'\", 'https://s3.example.internal:9000']" in policy.stdout  # the player may play it
    wrong = settings_with(LIUHEN_QUEUE_URL="amqp://127.0.0.1/")
    assert wrong.returncode != 0 and "不支持的队列地址" in wrong.stderr


def test_bound_case_file_by_x_accel_redirect(tmp_path, blob_root, settings, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """The 案卷 PDF (a long case's volume is large) leaves through nginx too, after the read; a role that may not
    see a marked record in it gets neither the file nor a location."""
    from liuhen.access.services import set_mark
    from liuhen.cases import scenarios
    from liuhen.core import stages
    from tests.archive.test_case_file import archive_by_hand

    settings.BLOB_DELIVERY, settings.ACCEL_REDIRECT = "accel", "/protected/"
    case = scenarios.advance(
        make_case("simplified_procedure", penalty_kind="fine", fine_amount="200"), stages.Stage.CLOSED, cast
    )
    rec = services.ingest_file(
        actor=cast.handler, path=synthesise(tmp_path / "clip.mp4", seconds=1), officer=cast.handler, case=case
    ).recording
    case = archive_by_hand(cast, case)
    sha = case.case_file.pdf_sha256
    reads = Event.objects.filter(action="record.read", subject_type="case_file", subject_id=str(case.case_file.pk))
    web = login(cast.archivist)
    r = web.get(f"/cases/{case.pk}/archive/pdf/")
    assert r.status_code == 200 and r.content == b"" and r["Content-Type"] == "application/pdf"
    assert r["X-Accel-Redirect"] == f"/protected/{sha[:2]}/{sha[2:4]}/{sha}" and reads.count() == 1
    stored = LocalBlobStore(blob_root).path(sha).read_bytes()
    assert stored.startswith(b"%PDF") and hashlib.sha256(stored).hexdigest() == sha
    set_mark(
        actor=cast.unit_head, case=case, subject_type="recording", subject_id=rec.pk, mark="trade_secret", reason="工艺"
    )
    refused = web.get(f"/cases/{case.pk}/archive/pdf/")
    assert refused.status_code == 403 and not refused.has_header("X-Accel-Redirect") and reads.count() == 1
