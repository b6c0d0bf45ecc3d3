"""案源登记 has its own register; a 一般程序 case takes its 罚 number when 立案 is approved (rule S2), so a source that
is never filed uses up no case number. The approver's event carries the number; the row is rebuilt from it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from liuhen.access import services as access
from liuhen.cases import listing, presentation, scenarios, services
from liuhen.cases.models import Case
from liuhen.core.errors import InvalidInput
from liuhen.core.stages import Stage
from liuhen.ledger.models import Event

pytestmark = pytest.mark.django_db


def approve_filing(case: Case, cast) -> Case:  # type: ignore[no-untyped-def]
    approval = services.start_approval(actor=cast.handler, case=case, kind="filing", opinion="建议立案")
    services.review_approval(actor=cast.unit_head, approval=approval, agree=True, opinion="同意")
    services.decide_approval(actor=cast.leader, approval=approval, approve=True, opinion="同意立案")
    case.refresh_from_db()
    return case


def test_a_source_is_registered_under_its_own_number_and_numbered_when_filing_is_approved(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    year = timezone.localdate().year
    first = make_case(violation_ended_on=timezone.localdate() - timedelta(days=10))
    second = make_case(cause="未如实记录教育培训情况")
    assert first.case_no == first.intake_no == f"测应急案源〔{year}〕1号" and first.awaiting_number
    assert second.case_no == f"测应急案源〔{year}〕2号"
    onsite = make_case("simplified_procedure", penalty_kind="warning")  # no 立案: numbered at registration
    assert onsite.case_no == f"测应急罚〔{year}〕1号" and onsite.intake_no == ""
    # refused at the 审核 step: no number
    refused = services.start_approval(actor=cast.handler, case=second, kind="filing", opinion="建议立案")
    services.review_approval(actor=cast.unit_head, approval=refused, agree=False, opinion="证据不足")
    second.refresh_from_db()
    assert second.awaiting_number
    first = approve_filing(first, cast)
    # the next number of the series: the source never filed used none
    assert first.case_no == f"测应急罚〔{year}〕2号" and first.intake_no == f"测应急案源〔{year}〕1号"
    assert first.numbered_at is not None and not first.awaiting_number
    signed = Event.objects.filter(action="approval.approver_signed", case_ref=first.pk).get()
    body = json.loads(signed.body)
    assert (body["assigned_case_no"], body["intake_no"], body["case_no"]) == (
        first.case_no,
        first.intake_no,
        first.case_no,
    )
    assert any(r["table"] == "cases_case" for r in body["rows"])  # the case row travels in the approver's event
    # (every test's closing check rebuilds the case row, its number included, from the events and compares)
    text = next(r["text"] for r in presentation.timeline(first) if r["seq"] == signed.seq)
    assert f"立案编号 {first.case_no}（案源登记号 {first.intake_no}）" in text
    # a document finalised before 立案 was approved keeps the number the case went by then
    assert first.number_at(first.numbered_at - timedelta(minutes=1)) == first.intake_no
    assert first.number_at(first.numbered_at) == first.case_no


def test_either_number_finds_the_case(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = approve_filing(make_case(violation_ended_on=timezone.localdate() - timedelta(days=10)), cast)
    year = timezone.localdate().year
    for typed in (case.case_no, case.intake_no, f"测应急案源[{year}]1", f"测应急罚({year})001号"):
        assert access.case_id_by_number(cast.leader, typed) == case.pk, typed
        found = listing.list_cases(cast.handler, listing.Filters(q=typed.replace("[", "〔").replace("]", "〕")))
        if "(" not in typed:
            assert [c.pk for c in found.items] == [case.pk], typed
    with pytest.raises(InvalidInput, match="未找到案号"):
        access.case_id_by_number(cast.leader, f"测应急案源〔{year}〕9号")


def test_the_case_page_says_which_number_it_goes_by(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    web = Client()
    web.force_login(cast.handler)
    case = make_case(violation_ended_on=timezone.localdate() - timedelta(days=10))
    page = web.get(f"/cases/{case.pk}/").content.decode()
    assert f'<span data-testid="case-no">{case.intake_no}</span>' in page and "立案经批准后编立案号" in page
    never = scenarios.advance(make_case(), Stage.NOT_FILED, cast)  # not filed: it keeps its 案源登记号 for good
    page = web.get(f"/cases/{never.pk}/").content.decode()
    assert "未立案，不编立案号" in page and "立案经批准后编立案号" not in page
    case = approve_filing(case, cast)
    page = web.get(f"/cases/{case.pk}/").content.decode()
    assert f'<span data-testid="case-no">{case.case_no}</span>' in page and f"案源登记号 {case.intake_no}" in page
    listed = web.get("/cases/").content.decode()
    assert case.case_no in listed
