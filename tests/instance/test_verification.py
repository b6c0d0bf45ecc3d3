"""The recipient checks an issued document on the public page (rule R8): the officer previews the 行政处罚决定书
(on a click, registered), the PDF carries its code, and the page, without login, accepts that PDF and refuses one
changed by one byte."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.instance.test_browser import login, logout, page, shots  # noqa: F401  (the browser fixtures)

pytestmark = [pytest.mark.instance, pytest.mark.browser]


def test_rule_R8_the_public_page_accepts_the_issued_pdf_and_rejects_a_changed_one(page, shots: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    login(page, "zhangwei")
    page.click("header >> text=案件")
    page.fill("#q", "安全警示标志")
    page.click("text=查询")
    page.wait_for_url("**/cases/?q=*")  # the search's results are in before a row is opened
    page.click("tr:has-text('危险化学品储存场所') a")
    page.click("[data-testid=tab-documents]")
    page.click("#documents >> text=行政处罚决定书")
    assert page.locator("iframe[name='pdf-preview']").get_attribute("src") is None  # nothing opened on load
    page.wait_for_selector("iframe[name='pdf-preview']", state="attached")
    for _ in range(5):  # the click opens it, laid out once and kept; a busy server says to try again (503)
        # the context sees the response wherever the browser shows it (the preview frame, or a window of its own)
        with page.context.expect_event("response", lambda r: "/pdf/" in r.url, timeout=300_000) as preview:
            page.click("[data-testid=preview-pdf]")
        if preview.value.status != 503:
            break
    assert preview.value.status == 200
    pdf_url = page.locator("[data-testid=preview-pdf]").get_attribute("href")
    issued = page.request.get(f"{page.base_url}{pdf_url}").body()
    again = page.request.get(f"{page.base_url}{pdf_url}").body()
    assert issued == again and issued.startswith(b"%PDF")  # the stored bytes, twice
    text = subprocess.run(["pdftotext", "-", "-"], input=issued, capture_output=True, check=True).stdout.decode()
    flat = "".join(text.split())
    assert "明山区人民政府" in flat and "明山区人民法院" in flat and "承办人意见" not in flat
    code = re.search(r"查验码：(\d+-[A-Z2-7]{8})", flat).group(1)  # type: ignore[union-attr]
    logout(page)

    page.goto(f"{page.base_url}/verify/")
    page.fill("#code", code)
    page.click("button:has-text('查验')")
    assert "明应急罚决〔" in page.locator("[data-testid=verify-number]").inner_text()
    page.set_input_files("input[name=file]", {"name": "决定书.pdf", "mimeType": "application/pdf", "buffer": issued})
    page.click("button:has-text('核对')")
    page.wait_for_selector("[data-testid=verify-result] >> text=未被改动")
    assert "不一致" not in page.locator("[data-testid=verify-result]").inner_text()
    assert "未被改动" in page.locator("[data-testid=verify-result]").inner_text()
    page.screenshot(path=str(shots / "document-verify-accepted.png"), full_page=True)

    changed = bytearray(issued)
    changed[len(changed) // 2] ^= 0x01  # one byte
    page.set_input_files(
        "input[name=file]", {"name": "决定书.pdf", "mimeType": "application/pdf", "buffer": bytes(changed)}
    )
    page.click("button:has-text('核对')")
    page.wait_for_selector("[data-testid=verify-result] >> text=不是本机关出具的原件")
    assert "不一致" in page.locator("[data-testid=verify-result]").inner_text()
    page.screenshot(path=str(shots / "document-verify-rejected.png"), full_page=True)
