"""Registered viewing (调阅, rule R9): every read is a ledger event with who, what, when, why and how."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from liuhen.accounts.services import create_token
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.documents import services as documents
from liuhen.ledger.models import Event
from tests.documents.conftest import sample_data, sample_signatures

pytestmark = pytest.mark.django_db


def reads() -> list[dict]:  # type: ignore[type-arg]
    return [
        {"actor": e.actor, **json.loads(e.body)} for e in Event.objects.filter(action="record.read").order_by("seq")
    ]


def test_own_case_is_read_with_its_duty_and_shows_in_the_history(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    web = Client()
    web.force_login(cast.handler)
    html = web.get(f"/cases/{case.pk}/").content.decode()
    assert reads()[-1] == {
        "actor": "officer1",
        "case_no": case.case_no,
        "what": "案件详情",
        "channel": "page",
        "purpose": "承办本案",
    }
    assert "调阅记录" in html and "承办本案" in html


def test_reading_outside_ones_duty_asks_for_a_purpose(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    web = Client()
    web.force_login(cast.legal_reviewer)
    before = len(reads())
    r = web.get(f"/cases/{case.pk}/")
    assert r.status_code == 403 and "调阅登记" in r.content.decode() and len(reads()) == before  # nothing read
    assert web.get(f"/cases/{case.pk}/", {"purpose": "法制审核"}).status_code == 200
    assert web.get(f"/cases/{case.pk}/").status_code == 200  # the purpose holds for this session
    assert [r["purpose"] for r in reads()[-2:]] == ["法制审核", "法制审核"]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=cast.legal_reviewer)}")
    assert api.get(f"/api/v1/cases/{case.pk}").status_code == 428
    assert api.get(f"/api/v1/cases/{case.pk}", HTTP_X_LIUHEN_PURPOSE="复议应诉").status_code == 200
    history = api.get(f"/api/v1/cases/{case.pk}/access-history").json()
    assert history[0]["purpose"] == "复议应诉" and history[0]["channel"] == "api" and history[0]["actor"] == "legal1"
    paged = api.get(f"/api/v1/cases/{case.pk}/access-history", {"offset": 1, "limit": 1}).json()
    assert paged == history[1:2] and len(history) >= 3


def test_a_download_is_in_the_records_history_and_the_ledger(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case(officers=[cast.handler, cast.second_officer])
    t = BY_CODE["inspection_transcript"]
    doc = documents.finalise(
        actor=cast.handler,
        signatures=sample_signatures(t),
        document=documents.create_document(actor=cast.handler, case=case, code=t.code, data=sample_data(t)),
    )
    web = Client()
    web.force_login(cast.second_officer)
    assert web.get(f"/documents/{doc.pk}/pdf/").status_code == 200
    event = Event.objects.filter(action="record.read", subject_type="document", subject_id=str(doc.pk)).get()
    assert json.loads(event.body)["channel"] == "download" and event.actor == "officer2"
    html = web.get(f"/documents/{doc.pk}/").content.decode()
    assert "现场检查笔录 PDF" in html and "下载" in html  # the document's own access history


def test_stream_start_is_registered_but_seeking_is_not(tmp_path, blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    from liuhen.media import services
    from tests.media.conftest import synthesise

    case = make_case()
    rec = services.ingest_file(
        actor=None, path=synthesise(tmp_path / "a.mp4"), officer=cast.handler, case=case
    ).recording
    web = Client()
    web.force_login(cast.handler)
    web.get(f"/media/{rec.pk}/stream/", HTTP_RANGE="bytes=0-")
    web.get(f"/media/{rec.pk}/stream/", HTTP_RANGE="bytes=1000-2000")
    streams = [r for r in reads() if r["channel"] == "stream"]
    assert len(streams) == 1 and streams[0]["what"] == "a.mp4"
    page = web.get(f"/media/{rec.pk}/access/").content.decode()  # the recording's own history
    assert "调阅记录：a.mp4" in page and "承办本案" in page
    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=cast.handler)}")
    history = api.get(f"/api/v1/recordings/{rec.pk}/access-history").json()
    assert [(h["channel"], h["actor"]) for h in history] == [("stream", "officer1")]
