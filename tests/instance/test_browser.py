"""The web UI in Debian's chromium (Playwright), against `liuhen serve` on the demo instance."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.instance, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "liuhen-demo-2026"


@pytest.fixture
def shots(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    folder = request.config.getoption("--screenshots")
    path = Path(folder) if folder else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def page(server: str) -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(120_000)  # a loaded machine: every wait is for a condition
        page.base_url = server  # type: ignore[attr-defined]
        yield page
        context.close()
        browser.close()


def logout(page) -> None:  # type: ignore[no-untyped-def]
    """Sign out and wait for the login page: a page still loading its videos must not race the next sign-in."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_load_state("networkidle")  # what the page was still fetching is done
    for _ in range(3):  # a click swallowed by a page still swapping is clicked again, as a person would
        page.click("header >> text=退出")
        try:
            page.wait_for_selector("#id_username", timeout=40_000)
            return
        except PlaywrightTimeout:
            if page.locator("#id_username").count():
                return
    page.wait_for_selector("#id_username")


def login(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{page.base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=我的工作台")


def test_officer_sees_a_refused_step_explained_and_leader_approves_filing(page, shots: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{page.base_url}/login/")
    assert page.locator("text=行政执法全过程记录系统").is_visible()
    page.screenshot(path=str(shots / "login.png"))

    login(page, "zhangwei")
    assert "已逾期 1" in page.locator("text=已逾期").first.inner_text()
    page.click("header >> text=期限")
    page.click(".tabs >> text=已逾期")
    row = page.locator("tr.deadline-overdue")
    assert "紧急启动后补报立案审批表" in row.inner_text() and "S3 002 第八条" in row.inner_text()
    page.screenshot(path=str(shots / "deadlines-overdue.png"), full_page=True)
    page.click("header >> text=案件")
    page.wait_for_selector("text=/共 \\d+ 件/")
    page.screenshot(path=str(shots / "case-list.png"), full_page=True)
    page.fill("#q", "重大危险源")
    page.click("text=查询")
    page.wait_for_url("**/cases/?q=*")  # the search's results are in before a row is opened
    page.wait_for_selector("text=共 1 件")
    page.click("tr:has-text('未按规定对重大危险源进行登记建档') a")
    file_button = page.locator("button[data-action=file]")
    assert file_button.is_disabled()
    refusal = page.locator("[data-testid=refusal]").first
    assert "立案审批表须经负责人批准后方可立案调查" in refusal.inner_text()
    assert "S2 002 第八条" in refusal.inner_text()
    page.screenshot(path=str(shots / "case-refused-step.png"), full_page=True)

    page.click("header >> text=案件")
    page.fill("#q", "安全警示标志")
    page.click("text=查询")
    page.wait_for_url("**/cases/?q=*")  # the search's results are in before a row is opened
    page.click("tr:has-text('危险化学品储存场所') a")
    page.click("[data-testid=tab-documents]")  # the case page's 文书 tab
    page.click("#documents >> text=行政处罚决定书")
    assert page.locator("[data-testid=doc-status]").inner_text() == "已定稿"
    page.wait_for_selector("iframe[title='PDF 预览']")
    assert "明应急罚决〔" in page.locator("h1").inner_text()
    page.screenshot(path=str(shots / "document-penalty-decision.png"), full_page=True)

    logout(page)
    login(page, "zhouming")
    page.locator("#approvals-waiting .approval-row:has-text('立案审批') a").first.click()
    page.wait_for_selector("text=签署批准意见")
    page.fill("textarea[name=opinion]", "同意立案调查")
    page.select_option("select[name=agree]", "1")
    page.click("text=签署批准意见")
    page.wait_for_selector("text=批准意见已签署")
    assert page.locator(".badge:has-text('已批准')").count() >= 1
    page.screenshot(path=str(shots / "leader-approved-filing.png"), full_page=True)
    page.click("[data-testid=tab-overview]")
    refusal = page.locator("[data-testid=refusal]").first  # rule S2: the approval alone files nothing
    assert "立案审批表" in refusal.inner_text()
    page.click("[data-testid=tab-documents]")
    page.click("#documents >> text=立案审批表")
    page.click("button:has-text('定稿')")
    page.wait_for_selector("text=文书已定稿")
    assert page.locator("[data-testid=doc-status]").inner_text() == "已定稿"
    page.click("main p a")  # back to the case
    page.click("button[data-action=file]")
    page.wait_for_selector("[data-testid=stage]:has-text('调查取证')")
    page.click("[data-testid=tab-timeline]")
    assert "立案：案源登记 → 调查取证" in page.locator(".timeline").inner_text()


def test_officer_uploads_a_video_in_the_browser(page, shots: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.media.conftest import synthesise

    video = synthesise(tmp_path / "执法记录仪_现场检查.mp4", seconds=4)
    login(page, "zhangwei")
    page.click("header >> text=案件")
    page.fill("#q", "安全警示标志")
    page.click("text=查询")
    page.wait_for_url("**/cases/?q=*")  # the search's results are in before a row is opened
    page.click("tr:has-text('危险化学品储存场所') a")
    page.click("[data-testid=tab-media]")
    page.wait_for_selector("#media .recording")  # the demo's body-camera clip is already on the case
    before = page.locator(".recording").count()
    page.click("text=上传音像记录")
    page.wait_for_selector("#upload-form")
    page.set_input_files("#upload-file", str(video))
    page.select_option("#device", "3201001")
    page.screenshot(path=str(shots / "media-upload.png"), full_page=True)
    page.click("#upload-start")
    page.wait_for_selector("#media .recording >> text=执法记录仪_现场检查.mp4", timeout=60000)
    assert page.locator(".recording").count() == before + 1
    card = page.locator(".recording:has-text('执法记录仪_现场检查.mp4')")
    assert "h264/aac" in card.inner_text() and "320×240" in card.inner_text()
    assert card.locator("video").get_attribute("poster")  # the poster frame, a blob of its own
    page.locator("#media").screenshot(path=str(shots / "case-media.png"))


def test_reading_another_units_case_by_approved_request_and_a_party_copy(page, shots: Path) -> None:  # type: ignore[no-untyped-def]
    login(page, "zhangwei")
    page.click("header >> text=案件")
    page.fill("#q", "安全警示标志")
    page.click("text=查询")
    page.wait_for_url("**/cases/?q=*")  # the search's results are in before a row is opened
    page.click("tr:has-text('危险化学品储存场所') a")
    page.wait_for_selector("[data-testid=stage]")
    case_url = page.url
    logout(page)

    login(page, "wangqiang")  # an officer of the other unit
    response = page.goto(case_url)
    assert response is not None and response.status == 403
    assert "调阅须提出申请" in page.locator("main").inner_text()
    page.fill("#purpose", "关联企业案件比对")
    page.screenshot(path=str(shots / "access-request.png"), full_page=True)
    page.click("text=提交调阅申请")
    page.wait_for_selector("text=调阅申请已提交，待审批")
    assert "待审批" in page.locator("#mine").inner_text()
    logout(page)

    login(page, "chenjie")  # the head of the case's unit
    assert "待我审批的调阅申请（2）" in page.locator("#access-to-decide").inner_text()  # the demo's and this one
    page.screenshot(path=str(shots / "workbench-unit-head.png"), full_page=True)
    page.click("header >> text=调阅审批")
    row = page.locator("#to-decide tr:has-text('关联企业案件比对')")
    row.locator("input[name=opinion]").fill("同意，限本次比对使用")
    page.screenshot(path=str(shots / "access-approval.png"), full_page=True)
    row.locator("button[name=approve][value='1']").click()
    page.wait_for_selector("text=审批意见已签署")
    logout(page)

    login(page, "wangqiang")
    response = page.goto(case_url)
    assert response is not None and response.status == 200
    page.click("[data-testid=tab-access]")  # the case's 调阅记录 tab
    assert "经批准调阅：关联企业案件比对" in page.locator("#access-history").inner_text()
    logout(page)

    login(page, "zhangwei")
    page.goto(case_url + "copies/")
    page.click("#copies >> text=登记复制申请")
    page.fill("#copy-request-form input[name=requester_name]", "明山化工有限公司")
    page.fill("#copy-request-form input[name=reason]", "申请复制处罚决定书及证据材料")
    page.click("#copy-request-form button[type=submit]")
    page.wait_for_selector("text=已登记复制申请")
    logout(page)

    login(page, "chenjie")  # the demo agency follows 002 第三十四条: not the unit head, the agency head (R10)
    page.goto(case_url + "copies/")
    assert page.locator("#copies input[placeholder=审批意见]").count() == 0
    logout(page)  # wait for the sign-in page: a sign-in racing the sign-out finds the old session

    login(page, "zhouming")
    page.goto(case_url + "copies/")
    page.fill("#copies input[placeholder=审批意见]", "同意提供，涉密部分不予复制")
    page.click("#copies button[name=approve][value='1']")
    page.wait_for_selector("text=审批意见已签署")
    # the package is built by the job queue of `liuhen serve`; the page polls its progress until the link is there
    page.wait_for_selector("#copies >> text=下载复制件（含哈希清单）", timeout=90000)
    copies = page.locator("#copies")
    assert "已批准" in copies.inner_text() and "下载复制件" in copies.inner_text()
    copies.screenshot(path=str(shots / "copy-request.png"))
