"""The 案卷: assembled in order with page numbers, bound when 立卷人 and 检查人 (two people) sign, and archiving
waits for it (rules R2, R14; the 保管期限 of rule R6 on its cover)."""

from __future__ import annotations

import io
import itertools
import json
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from liuhen.archive import contents, inspection, pdfa, queries, services
from liuhen.archive.models import CaseFile, PackageCheck
from liuhen.cases import scenarios
from liuhen.cases import services as cases
from liuhen.cases.queries import next_steps
from liuhen.core import stages
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation, StageError
from liuhen.ledger.models import Event
from liuhen.media.storage import default_store


def archive_by_hand(cast, case):  # type: ignore[no-untyped-def]
    """rules R2, R14: archiving waits for the 案卷, assembled and signed by two people (the package test runs this
    on its closed case, so that one case serves both)."""
    with pytest.raises(RuleViolation) as refused:
        cases.transition(actor=cast.archivist, case=case, action="archive")
    assert refused.value.rule_id == "R14"
    assert [(t.action, why.rule_id if why else None) for t, why in next_steps(case)] == [("archive", "R14")]
    assert case in queries.awaiting(cast.archivist)
    assert queries.countdown(case).days_left is not None and queries.countdown(case).days_left >= 28  # R2: 30 days

    with pytest.raises(Forbidden):  # the legal reviewer neither assembles nor signs
        services.assemble(actor=cast.legal_reviewer, case=case)
    case_file = services.assemble(actor=cast.archivist, case=case, remarks="本卷无缺损")
    items = case_file.items
    assert [i["seq"] for i in items] == list(range(1, len(items) + 1))
    assert items[0]["first_page"] == 1 and case_file.pages == items[-1]["last_page"]
    for before, after in itertools.pairwise(items):
        assert after["first_page"] == before["last_page"] + 1
    assert case_file.file_no == f"{case_file.year}0001" and case_file.retention_label == "30年"  # R6 default
    decision = next(i for i in items if i["doc_type"] == "onsite_penalty_decision")
    assert decision["document_no"] and decision["responsible"] == case.agency.name

    services.sign(actor=cast.archivist, case_file=case_file, role=services.COMPILER)
    with pytest.raises(RuleViolation) as same:  # the 检查人 is not the 立卷人
        services.sign(actor=cast.archivist, case_file=case_file, role=services.CHECKER)
    assert same.value.rule_id == "R14"
    with pytest.raises(Forbidden):  # an officer does not check
        services.sign(actor=cast.handler, case_file=case_file, role=services.CHECKER)
    case_file = services.sign(actor=cast.unit_head, case_file=case_file, role=services.CHECKER)
    assert case_file.signed
    with pytest.raises(InvalidInput):  # bound: no reassembly
        services.assemble(actor=cast.archivist, case=case)

    volume = b"".join(default_store().open_range(case_file.pdf_sha256))
    if out := os.environ.get("LIUHEN_TEST_VOLUME"):  # to look at the volume
        Path(out).write_bytes(volume)
    conformance = pdfa.check(volume)  # rule R14: the bound volume meets the PDF/A requirements checked
    assert conformance.passed and conformance.part == "3", conformance.findings
    reader = PdfReader(io.BytesIO(volume))
    texts = ["".join(page.extract_text().split()) for page in reader.pages]
    assert "档号" in texts[0] and case_file.file_no in texts[0] and "30年" in texts[0]
    assert "卷内文件目录" in texts[1] and "顺序号" in texts[1]
    assert "卷内备考表" in texts[-1] and cast.unit_head.display_name in texts[-1]
    numbered = texts[2 : 2 + case_file.pages]  # cover, 目录 and 备考表 carry no page number
    assert len(reader.pages) == case_file.pages + 3
    for n, text in enumerate(numbered, start=1):
        assert text.endswith(str(n))

    # rule R14: archiving runs the 四性检测 first; a package that fails it is not archived, with the reason
    with pytest.raises(RuleViolation) as unchecked:  # the state machine alone does not archive an unchecked file
        cases.transition(actor=cast.archivist, case=case, action="archive")
    assert "四性检测" in unchecked.value.message
    kept = default_store().path(case_file.pdf_sha256)  # type: ignore[attr-defined]
    good = kept.read_bytes()
    spoiled = bytearray(good)
    spoiled[len(spoiled) // 2] ^= 1  # the stored volume no longer the one its 立卷人 and 检查人 signed
    kept.write_bytes(bytes(spoiled))
    with pytest.raises(RuleViolation) as failed:
        inspection.archive(actor=cast.archivist, case=case)
    assert failed.value.rule_id == "R14" and "GD-1-1" in failed.value.message, failed.value.message
    case.refresh_from_db()
    assert case.stage != stages.Stage.ARCHIVED
    check = PackageCheck.objects.get(case_file=case_file)  # the failed check is kept and ledgered
    assert not check.passed and "GD-1-1" in check.failed and check.checked_by == cast.archivist
    logged = json.loads(Event.objects.get(case_ref=case.pk, action="archive.checked").body)
    assert logged["passed"] is False and "GD-1-1" in logged["failed"]
    kept.write_bytes(good)

    with pytest.raises(Forbidden):  # only the archivist archives
        inspection.archive(actor=cast.unit_head, case=case)
    case = inspection.archive(actor=cast.archivist, case=case)
    assert case.stage == stages.Stage.ARCHIVED
    last = inspection.latest(case_file)
    assert last is not None and last.passed and last.volume_sha256 == case_file.pdf_sha256
    assert all(i["passed"] for i in last.data["items"]) and last.data["items"][0]["code"] == "GD-1-1"
    signed = [json.loads(e.body) for e in Event.objects.filter(case_ref=case.pk, action="archive.signed")]
    assert [b["label"] for b in signed] == ["立卷人", "检查人"] and signed[-1]["pdf_sha256"] == case_file.pdf_sha256
    with pytest.raises(StageError):
        services.assemble(actor=cast.archivist, case=case)
    return case


def test_rule_r14_a_document_finalised_after_assembly_needs_a_new_assembly(cast, make_case, blob_root) -> None:  # type: ignore[no-untyped-def]
    case = make_case("complaint")
    with pytest.raises(StageError):  # not ended: nothing to file yet
        services.assemble(actor=cast.archivist, case=case)
    case = scenarios.advance(case, stages.Stage.NOT_FILED, cast)  # R2 runs on every end path
    case_file = services.assemble(actor=cast.archivist, case=case)
    with pytest.raises(InvalidInput):
        services.change_retention(actor=cast.archivist, case_file=case_file, years=20, reason="试")
    case_file = services.change_retention(actor=cast.archivist, case_file=case_file, years=10, reason="一般案件")
    assert CaseFile.objects.get(pk=case_file.pk).retention_label == "10年"
    scenarios.make_document(case, "duty_log", cast)  # a record finalised after the file was put together
    assert len(contents.ordered(case)) == len(case_file.items) + 1
    with pytest.raises(RuleViolation) as changed:
        services.sign(actor=cast.handler, case_file=case_file, role=services.COMPILER)
    assert changed.value.rule_id == "R14"
    case_file = services.assemble(actor=cast.handler, case=case)  # the officer puts it together again
    assert len(case_file.items) == len(contents.ordered(case)) and case_file.retention_label == "10年"
