"""A file without a creation time: the officer enters the recording's start afterwards (rule R1 then runs from its
end); ledgered with who and when, shown instead of blanks; the stored file is untouched; entered once."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from liuhen.core.errors import Forbidden, InvalidInput
from liuhen.core.periods import LOCAL
from liuhen.deadlines.models import Deadline
from liuhen.ledger.models import Event
from liuhen.media import services
from liuhen.media.models import Recording
from liuhen.media.samples import make_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def undated(tmp_path, blob_root, cast, make_case):  # type: ignore[no-untyped-def]
    case = make_case(officers=[cast.handler, cast.second_officer])
    rec = services.ingest_file(
        actor=cast.handler, path=make_clip(tmp_path / "无时间.mp4", seconds=3), officer=cast.handler, case=case
    ).recording
    assert rec.recorded_from is None and rec.upload_due_at is None
    return rec


def test_the_start_is_entered_once_with_who_and_when_and_r1_runs(cast, undated) -> None:  # type: ignore[no-untyped-def]
    blob_before = (undated.blob_id, undated.blob.size)
    web = Client()
    web.force_login(cast.handler)
    page = web.get(f"/cases/{undated.case_id}/media/").content.decode()
    assert "录制开始时间未知" in page and 'data-testid="start-form"' in page and " 起，时长" not in page
    start = timezone.localtime(undated.uploaded_at - timedelta(hours=30)).replace(second=0, microsecond=0)
    r = web.post(f"/media/{undated.pk}/start/", {"recorded_from": start.strftime("%Y-%m-%dT%H:%M")}, follow=True)
    html = r.content.decode()
    written = f"{start.year}年{start.month}月{start.day}日{start.hour}时{start:%M}分00秒"  # as officials write it
    assert "已补记录制开始时间" in html and f"{written} 起，时长 3 秒" in html
    assert f"由 {cast.handler.display_name} 于" in html and 'data-testid="start-form"' not in html
    rec = Recording.objects.get(pk=undated.pk)
    assert rec.recorded_from == start and rec.recorded_to == start + timedelta(seconds=3)
    assert rec.start_entered_by == cast.handler and rec.start_entered_at is not None
    assert rec.upload_due_at is not None and rec.late  # 30 hours before the upload: R1's 24 hours had passed
    assert (rec.blob_id, rec.blob.size) == blob_before and rec.created_in_file is None  # the file is untouched
    event = Event.objects.filter(action="media.start_entered").get()
    body = json.loads(event.body)
    assert event.actor == cast.handler.username and body["recorded_from"] == start.isoformat() and body["late"]
    # the deadline table: R1 opened at the recording's end and met late by the upload
    r1 = Deadline.objects.get(case=rec.case, rule_key="R1")
    assert r1.closed_at is not None and r1.closed_at > r1.due_at
    # once: a start already there is never replaced
    again = web.post(f"/media/{undated.pk}/start/", {"recorded_from": "2026-11-01T08:00"}, follow=True)
    assert "该音像记录已有录制开始时间，不能更改" in again.content.decode()
    assert Recording.objects.get(pk=undated.pk).recorded_from == start


def test_a_wrong_start_is_refused_and_changes_nothing(cast, undated) -> None:  # type: ignore[no-untyped-def]
    events = Event.objects.count()
    after_upload = timezone.localtime(undated.uploaded_at) + timedelta(minutes=1)
    with pytest.raises(InvalidInput, match="录制应在上传"):
        services.enter_start_time(actor=cast.handler, recording=undated, recorded_from=after_upload)
    with pytest.raises(InvalidInput, match="录制开始时间无效"):
        services.enter_start_time(actor=cast.handler, recording=undated, recorded_from="2026-11-31 08:00")
    with pytest.raises(Forbidden):
        services.enter_start_time(
            actor=cast.archivist, recording=undated, recorded_from=datetime(2026, 11, 1, 8, tzinfo=LOCAL)
        )
    assert Event.objects.count() == events and Recording.objects.get(pk=undated.pk).recorded_from is None
