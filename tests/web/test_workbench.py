"""The case page offers what the stage allows and says what comes next; each role's workbench holds its queue
(rules S2, D2, D9)."""

from __future__ import annotations

import pytest
from django.test import Client

from liuhen.cases import scenarios, services, work
from liuhen.cases.forms import ActForm
from liuhen.cases.presentation import said
from liuhen.core import stages
from liuhen.web import workbench
from liuhen.web.templatetags.nav_tags import nav


def login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_a_verdict_is_said_once() -> None:
    assert said("经审核，事实清楚，同意", True) == "经审核，事实清楚，同意"
    assert said("证据不足", False) == "证据不足（不同意）"
    assert said("经审核，不同意", True) == "经审核，不同意（同意）"  # the verdict signed is what counts
    assert said("", False) == "不同意"


def test_step_words_say_what_happened() -> None:
    assert work.step_words("立案", stages.Stage.INVESTIGATION) == ("立案（进入调查取证）", "已立案，进入调查取证")
    assert work.step_words("结案", stages.Stage.CLOSED) == ("结案", "已结案")


@pytest.mark.django_db
def test_menus_follow_the_stage_and_the_next_document_comes_first(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule S2: a new case waits for its 立案审批表; in 告知 the notice documents are offered, not the filing's."""
    acts = list(ActForm().fields["kind"].widget.choices)  # type: ignore[attr-defined]
    case = make_case(officers=[cast.handler, cast.second_officer])
    intake = work.work(case, acts)
    assert intake.next_document is not None and intake.next_document.code == "filing_approval"
    codes = [t.code for t in intake.documents]
    assert codes[0] == "filing_approval" and "penalty_decision" not in codes and "demand_notice" not in codes
    assert intake.acts[0][0] == "note" and "emergency_start" in dict(intake.acts)  # S3's 紧急情况记录 is a step here
    assert "rights_waiver" not in dict(intake.acts)
    page = login(cast.handler).get(f"/cases/{case.pk}/").content.decode()
    assert "制作立案审批表" in page  # the next document first, on the 概况 tab
    page = login(cast.handler).get(f"/cases/{case.pk}/documents/").content.decode()
    assert "不予立案告知书" not in page.split('id="doc-type"')[1].split("</select>")[0]

    noticed = scenarios.advance(case, stages.Stage.NOTICE, cast)
    menu = work.work(noticed, acts)
    codes = [t.code for t in menu.documents]
    assert "penalty_notice" in codes and "filing_approval" not in codes and "non_filing_notice" not in codes
    assert {"rights_waiver", "hearing_request"} <= set(dict(menu.acts)) and "emergency_start" not in dict(menu.acts)


@pytest.mark.django_db
def test_approvals_are_decided_in_place_and_queues_by_role(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule D9: the unit head reviews and the leader approves from the workbench, never their own proposal;
    rule D2: a major case under investigation waits for the legal unit's review."""
    case = make_case(officers=[cast.handler, cast.second_officer])
    approval = services.start_approval(actor=cast.handler, case=case, kind="filing", opinion="建议立案调查")
    rows = workbench.parts(cast.unit_head)["waiting"]
    assert [r["approval"].pk for r in rows] == [approval.pk] and rows[0]["handler"] and rows[0]["waited"]
    head = login(cast.unit_head)
    home = head.get("/").content.decode()
    assert "待我审核（1）" in home and "建议立案调查" in home and "已等待" in home
    r = head.post(f"/approvals/{approval.pk}/review/", {"opinion": "同意", "agree": "1", "back": "workbench"})
    assert r.status_code == 302 and r["Location"] == "/"
    assert workbench.parts(cast.unit_head)["waiting"] == []
    assert [r["approval"].pk for r in workbench.parts(cast.leader)["waiting"]] == [approval.pk]
    r = login(cast.leader).post(
        f"/approvals/{approval.pk}/decide/", {"opinion": "同意立案", "agree": "1", "back": "workbench"}
    )
    approval.refresh_from_db()
    assert r["Location"] == "/" and approval.status == "approved"

    assert workbench.parts(cast.legal_reviewer)["to_review"].count() == 0
    major = scenarios.advance(
        make_case(officers=[cast.handler, cast.second_officer], is_major=True), stages.Stage.INVESTIGATION, cast
    )
    queue = list(workbench.parts(cast.legal_reviewer)["to_review"])
    assert [c.pk for c in queue] == [major.pk] and not queue[0].drafted
    assert "待法制审核（1）" in login(cast.legal_reviewer).get("/").content.decode()


def test_the_menu_is_the_roles() -> None:
    class Probe:
        is_staff = False

        def __init__(self, role: str) -> None:
            self.role = role

    labels = {role: [i.label for i in nav(Probe(role))] for role in ("officer", "leader", "supervisor", "admin")}
    assert "登记案件" in labels["officer"] and "设备" not in labels["officer"] and "调阅申请" in labels["officer"]
    assert "调阅审批" in labels["leader"] and "待分配音像" not in labels["leader"]
    assert "登记案件" not in labels["supervisor"] and labels["admin"] == ["我的工作台", "设备", "机关设置"]


def test_case_numbers_as_people_type_them() -> None:
    from liuhen.cases import numbers

    stored = [
        (1, "明应急罚〔2026〕017号"),
        (2, "明应急诉〔2026〕017号"),
        (3, "明应急罚〔2025〕017号"),
        (4, "明应急罚〔2026〕170号"),
    ]
    for typed in (
        "明应急罚[2026]017号",
        "明应急罚(2026)17",
        "明应急罚（2026）017号",
        "明应急罚【2026】第017号",
        " 明应急罚〔2026〕017 ",
    ):
        assert numbers.find(typed, stored) == [(1, "明应急罚〔2026〕017号")], typed
    assert [pk for pk, _ in numbers.find("017", stored)] == [1, 2, 3]  # a bare serial: the caller narrows the year
    assert numbers.parse("明山化工有限公司") is None and numbers.find("重大危险源", stored) == []
    assert numbers.canonical_brackets("明应急罚[2026]") == "明应急罚〔2026〕"


@pytest.mark.django_db
def test_a_case_is_asked_for_by_its_number_in_any_brackets_or_its_serial(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule R9: a 调阅 request names the case however its number is typed; an unknown number says how to write it."""
    from liuhen.access.services import case_id_by_number
    from liuhen.core.errors import InvalidInput

    case = make_case()
    prefix, rest = case.case_no.split("〔")
    year, serial = rest.rstrip("号").split("〕")
    assert case_id_by_number(cast.legal_reviewer, f"{prefix}[{year}]{int(serial)}") == case.pk
    assert case_id_by_number(cast.legal_reviewer, f"({year}){serial}") == case.pk
    assert case_id_by_number(cast.legal_reviewer, serial) == case.pk
    with pytest.raises(InvalidInput, match="也可只写序号"):
        case_id_by_number(cast.legal_reviewer, "明应急罚〔1999〕999号")


@pytest.mark.django_db
def test_not_found_is_a_page_of_the_site_in_chinese(cast) -> None:  # type: ignore[no-untyped-def]
    web = login(cast.handler)
    r = web.get("/no-such-page/")
    html = r.content.decode()
    assert r.status_code == 404 and "<h1>未找到</h1>" in html and "没有这个页面：/no-such-page/" in html
    assert "我的工作台" in html and "Not Found" not in html
    r = web.get("/documents/999999/")
    assert r.status_code == 404 and "提出调阅申请" in r.content.decode()  # a case's record: the way to ask for it
    assert web.get("/api/v1/no-such/").status_code == 404


@pytest.mark.django_db
def test_the_admin_reads_in_chinese_whatever_the_browser_asks() -> None:
    from django.contrib.auth.models import Permission

    from liuhen.accounts.services import create_admin

    admin, _ = create_admin(password="Admin-pass-2026!")  # the one `liuhen init` makes
    web = login(admin)
    index = web.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "站点管理" in index and "登录安全" in index and "登录日志" in index and "Site administration" not in index
    form = web.get(f"/admin/accounts/user/{admin.pk}/change/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "姓名" in form and "id_first_name" not in form and "id_last_name" not in form and "Can add" not in form
    assert str(Permission.objects.get(codename="view_user")) == "机关与人员｜可查看用户"


@pytest.mark.django_db
def test_officers_on_the_case_see_party_identifiers_in_full_others_masked(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule R9: the handling officer reads the credit code in full (his page read is registered); the unit head
    sees it masked."""
    case = make_case(officers=[cast.handler, cast.second_officer])
    own = login(cast.handler).get(f"/cases/{case.pk}/").content.decode()
    head = login(cast.unit_head).get(f"/cases/{case.pk}/").content.decode()
    assert "91320100MA1X2Y3Z4A" in own and "91320100MA1X2Y3Z4A" not in head and "913***********3Z4A" in head


def test_command_line_help_is_chinese() -> None:
    from typer.testing import CliRunner

    from liuhen.cli import app

    out = CliRunner().invoke(app, ["deadline", "--help"], env={"COLUMNS": "120"}).output
    assert "显示本帮助并退出。" in out and "用法：" in out and "参数" in out and "选项" in out
    assert "Show this message" not in out and "FROM" not in out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["deadline"], "错误：缺少参数“起算”（运行 'liuhen deadline --help' 查看用法）"),
        (["deadline", "--bogus", "2026-11-02"], "错误：没有选项 --bogus（可用选项：--hours）"),
        (["deadline", "2026-11-02", "extra"], "错误：多余的参数（extra）"),
        (["deadline", "--hours", "abc", "2026-11-02"], "错误：--hours 的值无效：应为整数"),
        (["calendar", "show", "abc"], "错误：年份 的值无效：应为整数"),
        (["export"], "错误：缺少参数“案号”"),
        (["nosuch"], "错误：没有命令 'nosuch'"),
    ],
)
def test_command_line_usage_errors_are_one_line_of_chinese_and_exit_2(args, said) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from liuhen.cli import app

    result = CliRunner().invoke(app, args, env={"COLUMNS": "120"}, prog_name="liuhen")
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith(said), result.output
    assert not any(w in result.output for w in ("Missing", "No such", "Usage", "Got unexpected", "Invalid value"))


def test_command_line_help_names_arguments_and_types_in_chinese() -> None:
    from typer.testing import CliRunner

    from liuhen.cli import app

    out = CliRunner().invoke(app, ["export", "--help"], env={"COLUMNS": "120"}, prog_name="liuhen").output
    assert "用法：liuhen export [选项] {案号}" in out and "<文本>" in out and "<路径>" in out
    assert "CASE_NO" not in out and "[OPTIONS]" not in out and "<str>" not in out
    group = CliRunner().invoke(app, ["ledger", "--help"], env={"COLUMNS": "120"}).output
    assert "[选项] 命令 [参数]..." in group and "COMMAND" not in group
