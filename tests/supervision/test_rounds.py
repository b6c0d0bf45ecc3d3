"""Review rounds: a seeded draw, cross-unit assignment, manual scoring, overrides, veto → 0, re-check,
publication and 整改通知 (rules SU1, SU4)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from liuhen.accounts.models import Role
from liuhen.cases import scenarios
from liuhen.core import stages
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation
from liuhen.ledger.models import Event
from liuhen.supervision import scoring, services
from liuhen.supervision.models import ItemScore, SheetStatus
from liuhen.supervision.services import draw
from liuhen.supervision.tables import DEFAULT_TABLES, PENALTY_GENERAL, problems
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_rule_su4_default_tables_are_complete_and_cite_sources() -> None:
    for table in DEFAULT_TABLES.values():
        assert problems(table) == []
        assert table.source and all(i.source for i in table.items)
        assert any(i.is_veto for i in table.items) and any(i.check for i in table.items)


def test_rule_su4_veto_sets_zero_and_deductions_stop_at_the_item() -> None:
    class S:
        def __init__(self, code: str, verdict: str = "met", deduction: int = 0) -> None:
            self.code, self.verdict, self.deduction = code, verdict, Decimal(deduction)

    items = [S(i.code) for i in PENALTY_GENERAL.items]
    assert scoring.total(PENALTY_GENERAL, items)[:2] == (Decimal(100), "excellent")
    items[[i.code for i in PENALTY_GENERAL.items].index("F2")] = S("F2", "not_met", 99)  # at most its 4 points
    assert scoring.total(PENALTY_GENERAL, items)[:2] == (Decimal(96), "excellent")
    items[0] = S("V1", "not_met")
    assert scoring.total(PENALTY_GENERAL, items) == (Decimal(0), "fail", [PENALTY_GENERAL.items[0].title])


def test_rule_su1_the_draw_is_reproducible() -> None:
    ids = list(range(1, 101))
    first = draw(ids, 10, "seed", "unit:1")
    assert len(first) == 10 and first == draw(list(reversed(ids)), 10, "seed", "unit:1")
    assert first != draw(ids, 10, "other seed", "unit:1")


def test_rules_su1_su4_a_round_end_to_end(agency, units, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user(agency, units[2], "super1", Role.SUPERVISOR)
    case = make_case(penalty_kind="fine", fine_amount=Decimal("5000"), officers=[cast.handler, cast.second_officer])
    case = scenarios.advance(case, stages.Stage.ENFORCEMENT, cast)
    make_case()  # still at intake: not reviewable
    with pytest.raises(Forbidden):
        services.open_round(actor=cast.handler, agency=agency, title="x", reviewers=[cast.legal_reviewer])
    with pytest.raises(InvalidInput, match="交叉评查"):  # the only reviewer is of the case's own unit
        services.open_round(actor=supervisor, agency=agency, title="2026年度评查", reviewers=[cast.unit_head])
    rnd = services.open_round(
        actor=supervisor, agency=agency, title="2026年度评查", reviewers=[cast.legal_reviewer], share_percent=100
    )
    event = Event.objects.get(action="supervision.round_opened")
    assert event.subject_id == str(rnd.pk) and rnd.seed in event.body
    sheet = rnd.sheets.get()
    assert sheet.case == case and sheet.reviewer == cast.legal_reviewer and sheet.selected_as == "random"
    items = {i.code: i for i in sheet.items.all()}
    assert items["C5"].system_verdict == "met" and "告知送达" in items["C5"].evidence
    assert items["V1"].system_verdict == "" and items["V1"].verdict == ""  # manual
    # only the assigned reviewer scores; an automatic verdict changed needs a reason
    with pytest.raises(Forbidden):
        services.score_item(actor=supervisor, item=items["F1"], deduction=1)
    with pytest.raises(InvalidInput, match="改判须说明理由"):
        services.score_item(actor=cast.legal_reviewer, item=items["C5"], verdict="not_met", deduction=8)
    with pytest.raises(InvalidInput, match="扣分须在0～2分"):
        services.score_item(actor=cast.legal_reviewer, item=items["F1"], deduction=3)
    with pytest.raises(InvalidInput, match="尚有评查项目未评分"):
        services.submit_sheet(actor=cast.legal_reviewer, sheet=sheet)
    for item in sheet.items.filter(verdict=""):
        it = PENALTY_GENERAL.item(item.code)
        services.score_item(actor=cast.legal_reviewer, item=item, verdict="met", deduction=1 if it.code == "F2" else 0)
    override = services.score_item(
        actor=cast.legal_reviewer,
        item=ItemScore.objects.get(sheet=sheet, code="C12"),
        verdict="not_met",
        deduction=2,
        override_reason="结案审批超期两日，系统未列入期限",
    )
    assert override.override_reason
    sheet = services.submit_sheet(actor=cast.legal_reviewer, sheet=sheet)
    # 100 − F2 1 − C12 2 (overridden) − C3 6 (the system: the file holds no 笔录 signed by two officers)
    assert (sheet.total, sheet.grade) == (Decimal(91), "excellent")
    # the reviewer cannot re-check his own sheet; a disagreeing check returns it
    with pytest.raises(RuleViolation):
        services.check_sheet(actor=cast.legal_reviewer, sheet=sheet, agree=True, opinion="同意")
    with pytest.raises(RuleViolation, match="未复核"):
        services.publish_round(actor=supervisor, round=rnd)
    sheet = services.check_sheet(actor=supervisor, sheet=sheet, agree=False, opinion="V8程序合法须重新评定")
    assert sheet.status == SheetStatus.ASSIGNED and sheet.total is None
    services.score_item(
        actor=cast.legal_reviewer, item=ItemScore.objects.get(sheet=sheet, code="V8"), verdict="not_met"
    )
    sheet = services.submit_sheet(actor=cast.legal_reviewer, sheet=sheet)
    assert (sheet.total, sheet.grade) == (Decimal(0), "fail")  # a veto item fails the file outright
    services.check_sheet(actor=supervisor, sheet=sheet, agree=True, opinion="同意，不合格卷")
    rnd = services.publish_round(actor=supervisor, round=rnd)
    assert rnd.status == "published"
    with pytest.raises(InvalidInput, match="整改期限须晚于今天"):
        services.issue_rectification(
            actor=supervisor, round=rnd, unit=units[0], content="x", due_on=timezone.localdate()
        )
    notice = services.issue_rectification(
        actor=supervisor,
        round=rnd,
        unit=units[0],
        content="案件程序不合法，限期整改并报送整改情况",
        due_on=timezone.localdate() + timedelta(days=30),
    )
    services.close_rectification(actor=supervisor, notice=notice, response="已组织培训并完善程序")
    notice.refresh_from_db()
    assert notice.closed_at is not None


def test_rule_su4_an_agency_publishes_versions_of_its_table(agency, units) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    supervisor = make_user(agency, units[2], "super1", Role.SUPERVISOR)
    first = services.publish_table(actor=supervisor, agency=agency, table=PENALTY_GENERAL, reason="采用默认评查表")
    stricter = replace(PENALTY_GENERAL, params={**PENALTY_GENERAL.params, "excellent": 95})
    second = services.publish_table(actor=supervisor, agency=agency, table=stricter, reason="本局评查办法第十条")
    assert (first.version, second.version) == (1, 2) and services.table_in_force(agency, "penalty_general") == second
    broken = replace(PENALTY_GENERAL, items=PENALTY_GENERAL.items[:-1])  # content now 75 points
    with pytest.raises(InvalidInput, match="合计须为100分"):
        services.publish_table(actor=supervisor, agency=agency, table=broken, reason="x")
