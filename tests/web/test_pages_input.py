"""Every page under junk input: empty forms, wrong types, odd query strings, as an officer and as a leader.
The answer is a page, a redirect with the reason, or a 4xx, never a server error; and nothing of the case
changes by it."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import get_resolver

from liuhen.access import services as access
from liuhen.cases import services as cases
from liuhen.cases.models import Case
from liuhen.documents import services as documents
from liuhen.ledger.models import Event

pytestmark = pytest.mark.django_db

JUNK = {
    "action": "<script>",
    "approve": "maybe",
    "purpose": "",
    "reason": "",
    "subject": "document:abc",
    "mark": "top_secret",
    "requester_kind": "alien",
    "kind": "nonsense",
    "occurred_at": "2026-02-30T25:61",
    "page": "999999999999999999999999",
    "scope": "'; DROP TABLE cases_case; --",
    "state": "\x00",
    "q": "%" * 300,
    "agree": "2",
    "case_no": "不存在",
    "officer": "abc",
    "device": "-1",
    "explanation": "9999999999999999999999",
    "unit": "-9440871275470003065656413519872",
    "case": "-1330616399538391330290925568",
    "officers": "99999999999999999999999999",
}


def pages() -> list[str]:
    out = []
    for pattern in get_resolver().url_patterns:
        route = str(pattern.pattern)
        if route.startswith(("admin/", "api/v1/")) or getattr(pattern, "name", None) in ("login", "logout"):
            continue
        out.append(route)
    return out


@pytest.mark.parametrize("who", ["handler", "leader"])
def test_no_page_breaks_on_junk_input(who: str, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case(officers=[cast.handler, cast.second_officer])
    doc = documents.create_document(actor=cast.handler, case=case, code="inspection_transcript", data={})
    approval = cases.start_approval(actor=cast.handler, case=case, kind="filing", opinion="建议立案")
    copy = access.request_copy(
        actor=cast.handler, case=case, requester_kind="party", requester_name="张某", reason="复制"
    )
    ids = {
        "case_id": case.pk,
        "document_id": doc.pk,
        "approval_id": approval.pk,
        "step": "review",
        "recording_id": 999999,
        "device_id": 999999,
        "access_request_id": 999999,
        "request_id": copy.pk,
        "alert_id": 999999,
        "upload_id": uuid.uuid4(),
        "year": 2026,
        "code": "0000000000",
        "round_id": 999999,
        "sheet_id": 999999,
        "entry_id": 999999,
        "agency_id": 999999,
        "index": 0,
        "key": "x",
    }
    client = Client()
    client.force_login(getattr(cast, who))
    before = list(Case.objects.values())
    last = Event.objects.order_by("-seq").values_list("seq", flat=True).first()
    broken = []
    for route in pages():
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), route)
        for method, data in (("get", JUNK), ("post", {}), ("post", JUNK)):
            response = getattr(client, method)(url, data, HTTP_X_LIUHEN_PURPOSE="check")
            if response.status_code >= 500:
                broken.append(f"{method.upper()} {url} -> {response.status_code}")
    assert not broken, "\n".join(broken)
    assert list(Case.objects.values()) == before  # junk changed no case
    changed = Event.objects.exclude(action="record.read").filter(seq__gt=last).values_list("action", flat=True)
    assert not list(changed), f"junk input wrote {list(changed)}"
