"""事前公开 (rules P1, P4, P11): the 随机抽查事项清单 kept as data; the portal shows the reviewed and published
version; any change of what it is made of (officers, certificates, units, the 抽查 list, a release's tables) opens
the agency's P4 period (20 working days, no case's), which the next published version meets, and which runs
overdue without it."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.test import Client

from liuhen.accounts import services as accounts
from liuhen.accounts.models import Role
from liuhen.core.errors import InvalidInput, RuleViolation
from liuhen.deadlines import queries as deadline_queries
from liuhen.deadlines.models import Alert, Deadline
from liuhen.deadlines.services import scan
from liuhen.disclosure import prior
from liuhen.disclosure.models import InspectionItem, PriorDisclosure
from liuhen.ledger.models import Event
from tests.conftest import make_user
from tests.disclosure.conftest import at

pytestmark = pytest.mark.django_db

ITEM = {
    "category": "key",
    "name": "危险化学品经营单位安全生产条件检查",
    "target": "危险化学品经营企业",
    "method": "现场检查",
    "frequency": "每年抽查比例不低于10%",
    "basis": "《安全生产法》第六十五条",
}


def _p4(agency) -> list[Deadline]:  # type: ignore[no-untyped-def]
    return list(Deadline.objects.filter(case__isnull=True, agency=agency, rule_key="P4").order_by("id"))


def test_rules_P1_P11_list_kept_as_data_and_published_after_review(cast, agency, units) -> None:  # type: ignore[no-untyped-def]
    web = Client()
    assert "尚未经审核发布" in web.get(f"/gongshi/agencies/{agency.pk}/").content.decode()
    item = prior.save_item(actor=cast.unit_head, agency=agency, values={**ITEM, "unit": str(units[1].pk)})
    assert (item.unit, item.category, item.saved_by) == (units[1], "key", cast.unit_head)
    assert not _p4(agency)  # nothing published yet: nothing to update
    with pytest.raises(RuleViolation) as own:  # rule P11: not by the one who kept the list
        prior.publish(actor=cast.unit_head, agency=agency)
    assert own.value.rule_id == "P11"
    with pytest.raises(RuleViolation):  # an officer neither keeps the list nor publishes
        prior.save_item(actor=cast.handler, agency=agency, values=ITEM)
    version = prior.publish(actor=cast.leader, agency=agency)
    assert version.version == 1 and not _p4(agency)
    with pytest.raises(InvalidInput):  # the same again: nothing to publish
        prior.publish(actor=cast.leader, agency=agency)
    page = web.get(f"/gongshi/agencies/{agency.pk}/").content.decode()
    for shown in ("随机抽查事项清单", ITEM["name"], "重点检查事项", units[1].name, "CERT-1", "必须全程音像记录"):
        assert shown in page, shown
    assert "第 1 版" in page


def test_rules_P1_bad_input_is_refused_and_changes_nothing(cast, agency, units) -> None:  # type: ignore[no-untyped-def]
    other = accounts.create_agency(actor=None, name="邻区应急管理局", short_name="邻应急")
    foreign = accounts.create_unit(actor=None, agency=other, name="执法大队")
    for values, message in (
        ({**ITEM, "name": " "}, "抽查事项"),
        ({**ITEM, "basis": ""}, "检查依据"),
        ({**ITEM, "category": "urgent"}, "事项类别"),
        ({**ITEM, "unit": str(foreign.pk)}, "本机关的单位"),
        ({**ITEM, "name": "查" * 201}, "不超过200字"),
    ):
        with pytest.raises(InvalidInput) as refused:
            prior.save_item(actor=cast.unit_head, agency=agency, values=values)
        assert message in str(refused.value)
    assert not InspectionItem.objects.exists()
    item = prior.save_item(actor=cast.unit_head, agency=agency, values={**ITEM, "category": "一般检查事项"})
    assert item.category == "general"
    with pytest.raises(InvalidInput):
        prior.withdraw_item(actor=cast.unit_head, item=item, reason=" ")
    item.refresh_from_db()
    assert item.in_force


def test_rule_P4_each_change_opens_the_update_period_once_and_the_update_meets_it(cast, agency, units) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-11-02T09:00"), tick=False):
        item = prior.save_item(actor=cast.unit_head, agency=agency, values=ITEM)
        prior.publish(actor=cast.leader, agency=agency)
        # an officer joins and gets a certificate: the published list of officers is out of date
        newcomer = make_user(agency, units[0], "officer9", Role.OFFICER, "CERT-9")
    rows = _p4(agency)
    assert len(rows) == 1 and (rows[0].case_id, rows[0].status) == (None, "open")
    assert rows[0].due_on == date(2026, 11, 30)  # 20 working days
    changed = Event.objects.filter(action=prior.PRIOR_CHANGED)
    assert changed.count() == 1 and "执法人员及执法证" in changed.get().body
    with time_machine.travel(at("2026-11-03T09:00"), tick=False):  # more changes: the same period runs on
        prior.save_item(actor=cast.unit_head, agency=agency, values={**ITEM, "frequency": "每年两次"}, item=item)
        accounts.create_unit(actor=None, agency=agency, name="应急救援科")
    assert len(_p4(agency)) == 1 and changed.count() == 1
    assert prior.changed_sections(agency) == ["执法主体与机构", "执法人员及执法证", "随机抽查事项清单"]
    # the heads see it in their lists and on their workbench, with the page that meets it
    listed = [r for r in deadline_queries.listing(cast.unit_head, "unit") if r["rule_key"] == "P4"]
    assert listed and listed[0]["url"] == "/disclosure/prior/" and listed[0]["case_no"] == agency.name
    with time_machine.travel(at("2026-11-10T09:00"), tick=False):
        with pytest.raises(RuleViolation):  # rule P11: the unit head changed the list since the last version
            prior.publish(actor=cast.unit_head, agency=agency)
        version = prior.publish(actor=cast.leader, agency=agency)
    assert version.version == 2 and _p4(agency)[0].status == "met"
    page = Client().get(f"/gongshi/agencies/{agency.pk}/").content.decode()
    assert "CERT-9" in page and "应急救援科" in page and "每年两次" in page
    # withdrawn from the list: a new period
    with time_machine.travel(at("2026-11-11T09:00"), tick=False):
        prior.withdraw_item(actor=cast.unit_head, item=item, reason="上级清单调整")
    assert [r.status for r in _p4(agency)] == ["met", "open"]
    assert newcomer.pk


def test_rule_P4_missed_without_the_update_is_overdue_then_late(cast, agency, units) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-11-02T09:00"), tick=False):
        prior.publish(actor=cast.leader, agency=agency)
        accounts.issue_certificate(
            actor=None,
            user=cast.legal_reviewer,
            certificate_no="CERT-L",
            valid_from=date(2026, 1, 1),
            valid_to=date(2028, 12, 31),
        )
    row = _p4(agency)[0]
    scan(at("2026-12-01T09:00"))
    assert {a.user for a in Alert.objects.filter(deadline=row, level="overdue")} == {cast.unit_head, cast.leader}
    web = Client()
    web.force_login(cast.leader)
    page = web.get("/").content.decode()
    assert "公示信息变更后更新" in page and 'href="/disclosure/prior/"' in page
    with time_machine.travel(at("2026-12-01T10:00"), tick=False):
        prior.publish(actor=cast.leader, agency=agency)
    row.refresh_from_db()
    assert row.status == "late"


def test_rule_P4_a_releases_changed_tables_are_noticed_by_the_scheduled_check(cast, agency, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    prior.publish(actor=cast.leader, agency=agency)
    assert prior.notice_all() == 0  # nothing changed
    release = [
        *prior.queries.av_list(),
        {
            "rule": "AV1",
            "label": "新增的执法活动",
            "record": "",
            "requirement": "",
            "condition": "一律",
            "source": "新规定",
        },
    ]
    monkeypatch.setattr(prior.queries, "av_list", lambda: release)
    assert prior.notice_all() == 1 and prior.notice_all() == 0  # recorded once
    assert Event.objects.get(action=prior.PRIOR_CHANGED).body.count("音像记录事项清单") == 1
    assert _p4(agency)[0].status == "open"


def test_rules_P1_P4_the_page_keeps_the_list_and_publishes(cast, agency, units) -> None:  # type: ignore[no-untyped-def]
    head, leader, officer = Client(), Client(), Client()
    head.force_login(cast.unit_head)
    leader.force_login(cast.leader)
    officer.force_login(cast.handler)
    assert officer.get("/disclosure/prior/").status_code == 403
    r = head.post("/disclosure/prior/", {"do": "save", **ITEM, "name": ""}, follow=True)
    assert "请填写：抽查事项" in r.content.decode() and not InspectionItem.objects.exists()
    head.post("/disclosure/prior/", {"do": "save", **ITEM, "unit": str(units[0].pk)})
    item = InspectionItem.objects.get()
    assert "须由本机关其他负责人审核发布" in head.get("/disclosure/prior/").content.decode()
    r = head.post("/disclosure/prior/", {"do": "publish"}, follow=True)
    assert "发布审核须由维护清单的人以外的负责人进行" in r.content.decode()
    r = leader.post("/disclosure/prior/", {"do": "publish"}, follow=True)
    assert "事前公开已审核发布" in r.content.decode() and PriorDisclosure.objects.count() == 1
    head.post("/disclosure/prior/", {"do": "withdraw", "item": item.pk, "reason": "已并入其他事项"})
    page = leader.get("/disclosure/prior/").content.decode()
    assert "已撤销：已并入其他事项" in page and "随机抽查事项清单" in page and "须于 2026年" in page
    assert head.post("/disclosure/prior/", {"do": "withdraw", "item": 999999, "reason": "x"}).status_code == 404


def test_rule_P1_powers_and_service_guides_are_kept_and_published(cast, agency, units) -> None:  # type: ignore[no-untyped-def]
    power = {
        "category": "行政处罚",
        "name": "对生产经营单位未按规定进行安全生产教育和培训的处罚",
        "basis": "《安全生产法》第九十七条",
        "duties": "立案责任、调查责任、审查责任、告知责任、决定责任、送达责任、执行责任",
        "accountability": "不履行或不正确履行上述责任的，依法追究责任",
        "unit": str(units[0].pk),
    }
    guide = {
        "name": "危险化学品经营许可证核发",
        "approver": "明山区应急管理局",
        "conditions": "有符合国家标准、行业标准的经营场所；有健全的安全生产规章制度",
        "time_limit": "受理之日起20个工作日",
        "unit": str(units[1].pk),
    }
    for kept, values, missing in (("powers", power, "责任事项"), ("service_guides", guide, "办理时限")):
        with pytest.raises(InvalidInput) as refused:
            prior.save_item(
                actor=cast.unit_head,
                agency=agency,
                values={**values, **{k: "" for k in ("duties", "time_limit")}},
                kept=kept,
            )
        assert missing in str(refused.value)
    with pytest.raises(InvalidInput):
        prior.save_item(actor=cast.unit_head, agency=agency, values={**power, "category": "征收"}, kept="powers")
    with pytest.raises(InvalidInput):
        prior.save_item(actor=cast.unit_head, agency=agency, values=power, kept="fees")
    saved = prior.save_item(actor=cast.unit_head, agency=agency, values=power, kept="powers")
    prior.save_item(actor=cast.unit_head, agency=agency, values=guide, kept="service_guides")
    assert saved.category == "penalty"
    prior.publish(actor=cast.leader, agency=agency)
    page = Client().get(f"/gongshi/agencies/{agency.pk}/").content.decode()
    for shown in (
        "权责清单",
        power["name"],
        "行政处罚",
        power["duties"],
        "服务指南",
        guide["name"],
        guide["time_limit"],
    ):
        assert shown in page, shown
    # a withdrawn power: a change of the published 事前公开 (P4)
    prior.withdraw_item(actor=cast.unit_head, item=saved, reason="职权已调整")
    assert prior.changed_sections(agency) == ["权责清单"] and _p4(agency)[0].status == "open"
    head = Client()
    head.force_login(cast.unit_head)
    text = head.get("/disclosure/prior/").content.decode()
    assert "已撤销：职权已调整" in text and guide["conditions"] in text
    r = head.post("/disclosure/prior/", {"do": "save", "list": "nothing", **guide})
    assert r.status_code == 404
