"""Deadlines opened and closed by recorded events, scanned on a moving clock, alerted in-app and by mail."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
import time_machine
from django.test import Client

from liuhen.cases import scenarios, services
from liuhen.core import calendar, stages
from liuhen.core.errors import InvalidInput
from liuhen.deadlines import queries
from liuhen.deadlines.calendar_store import ensure_calendar, import_schedule
from liuhen.deadlines.models import Alert, CalendarImport, Deadline
from liuhen.deadlines.services import scan

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    """A Beijing wall-clock time as an aware UTC datetime."""
    return datetime.fromisoformat(text + "+08:00").astimezone(UTC)


@pytest.fixture(autouse=True)
def _official_calendar():  # type: ignore[no-untyped-def]
    calendar.configure(calendar.official_calendar())
    import liuhen.deadlines.calendar_store as store

    store._installed_version = None
    yield
    store._installed_version = None


def test_emergency_start_opens_the_24_hour_backfill_and_the_filing_closes_it(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule S3 (T4: 24 h from the exact time)
    with time_machine.travel(at("2026-09-30T20:15"), tick=False):
        case = make_case()
        services.record_act(actor=cast.handler, case=case, kind="emergency_start", note="泄漏，先行处置")
    dl = Deadline.objects.get(case=case, rule_key="S3")
    assert dl.due_at == at("2026-10-01T20:15") and dl.status == "open"
    with time_machine.travel(at("2026-10-01T19:00"), tick=False):
        services.start_approval(actor=cast.handler, case=case, kind="filing", opinion="补报立案")
    dl.refresh_from_db()
    assert dl.status == "met" and dl.closed_by_seq is not None


def test_periods_run_from_when_the_act_happened_not_when_it_was_entered(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule T4: the delivery happened on 9.30 and was entered on 10.9; the payment period runs from 9.30
    with time_machine.travel(at("2026-09-28T10:00"), tick=False):
        case = scenarios.advance(make_case(), stages.Stage.DECISION, cast)
        scenarios.satisfy(case, stages.Fact.DECISION_DOCUMENT, cast)
    with time_machine.travel(at("2026-10-09T10:00"), tick=False):
        with pytest.raises(InvalidInput, match="补录理由"):  # a receipt signed days ago is a 补录: say why
            scenarios.make_document(case, "delivery_receipt", cast, served_at="2026-09-30T15:00")
        scenarios.make_document(
            case, "delivery_receipt", cast, served_at="2026-09-30T15:00", backfill_reason="送达人出差返回后补录"
        )
    assert Deadline.objects.get(case=case, rule_key="E2").due_on == date(2026, 10, 15)
    assert Deadline.objects.get(case=case, rule_key="SV1").status == "met"


def test_late_fulfilment_is_recorded_as_late(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-09-30T20:15"), tick=False):
        case = make_case()
        services.record_act(actor=cast.handler, case=case, kind="emergency_start", note="泄漏")
    with time_machine.travel(at("2026-10-02T09:00"), tick=False):
        services.start_approval(actor=cast.handler, case=case, kind="filing", opinion="补报立案")
    assert Deadline.objects.get(case=case, rule_key="S3").status == "late"


def test_general_case_runs_its_deadlines(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rules D7, SV1, E2, D6, R2: D7 90 days from 立案 (the leader's approval); SV1 7 wd from the decision;
    # E2/D6 from service; R2 from closing
    with time_machine.travel(at("2026-07-08T10:00"), tick=False):
        case = scenarios.advance(make_case(), stages.Stage.INVESTIGATION, cast)
    d7 = Deadline.objects.get(case=case, rule_key="D7")
    assert d7.due_on == date(2026, 10, 8) and d7.status == "open"
    with time_machine.travel(at("2026-09-28T10:00"), tick=False):
        case = scenarios.advance(case, stages.Stage.DECISION, cast)
    d7.refresh_from_db()
    assert d7.status == "met"
    assert Deadline.objects.get(case=case, rule_key="SV1").due_on == date(2026, 10, 13)  # 7 wd from 9.28
    assert Deadline.objects.get(case=case, rule_key="P2").due_on == date(2026, 10, 13)
    with time_machine.travel(at("2026-09-30T10:00"), tick=False):
        case = scenarios.step(case, "deliver", cast)
    rows = {d.rule_key: d for d in Deadline.objects.filter(case=case)}
    assert rows["SV1"].status == "met"
    assert rows["E2"].due_on == date(2026, 10, 15) and rows["E2"].kind == "party_window"
    assert rows["D6.reconsideration"].due_on == date(2026, 11, 30)  # 60 days: 11.29 is a Sunday
    assert rows["D6.litigation"].due_on == date(2027, 3, 30) or rows["D6.litigation"].unverified_year == 2027
    assert rows["E3.court"].trigger == "due:D6.litigation"  # the court window follows the appeal periods
    with time_machine.travel(at("2026-10-09T10:00"), tick=False):
        case = scenarios.step(case, "close", cast)
    assert Deadline.objects.get(case=case, rule_key="E2").status == "met"
    assert Deadline.objects.get(case=case, rule_key="R2").due_on == date(2026, 11, 9)  # 11.8 is a Sunday
    with time_machine.travel(at("2026-10-12T10:00"), tick=False):
        scenarios.step(case, "archive", cast)
    assert Deadline.objects.get(case=case, rule_key="R2").status == "met"


def test_a_year_without_a_schedule_gives_a_flagged_estimate_then_the_real_date(cast, make_case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # rule T5: a command is not blocked, but the deadline says it is an estimate until the year is imported
    with time_machine.travel(at("2026-12-28T10:00"), tick=False):
        case = scenarios.advance(make_case("simplified_procedure", penalty_kind="warning"), stages.Stage.DECISION, cast)
    p2 = Deadline.objects.get(case=case, rule_key="P2")
    assert p2.unverified_year == 2027 and p2.due_on == date(2027, 1, 6)
    row = next(r for r in queries.for_case(case) if r["rule_key"] == "P2")
    assert row["unverified_year"] == 2027
    schedule = {
        "source": "国务院办公厅关于2027年部分节假日安排的通知（测试）",
        "days": [
            {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
            {"date": "2027-01-04", "kind": "holiday", "name": "测试假日"},
            {"date": "2027-01-09", "kind": "workday", "name": "调休"},
        ],
    }
    assert import_schedule(actor=None, data=json.dumps(schedule).encode(), filename="2027.json") == [2027]
    p2.refresh_from_db()
    assert p2.unverified_year is None and p2.due_on == date(2027, 1, 8)  # 12.29–31, then 1.5–1.8 (1.1, 1.4 off)
    assert calendar.is_workday(date(2027, 1, 9))


@pytest.mark.parametrize(
    "content,name,needle",
    [
        (b"date,kind\n2027-13-01,holiday\n", "x.csv", "日期"),
        (b"date,kind\n2027-01-01,vacation\n", "x.csv", "类型"),
        (b"date,kind\n2027-01-05,workday\n", "x.csv", "本是工作日"),
        (b"day,kind\n2027-01-01,holiday\n", "x.csv", "表头"),
        (b"{not json", "x.json", "JSON"),
        (b"date,kind\n", "x.csv", "没有任何日期"),
    ],
)
def test_bad_schedule_is_refused_and_changes_nothing(content: bytes, name: str, needle: str) -> None:
    with pytest.raises(InvalidInput, match=needle):
        import_schedule(actor=None, data=content, filename=name, source="测试")
    assert CalendarImport.objects.count() == 0


def test_csv_schedule_and_a_newer_import_wins() -> None:
    import_schedule(
        actor=None,
        data=b"date,kind,name\n2027-10-01,holiday,\xe5\x9b\xbd\xe5\xba\x86\n",
        filename="a.csv",
        source="第一次",
    )
    assert not ensure_calendar().is_workday(date(2027, 10, 1))
    import_schedule(actor=None, data=b"date,kind,name\n2027-10-02,holiday,\n", filename="b.csv", source="更正")
    cal = ensure_calendar()
    assert cal.is_workday(date(2027, 10, 1)) and not cal.is_workday(date(2027, 10, 2))  # the year replaced whole
    assert [d.on for d in cal.special_days(2027)] == [date(2027, 10, 2)]
    assert CalendarImport.objects.count() == 2  # the first import is kept (records are never overwritten)


def test_scanner_alerts_due_soon_then_overdue_once(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-07-08T10:00"), tick=False):
        case = scenarios.advance(make_case(), stages.Stage.INVESTIGATION, cast)
    with time_machine.travel(at("2026-10-05T09:00"), tick=False):  # D7 ends 10.8: two working days away
        r = scan()
        assert r.due_soon == 1 and r.overdue == 0
        assert queries.listing(cast.handler, "mine", "due_soon")[0]["rule_key"] == "D7"
    officers = {a.user.username for a in Alert.objects.filter(level="due_soon")}
    assert officers == {"officer1"}  # the case's officers
    with time_machine.travel(at("2026-10-09T00:30"), tick=False):
        r = scan()
        assert r.overdue == 1
        assert scan().alerts == 0  # one alert per person and level
        assert queries.counts(cast.unit_head, "unit")["overdue"] == 1
        assert queries.listing(cast.leader, "agency", "overdue")[0]["case_no"] == case.case_no
    overdue = {a.user.username for a in Alert.objects.filter(level="overdue")}
    assert overdue == {"officer1", "head1"}  # the unit head hears of it too
    assert "处罚法60" in Alert.objects.filter(level="overdue").first().message  # type: ignore[union-attr]


def test_party_windows_end_without_alerts(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-09-28T10:00"), tick=False):
        case = scenarios.advance(make_case(), stages.Stage.NOTICE, cast)
        scenarios.make_document(case, "penalty_notice", cast)  # signed for by the party now
    dl = Deadline.objects.get(case=case, rule_key="D5.request")
    assert dl.due_on == date(2026, 10, 10) and dl.kind == "party_window"
    with time_machine.travel(at("2026-10-11T08:00"), tick=False):
        r = scan()
    dl.refresh_from_db()
    assert dl.status == "ended" and r.ended >= 1
    assert not Alert.objects.filter(deadline=dl).exists()


@pytest.mark.tampers  # an e-mail address is given by hand
def test_overdue_alert_is_mailed_through_smtp(cast, make_case, settings) -> None:  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            received.append(envelope.content)
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_ENABLED = True
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        cast.handler.email = "officer1@example.gov.cn"
        cast.handler.save()
        with time_machine.travel(at("2026-07-08T10:00"), tick=False):
            scenarios.advance(make_case(), stages.Stage.INVESTIGATION, cast)
        with time_machine.travel(at("2026-10-09T09:00"), tick=False):
            r = scan()
    finally:
        controller.stop()
    assert r.emailed == 1 and len(received) == 1
    mail = message_from_bytes(received[0])
    assert mail["To"] == "officer1@example.gov.cn"
    assert "已逾期" in str(make_header(decode_header(mail["Subject"])))
    assert Alert.objects.get(user=cast.handler).emailed_at is not None


def test_deadlines_over_the_api_and_in_the_ui(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    from liuhen.accounts.services import create_token

    with time_machine.travel(at("2026-07-08T10:00"), tick=False):
        case = scenarios.advance(make_case(), stages.Stage.INVESTIGATION, cast)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=cast.unit_head)}")
    with time_machine.travel(at("2026-10-09T09:00"), tick=False):
        rows = client.get("/api/v1/deadlines", {"scope": "unit", "state": "overdue"}).json()
        assert [r["rule_key"] for r in rows] == ["D7"] and rows[0]["state"] == "overdue"
        assert client.get("/api/v1/deadlines", {"scope": "nowhere"}).status_code == 422
        detail = client.get(f"/api/v1/cases/{case.pk}").json()
        assert any(d["rule_key"] == "D7" and d["state"] == "overdue" for d in detail["deadlines"])
        web = Client()
        web.force_login(cast.handler)
        html = web.get(f"/cases/{case.pk}/deadlines/").content.decode()
        assert "一般程序自立案起作出处罚决定" in html and "已逾期" in html
        assert "已逾期" in web.get("/deadlines/", {"state": "overdue"}).content.decode()
    r = client.get("/api/v1/calendar/2027")
    assert r.status_code == 422 and r.json()["rule"] == "T5" and "2027" in r.json()["detail"]
    assert len(client.get("/api/v1/calendar/2026").json()) > 20
    r = client.get(
        "/api/v1/calculators/late-surcharge", {"fine": "1000", "served_on": "2026-09-20", "paid_on": "2026-10-20"}
    ).json()
    assert r["payment_due"] == "2026-10-08" and r["surcharge"] == "360.00"
    r = client.get("/api/v1/calculators/deemed-service", {"notice_on": "2026-09-04"}).json()
    assert r["deemed_served_on"] == "2026-10-08"
    r = client.get(
        "/api/v1/calculators/court-enforcement", {"decision_served_on": "2026-01-05", "demand_served_on": "2026-03-02"}
    ).json()
    assert (r["earliest"], r["latest"]) == ("2026-07-07", "2026-10-08")
    assert (
        client.get(
            "/api/v1/calculators/late-surcharge", {"fine": "-1", "served_on": "2026-09-20", "paid_on": "2026-10-20"}
        ).status_code
        == 422
    )
