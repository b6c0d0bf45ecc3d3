"""Deadline endpoints: due-soon and overdue lists, alerts, the calendar, and the calculators."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from liuhen.core import periods
from liuhen.core.errors import InvalidInput
from liuhen.core.permissions import Action
from liuhen.deadlines import queries, services
from liuhen.deadlines.calendar_store import ensure_calendar
from liuhen.web.permissions import acting_user, needs

router = Router(tags=["deadlines"])


@router.get("/deadlines", response=list[dict[str, Any]], summary="期限：即将到期/已逾期（本人、本单位、本机关）")
@needs(Action.CASE_VIEW)
def deadlines(request: HttpRequest, scope: str = "mine", state: str = "open") -> list[dict[str, Any]]:
    return queries.listing(acting_user(request), scope, state)


@router.get("/deadlines/counts", response=dict[str, int], summary="期限统计")
@needs(Action.CASE_VIEW)
def deadline_counts(request: HttpRequest, scope: str = "mine") -> dict[str, int]:
    return queries.counts(acting_user(request), scope)


@router.get("/alerts", response=list[dict[str, Any]], summary="我的未读提醒")
@needs(Action.SELF)
def alerts(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": a.pk,
            "level": a.level,
            "level_label": a.get_level_display(),
            "message": a.message,
            "case_id": a.deadline.case_id,
            "created_at": a.created_at,
        }
        for a in queries.unread_alerts(acting_user(request))
    ]


@router.post("/alerts/{alert_id}/read", response={204: None}, summary="标记提醒已读")
@needs(Action.SELF)
def read_alert(request: HttpRequest, alert_id: int) -> Status[None]:
    services.mark_read(user=acting_user(request), alert_id=alert_id)
    return Status(204, None)


class DayOut(Schema):
    date: date
    kind: str
    name: str


@router.get("/calendar/{year}", response=list[DayOut], summary="某年放假与调休上班日期（T5：未导入的年份返回 422）")
@needs(Action.REFERENCE)
def calendar_year(request: HttpRequest, year: int) -> list[DayOut]:
    return [DayOut(date=d.on, kind=d.kind, name=d.name) for d in ensure_calendar().special_days(year)]


MAX_FINE = Decimal("1e12")  # no fine reaches a trillion yuan; beyond it the arithmetic is meaningless
FINE_PARAM = Query(..., ge=0, le=MAX_FINE, description="罚款数额（元）")


class SurchargeOut(Schema):
    fine: Decimal
    payment_due: date
    paid_on: date
    surcharge: Decimal
    rule: str = "E2 处罚法67、72"


@router.get("/calculators/late-surcharge", response=SurchargeOut, summary="加处罚款（E2：每日3%，不超过罚款数额）")
@needs(Action.REFERENCE)
def late_surcharge(
    request: HttpRequest,
    served_on: date,
    paid_on: date,
    fine: Decimal = FINE_PARAM,
) -> SurchargeOut:
    if fine < 0:
        raise InvalidInput("罚款数额不能为负数")
    ensure_calendar()
    return SurchargeOut(
        fine=fine,
        payment_due=periods.payment_due(served_on),
        paid_on=paid_on,
        surcharge=periods.late_surcharge(fine, served_on, paid_on),
    )


class WindowOut(Schema):
    earliest: date
    latest: date
    appeal_periods_lapse: date
    open: bool
    rule: str = "E3 强制法53、54"


@router.get("/calculators/court-enforcement", response=WindowOut, summary="申请法院强制执行的期间（E3）")
@needs(Action.REFERENCE)
def court_enforcement(request: HttpRequest, decision_served_on: date, demand_served_on: date) -> WindowOut:
    ensure_calendar()
    w = periods.court_enforcement_window(decision_served_on, demand_served_on)
    return WindowOut(earliest=w.earliest, latest=w.latest, appeal_periods_lapse=w.appeal_periods_lapse, open=w.open)


class DeemedOut(Schema):
    notice_on: date
    deemed_served_on: date
    rule: str = "SV6 民诉95"


@router.get("/calculators/deemed-service", response=DeemedOut, summary="公告送达视为送达之日（SV6）")
@needs(Action.REFERENCE)
def deemed_service(request: HttpRequest, notice_on: date) -> DeemedOut:
    ensure_calendar()
    return DeemedOut(notice_on=notice_on, deemed_served_on=periods.deemed_served_on(notice_on))
