"""Disposal of a whole 案卷 past its 保管期限 (rule R6): the archivist's 鉴定 and a second person's approval, refused
within the term and under a legal hold, a 销毁清册 kept in the row and the ledger while the payload files leave the
store; the case, its documents and every event stay, the R6 deadline row closes, and verify still passes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from liuhen.archive import bag, file_disposal, retention, services
from liuhen.archive.models import DisposalStatus, FileDisposal
from liuhen.archive.scenario import bind
from liuhen.cases import scenarios
from liuhen.cases import services as cases
from liuhen.core import stages
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation
from liuhen.deadlines.models import Deadline
from liuhen.documents.models import Document
from liuhen.ledger.models import Event
from liuhen.ledger.verify import verify
from liuhen.media.samples import make_clip
from liuhen.media.services import ingest_file
from liuhen.media.storage import default_store


def store_has(sha: str) -> bool:
    return default_store().exists(sha)


def _archived_ten_year_file(cast, make_case, tmp_path):  # type: ignore[no-untyped-def]
    case = scenarios.advance(make_case("complaint"), stages.Stage.NOT_FILED, cast)  # R2: an end path
    rec = ingest_file(actor=cast.handler, path=make_clip(tmp_path / "r.mp4", seconds=1, tone=700), case=case).recording
    case_file = services.assemble(actor=cast.archivist, case=case)
    services.change_retention(actor=cast.archivist, case_file=case_file, years=10, reason="一般投诉，不予立案")
    case_file = bind(case, cast)
    case = cases.transition(actor=cast.archivist, case=case, action="archive")
    return case, case_file, rec


def test_rule_r6_a_whole_case_file_is_disposed_after_its_term_with_a_second_persons_approval(
    cast, make_case, blob_root, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    case, case_file, rec = _archived_ten_year_file(cast, make_case, tmp_path)
    row = Deadline.objects.get(case=case, rule_key="R6")  # opened by 归档, with the file's own 10 years
    assert row.status == "open" and row.due_on is not None
    assert row.due_on.year == timezone.localdate().year + 10
    assert file_disposal.file_term(case_file).expires_on == row.due_on
    with pytest.raises(RuleViolation) as within:  # within its term: refused whoever asks
        file_disposal.propose_file_disposal(actor=cast.archivist, case_file=case_file, appraisal="无保存价值")
    assert within.value.rule_id == "R6" and "保管期限未满" in within.value.message
    store = default_store()
    doc_pdfs = [i["pdf_sha256"] for i in case_file.items]
    assert store.exists(case_file.pdf_sha256) and all(store.exists(s) for s in doc_pdfs)

    with time_machine.travel(row.due_on + timedelta(days=40), tick=True):
        assert [f.pk for f, _ in file_disposal.files_past_term(cast.archivist)] == [case_file.pk]
        hold = retention.place_hold(actor=cast.legal_reviewer, case=case, kind="litigation", reason="当事人起诉")
        with pytest.raises(RuleViolation) as held:  # a legal hold suspends every term
            file_disposal.propose_file_disposal(actor=cast.archivist, case_file=case_file, appraisal="期满")
        assert held.value.rule_id == "R6" and "行政诉讼" in held.value.message
        assert file_disposal.files_past_term(cast.archivist) == []
        retention.lift_hold(actor=cast.legal_reviewer, hold=hold, reason="判决已生效")
        with pytest.raises(RuleViolation) as disputed:  # R4: a litigated case keeps its recordings 30 years
            file_disposal.propose_file_disposal(actor=cast.archivist, case_file=case_file, appraisal="期满")
        assert disputed.value.rule_id == "R4" and rec.file_name in disputed.value.message

    with time_machine.travel(case_file.ended_on + timedelta(days=365 * 30 + 40), tick=True):
        with pytest.raises(Forbidden):  # the 鉴定 is the archivist's
            file_disposal.propose_file_disposal(actor=cast.leader, case_file=case_file, appraisal="期满")
        with pytest.raises(InvalidInput):
            file_disposal.propose_file_disposal(actor=cast.archivist, case_file=case_file, appraisal=" ")
        proposal = file_disposal.propose_file_disposal(
            actor=cast.archivist, case_file=case_file, appraisal="保管期满，经鉴定无继续保存价值"
        )
        planned = {e["kind"] for e in proposal.entries if e["destroy"]}
        assert {"案卷 PDF", "文书 PDF", "文书 DOCX", "音像记录"} <= planned
        with pytest.raises(InvalidInput):  # listed once
            file_disposal.propose_file_disposal(actor=cast.archivist, case_file=case_file, appraisal="再次")
        with pytest.raises(Forbidden):  # a second person, the agency head, approves
            file_disposal.decide_file_disposal(actor=cast.archivist, disposal=proposal, approve=True)
        assert store.exists(case_file.pdf_sha256)  # a refusal changed nothing

        # a hold placed after the proposal still stops the approval
        hold = retention.place_hold(actor=cast.leader, case=case, kind="complaint", reason="信访")
        with pytest.raises(RuleViolation):
            file_disposal.decide_file_disposal(actor=cast.leader, disposal=proposal, approve=True)
        assert FileDisposal.objects.get(pk=proposal.pk).status == DisposalStatus.PROPOSED
        retention.lift_hold(actor=cast.leader, hold=hold, reason="信访已办结")

        done = file_disposal.decide_file_disposal(
            actor=cast.leader, disposal=proposal, approve=True, opinion="同意销毁"
        )
        assert done.status == DisposalStatus.APPROVED and done.decided_by == cast.leader
        gone = [e["sha256"] for e in done.destroyed]
        assert case_file.pdf_sha256 in gone and rec.blob_id in gone and set(doc_pdfs) <= set(gone)
        assert not any(store.exists(s) for s in gone)

        # the 销毁清册 survives in the ledger; the case, its documents and their events stay
        event = Event.objects.get(case_ref=case.pk, action="archive.file_disposal_decided")
        body = json.loads(event.body)
        assert body["approved"] and sorted(body["destroyed"]) == sorted(gone)
        assert body["deadline_events"] == ["archive:disposed"]
        assert Document.objects.filter(case=case).count() >= len(case_file.items)
        assert Event.objects.filter(case_ref=case.pk, action="document.finalised").exists()
        row = Deadline.objects.get(case=case, rule_key="R6")  # the retention row ends with the disposal
        assert row.status == "ended" and row.closed_by_seq == event.seq

        assert rec.pk not in [r.pk for r, _ in retention.past_term(cast.archivist)]  # gone with its file
        with pytest.raises(InvalidInput, match="已随案卷整卷销毁"):
            retention.propose_disposal(actor=cast.archivist, recording=rec, appraisal="期满")
        with pytest.raises(InvalidInput, match="已依鉴定销毁"):  # nothing to export any more
            bag.export(actor=None, case=case, out=tmp_path / "bag")
        client = Client()
        client.force_login(cast.archivist)
        page = client.get(f"/cases/{case.pk}/archive/").content.decode()
        assert "销毁清册" in page and "已销毁" in page and cast.leader.display_name in page
        assert client.get(f"/cases/{case.pk}/archive/pdf/").status_code == 404
        # a document of the destroyed file says so, as a page and over the API: 410, never a missing-file error
        officer = Client()
        officer.force_login(cast.handler)
        doc = Document.objects.filter(case=case, status="final").order_by("id").first()
        assert doc is not None
        preview = officer.get(f"/documents/{doc.pk}/pdf/?view=1")
        assert preview.status_code == 410 and "已随案卷销毁" in preview.content.decode()
        over_api = officer.get(f"/api/v1/documents/{doc.pk}/pdf")
        assert over_api.status_code == 410 and "已随案卷销毁" in over_api.json()["detail"]

    # verify: the destroyed files are disposed, not lost; a file gone without a decision is lost
    assert [str(f) for f in verify()] == []
    other = make_case("complaint")
    lost = ingest_file(
        actor=cast.handler, path=make_clip(tmp_path / "l.mp4", seconds=1, tone=420), case=other
    ).recording
    store.path(lost.blob_id).unlink()  # type: ignore[attr-defined]
    findings = [str(f) for f in verify()]
    assert len(findings) == 1 and lost.blob_id[:16] in findings[0] and "找不到" in findings[0], findings


def test_rule_r6_a_permanent_file_is_never_disposed_and_an_approver_is_never_the_proposer(
    cast, make_case, blob_root, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    case = scenarios.advance(make_case("complaint"), stages.Stage.NOT_FILED, cast)
    case_file = services.assemble(actor=cast.archivist, case=case)
    services.change_retention(actor=cast.archivist, case_file=case_file, years=0, reason="重大案件")
    case_file = bind(case, cast)
    cases.transition(actor=cast.archivist, case=case, action="archive")
    assert not Deadline.objects.filter(case=case, rule_key="R6").exists()  # 永久: no end to count to
    later = timezone.now() + timedelta(days=365 * 40)
    with time_machine.travel(later, tick=True), pytest.raises(RuleViolation, match="永久"):
        file_disposal.propose_file_disposal(actor=cast.archivist, case_file=case_file, appraisal="期满")
    # no one approves their own request, whatever the roles
    proposal = FileDisposal.objects.create(
        case_file=case_file,
        term="测试",
        expired_on=timezone.localdate(),
        appraisal="期满",
        proposed_by=cast.leader,
        proposed_at=timezone.now(),
    )
    with pytest.raises(RuleViolation) as own:
        file_disposal.decide_file_disposal(actor=cast.leader, disposal=proposal, approve=True)
    assert own.value.rule_id == "D9" and store_has(case_file.pdf_sha256)
    proposal.delete()  # made behind the ledger's back for this check only
