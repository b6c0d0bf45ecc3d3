"""Every document type: drafted, refused while incomplete, finalised, rendered in Chinese (rules I1–I4, D1–D9, SV)."""

from __future__ import annotations

import subprocess
from io import BytesIO

import pytest
from django.db import connection, transaction

from liuhen.core.documents.catalogue import CATALOGUE
from liuhen.core.errors import InvalidInput, RuleViolation
from liuhen.documents import rendering, services
from liuhen.documents.models import Document, Signature
from tests.documents.conftest import author, prerequisites, sample_data, sample_signatures

pytestmark = pytest.mark.django_db


def pdfa_part(pdf: bytes) -> str:
    import re

    from pypdf import PdfReader

    xmp = PdfReader(BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data()
    match = re.search(rb"pdfaid:part(?:>|=[\"'])(\d)", xmp)
    return match.group(1).decode() if match else ""


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def test_the_catalogue_has_every_document_the_regulations_name() -> None:
    names = {t.name for t in CATALOGUE}
    for needed in (
        "值班记录",
        "不予立案告知书",
        "立案审批表",
        "询问笔录",
        "现场检查笔录",
        "勘验笔录",
        "调取证据通知书",
        "证据登记保存清单",
        "抽样取证凭证",
        "鉴定委托书",
        "行政处罚告知书",
        "听证告知书",
        "听证通知书",
        "听证笔录",
        "听证报告",
        "案件调查报告（处理呈批）",
        "法制审核意见书",
        "专家论证意见",
        "集体讨论记录",
        "行政处罚决定书",
        "当场行政处罚决定书",
        "行政强制措施决定书",
        "查封扣押清单",
        "现场笔录",
        "责令限期整改指令书",
        "整改复查意见书",
        "送达回证",
        "催告书",
        "行政强制执行决定书",
        "代履行决定书",
        "强制执行申请书",
        "结案审批表",
        "音像资料文字说明",
    ):
        assert needed in names, needed
    assert any("陈述申辩" in n for n in names) and any("延长" in n for n in names) and any("解除" in n for n in names)
    assert len(CATALOGUE) >= 36


@pytest.mark.parametrize("t", CATALOGUE, ids=lambda t: t.code)
def test_every_type_is_drafted_validated_finalised_and_rendered(t, cast, case_for) -> None:  # type: ignore[no-untyped-def]
    # rule E4: each enforcement method has its own document, drafted, finalised and rendered here
    case = case_for(t)
    actor = author(t, cast)
    data = {**sample_data(t), **prerequisites(t, case, cast)}
    required = [f for f in t.fields if f.required]
    doc = services.create_document(
        actor=actor, case=case, code=t.code, data={k: v for k, v in data.items() if k != required[0].name}
    )
    with pytest.raises((InvalidInput, RuleViolation)) as exc:  # the missing field is named in Chinese
        services.finalise(actor=actor, document=doc, signatures=sample_signatures(t))
    assert required[0].label in str(exc.value)
    assert Document.objects.get(pk=doc.pk).status == "draft" and not doc.signatures.exists()
    services.save_draft(actor=actor, document=doc, data=data)
    doc = services.finalise(actor=actor, document=doc, signatures=sample_signatures(t))
    assert doc.status == "final" and len(doc.content_sha256) == 64
    assert bool(doc.document_no) == bool(t.number_code)
    if t.records_act:
        assert case.acts.filter(kind=t.records_act).exists()
    pdf = rendering.pdf(doc)
    assert pdfa_part(pdf) == "3"  # PDF/A-3b for long-term keeping (R6)
    text = "".join(pdf_text(pdf).split())  # the layout breaks lines; the words stay
    first_text = next(f for f in t.fields if f.kind in ("text", "textarea"))
    assert t.name in text and "测试内容甲乙丙" in text and first_text.label in text
    outward = rendering.layout(t) == "outward"
    case.refresh_from_db()  # the 立案审批表's approval gave the case its 罚 number (S2)
    assert (case.number_at(doc.finalised_at) in text) != outward, (
        "the case number is the agency's own; an outward form has its number"
    )
    approvals = {"handler", "reviewer", "approver"}
    assert all(s.name in text for s in doc.signatures.all() if not (outward and s.slot in approvals)), "signed"
    if t.is_decision:  # rule D6: the bodies named, the periods in words
        assert "行政复议" in text and "六十日" in text and "六个月" in text and "本级人民政府" in text
    from docx import Document as Docx

    body = "\n".join(p.text for p in Docx(BytesIO(rendering.docx(doc))).paragraphs)
    assert t.name in body and "测试内容甲乙丙" in body


def test_a_finalised_document_never_changes(cast, case_for) -> None:  # type: ignore[no-untyped-def]
    t = next(t for t in CATALOGUE if t.code == "inspection_transcript")
    doc = services.create_document(actor=cast.handler, case=case_for(t), code=t.code, data=sample_data(t))
    with connection.cursor() as cur:  # a draft may still be edited
        cur.execute("UPDATE documents_document SET data = data WHERE id = %s", [doc.pk])
    doc = services.finalise(actor=cast.handler, document=doc, signatures=sample_signatures(t))
    with pytest.raises(InvalidInput, match="已定稿"):
        services.save_draft(actor=cast.handler, document=doc, data=sample_data(t))
    for sql in (
        "UPDATE documents_document SET data = '{}' WHERE id = %s",
        "DELETE FROM documents_document WHERE id = %s",
        "UPDATE documents_signature SET name = 'x' WHERE document_id = %s",
    ):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [doc.pk])
    assert Signature.objects.filter(document=doc).count() == 3


def test_correction_is_a_new_version_with_its_reason(cast, case_for) -> None:  # type: ignore[no-untyped-def]
    from liuhen.documents.queries import differences, versions

    t = next(t for t in CATALOGUE if t.code == "inspection_transcript")
    case = case_for(t)
    base = sample_data(t)  # once: two calls a minute apart would differ in their times too
    first = services.finalise(
        actor=cast.handler,
        signatures=sample_signatures(t),
        document=services.create_document(actor=cast.handler, case=case, code=t.code, data=base),
    )
    with pytest.raises(InvalidInput, match="理由"):
        services.correct(actor=cast.handler, document=first, reason="")
    data = {**base, "place": "更正后的地点"}
    second = services.correct(actor=cast.handler, document=first, reason="检查地点笔误", data=data)
    assert (second.version, second.supersedes_id, second.status) == (2, first.pk, "draft")
    second = services.finalise(actor=cast.handler, document=second, signatures=sample_signatures(t))
    assert [d.pk for d in versions(first)] == [first.pk, second.pk]
    assert [c["label"] for c in differences(first, second)] == ["地点"]
    first.refresh_from_db()
    assert first.values["place"] != "更正后的地点" and first.status == "final"
    assert case.acts.filter(kind="inspection_transcript").count() == 1  # a correction does not repeat the act
    with pytest.raises(InvalidInput, match="最新版本"):
        services.correct(actor=cast.handler, document=first, reason="再改")
