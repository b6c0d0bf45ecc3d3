"""Annual statistics (rules P7, P12): the counting rules on a built case set, the xlsx for upward reporting, and
publication by 31 January met or missed."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from liuhen.cases import scenarios
from liuhen.core.errors import RuleViolation
from liuhen.disclosure import services, statistics
from tests.disclosure.conftest import at

pytestmark = pytest.mark.django_db


def test_rules_P7_P12_counting_rules_and_publication(cast, make_case, agency) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-06-01T10:00"), tick=False):
        warned = make_case("simplified_procedure", officers=[cast.handler, cast.second_officer], penalty_kind="warning")
        scenarios.step(warned, "decide_on_spot", cast)
        combined = make_case("simplified_procedure", officers=[cast.handler, cast.second_officer], penalty_kind="fine")
        scenarios.make_document(
            combined, "onsite_penalty_decision", cast, penalty="警告，并处罚款200元，没收违法所得", fine="200"
        )
        scenarios.step(make_case("compulsion", officers=[cast.handler, cast.second_officer]), "apply_measure", cast)
    with time_machine.travel(at("2027-01-05T10:00"), tick=False):  # next year's decision is not counted
        later = make_case("simplified_procedure", officers=[cast.handler, cast.second_officer], penalty_kind="warning")
        scenarios.step(later, "decide_on_spot", cast)
    figures = {f.label: f.value for f in statistics.tables(agency, 2026)["行政处罚"]}
    assert figures["警告、通报批评"] == 1  # one decision is one 宗
    assert figures["没收违法所得、没收非法财物"] == 1 and figures["罚款"] == 0  # the heaviest kind of a combined one
    assert figures["吊销许可证件"] == 0 and figures["合计"] == 2 and figures["罚没金额（元）"] == "200.00"
    assert statistics.tables(agency, 2026)["行政强制"][0].value == 1
    assert statistics.tables(agency, 2026)["行政许可"][0].value == 0  # a duty with no cases: zero
    assert "FROM" in statistics.tables(agency, 2026)["行政处罚"][0].query  # the query beside the figure

    assert services.statistics_status(agency, 2026, date(2027, 1, 20)) == "待公布（截止2027-01-31）"
    assert services.statistics_status(agency, 2026, date(2027, 2, 1)) == "未公布，已逾期（截止2027-01-31）"
    with pytest.raises(RuleViolation):
        services.publish_statistics(actor=cast.handler, agency=agency, year=2026)
    row = services.publish_statistics(actor=cast.leader, agency=agency, year=2026, now=at("2027-01-20T10:00"))
    assert services.statistics_status(agency, 2026, date(2027, 2, 1)) == "已于2027-01-20公布（按期，截止2027-01-31）"
    assert json.loads(row.tables)["行政处罚"][-2][1] == "2"
    web = Client()
    page = web.get(f"/gongshi/agencies/{agency.pk}/statistics/2026/")
    assert page.status_code == 200 and "按最重的种类计一宗" in page.content.decode() and not page.cookies
    book = load_workbook(io.BytesIO(web.get(f"/gongshi/agencies/{agency.pk}/statistics/2026.xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[rows.index(next(r for r in rows if r[1] == "合计"))][:3] == ("行政处罚", "合计", 2)
