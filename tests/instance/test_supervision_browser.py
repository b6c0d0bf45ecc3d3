"""Supervision in the browser (rules SU1–SU4): the demo's finished review round, its scoring sheet with the
veto that failed a file, the 整改通知, the playback checks, the findings register (one from verify), the fault
case from a revoked decision, and the dashboard's charts drawn by the vendored ECharts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.instance.test_browser import login, page, shots  # noqa: F401  (the browser fixtures)

pytestmark = [pytest.mark.instance, pytest.mark.browser]


def test_rules_su1_su2_su3_su4_supervisor_walks_through_the_demo(page, shots: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    login(page, "zhengkai")
    page.click("header >> text=监督")
    page.wait_for_selector("[data-chart=grades] canvas")  # drawn by ECharts from the page's own JSON
    assert page.locator("[data-chart] canvas").count() + page.locator(".chart.empty").count() == 8
    page.click("#chart-grades summary:has-text('表格视图')")
    grades = page.locator("#chart-grades table").inner_text()
    assert "不合格" in grades and "行政执法案卷评查" in grades
    page.screenshot(path=str(shots / "supervision-dashboard.png"), full_page=True)
    page.click("text=案卷评查")
    page.click("a:has-text('行政执法案卷评查')")
    page.wait_for_selector("h1:has-text('已通报')")  # published
    assert "不合格" in page.inner_text("table") and "30日内报送整改情况" in page.content()  # the 整改通知
    page.click("tr:has(.badge.stage) a")  # the file failed by a veto item
    page.wait_for_selector("h1:has-text('评查记分表')")
    assert "得分 0.0" in page.inner_text("main") and "不合格" in page.inner_text("main")
    assert "证据不足" in page.inner_text("tr.veto-fail")
    assert page.locator("text=系统：符合").count() > 5  # the automatic items, each with its evidence
    page.screenshot(path=str(shots / "supervision-scoring-sheet.png"), full_page=True)
    page.click("text=音像回放抽查")
    page.wait_for_selector("text=检查人 郑凯")
    page.click("text=问题登记")
    page.wait_for_selector("h1:has-text('问题登记')")
    assert "账本校验" in page.inner_text("table") and "找不到" in page.inner_text("table")
    page.click("text=执法过错")
    page.wait_for_selector("h1:has-text('执法过错')")
    fault = page.locator(".card:has-text('决定被复议或诉讼撤销')").first
    assert "直接责任" in fault.inner_text() and "主要领导责任" in fault.inner_text()
    fault.locator("input[name=decision]").fill("承办人作书面检讨，审核人诫勉谈话")
    fault.locator("button:has-text('作出决定')").click()
    page.wait_for_selector("text=处理决定已记录")
    assert "处理决定：承办人作书面检讨" in page.content()
