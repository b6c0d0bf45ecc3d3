"""The case page in tabs: each tab its own address, served whole without JavaScript, in a bounded number of
queries whatever the case holds; opening one registers one read, of that tab, and nothing else (rule R9)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from liuhen.cases import scenarios
from liuhen.core import stages
from liuhen.ledger.models import Event
from liuhen.media import services as media
from tests.media.conftest import synthesise

pytestmark = pytest.mark.django_db

TABS = {
    "": "案件详情",
    "documents/": "案件详情·文书",
    "media/": "案件详情·音像",
    "deadlines/": "案件详情·期限",
    "approvals/": "案件详情·审批",
    "timeline/": "案件详情·时间线",
    "copies/": "案件详情·复制与保密",
}
CEILING = 25  # the case page's query budget (issue: under 25), every tab alike


def login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def worked_case(cast, make_case, tmp_path, blob_root):  # type: ignore[no-untyped-def]
    """A case in 告知 with its documents, two recordings, approval chains and two officers."""
    case = scenarios.advance(make_case(officers=[cast.handler, cast.second_officer]), stages.Stage.NOTICE, cast)
    for i, created in enumerate(("2026-11-20T01:00:00Z", "2026-11-20T02:00:00Z")):
        media.ingest_file(
            actor=None,
            path=synthesise(tmp_path / f"{i}.mp4", created=created, tone=440 + 60 * i),
            officer=cast.handler,
            case=case,
        )
    assert case.approvals.exists()  # the chains that brought it here
    return case


def test_every_tab_is_its_own_page_within_the_query_budget(cast, worked_case) -> None:  # type: ignore[no-untyped-def]
    """Counted, not timed: a query added per document, recording or officer would break the ceiling."""
    assert worked_case.documents.count() >= 2 and worked_case.recordings.count() == 2
    for user in (cast.handler, cast.unit_head, cast.leader):
        web = login(user)
        for tab in TABS:
            url = f"/cases/{worked_case.pk}/{tab}"
            web.get(url)  # the session's first request settles what a session does once
            with CaptureQueriesContext(connection) as run:
                response = web.get(url)
            assert response.status_code == 200, url
            assert len(run.captured_queries) < CEILING, (user.username, url, len(run.captured_queries))
            html = response.content.decode()
            # a whole page (works without JavaScript), the open tab marked for screen readers
            assert html.startswith("<!doctype html>") and f'href="{url}" aria-current="page"' in html, url


def test_opening_a_tab_registers_one_read_of_that_tab_and_nothing_it_does_not_open(cast, worked_case) -> None:  # type: ignore[no-untyped-def]
    web = login(cast.handler)
    reads = Event.objects.filter(action="record.read", case_ref=worked_case.pk)
    for tab, what in TABS.items():
        before = reads.count()
        assert web.get(f"/cases/{worked_case.pk}/{tab}").status_code == 200
        new = list(reads.order_by("seq")[before:])
        assert [(e.subject_type, json.loads(e.body)["what"]) for e in new] == [("case", what)], tab
        assert json.loads(new[0].body)["purpose"] == "承办本案"
    # the document and media tabs list what is there; no document, PDF or recording was opened
    assert not reads.exclude(subject_type="case").exists()


def test_the_overview_leads_with_the_next_step_and_the_tabs_hold_the_rest(cast, worked_case) -> None:  # type: ignore[no-untyped-def]
    web = login(cast.handler)
    overview = web.get(f"/cases/{worked_case.pk}/").content.decode()
    assert 'id="next-steps"' in overview and 'id="acts"' in overview
    assert "<video" not in overview and 'id="timeline"' not in overview  # other tabs' content is not loaded
    media_tab = web.get(f"/cases/{worked_case.pk}/media/").content.decode()
    assert media_tab.count("<video") == 2 and 'id="next-steps"' not in media_tab
    approvals = web.get(f"/cases/{worked_case.pk}/approvals/").content.decode()
    assert "处理决定审批" in approvals and "提交新的审批" in approvals
    # an approval proposed from the 审批 tab comes back to it
    r = web.post(f"/cases/{worked_case.pk}/approvals/", {"kind": "closing", "opinion": "拟结案"})
    assert r.status_code == 302 and r["Location"] == f"/cases/{worked_case.pk}/approvals/"
