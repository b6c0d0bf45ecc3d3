"""Requests by parties and interested parties to view a case's records: rule R15 (003 第十八条; 信息公开条例33)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client

from liuhen.access import view_requests as views
from liuhen.accounts.services import create_token
from liuhen.core import calendar
from liuhen.core.errors import Forbidden, InvalidInput
from liuhen.deadlines.models import Deadline
from liuhen.deadlines.services import scan
from liuhen.ledger.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _official_calendar():  # type: ignore[no-untyped-def]
    calendar.configure(calendar.official_calendar())
    import liuhen.deadlines.calendar_store as store

    store._installed_version = None
    yield
    store._installed_version = None


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00").astimezone(UTC)


def receive(cast, case, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("applicant_kind", "party")
    kw.setdefault("applicant_name", "某某化工有限公司")
    kw.setdefault("records", "现场检查笔录及执法音像")
    kw.setdefault("channel", "in_person")
    return views.receive_view_request(actor=cast.handler, case=case, **kw)


def test_a_request_is_answered_within_20_working_days_extendable_once_by_20(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule R15: received 11-02, due 11-30; the leader extends it, and it runs 20 working days on from 11-30
    case = make_case()
    with time_machine.travel(at("2026-11-03T10:00"), tick=False):
        req = receive(cast, case, channel="mail", received_at=at("2026-11-02T16:00"))
    first = Deadline.objects.get(case=case, rule_key="R15")
    assert first.due_on == date(2026, 11, 30) and first.trigger == "view_request:received"
    assert views.reply_due_on(req).on == date(2026, 11, 30)
    with time_machine.travel(at("2026-11-20T10:00"), tick=False):
        with pytest.raises(Forbidden, match="机关负责人"):
            views.extend_view_request(actor=cast.unit_head, request=req, reason="需调取音像")
        with pytest.raises(InvalidInput, match="理由"):
            views.extend_view_request(actor=cast.leader, request=req, reason=" ")
        req = views.extend_view_request(
            actor=cast.leader, request=req, reason="记录较多需逐项审核，已电话并书面告知申请人"
        )
        with pytest.raises(InvalidInput, match="只能延长一次"):
            views.extend_view_request(actor=cast.leader, request=req, reason="再次延长")
    first.refresh_from_db()
    extension = Deadline.objects.get(case=case, rule_key="R15.extension")
    assert first.status == "met" and extension.due_on == date(2026, 12, 28)
    assert views.reply_due_on(req).on == date(2026, 12, 28)
    with time_machine.travel(at("2026-12-10T10:00"), tick=False):
        with pytest.raises(InvalidInput, match="理由"):
            views.reply_view_request(actor=cast.unit_head, request=req, reply="partly")
        req = views.reply_view_request(
            actor=cast.unit_head, request=req, reply="partly", reason="涉及第三方商业秘密的部分不予查阅"
        )
    extension.refresh_from_db()
    assert extension.status == "met" and req.status == "replied"
    assert [e.action for e in Event.objects.filter(subject_type="view_request").order_by("seq")] == [
        "view_request.received",
        "view_request.extended",
        "view_request.replied",
    ]


def test_a_late_reply_is_alerted_and_recorded_late(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule R15: the row is an agency deadline: overdue alerts, then closed late
    case = make_case()
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        req = receive(cast, case)
    with time_machine.travel(at("2026-12-01T10:00"), tick=False):
        assert scan().overdue == 1
        with pytest.raises(InvalidInput, match="届满"):
            views.extend_view_request(actor=cast.leader, request=req, reason="逾期后才延长")
        views.reply_view_request(actor=cast.unit_head, request=req, reply="granted")
    assert Deadline.objects.get(case=case, rule_key="R15").status == "late"


def test_an_interested_party_states_the_interest_and_bad_input_changes_nothing(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule R15: 利害关系人 say how the case concerns them; unknown kinds and channels are refused
    case = make_case()
    before = Event.objects.count()
    with pytest.raises(InvalidInput, match="利害关系"):
        receive(cast, case, applicant_kind="interested", applicant_name="邻近企业")
    with pytest.raises(InvalidInput, match="申请方式"):
        receive(cast, case, channel="fax")
    with pytest.raises(InvalidInput, match="申请人类别"):
        receive(cast, case, applicant_kind="public")
    assert Event.objects.count() == before and not case.view_requests.exists()
    req = receive(cast, case, applicant_kind="interested", applicant_name="邻近企业", relation="厂区相邻，受查封影响")
    assert req.relation and req.status == "pending"


def test_view_requests_over_the_api(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule R15: registered by the case officer, answered by the unit head; the reply date comes back with it
    case = make_case()
    officer = Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=cast.handler)}")
    head = Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=cast.unit_head)}")
    payload = {
        "applicant_kind": "party",
        "applicant_name": "某某化工有限公司",
        "records": "询问笔录",
        "channel": "online",
    }
    r = officer.post(f"/api/v1/cases/{case.pk}/view-requests", json.dumps(payload), content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "pending" and body["reply_due_on"]
    r = officer.post(
        f"/api/v1/view-requests/{body['id']}/reply", json.dumps({"reply": "granted"}), content_type="application/json"
    )
    assert r.status_code == 403
    r = head.post(
        f"/api/v1/view-requests/{body['id']}/reply", json.dumps({"reply": "refused"}), content_type="application/json"
    )
    assert r.status_code == 422 and "理由" in r.json()["detail"]
    r = head.post(
        f"/api/v1/view-requests/{body['id']}/reply", json.dumps({"reply": "granted"}), content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "replied"
    listed = officer.get(f"/api/v1/cases/{case.pk}/view-requests").json()
    assert [x["reply"] for x in listed] == ["granted"]


def test_two_requests_on_one_case_run_their_own_periods(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule R15: each request is answered within its own period; replying to one leaves the other running
    case = make_case()
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        first = receive(cast, case)
    with time_machine.travel(at("2026-11-09T10:00"), tick=False):
        second = receive(cast, case, applicant_kind="interested", applicant_name="邻近企业", relation="厂区相邻")
        views.reply_view_request(actor=cast.unit_head, request=first, reply="granted")
    rows = {dl.subject: dl for dl in Deadline.objects.filter(case=case, rule_key="R15")}
    assert rows[f"view_request:{first.pk}"].status == "met"
    assert rows[f"view_request:{second.pk}"].status == "open"
    assert rows[f"view_request:{second.pk}"].due_on == date(2026, 12, 7)
    with time_machine.travel(at("2026-11-10T10:00"), tick=False):
        views.extend_view_request(actor=cast.leader, request=second, reason="需征求第三方意见，已书面告知申请人")
    extension = Deadline.objects.get(case=case, rule_key="R15.extension")
    assert extension.subject == f"view_request:{second.pk}"  # 20 working days on from 12-07: into 2027, an estimate
    assert (extension.due_on, extension.unverified_year) == (date(2027, 1, 4), 2027)
