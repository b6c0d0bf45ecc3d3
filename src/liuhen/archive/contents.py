"""What goes into a 案卷, in the conventional order (rules R2, R14; 002 第三十二条).

正卷: 立案（受理）材料, then each decision with its 送达回证, then the other documents issued to the party each
with its receipt, then the evidence, then the rest (执行, 结案); 副卷: the internal opinions (调查报告, 法制审核,
集体讨论, 听证报告, 专家论证). Within a group, documents follow the order they were finalised in."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils import timezone

from liuhen.cases.models import Case
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.documents.models import Document, DocumentStatus

MAIN, INTERNAL = "正卷", "副卷"
OPENING = ("filing_approval", "duty_log", "application_form", "material_correction", "acceptance_receipt")
INTERNAL_TYPES = frozenset(
    {"investigation_report", "legal_review_opinion", "collective_discussion", "expert_opinion", "hearing_report"}
)
EVIDENCE_TYPES = frozenset(
    {
        "sampling_voucher",
        "appraisal_opinion",
        "examination_record",
        "seizure_list",
        "preservation_list",
        "av_explanation",
        "hearing_transcript",
        "recusal_application",
        "power_cut_record",
        "demand_statement",
    }
)
RECEIPT = "delivery_receipt"


def current_documents(case: Case) -> list[Document]:
    """The case's finalised documents, each in its latest finalised version (a correction replaces the one it
    corrects)."""
    corrected = Document.objects.filter(supersedes=OuterRef("pk"), status=DocumentStatus.FINAL)
    return list(
        case.documents.filter(status=DocumentStatus.FINAL)
        .exclude(Exists(corrected))
        .select_related("case")
        .order_by("finalised_at", "id")
    )


def _group(doc: Document) -> int:
    t = BY_CODE[doc.doc_type]
    if doc.doc_type in OPENING:
        return 1
    if t.is_decision:
        return 2
    if t.investigation_record or doc.doc_type in EVIDENCE_TYPES:
        return 4
    if t.number_code:
        return 3
    return 5


def _served(receipt: Document, issued: list[Document]) -> Document | None:
    """The document a 送达回证 serves: the one whose 文号 it names (SV2), else the one of that name."""
    named = str(receipt.values.get("served_document") or "")
    for doc in issued:
        if doc.document_no and doc.document_no in named:
            return doc
    for doc in issued:
        if BY_CODE[doc.doc_type].name in named:
            return doc
    return None


def ordered(case: Case) -> list[tuple[str, Document]]:
    """(part, document) in the order they are bound."""
    docs = current_documents(case)
    receipts = [d for d in docs if d.doc_type == RECEIPT]
    others = [d for d in docs if d.doc_type != RECEIPT]
    issued = [d for d in others if _group(d) in (2, 3)]
    follows: dict[int, list[Document]] = {}
    loose: list[Document] = []
    for receipt in receipts:
        served = _served(receipt, issued)
        if served is None:
            loose.append(receipt)
        else:
            follows.setdefault(served.pk, []).append(receipt)
    main = sorted(
        (d for d in others if d.doc_type not in INTERNAL_TYPES), key=lambda d: _group(d)
    )  # stable: finalising order within a group
    out: list[tuple[str, Document]] = []
    for doc in main:
        out.append((MAIN, doc))
        out += [(MAIN, r) for r in follows.get(doc.pk, [])]
    out += [(MAIN, r) for r in loose]
    out += [(INTERNAL, d) for d in others if d.doc_type in INTERNAL_TYPES]
    return out


def item(seq: int, part: str, doc: Document, first_page: int, pages: int, sha256: str) -> dict[str, object]:
    """One row of the 卷内文件目录 (顺序号, 文号, 责任者, 题名, 日期, 页号) with what the package needs."""
    finalised = timezone.localtime(doc.finalised_at) if doc.finalised_at else timezone.localtime()
    return {
        "seq": seq,
        "part": part,
        "document_id": doc.pk,
        "doc_type": doc.doc_type,
        "document_no": doc.document_no,
        "responsible": doc.case.agency.name,
        "title": BY_CODE[doc.doc_type].name,
        "date": finalised.date().isoformat(),
        "first_page": first_page,
        "last_page": first_page + pages - 1,
        "pages": pages,
        "pdf_sha256": sha256,
        "content_sha256": doc.content_sha256,
    }
