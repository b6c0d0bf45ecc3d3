"""Each role's workbench in Debian's chromium, against `liuhen serve` on the demo: its menu, its queue and its main
task from there; and the 调阅记录 holds what a person did, nothing a page preloaded (rule R9)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.instance import test_browser as browser
from tests.instance.test_browser import login, logout

page = browser.page  # the fixtures: a chromium page on `liuhen serve` of a copy of the demo, the screenshot folder
shots = browser.shots

pytestmark = [pytest.mark.instance, pytest.mark.browser]

MENUS = {
    "zhangwei": ["我的工作台", "案件", "登记案件", "期限", "调阅申请", "待分配音像"],
    "chenjie": ["我的工作台", "案件", "登记案件", "期限", "调阅审批", "待分配音像", "公示审核", "设备"],
    "sunli": ["我的工作台", "案件", "期限", "调阅申请"],
    "zhouming": ["我的工作台", "案件", "期限", "调阅审批", "公示审核"],
    "wufang": ["我的工作台", "案件", "期限", "调阅申请", "待归档"],
    "zhengkai": ["我的工作台", "案件", "期限", "调阅申请", "监督"],
}


def menu(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.strip() for a in page.locator("header nav a").all_inner_texts()]


def history_rows(page, case_url: str) -> list[str]:  # type: ignore[no-untyped-def]
    page.goto(f"{case_url}access-history/")
    page.wait_for_selector("#access-filter")
    return [r for r in page.locator("#access-history tbody tr").all_inner_texts() if "暂无调阅记录" not in r]


TIMELINES = """
import re, django
django.setup()
from liuhen.accounts.models import User
from liuhen.cases import presentation
from liuhen.cases.models import Case
users = set(User.objects.values_list("username", flat=True))
for case in Case.objects.all():
    for row in presentation.timeline(case):
        text = row["text"] + " " + row["actor"]
        if re.search(r"\\b[a-z_]+\\.[a-z_]+\\b", text) or any(re.search(rf"\\b{u}\\b", text) for u in users):
            print(case.case_no, text)
