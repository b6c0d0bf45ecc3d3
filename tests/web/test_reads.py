"""Registered viewing (调阅, rule R9): every read is a ledger event with who, what, when, why and how."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from liuhen.accounts.services import create_token, create_user, issue_certificate
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
    assert "调阅记录" in html and f"/cases/{case.pk}/access-history/" in html  # the history is a tab of its own
    history = web.get(f"/cases/{case.pk}/access-history/").content.decode()
    assert "承办本案" in history and "页面" in history


def test_access_history_names_readers_filters_by_person_and_date_and_exports_csv(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule R9: the 调阅记录 names who read, their role, the way and the purpose in Chinese; an auditor filters it
    and takes it away as CSV; looking at it registers no read, and the case timeline holds no reads."""
    qian = create_user(
        actor=None,
        username="qian7",
        password="Pw-2026-long!",
        full_name="钱七",
        role="officer",
        agency=cast.handler.agency,
        unit=cast.handler.unit,
    )
    issue_certificate(
        actor=None, user=qian, certificate_no="CERT-Q", valid_from=date(2020, 1, 1), valid_to=date(2099, 1, 1)
    )
    case = make_case(officers=[cast.handler, qian])
    for user in (cast.handler, qian):
        web = Client()
        web.force_login(user)
        web.get(f"/cases/{case.pk}/")
    head = Client()
    head.force_login(cast.unit_head)
    before = len(reads())
    page = head.get(f"/cases/{case.pk}/access-history/", {"person": "qian7"}).content.decode()
    assert len(reads()) == before  # the history is not itself a read
    assert "<td>钱七<span" in page and "（执法人员）" in page and "页面" in page
    assert f"<td>{cast.handler.display_name}<" not in page  # filtered to one person
    legal = Client()
    legal.force_login(cast.legal_reviewer)  # outside its duty: the history too needs a purpose stated (R9)
    assert legal.get(f"/cases/{case.pk}/access-history/").status_code == 403 and len(reads()) == before
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    empty = head.get(f"/cases/{case.pk}/access-history/", {"since": tomorrow}).content.decode()
    assert "暂无调阅记录" in empty
    bad = head.get(f"/cases/{case.pk}/access-history/", {"until": "2026-13-40"})
    assert bad.status_code == 400 and "截止日期格式应为 YYYY-MM-DD" in bad.content.decode()
    csv_response = head.get(f"/cases/{case.pk}/access-history/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["账本序号", "时间", "调阅人", "角色"] and len(rows) == 3
    assert {r[2] for r in rows[1:]} == {cast.handler.display_name, "钱七"}
    assert all(r[6] == "页面" and r[7] == "承办本案" for r in rows[1:])
    page = head.get(f"/cases/{case.pk}/timeline/").content.decode()
    timeline = page.split('<ul class="timeline')[1].split("</ul>")[0]
    assert "调阅（" not in timeline and "record.read" not in timeline and "<li>" in timeline
    assert "承办人员：officer1、钱七" in timeline and "qian7" not in timeline  # names, not usernames


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
    first = api.get(f"/api/v1/cases/{case.pk}/access-history", {"limit": 1}).json()
    paged = api.get(f"/api/v1/cases/{case.pk}/access-history", {"before": first[0]["seq"], "limit": 1}).json()
    assert first == history[:1] and paged == history[1:2] and len(history) >= 3


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
    html = web.get(f"/documents/{doc.pk}/").content.decode()
    # rule R9: the page loads no PDF (the preview frame is empty until asked), so opening it is one read, the page
    assert 'name="pdf-preview"' in html and f'src="/documents/{doc.pk}/pdf/' not in html
    assert [r["channel"] for r in reads() if r["what"].startswith("现场检查笔录")] == ["page"]
    preview = web.get(f"/documents/{doc.pk}/pdf/", {"view": "1"})
    assert preview.status_code == 200 and "Content-Disposition" not in preview
    download = web.get(f"/documents/{doc.pk}/pdf/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    events = Event.objects.filter(action="record.read", subject_type="document", subject_id=str(doc.pk))
    assert [json.loads(e.body)["channel"] for e in events.order_by("seq")] == ["page", "preview", "download"]
    assert {e.actor for e in events} == {"officer2"}
    html = web.get(f"/documents/{doc.pk}/").content.decode()
    assert "现场检查笔录 PDF" in html and "下载" in html and "预览" in html  # the document's own access history


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
