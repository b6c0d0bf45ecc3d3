"""The public disclosure portal in chromium, without logging in (rules P1, P2, P5, P9, P11): the 事前 pages, the
demo's decisions as redacted entries, the AV-recorded activity list, no cookie; then the reviewer answers the
correction request the public sent, and reads the demo year's statistics."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from liuhen.demo import MATTERS
from liuhen.demo_documents import WITNESS
from tests.instance.test_browser import login, page, shots  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.instance, pytest.mark.browser]

# What the demo's records hold of natural persons, none of which may reach the portal
PERSONAL = [
    WITNESS,
    "320102197501011234",  # the witness's ID number (询问笔录)
    "13705181234",  # the witness's phone, written into the penalty decision
    *(p[2] for matters in MATTERS.values() for _, p in matters if p[0] == "individual"),  # ID numbers
    *("139" + p[2][6:14] for matters in MATTERS.values() for _, p in matters if p[0] == "individual"),  # phones
]


def test_public_portal_without_login_shows_redacted_entries_and_the_av_list(page, shots: Path) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    base = page.base_url
    page.goto(f"{base}/gongshi/")
    page.wait_for_selector("text=最新公示")
    page.screenshot(path=str(shots / "gongshi-index.png"), full_page=True)
    page.click("text=明山区应急管理局")
    page.wait_for_selector("h1:has-text('事前公开')")
    text = page.locator("main").inner_text()
    assert "应急执证3201001" in text and "有效" in text  # officers and their certificates
    assert "申请行政复议" in text and "60日" in text and "当场作出处罚决定" in text  # remedies, procedures
    assert "必须全程音像记录" in text and "留置送达" in text  # the AV-recorded activities
    assert "随机抽查事项清单" in text and "危险化学品生产、经营单位安全生产条件检查" in text  # kept as data (P1)
    assert "粉尘涉爆企业安全生产检查" not in text  # added after the published version: waits for its update (P4)
    page.screenshot(path=str(shots / "gongshi-agency.png"))

    feed = json.loads(page.request.get(f"{base}/gongshi/feed.json").text())["entries"]
    assert len(feed) >= 10
    for entry in feed:  # every published entry of the demo, as the public reads it
        page.goto(f"{base}/gongshi/entries/{entry['id']}/")
        text = page.locator("main").inner_text()
        assert "公示证明" in text
        leaked = [value for value in PERSONAL if value in text]
        assert not leaked, (entry["id"], leaked)
    page.goto(f"{base}/gongshi/entries/")
    page.fill("input[name=party]", "明山金属制品")
    page.click("button:has-text('查询')")
    page.click("table a:has-text('明山金属制品有限公司')")
    page.wait_for_selector("h1:has-text('行政处罚决定公示')")
    text = page.locator("main").inner_text()
    assert "〔已隐去：其他自然人姓名〕" in text and "〔已隐去：联系电话〕" in text and "罚款人民币伍万元" in text
    assert re.search(r"明应急罚决〔\d{4}〕\d+号", text)
    page.screenshot(path=str(shots / "gongshi-entry.png"), full_page=True)
    page.fill("input[name=requester]", "明山金属制品有限公司")
    page.fill("input[name=contact]", "025-52345678")
    page.fill("textarea[name=content]", "处罚依据应为第九十九条第一项，请核实")
    page.click("button:has-text('提交更正申请')")
    page.wait_for_selector("text=更正申请已收到")
    page.goto(f"{base}/gongshi/av-rules/")
    assert page.locator("tr:has-text('公告送达')").count() >= 1
    page.screenshot(path=str(shots / "gongshi-av-rules.png"))
    assert page.context.cookies() == []  # nothing of the portal set a cookie

    login(page, "chenjie")  # the unit head answers the request on the reviewer's page (P5, P11)
    page.click("header >> text=公示审核")
    page.wait_for_selector("h1:has-text('发布审核')")
    form = page.locator("form:has-text('处罚依据应为第九十九条第一项')")
    form.locator("input[name=reason]").fill("经核实，公示的处罚依据无误")
    form.locator("button:has-text('答复')").click()
    page.wait_for_selector("text=已答复更正申请")
    page.screenshot(path=str(shots / "gongshi-review.png"), full_page=True)
    page.click("text=本年度统计（截至今日）")  # rules P7, P12: the demo year's tables, each with its query
    page.wait_for_selector("h1:has-text('年度行政执法统计')")
    total = page.locator("tr:has-text('合计') [data-testid=figure]").inner_text()
    assert int(total) >= 5 and "SELECT" in page.locator("main").inner_text()
    page.screenshot(path=str(shots / "gongshi-statistics.png"))
