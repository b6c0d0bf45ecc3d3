"""Files a user names or hands in: copy-package entries and listings (finding 10), the dock importer's links and
device numbers (finding 11)."""

from __future__ import annotations

import io
import json
import unicodedata
import zipfile

import pytest
from django.conf import settings

from liuhen.access import packages
from liuhen.access import services as access
from liuhen.access.models import CopyRequest
from liuhen.core.errors import InvalidInput
from liuhen.media import importer
from liuhen.media import services as media
from liuhen.media.models import Device, Recording
from liuhen.media.storage import default_store
from tests.access.test_access import final_document
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
