"""Document endpoints: the catalogue, lists, drafts, finalising, corrections, PDF and DOCX."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from liuhen.cases.listing import COUNT_CAP
from liuhen.cases.queries import get_case
from liuhen.core.documents import max_chars
from liuhen.core.documents.catalogue import CATALOGUE
from liuhen.core.permissions import Action
from liuhen.documents import attachments, queries, services, stored
from liuhen.documents.models import Document
from liuhen.web import reads
from liuhen.web.pagination import MAX_ID, MAX_PAGE_SIZE
from liuhen.web.permissions import acting_user, needs

router = Router(tags=["documents"])


@router.get("/document-types", response=list[dict[str, Any]], summary="文书种类目录")
@needs(Action.REFERENCE)
def document_types(request: HttpRequest, procedure: str = "") -> list[dict[str, Any]]:
    return [
        {
            "code": t.code,
            "name": t.name,
            "stage": t.stage,
            "procedures": list(t.procedures),
            "rules": list(t.rules),
            "approval": t.approval,
            "numbered": bool(t.number_code),
            "records_act": t.records_act,
            "fields": [
                {
                    "name": f.name,
                    "label": f.label,
                    "kind": f.kind,
                    "required": f.required,
                    "choices": [list(c) for c in f.choices],
                    "help": f.help,
                    "max_chars": max_chars(f.kind),
                }
                for f in t.fields
            ],
            "slots": [
                {
                    "role": s.role,
                    "label": s.title,
                    "minimum": s.minimum,
                    "refusable": s.refusable,
                    "required": s.required,
                }
                for s in t.slots
            ],
        }
        for t in CATALOGUE
        if not procedure or procedure in t.procedures
    ]


@router.get(
    "/document-keys",
    response=list[dict[str, str]],
    auth=None,
    summary="各机关文书签章证书（PAdES 签名的公钥，公开，与检查点公钥并列）",
)
@needs(Action.LEDGER)
def document_keys(request: HttpRequest) -> list[dict[str, str]]:
    from liuhen.accounts.models import Agency
    from liuhen.documents import pades

    return [pades.certificate(a.pk, a.name) for a in Agency.objects.order_by("id")]


class DocumentRow(Schema):
    id: int
    case_id: int
    doc_type: str
    name: str
    version: int
    status: str
    document_no: str

    @staticmethod
    def resolve_name(obj: Document) -> str:
        return str(obj.type.name)


class DocumentFilters(Schema):
    case: int | None = Field(None, ge=1, le=MAX_ID)
    doc_type: str = ""
    status: str = ""
    latest_only: bool = False
    cursor: str = Field("", max_length=400, description="上一页返回的 next；为空即第一页")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class DocumentPageOut(Schema):
    items: list[DocumentRow]
    next: str | None = Field(None, description="下一页的 cursor；最后一页为 null")
    count: int = Field(..., description=f"共多少份；超过 {COUNT_CAP} 份时为 {COUNT_CAP}")
    count_exact: bool = Field(..., description="count 是否为确数（否：多于 count 份）")


@router.get("/documents", response=DocumentPageOut, summary="文书列表（按案件、制作先后；翻页用 cursor）")
@needs(Action.CASE_VIEW)
def list_documents(request: HttpRequest, filters: Query[DocumentFilters]) -> dict[str, Any]:
    """Keyset pages: follow ``next`` for the following page; a deep page costs what the first does."""
    page = queries.list_documents(
        acting_user(request),
        case=filters.case,
        doc_type=filters.doc_type,
        status=filters.status,
        latest_only=filters.latest_only,
        cursor=filters.cursor,
        size=filters.page_size,
    )
    return {"items": page.items, "next": page.next, "count": page.count, "count_exact": page.count_exact}


class DraftIn(Schema):
    doc_type: str
    data: dict[str, Any] = {}


@router.post("/cases/{case_id}/documents", response={201: dict[str, Any]}, summary="制作文书（草稿）")
@needs(Action.CASE_WORK)
def create(request: HttpRequest, case_id: int, payload: DraftIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    doc = services.create_document(actor=user, case=get_case(user, case_id), code=payload.doc_type, data=payload.data)
    return Status(201, queries.describe(doc))


@router.get("/documents/{document_id}", response=dict[str, Any], summary="文书详情（含各版本）")
@needs(Action.RECORD_READ)
def detail(request: HttpRequest, document_id: int) -> dict[str, Any]:
    doc = queries.get_document(acting_user(request), document_id)
    reads.read(request, doc.case, subject_type="document", subject_id=doc.pk, what=doc.type.name, channel="api")
    out = queries.describe(doc)
    chain = queries.versions(doc)
    out["versions"] = [
        {
            "id": v.pk,
            "version": v.version,
            "status": v.status,
            "reason": v.correction_reason,
            "changes": queries.differences(chain[i - 1], v) if i else [],
        }
        for i, v in enumerate(chain)
    ]
    return out


class DataIn(Schema):
    data: dict[str, Any]


@router.put("/documents/{document_id}", response=dict[str, Any], summary="保存草稿")
@needs(Action.CASE_WORK)
def save(request: HttpRequest, document_id: int, payload: DataIn) -> dict[str, Any]:
    user = acting_user(request)
    doc = services.save_draft(actor=user, document=queries.get_document(user, document_id), data=payload.data)
    return queries.describe(doc)


class SignatureIn(Schema):
    slot: str = Field(
        ..., description="officer, party, witness, recipient, server, legal_reviewer, leader, chair, recorder"
    )
    username: str = ""
    name: str = ""
    refused: bool = False
    refusal_reason: str = ""
    witness_name: str = ""


class FinaliseIn(Schema):
    signatures: list[SignatureIn] = []
    signed_at: datetime | None = Field(None, description="纸质文书的签署时间（早于现在的，为事后补录）")
    backfill_reason: str = Field("", description="事后补录的理由（签署或送达时间早于录入时间时必填）")


@router.post(
    "/documents/{document_id}/finalise",
    response=dict[str, Any],
    summary="定稿（核对必填项、签名和规则；不符合时 409/422）",
)
@needs(Action.CASE_WORK)
def finalise(request: HttpRequest, document_id: int, payload: FinaliseIn) -> dict[str, Any]:
    user = acting_user(request)
    doc = services.finalise(
        actor=user,
        document=queries.get_document(user, document_id),
        signatures=[services.SignatureRequest(**s.dict()) for s in payload.signatures],
        signed_at=payload.signed_at,
        backfill_reason=payload.backfill_reason,
    )
    return queries.describe(doc)


class CorrectionIn(Schema):
    reason: str
    data: dict[str, Any] | None = None


@router.post(
    "/documents/{document_id}/corrections", response={201: dict[str, Any]}, summary="更正已定稿文书（新版本，注明理由）"
)
@needs(Action.CASE_WORK)
def correct(request: HttpRequest, document_id: int, payload: CorrectionIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    doc = services.correct(
        actor=user, document=queries.get_document(user, document_id), reason=payload.reason, data=payload.data
    )
    return Status(201, queries.describe(doc))


@router.post(
    "/documents/{document_id}/attachments",
    response={201: dict[str, Any]},
    summary="为草稿添加附件（S1：网络申请的截图、照片；SV3、SV6：邮寄登记、付邮凭证、回执、书面公告）",
)
@needs(Action.CASE_WORK)
def add_attachment(
    request: HttpRequest, document_id: int, file: File[UploadedFile], kind: Form[str] = ""
) -> Status[dict[str, Any]]:
    user = acting_user(request)
    doc = queries.get_document(user, document_id)
    row = attachments.attach(
        actor=user,
        document=doc,
        name=file.name or "附件",
        chunks=file.chunks(),
        content_type=file.content_type or "",
        kind=kind,
    )
    return Status(201, {"id": row.pk, **row.record(), "attachments": queries.describe(doc)["attachments"]})


def _file(content: bytes, doc: Document, ext: str, mime: str) -> HttpResponse:
    response = HttpResponse(content, content_type=mime)
    name = f"{doc.document_no or doc.type.name}-v{doc.version}.{ext}"
    from urllib.parse import quote

    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    return response


@router.get("/documents/{document_id}/pdf", summary="PDF", response={200: bytes})
@needs(Action.RECORD_READ)
def as_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    doc = queries.get_document(acting_user(request), document_id)
    reads.read(
        request, doc.case, subject_type="document", subject_id=doc.pk, what=f"{doc.type.name} PDF", channel="download"
    )
    return _file(stored.pdf_bytes(doc, interactive=True), doc, "pdf", "application/pdf")


@router.get("/documents/{document_id}/docx", summary="DOCX", response={200: bytes})
@needs(Action.RECORD_READ)
def as_docx(request: HttpRequest, document_id: int) -> HttpResponse:
    doc = queries.get_document(acting_user(request), document_id)
    reads.read(
        request, doc.case, subject_type="document", subject_id=doc.pk, what=f"{doc.type.name} DOCX", channel="download"
    )
    return _file(
        stored.docx_bytes(doc, interactive=True),
        doc,
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
