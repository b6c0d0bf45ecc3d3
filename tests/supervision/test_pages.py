"""The supervision pages: the dashboard's charts with table view, CSV and queries, the scoring sheet, the
register pages; each refused to roles without the permission (rules SU3, SU4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from liuhen.accounts.models import Role
from liuhen.cases import scenarios
from liuhen.core import stages
from liuhen.supervision import oversight, queries, services, snapshots
from liuhen.supervision.snapshots import refresh_all
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def login(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_rules_su3_su4_dashboard_and_sheet_pages(agency, units, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user(agency, units[2], "super1", Role.SUPERVISOR)
    case = make_case(penalty_kind="fine", fine_amount=Decimal("5000"), officers=[cast.handler, cast.second_officer])
    scenarios.advance(case, stages.Stage.ENFORCEMENT, cast)
    rnd = services.open_round(
        actor=supervisor, agency=agency, title="第四季度评查", reviewers=[cast.legal_reviewer], share_percent=100
    )
    sheet = rnd.sheets.get()
    page = login(supervisor).get(reverse("supervision_dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    for title in (
        "各程序每月登记案件数",
        "各项期限的遵守情况",
        "逾期上传",
        "音像覆盖",
        "调阅申请",
        "案卷评查等次",
        "问题登记",
    ):
        assert title in html
    assert "vendor/echarts.min.js" in html and 'id="chart-options"' in html and "表格视图" in html
    assert "GROUP BY" in html  # the queries behind the figures are shown
    assert "决定书送达" in html  # SV1, met on this case, is in the deadline table
    by_month = dict(queries.cases_by_month(queries.Scope(agency)).series)
    assert by_month["行政处罚（一般程序）"][-1] == 1 and sum(by_month["行政检查"]) == 0  # this month's one case
    csv = login(supervisor).get(reverse("supervision_chart_csv", args=["cases_stage"]))
    assert csv.status_code == 200 and "行政处罚（一般程序）" in csv.content.decode("utf-8-sig")
    assert login(supervisor).get(reverse("supervision_dashboard") + f"?unit={units[0].pk}").status_code == 200

    # the figures are a snapshot: a new finding shows after the refresh (every 15 minutes, or on request)
    def open_findings() -> int:
        charts = snapshots.charts_of(snapshots.latest(queries.Scope(agency)))
        return sum(next(c for c in charts if c.key == "findings").series[0][1])

    oversight.open_finding(
        actor=supervisor,
        agency=agency,
        kind="no_record",
        description="未记录",
        evidence="评查",
        due_on=date(2099, 1, 1),
    )
    assert open_findings() == 0
    assert refresh_all() == 2  # the agency and the unit viewed
    assert open_findings() == 1
    assert login(cast.handler).get(reverse("supervision_dashboard")).status_code == 403
    assert login(cast.unit_head).get(reverse("supervision_dashboard")).status_code == 200  # his unit's figures
    # the reviewer's sheet: the system's verdicts with their evidence, and the score forms
    reviewer = login(cast.legal_reviewer)
    sheet_html = reviewer.get(reverse("supervision_sheet", args=[sheet.pk])).content.decode()
    assert "系统：符合" in sheet_html and "告知送达" in sheet_html and "改判理由" in sheet_html
    r = reviewer.post(
        reverse("supervision_sheet", args=[sheet.pk]), {"do": "score", "code": "F1", "deduction": "9"}, follow=True
    )
    assert "扣分须在0～2分之间" in r.content.decode()
    assert login(cast.second_officer).get(reverse("supervision_sheet", args=[sheet.pk])).status_code == 404
    for name in ("supervision_rounds", "supervision_playback", "supervision_findings", "supervision_faults"):
        assert login(supervisor).get(reverse(name)).status_code == 200, name
    assert login(supervisor).get(reverse("supervision_round", args=[rnd.pk])).status_code == 200
