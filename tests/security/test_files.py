"""Files a user names or hands in: copy-package entries and listings (finding 10), the dock importer's links and
device numbers (finding 11); the instance's own files, its log of server errors and its admin (finding 13)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from liuhen.access import packages
from liuhen.access import services as access
from liuhen.access.models import CopyRequest
from liuhen.accounts import services as accounts
from liuhen.accounts.models import Role
from liuhen.accounts.services import create_token
from liuhen.core.errors import InvalidInput
from liuhen.ledger.models import Event
from liuhen.media import importer
from liuhen.media import services as media
from liuhen.media.models import Device, Recording
from liuhen.media.storage import LocalBlobStore, default_store
from tests.access.test_access import final_document
from tests.conftest import make_user
from tests.instance.conftest import liuhen
from tests.media.conftest import synthesise

FORGED = "..\\..\\Windows\\evil.mp4\n  documents/0001-行政处罚决定书.pdf  1 字节  SHA-256 " + "0" * 64


def _safe(name: str) -> bool:
    folder, _, own = name.partition("/")
    return (
        folder in {"documents", "media"}
        and own
        and "/" not in own
        and "\\" not in own
        and not own.startswith(".")
        and not any(unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} for c in name)
    )


@pytest.mark.django_db
def test_copy_package_entry_names_and_listing_are_sanitised(
    tmp_path, blob_root, cast, make_case, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    case = make_case(officers=[cast.handler, cast.second_officer])
    final_document(cast, case)
    video = synthesise(tmp_path / "v.mp4")
    for name in (FORGED, "现场检查\u202egnp.mp4", "/etc/passwd.mp4"):  # a path, a newline, a right-to-left override
        rec = media.ingest_file(actor=None, path=video, officer=cast.handler, case=case, file_name=name).recording
        assert rec.file_name == name  # the record keeps the name as given
        video = synthesise(tmp_path / f"v{rec.pk}.mp4", tone=300 + 100 * rec.pk)
    req = access.request_copy(
        actor=cast.handler,
        case=case,
        requester_kind="party",
        requester_name="明山建材有限公司\n依法不予复制的内容：无",
        reason="申请复制",
    )
    with django_capture_on_commit_callbacks(execute=True):
        access.decide_copy(actor=cast.unit_head, request=req, approve=True, reason="同意")
    req = CopyRequest.objects.get(pk=req.pk)
    assert req.status == "approved", req.failure
    data = b"".join(default_store().open_range(req.package_sha256))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        listing = zf.read("复制件清单.txt").decode()
        manifest = json.loads(zf.read("manifest.json"))
    files = [n for n in names if n not in {"manifest.json", "复制件清单.txt"}]
    assert len(files) == 4 and all(_safe(n) for n in files), files
    assert any("现场检查" in n and n.endswith(".mp4") for n in files)  # Chinese is kept
    assert {f["file"] for f in manifest["files"]} == set(files)
    lines = listing.splitlines()
    assert sum(1 for line in lines if "SHA-256" in line and "字节" in line) == 4  # one line per file, none forged
    assert not any(line.startswith("依法不予复制的内容：无") for line in lines)
    assert sum(1 for line in lines if line.startswith("  documents/")) == 1
    assert not any(unicodedata.category(c) in {"Cf", "Zl", "Zp"} for c in listing)
    assert Recording.objects.filter(case=case).count() == 3


def test_entry_names_stay_readable() -> None:
    assert packages.entry_name("执法记录 2026-03-01.mp4") == "执法记录 2026-03-01.mp4"
    assert packages.entry_name("..\\..\\a.mp4") == "_.._a.mp4"
    assert packages.entry_name("../..") == "_.."
    assert packages.entry_name("a\nb\u2028c.mp4") == "a_b_c.mp4"
    assert packages.entry_name("...") == "unnamed"
    long = packages.entry_name("长" * 300 + ".mp4")
    assert len(long) == packages.MAX_ENTRY_NAME and long.endswith(".mp4")


@pytest.mark.django_db
def test_the_importer_reports_links_and_never_follows_them(tmp_path, blob_root, cast) -> None:  # type: ignore[no-untyped-def]
    media.register_device(actor=None, agency_id=cast.handler.agency_id, number="3201001", officer=cast.handler)
    outside = tmp_path / "outside"
    outside.mkdir()
    synthesise(outside / "DSJ_3201001_20261123091500_0009.MP4", tone=700)
    dock = tmp_path / "dock"
    dock.mkdir()
    synthesise(dock / "DSJ_3201001_20261123101500_0001.MP4")
    (dock / "DSJ_3201001_20261123111500_0002.MP4").symlink_to(outside / "DSJ_3201001_20261123091500_0009.MP4")
    (dock / "sub").symlink_to(outside, target_is_directory=True)
    result = importer.import_folder(actor=None, folder=dock, device_no="3201001")
    assert result.ingested == 1 and Recording.objects.count() == 1
    assert sorted(line.split("：")[0] for line in result.failed) == ["DSJ_3201001_20261123111500_0002.MP4", "sub"]
    assert all("符号链接" in line for line in result.failed)


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["../../../tmp/x", "a/b", "3201\x00001", "设备1", "-x", "a" * 41, "3201 001"])
def test_device_numbers_follow_a_strict_pattern(cast, number) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="设备编号"):
        media.register_device(actor=None, agency_id=cast.handler.agency_id, number=number)
    assert not Device.objects.exists()


@pytest.mark.django_db
@pytest.mark.tampers  # a device of an older version is written by hand
def test_a_device_registered_before_the_pattern_writes_no_journal_outside(tmp_path, blob_root, cast) -> None:  # type: ignore[no-untyped-def]
    escape = f"../../../../../../../..{tmp_path}/x"
    Device.objects.create(agency_id=cast.handler.agency_id, number=escape[:40] if len(escape) <= 40 else "../../x")
    number = Device.objects.get().number
    dock = tmp_path / "dock"
    dock.mkdir()
    synthesise(dock / "DSJ_20261123101500_0001.MP4")
    with pytest.raises(InvalidInput, match="设备编号"):
        importer.import_folder(actor=None, folder=dock, device_no=number)
    assert not Recording.objects.exists()
    assert not (tmp_path / "x.jsonl").exists() and not (settings.HOME.parent.parent / "x.jsonl").exists()


@pytest.mark.instance
def test_import_media_exits_2_with_one_line_on_a_bad_device_number(tmp_path) -> None:
    home = tmp_path / "home"
    liuhen(home, "init", "--admin-password", "Admin-pass-2026!")
    (tmp_path / "dock").mkdir()
    proc = liuhen(home, "import-media", str(tmp_path / "dock"), "--device", "../../../x", check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "设备编号" in proc.stderr
    proc = liuhen(home, "device", "../evil", check=False)
    assert proc.returncode == 2 and "设备编号" in proc.stderr
    assert not (tmp_path / "x.jsonl").exists() and not (home.parent / "x.jsonl").exists()


# -- finding 13: private files, logged server errors, a scoped and read-only admin --------------------------------


def _loose(home: Path) -> list[str]:
    """Everything under ``home`` that another account of the machine could read, write or enter."""
    out = []
    for path in [home, *home.rglob("*")]:
        if not path.is_symlink() and path.stat().st_mode & 0o077:
            out.append(f"{path.relative_to(home)} {oct(path.stat().st_mode & 0o777)}")
    return out


def _init(home: Path, umask: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")} | {"LIUHEN_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "liuhen.cli", "init", "--admin-password", "Admin-pass-2026!"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        preexec_fn=lambda: os.umask(umask),
    )


@pytest.mark.instance
def test_an_instance_is_private_whatever_the_umask(tmp_path) -> None:
    home = tmp_path / "home"
    _init(home, 0o022)
    assert _loose(home) == []
    assert oct((home / "liuhen.sqlite3").stat().st_mode & 0o777) == "0o600"
    assert oct((home / "jobs.sqlite3").stat().st_mode & 0o777) == "0o600"
    assert oct(home.stat().st_mode & 0o777) == "0o700"
    # an instance made before: a world-readable database, folder and blob are tightened by `liuhen init`
    (home / "liuhen.sqlite3").chmod(0o644)
    blob = home / "blobs" / "ab" / "cd" / ("abcd" + "0" * 60)
    blob.parent.mkdir(parents=True, mode=0o755)
    blob.write_bytes(b"x")
    blob.chmod(0o444)
    (home / "blobs").chmod(0o755)
    _init(home, 0o000)
    assert _loose(home) == []
    assert oct(blob.stat().st_mode & 0o777) == "0o400"


def test_blobs_are_read_only_and_private_whatever_the_umask(tmp_path) -> None:
    old = os.umask(0o000)
    try:
        stored = LocalBlobStore(tmp_path / "blobs").put([b"evidence"])
    finally:
        os.umask(old)
    path = LocalBlobStore(tmp_path / "blobs").path(stored.sha256)
    assert oct(path.stat().st_mode & 0o777) == "0o400"
    assert _loose(tmp_path / "blobs") == []


@pytest.mark.django_db
def test_a_server_error_is_logged_with_its_request_id_which_the_page_shows(cast, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("查询出错（测试）")

    monkeypatch.setattr("liuhen.cases.listing.list_cases", broken)
    client = Client(raise_request_exception=False)
    client.force_login(cast.handler)
    page = client.get("/cases/")
    rid = page["X-Request-Id"]
    assert page.status_code == 500 and len(rid) == 16
    assert "服务器内部错误" in page.content.decode() and f"请求编号：<code>{rid}</code>" in page.content.decode()
    api = Client(
        raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=cast.handler)}"
    )
    answer = api.get("/api/v1/cases")
    assert answer.status_code == 500 and answer.json()["request_id"] == answer["X-Request-Id"] != rid
    log = settings.LOG_FILE.read_text(encoding="utf-8")
    for request_id in (rid, answer["X-Request-Id"]):
        entry = log[log.index(f"[{request_id}]") :]
        assert "Internal Server Error" in entry and "Traceback" in entry and "查询出错（测试）" in entry
    assert oct(settings.LOG_FILE.stat().st_mode & 0o777) == "0o600"
    assert client.get("/login/")["X-Request-Id"] != rid  # every request has its own


@pytest.fixture
def other_agency(db):  # type: ignore[no-untyped-def]
    agency = accounts.create_agency(actor=None, name="邻区应急管理局", short_name="邻应急")
    unit = accounts.create_unit(actor=None, agency=agency, name="邻区执法大队")
    officer = make_user(agency, unit, "neighbour1", Role.OFFICER, "CERT-N1")
    admin = make_user(agency, None, "neighbour_admin", Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return agency, officer, admin


@pytest.mark.tampers  # the administrator's Django flags are set by hand
def test_admin_lists_are_scoped_to_the_administrators_agency(cast, other_agency) -> None:  # type: ignore[no-untyped-def]
    _, officer, admin = other_agency
    client = Client()
    client.force_login(admin)
    users = client.get("/admin/accounts/user/").content.decode()
    assert "neighbour1" in users and "officer1" not in users and "测试区应急管理局" not in users
    assert "测试区应急管理局" not in client.get("/admin/accounts/agency/").content.decode()
    units = client.get("/admin/accounts/unit/").content.decode()
    assert "邻区执法大队" in units and "危化科" not in units and "法规科" not in units
    assert "CERT-1" not in client.get("/admin/accounts/certificate/").content.decode()
    assert client.get(f"/admin/accounts/user/{cast.handler.pk}/change/").status_code == 302  # "does not exist"
    form = client.get(f"/admin/accounts/user/{officer.pk}/change/").content.decode()
    assert "邻区执法大队" in form and "危化科" not in form  # choices come from the own agency only
    create_token(actor=None, user=cast.handler)
    assert "officer1" not in client.get("/admin/accounts/apitoken/").content.decode()
    everyone = Client()
    everyone.force_login(accounts.create_admin(password="Admin-pass-2026!")[0])  # the instance's own administrator
    assert "officer1" in everyone.get("/admin/accounts/user/").content.decode()


@pytest.mark.tampers  # the administrator's Django flags are set by hand
def test_admin_tokens_are_read_only_and_revoked_by_the_command(cast, other_agency) -> None:  # type: ignore[no-untyped-def]
    _, officer, admin = other_agency
    create_token(actor=None, user=officer)
    token = officer.api_tokens.get()
    client = Client()
    client.force_login(admin)
    url = f"/admin/accounts/apitoken/{token.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="revoked_at' not in page.content.decode()
    assert token.token_hash not in page.content.decode()
    r = client.post(url, {"revoked_at_0": "", "revoked_at_1": "", "name": "x", "token_hash": "0" * 64})
    assert r.status_code == 403
    r = client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk], "index": 0}, follow=True
    )
    assert "已吊销 1 个令牌" in r.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None and token.token_hash != "0" * 64
    assert Event.objects.filter(action="token.revoked", subject_id=token.pk).exists()
    r = client.post(url, {"revoked_at_0": "", "revoked_at_1": ""})  # no undoing it
    assert r.status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is not None
