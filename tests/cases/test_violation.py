"""违法时间、违法地点 at 案源登记: checked, kept in the case's ledger event (the place as a commitment: it can name a
home), shown on the case page, and the start of the documents that state the violation."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from liuhen.cases.models import Case
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.core.errors import InvalidInput
from liuhen.core.periods import LOCAL
from liuhen.documents import prefill
from liuhen.ledger.models import Event

pytestmark = pytest.mark.django_db


def test_time_and_place_travel_in_the_case_event_and_start_the_documents(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2026, 11, 20, 9, 30, tzinfo=LOCAL)
    case = make_case(violation_at=at, violation_place="明山区化工园区B区3号仓库", violation_ended_on=date(2026, 11, 20))
    case.refresh_from_db()
    assert case.violation_at == at and case.violation_place == "明山区化工园区B区3号仓库"
    body = json.loads(Event.objects.get(action="case.created", subject_id=str(case.pk)).body)
    assert body["violation_at"] == at.isoformat()
    assert "化工园区" not in json.dumps(body, ensure_ascii=False)  # the place only as its commitment (P9)
    image = next(r for r in body["rows"] if r["table"] == "cases_case")["columns"]
    assert str(image["violation_place"]).startswith("hmac-sha256:")
    # (every test's closing check rebuilds the case row from this event and compares it)
    facts = prefill.values(case, BY_CODE["penalty_notice"])["facts"]
    assert facts.startswith("经查，2026年11月20日9时30分，某某化工有限公司在明山区化工园区B区3号仓库存在")
    assert prefill.values(case, BY_CODE["inspection_transcript"])["place"] == "明山区化工园区B区3号仓库"
    # a case without them starts its documents blank, as before
    bare = make_case()
    assert "facts" not in prefill.values(bare, BY_CODE["penalty_notice"])


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("2026-13-01 09:00", "违法时间无效"),
        ("tomorrow", "违法时间无效"),
        ("future", "违法时间不能晚于当前时间"),
        ("after_end", "晚于违法行为发生（终了）日期"),
    ],
)
def test_a_wrong_time_is_refused_and_nothing_is_registered(cast, make_case, given, message) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    value = {
        "future": now + timedelta(hours=2),
        "after_end": now - timedelta(hours=1),
    }.get(given, given)
    before = (Case.objects.count(), Event.objects.count())
    with pytest.raises(InvalidInput, match=message):
        make_case(
            violation_at=value,
            violation_place="某地",
            violation_ended_on=timezone.localdate() - timedelta(days=3),
        )
    assert (Case.objects.count(), Event.objects.count()) == before


def test_the_form_takes_them_and_the_case_page_shows_them(cast, units) -> None:  # type: ignore[no-untyped-def]
    web = Client()
    web.force_login(cast.handler)
    form = web.get("/cases/new/").content.decode()
    assert "违法时间" in form and "违法地点" in form and 'type="datetime-local"' in form
    fields = {
        "procedure": "general_procedure",
        "cause": "未设置安全警示标志",
        "source": "inspection",
        "unit": units[0].pk,
        "party_kind": "organisation",
        "party_name": "明山建材有限公司",
        "violation_ended_on": "2026-11-20",
        "violation_at": "2026-11-20T09:30",
        "violation_place": "明山区建材市场5号",
    }
    page = web.post("/cases/new/", fields, follow=True).content.decode()
    assert "案件已登记" in page
    assert '<dd data-testid="violation-at">2026年11月20日9时30分' in page and "明山区建材市场5号" in page
    bad = web.post("/cases/new/", {**fields, "cause": "时间写错", "violation_at": "2026-11-20 25:00"})
    assert "违法时间格式应为 YYYY-MM-DD HH:MM" in bad.content.decode()
    assert not Case.objects.filter(cause="时间写错").exists()


def test_the_api_takes_and_returns_them(cast, units) -> None:  # type: ignore[no-untyped-def]
    from liuhen.accounts.services import create_token

    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=cast.handler)}")
    r = api.post(
        "/api/v1/cases",
        {
            "procedure": "general_procedure",
            "cause": "未如实记录安全生产教育培训",
            "unit_id": units[0].pk,
            "violation_at": "2026-11-19T15:00:00+08:00",
            "violation_place": "某厂区",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["violation_place"] == "某厂区" and r.json()["violation_at"].startswith("2026-11-19T")
    future = (timezone.now() + timedelta(days=1)).isoformat()
    r = api.post(
        "/api/v1/cases",
        {"procedure": "general_procedure", "cause": "将来", "unit_id": units[0].pk, "violation_at": future},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["detail"] == "违法时间不能晚于当前时间"
