"""Ingest of real video files: metadata, poster, R1 deadline, linking, dock import, verify (rules R1, R7, R8, DV1)."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime

import pytest
import time_machine
from django.utils import timezone

from liuhen.core.errors import InvalidInput
from liuhen.ledger.models import Event
from liuhen.ledger.verify import verify
from liuhen.media import importer, probe, services
from liuhen.media.models import Blob, Recording
from liuhen.media.storage import LocalBlobStore
from tests.media.conftest import synthesise

pytestmark = pytest.mark.django_db


def test_camera_file_names() -> None:
    assert probe.parse_camera_name("DSJ_3201001_20261123091500_0001.MP4") == ("3201001", datetime(2026, 11, 23, 9, 15))
    assert probe.parse_camera_name("20261123_091500_3201001.mp4") == ("3201001", datetime(2026, 11, 23, 9, 15))
    assert probe.parse_camera_name("3201001-20261123091500.MP4")[0] == "3201001"
    assert probe.parse_camera_name("holiday.mp4") == ("", None)


def test_ingest_reads_metadata_and_makes_a_poster(tmp_path, blob_root, cast) -> None:  # type: ignore[no-untyped-def]
    video = synthesise(tmp_path / "a.mp4")
    device = services.register_device(
        actor=None, agency_id=cast.handler.agency_id, number="3201001", officer=cast.handler
    )
    rec = services.ingest_file(actor=None, path=video, device=device).recording
    assert rec.officer == cast.handler and rec.unit == cast.handler.unit  # rule R7: indexed by unit and officer
    assert 2900 <= rec.duration_ms <= 3100 and (rec.video_codec, rec.audio_codec) == ("h264", "aac")
    assert (rec.width, rec.height) == (320, 240) and rec.gps == "31.230400,121.473700"
    assert rec.recorded_from == datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # the file's own creation time
    assert rec.poster is not None and rec.poster.derived_from_id == rec.blob_id  # a new blob, linked
    assert LocalBlobStore(blob_root).rehash(rec.blob_id) == rec.blob_id
    assert LocalBlobStore(blob_root).path(rec.poster_id).read_bytes()[:2] == b"\xff\xd8"  # JPEG
    event = Event.objects.get(action="media.ingested")
    assert json.loads(event.body)["sha256"] == rec.blob_id
    assert rec.late  # recorded days ago, uploaded now: more than 24 h (rule R1)


def test_upload_within_24_hours_and_remote_duty(tmp_path, blob_root, cast) -> None:  # type: ignore[no-untyped-def]
    # rule R1: 24 h after the recording ends, or 24 h after returning from remote duty
    video = synthesise(tmp_path / "b.mp4", created="2026-11-23T00:00:00Z")
    with time_machine.travel(datetime(2026, 11, 23, 20, 0, tzinfo=UTC), tick=False):
        rec = services.ingest_file(actor=None, path=video, officer=cast.handler).recording
    assert rec.upload_due_at == datetime(2026, 11, 24, 0, 0, 3, tzinfo=UTC) and not rec.late
    late_video = synthesise(tmp_path / "c.mp4", created="2026-11-20T00:00:00Z", tone=880)
    with time_machine.travel(datetime(2026, 11, 23, 20, 0, tzinfo=UTC), tick=False):
        returned = services.ingest_file(
            actor=None, path=late_video, officer=cast.handler, returned_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
        ).recording
    assert returned.upload_due_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC) and not returned.late


def test_recording_is_linked_to_the_case_its_officer_worked_on(tmp_path, blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    from liuhen.cases import scenarios

    with time_machine.travel(datetime(2026, 11, 23, 2, 0, tzinfo=UTC), tick=False):
        case = make_case()
        scenarios.make_document(case, "inspection_transcript", cast)
    video = synthesise(tmp_path / "d.mp4", created="2026-11-23T02:30:00Z")
    rec = services.ingest_file(actor=None, path=video, officer=cast.handler).recording
    assert rec.case == case
    stranger = synthesise(tmp_path / "e.mp4", created="2026-11-23T09:30:00Z", tone=660)
    unlinked = services.ingest_file(actor=None, path=stranger, officer=cast.handler).recording
    assert unlinked.case is None  # waits in the unlinked list
    services.assign_to_case(actor=cast.handler, recording=unlinked, case=case)
    assert Recording.objects.get(pk=unlinked.pk).case == case
    with pytest.raises(InvalidInput):
        services.assign_to_case(actor=cast.handler, recording=unlinked, case=case)


def test_dock_import_is_resumable_and_idempotent(tmp_path, blob_root, cast) -> None:  # type: ignore[no-untyped-def]
    services.register_device(actor=None, agency_id=cast.handler.agency_id, number="3201001", officer=cast.handler)
    dock = tmp_path / "dock"
    dock.mkdir()
    synthesise(dock / "DSJ_3201001_20261123091500_0001.MP4")
    synthesise(dock / "DSJ_3201001_20261123101500_0002.MP4", tone=550)
    (dock / "readme.txt").write_text("not media")
    first = importer.import_folder(actor=None, folder=dock, device_no="3201001")
    assert (first.ingested, first.already, first.failed) == (2, 0, [])
    rec = Recording.objects.get(file_name="DSJ_3201001_20261123091500_0001.MP4")
    assert rec.recorded_from == timezone.make_aware(datetime(2026, 11, 23, 9, 15))  # the name's local time
    again = importer.import_folder(actor=None, folder=dock, device_no="3201001")
    assert (again.ingested, again.already) == (0, 2)
    shutil.copy(dock / "DSJ_3201001_20261123091500_0001.MP4", dock / "DSJ_3201001_20261123091500_copy.MP4")
    third = importer.import_folder(actor=None, folder=dock, device_no="3201001")
    assert third.ingested == 0 and Recording.objects.count() == 2 and Blob.objects.filter(derivation="").count() == 2
    with pytest.raises(InvalidInput, match="未登记"):
        importer.import_folder(actor=None, folder=dock, device_no="9999999")


def test_not_a_media_file_is_refused_and_nothing_is_stored(tmp_path, blob_root, cast) -> None:  # type: ignore[no-untyped-def]
    bogus = tmp_path / "fake.mp4"
    bogus.write_bytes(os.urandom(4096))
    with pytest.raises(InvalidInput, match="不是可识别的音视频文件"):
        services.ingest_file(actor=None, path=bogus, officer=cast.handler)
    assert not Blob.objects.exists()
    assert not blob_root.exists() or not any(p.is_file() for p in blob_root.rglob("*"))


def test_verify_catches_a_flipped_byte_in_a_blob(tmp_path, blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    rec = services.ingest_file(
        actor=None, path=synthesise(tmp_path / "f.mp4"), officer=cast.handler, case=case
    ).recording
    assert verify() == []
    path = LocalBlobStore(blob_root).path(rec.blob_id)
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    text = "\n".join(map(str, verify()))
    assert f"音像文件 f.mp4（{rec.blob_id[:16]}…，案件 {case.case_no}）: 内容与哈希不符" in text
    path.unlink()
    assert "存储中找不到该文件" in "\n".join(map(str, verify()))