print("checked", Case.objects.count())
"""


def test_each_role_works_from_its_workbench_and_reads_are_what_a_person_did(page, shots: Path, home_copy: Path) -> None:  # type: ignore[no-untyped-def]
    """rules R9, D9, R2: menus by role; the leader approves in place, the officer finalises her draft from her
    workbench; opening a case page with videos and documents is one read, pressing play one 播放."""
    for user, expected in MENUS.items():
        login(page, user)
        assert menu(page) == expected, user
        if user == "chenjie":
            assert "待我审批的调阅申请（1）" in page.locator("#access-to-decide").inner_text()
            page.click("#access-to-decide >> text=前往调阅审批")  # the unit head reviews the 调阅 request
            row = page.locator("#to-decide tr:has-text('同一企业危化品储存问题比对')")
            row.locator("input[name=opinion]").fill("同意，限比对使用")
            row.locator("button[name=approve][value='1']").click()
            page.wait_for_selector("text=审批意见已签署")
            page.click("header >> text=我的工作台")
            page.wait_for_selector("#unit-cases")
        if user == "zhouming":  # the leader decides the 立案审批 in place, with 案由, 承办人, 提交时间, 已等待
            card = page.locator("#approvals-waiting")
            text = card.inner_text()
            assert "待我批准（1）" in text and "未按规定开展事故隐患排查治理" in text and "李娜" in text
            assert "已等待" in text and "提交时间" in text
            page.screenshot(path=str(shots / "workbench-leader.png"), full_page=True)
            card.locator("input[name=opinion]").fill("同意立案调查")
            card.locator("button:has-text('签署批准意见')").click()
            page.wait_for_selector("text=批准意见已签署")
            assert "暂无待办审批" in page.locator("#approvals-waiting").inner_text()
        elif user == "wufang":  # the archivist: 结案待归档 with the 30-day countdown of R2
            queue = page.locator("#archive-queue")
            assert re.search(r"结案待归档（\d+）", queue.inner_text()) and "剩 " in queue.inner_text()
            page.screenshot(path=str(shots / "workbench-archivist.png"), full_page=True)
            queue.locator("tbody tr a").first.click()
            page.wait_for_selector("[data-testid=stage]:has-text('结案')")
        elif user == "zhengkai":  # the supervisor's oversight view of the agency
            text = page.locator("#oversight").inner_text()
            assert "已逾期期限 1" in text and "近7日调阅" in text
            overdue = page.locator("#oversight-overdue").inner_text()
            assert "明应急案源〔2026〕011号" in overdue  # rule S3: never filed, it goes by its 案源登记号
            page.screenshot(path=str(shots / "workbench-supervisor.png"), full_page=True)
        elif user == "sunli":
            assert "待法制审核" in page.locator("#legal-review-queue").inner_text()
            page.screenshot(path=str(shots / "workbench-legal-reviewer.png"), full_page=True)
        elif user == "chenjie":
            page.screenshot(path=str(shots / "workbench-unit-head.png"), full_page=True)
        elif user == "zhangwei":
            assert "我承办的案件" in page.locator("#my-cases").inner_text()
            page.screenshot(path=str(shots / "workbench-officer.png"), full_page=True)
        logout(page)

    login(page, "lina")  # the officer finalises her draft 立案审批表 now that the filing is approved, then files
    drafts = page.locator("#my-drafts")
    assert "立案审批表" in drafts.inner_text()
    drafts.locator("a:has-text('立案审批表')").click()
    page.click("button:has-text('定稿')")
    page.wait_for_selector("text=文书已定稿")
    page.click("main p a")  # back to the case
    page.click("button[data-action=file]")
    page.wait_for_selector("text=已立案，进入调查取证")
    assert page.locator("[data-testid=stage]").inner_text() == "调查取证"
    logout(page)

    login(page, "zhangwei")
    page.click("#my-cases tr:has-text('危险化学品储存场所') a")  # a case with recordings and finalised documents
    page.wait_for_selector("#next-steps")
    case_url = page.url.split("#")[0]
    before = history_rows(page, case_url)
    page.goto(case_url)  # the 概况 tab: the next step first; no recording, no document loaded
    page.wait_for_selector("#next-steps")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(shots / "case-page.png"), full_page=True)
    after = history_rows(page, case_url)
    assert len(after) == len(before) + 1 and "案件详情" in after[0] and "页面" in after[0]  # the page, nothing else
    # the 制作文书 menu (文书 tab) offers the stage's documents only: no 不予立案告知书 on a case in 执行
    page.goto(f"{case_url}documents/")
    options = page.locator("#doc-type option").all_inner_texts()
    assert options and not any("不予立案告知书" in o or "立案审批表" in o for o in options)
    page.screenshot(path=str(shots / "case-documents-tab.png"), full_page=True)
    page.goto(f"{case_url}timeline/")
    timeline = page.locator(".timeline").inner_text()
    assert not re.search(r"\b[a-z_]+\.[a-z_]+\b", timeline) and "zhangwei" not in timeline
    after = history_rows(page, case_url)
    page.goto(f"{case_url}media/")  # the 音像 tab: its players fetch nothing until played
    page.wait_for_selector("#media video")
    page.wait_for_load_state("networkidle")
    with page.expect_response(lambda r: "/stream/" in r.url):
        page.locator("#media video").first.evaluate("v => { v.muted = true; return v.play().catch(() => null); }")
    page.wait_for_load_state("networkidle")
    page.locator("#media video").first.evaluate("v => { v.currentTime = 2; }")  # a seek within the same play
    page.wait_for_load_state("networkidle")
    played = history_rows(page, case_url)
    new = played[: len(played) - len(after)]
    assert len(new) == 2 and sum("播放" in r for r in new) == 1 and sum("案件详情·音像" in r for r in new) == 1
    page.screenshot(path=str(shots / "case-access-history.png"), full_page=True)

    # the timeline of every demo case (and of those worked above) has no raw event code and no username
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env.update(LIUHEN_HOME=str(home_copy), DJANGO_SETTINGS_MODULE="liuhen.settings")
    out = subprocess.run([sys.executable, "-c", TIMELINES], env=env, capture_output=True, text=True, check=True).stdout
    assert out.startswith("checked ") and int(out.split()[1]) >= 30, out
