"""The archivist files a demo case in chromium: assemble, 立卷人 and 检查人 sign, archive after the package's
四性检测 (rules R2, R14)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.instance.test_browser import login, logout, page, shots  # noqa: F401  (the browser fixtures)

pytestmark = [pytest.mark.instance, pytest.mark.browser]


def test_rules_r2_r14_the_archivist_assembles_signs_and_archives_a_closed_demo_case(page, shots: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    login(page, "wufang")
    page.click("header >> text=待归档")
    page.wait_for_selector("h1:has-text('待归档案件')")
    row = page.locator("tr", has=page.locator("td", has_text="结案")).filter(has_text="罚").first
    assert re.search(r"剩 \d+ 天", row.inner_text()) and "待组卷" in row.inner_text()  # R2: the 30-day countdown
    page.screenshot(path=str(shots / "archive-queue.png"), full_page=True)
    row.locator("a").first.click()
    page.wait_for_selector("h1:has-text('案卷')")
    url = page.url
    assert "立卷人、检查人" in page.locator("form:has(button:has-text('归档')) small").inner_text()  # R14 refused

    page.click("button:has-text('组卷')")
    page.wait_for_selector("#toc", timeout=180_000)  # each document's PDF laid out and counted
    toc = page.locator("#toc")
    assert "行政处罚决定书" in toc.inner_text() and "送达回证" in toc.inner_text()
    first_pages = [int(c.split("–")[0]) for c in toc.locator("tbody td:nth-child(6)").all_inner_texts()]
    assert first_pages[0] == 1 and first_pages == sorted(first_pages)
    page.click("button:has-text('作为立卷人签名')")
    page.wait_for_selector("text=已作为立卷人签名")
    assert page.locator("button:has-text('作为检查人签名')").count() == 0  # R14: not the one who compiled it
    logout(page)

    login(page, "chenjie")  # the head of the handling unit checks the file
    page.goto(url)
    page.click("button:has-text('作为检查人签名')")
    page.wait_for_selector("text=已作为检查人签名", timeout=60_000)  # the volume is bound now
    assert "下载案卷 PDF" in page.content()
    logout(page)

    login(page, "wufang")
    page.goto(url)
    page.locator("#cover").screenshot(path=str(shots / "archive-cover.png"))
    page.locator("#toc").screenshot(path=str(shots / "archive-toc.png"))
    cover = page.locator("#cover").inner_text()
    assert "归档号" in cover and "保管期限" in cover and "档号" in cover
    assert "陈杰" in page.locator("#notes").inner_text() and "吴芳" in page.locator("#notes").inner_text()
    archive_button = page.locator("button:has-text('归档')").last
    archive_button.click()
    page.wait_for_selector("text=本案已归档", timeout=240_000)  # the 四性检测 of the package runs first (R14)
    checks = page.locator("#four-checks").inner_text()
    assert "全部通过" in checks and "GD-1-1" in checks and "GD-4-3" in checks
    page.locator("#four-checks").screenshot(path=str(shots / "archive-four-checks.png"))
    page.screenshot(path=str(shots / "archive-case-file.png"), full_page=True)
    pdf = page.request.get(url + "pdf/")
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
