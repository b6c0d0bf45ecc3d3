"""The media pages: a player that can seek (HTTP ranges), the case's media card, triage, devices."""

from __future__ import annotations

import pytest
from django.test import Client

from liuhen.media import services
from liuhen.media.models import Device, Recording
from liuhen.media.storage import LocalBlobStore
from tests.media.conftest import synthesise

pytestmark = pytest.mark.django_db


def login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_stream_serves_byte_ranges(tmp_path, blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    rec = services.ingest_file(
        actor=None, path=synthesise(tmp_path / "a.mp4"), officer=cast.handler, case=case
    ).recording
    data = LocalBlobStore(blob_root).path(rec.blob_id).read_bytes()
    web = login(cast.handler)
    whole = web.get(f"/media/{rec.pk}/stream/")
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == data  # type: ignore[attr-defined]
    part = web.get(f"/media/{rec.pk}/stream/", HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert b"".join(part.streaming_content) == data[100:200]  # type: ignore[attr-defined]
    tail = web.get(f"/media/{rec.pk}/stream/", HTTP_RANGE="bytes=-50")
    assert b"".join(tail.streaming_content) == data[-50:]  # type: ignore[attr-defined]
    assert web.get(f"/media/{rec.pk}/stream/", HTTP_RANGE=f"bytes={len(data)}-").status_code == 416
    assert web.get(f"/media/{rec.pk}/poster/")["Content-Type"] == "image/jpeg"
    html = web.get(f"/cases/{case.pk}/media/").content.decode()
    assert "音像记录" in html and f"/media/{rec.pk}/stream/" in html and "a.mp4" in html


def test_opening_a_case_page_registers_no_read_of_its_recordings(tmp_path, blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule R9: the page's player fetches nothing until the person plays it, so opening the page registers the
    page's read only; the stream registers the recording's read when it is played."""
    from liuhen.ledger.models import Event

    case = make_case()
    rec = services.ingest_file(
        actor=None, path=synthesise(tmp_path / "a.mp4"), officer=cast.handler, case=case
    ).recording
    web = login(cast.handler)
    html = web.get(f"/cases/{case.pk}/media/").content.decode()  # the 音像 tab: its players load nothing
    player = html[html.index("<video") : html.index(">", html.index("<video"))]
    assert 'preload="none"' in player and f"/media/{rec.pk}/stream/" in player
    reads = Event.objects.filter(action="record.read", case_ref=case.pk)
    assert list(reads.values_list("subject_type", flat=True)) == ["case"]
    web.get(f"/media/{rec.pk}/stream/", HTTP_RANGE="bytes=0-99")
    assert list(reads.values_list("subject_type", flat=True)) == ["case", "recording"]


def test_other_agency_cannot_stream(tmp_path, blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    from liuhen.accounts import services as accounts

    rec = services.ingest_file(
        actor=None, path=synthesise(tmp_path / "a.mp4"), officer=cast.handler, case=make_case()
    ).recording
    other = accounts.create_agency(actor=None, name="另一区应急管理局", short_name="另应急")
    stranger = accounts.create_user(
        actor=None,
        username="stranger",
        password="test-password-2026",
        full_name="外人",
        role="officer",
        agency=other,
        unit=None,
    )
    assert login(stranger).get(f"/media/{rec.pk}/stream/").status_code == 404


def test_unlinked_triage_and_device_log(tmp_path, blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    device = services.register_device(
        actor=None, agency_id=cast.handler.agency_id, number="3201009", officer=cast.handler
    )
    rec = services.ingest_file(actor=None, path=synthesise(tmp_path / "b.mp4"), device=device).recording
    assert rec.case is None
    web = login(cast.handler)
    assert "b.mp4" in web.get("/media/unlinked/").content.decode()
    r = web.post("/media/unlinked/", {"recording": rec.pk, "case_no": "不存在的案号"}, follow=True)
    assert "找不到该案号" in r.content.decode()
    r = web.post("/media/unlinked/", {"recording": rec.pk, "case_no": case.case_no}, follow=True)
    assert f"已归入 {case.case_no}" in r.content.decode() and Recording.objects.get(pk=rec.pk).case == case
    r = web.post(f"/devices/{device.pk}/log/", {"kind": "fault", "note": "电池无法充电"}, follow=True)
    assert Device.objects.get(pk=device.pk).status == "faulty" and "电池无法充电" in r.content.decode()


def test_segment_interruption_and_statements_in_the_page(tmp_path, blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    device = services.register_device(
        actor=None, agency_id=cast.handler.agency_id, number="3201005", officer=cast.handler
    )
    services.ingest_file(
        actor=None, device=device, case=case, path=synthesise(tmp_path / "1.mp4", created="2026-11-23T02:00:00Z")
    )
    second = services.ingest_file(
        actor=None,
        device=device,
        case=case,
        path=synthesise(tmp_path / "2.mp4", created="2026-11-23T02:05:00Z", tone=500),
    ).recording
    web = login(cast.handler)
    html = web.get(f"/cases/{case.pk}/media/").content.decode()
    assert "接续上一段 1.mp4" in html and "中断说明（AV7）" in html and "（I5）" in html and "（R3）" in html
    r = web.post(f"/media/{second.pk}/interruption/", {"reason": "obstruction", "note": "当事人遮挡镜头"}, follow=True)
    assert "已记录中断说明" in r.content.decode() and "遭到阻挠（当事人遮挡镜头）" in r.content.decode()
    r = web.post(f"/media/{second.pk}/statements/", {"party_told": "on"}, follow=True)
    assert Recording.objects.get(pk=second.pk).party_told and "已记录回放审查" in r.content.decode()
    r = web.post(f"/devices/{device.pk}/assign/", {"officer": "officer2"}, follow=True)
    assert "已分配给 officer2" in r.content.decode() and Device.objects.get(pk=device.pk).officer == cast.second_officer
