"""The Chinese web UI through Django's test client: login, lists, detail, refusals, approvals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from liuhen.accounts.models import Role
from liuhen.cases import presentation, scenarios, services
from liuhen.cases.models import Case
from liuhen.core import stages
from liuhen.deadlines import queries as deadline_queries
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_login_page_is_chinese() -> None:
    html = Client().get("/login/").content.decode()
    assert "行政执法全过程记录系统" in html and "用户名" in html and "密码" in html
    assert Client().get("/").status_code == 302  # everything else needs a login


def test_password_login_and_lockout(cast) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    r = client.post("/login/", {"username": "officer1", "password": "test-password-2026"})
    assert r.status_code == 302
    assert "我的工作台" in client.get("/").content.decode()
    bad = Client()
    for _ in range(5):
        bad.post("/login/", {"username": "officer2", "password": "wrong"})
    r = bad.post("/login/", {"username": "officer2", "password": "test-password-2026"})
    assert "账户已暂时锁定" in r.content.decode()


def test_case_detail_explains_refused_steps(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    html = login(cast.handler).get(f"/cases/{case.pk}/").content.decode()
    assert case.case_no in html and "案源登记" in html
    assert "尚不能办理：立案审批表须经负责人批准后方可立案调查（依据：S2 002 第八条" in html
    r = login(cast.handler).post(f"/cases/{case.pk}/transition/", {"action": "file"}, follow=True)
    assert "不能办理：立案审批表须经负责人批准后方可立案调查" in r.content.decode()
    case.refresh_from_db()
    assert case.stage == "intake"


def test_create_case_through_the_form(cast, units) -> None:  # type: ignore[no-untyped-def]
    client = login(cast.handler)
    assert "登记案件" in client.get("/cases/new/").content.decode()
    r = client.post(
        "/cases/new/",
        {
            "procedure": "general_procedure",
            "cause": "特种作业人员未持证上岗",
            "source": "inspection",
            "unit": units[0].pk,
            "officers": [cast.handler.pk, cast.second_officer.pk],
            "lead_officer": cast.second_officer.pk,  # the 主办 is named, not the first ticked
            "party_kind": "organisation",
            "party_legal_representative": "王五",
            "party_name": "明山建材有限公司",
            "party_id_number": "91320100MA1F2G3H4J",
            "violation_ended_on": "2026-06-30",
            "serious_harm": "on",
        },
        follow=True,
    )
    html = r.content.decode()
    assert "案件已登记" in html and "特种作业人员未持证上岗" in html and "明山建材有限公司" in html
    created = Case.objects.get(cause="特种作业人员未持证上岗")
    assert (str(created.violation_ended_on), created.serious_harm) == ("2026-06-30", True)  # rule S6
    assert created.officers.get(is_lead=True).user == cast.second_officer
    assert created.parties.get().legal_representative == "王五"
    form = client.get("/cases/new/").content.decode()
    assert "执法证 CERT-2，有效至 2099-12-31" in form and 'type="checkbox"' in form  # certificates in the picker
    r = client.post(
        "/cases/new/",
        {
            "procedure": "general_procedure",
            "cause": "未指定主办",
            "source": "inspection",
            "unit": units[0].pk,
            "officers": [cast.handler.pk, cast.second_officer.pk],
            "party_kind": "organisation",
        },
    )
    assert (
        "请从所选承办人员中指定主办人员" in r.content.decode() and not Case.objects.filter(cause="未指定主办").exists()
    )
    r = client.post(
        "/cases/new/",
        {
            "procedure": "general_procedure",
            "cause": "",
            "source": "inspection",
            "unit": units[0].pk,
            "party_kind": "organisation",
        },
    )
    assert "案由：这个字段是必填项。" in r.content.decode()


def test_leader_approves_filing_in_the_ui(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case(violation_ended_on=timezone.localdate() - timedelta(days=30))
    approval = services.start_approval(actor=cast.handler, case=case, kind="filing", opinion="建议立案")
    head = login(cast.unit_head)
    assert case.case_no in head.get("/").content.decode()  # waiting in the unit head's inbox
    head.post(f"/approvals/{approval.pk}/review/", {"opinion": "同意", "agree": "1"})
    leader = login(cast.leader)
    html = leader.get(f"/cases/{case.pk}/approvals/").content.decode()
    assert "签署批准意见" in html
    r = leader.post(f"/approvals/{approval.pk}/decide/", {"opinion": "同意立案", "agree": "1"}, follow=True)
    assert "批准意见已签署" in r.content.decode()
    scenarios.make_document(case, "filing_approval", cast)  # rule S2: the 立案审批表 with the chain's signatures
    r = login(cast.handler).post(f"/cases/{case.pk}/transition/", {"action": "file"}, follow=True)
    case.refresh_from_db()
    assert case.stage == "investigation" and "调查取证" in r.content.decode()


def test_case_list_filters(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    make_case(cause="危险物品储存不符合要求")
    make_case("inspection", cause="双随机抽查")
    client = login(cast.handler)
    html = client.get("/cases/", {"procedure": "inspection"}).content.decode()
    assert "双随机抽查" in html and "危险物品储存" not in html
    assert "危险物品储存" in client.get("/cases/", {"q": "危险"}).content.decode()


def test_workbench_shows_an_officer_their_cases_and_a_unit_head_the_units(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    mine = make_case(officers=[cast.handler, cast.second_officer], violation_ended_on="2026-03-01")  # S6 opens
    officer_page = login(cast.handler).get("/").content.decode()
    assert "我承办的案件" in officer_page and mine.case_no in officer_page
    head_page = login(cast.unit_head).get("/").content.decode()
    assert "本单位的案件" in head_page and mine.case_no in head_page
    # the unit head's deadline counts are the unit's, like the cases and alerts beside them
    n = deadline_queries.counts(cast.unit_head, "unit")["open"]
    assert n > 0 and deadline_queries.counts(cast.unit_head, "mine")["open"] == 0
    assert f"进行中 {n}</span>" in head_page and "?scope=unit&amp;state=overdue" in head_page
    case_page = login(cast.handler).get(f"/cases/{mine.pk}/deadlines/").content.decode()
    assert ">进行中</span>" in case_page and "全部进行中" not in case_page  # a row is 进行中; 全部 names the filter


def test_the_timeline_reads_in_chinese(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """Every event on a case's timeline is told in words: documents by name and version, recordings by what
    happened; reads are not on it (they are the 调阅记录's, rule R9), so opening the page adds nothing to it."""
    case = scenarios.advance(make_case(officers=[cast.handler, cast.second_officer]), stages.Stage.NOTICE, cast)
    login(cast.handler).get(f"/cases/{case.pk}/")
    rows = presentation.timeline(case)
    actions = {r["action"] for r in rows}
    assert {"document.drafted", "document.finalised"} <= actions and "record.read" not in actions
    raw = [r for r in rows if r["text"] == r["action"] or r["label"] == r["action"]]
    assert not raw, f"raw event codes on the timeline: {[r['action'] for r in raw]}"
    assert any(r["text"].startswith("文书定稿：立案审批表") and "第1版" in r["text"] for r in rows)
    assert not any(r["text"].startswith("调阅") for r in rows)


def test_a_refusal_is_a_page_of_the_site_with_its_reason(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """A page refused by the permission table keeps the header and menu, and says why (rule R9)."""
    admin = make_user(cast.handler.agency, None, "sysadmin", Role.ADMIN)
    r = login(admin).get(f"/cases/{make_case().pk}/")
    html = r.content.decode()
    assert r.status_code == 403 and "text/html" in r["Content-Type"]
    assert "<h1>无权办理</h1>" in html and "系统管理员不能查看案件" in html and "R9" in html and "我的工作台" in html


def test_a_refused_record_shows_its_reason_on_the_case_page(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """A kind a document records, sent to the free-text form, is refused with 422 naming the document; the page
    is the case page (a boosted form swaps it in; htmx is told to show 4xx pages) and the address is the case's."""
    case = make_case(officers=[cast.handler])
    client = login(cast.handler)
    r = client.post(f"/cases/{case.pk}/acts/", {"kind": "delivery", "note": "已送达"})
    html = r.content.decode()
    assert r.status_code == 422 and "须制作并定稿《送达回证》" in html
    assert r["HX-Replace-Url"] == f"/cases/{case.pk}/"
    assert '"code":"[2345].."' in html and '"swap":true' in html
