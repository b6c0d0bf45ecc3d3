"""A finalised document's files, rendered once and kept: the bytes the agency issued.

Finalising queues a job that lays the document out as PDF/A and DOCX (the bounded render worker), signs the PDF
with the agency's PAdES signature (``liuhen.documents.pades``), stores both in the content-addressed blob store
and appends ``document.rendered`` with their SHA-256 beside the content hash they were made from. Every
download, preview and copy afterwards serves those stored bytes: two downloads are the same file, and
`liuhen verify` re-hashes it. A document read before its job ran is rendered by that read, once, the same way.
A draft is laid out afresh each time (marked 草稿) and never kept.

Other apps get a document's PDF through ``pdf_bytes`` only.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from liuhen.core.errors import Gone
from liuhen.documents import pades, rendering
from liuhen.documents.models import Document, DocumentStatus, Rendition
from liuhen.ledger import services as ledger
from liuhen.media.integrity import disposed
from liuhen.media.models import Blob
from liuhen.media.storage import BlobMissing, default_store

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_bytes(document: Document, *, interactive: bool = False) -> bytes:
    """The PDF/A of a document: a finalised one's stored bytes (rendered and kept on first need), a draft's
    fresh layout. ``interactive`` (a page or API call) waits a short while for a render worker, a job its turn."""
    if not document.is_final:
        return rendering.pdf(document, interactive=interactive)
    return _read(ensure(document, interactive=interactive).pdf_id)


def docx_bytes(document: Document, *, interactive: bool = False) -> bytes:
    """The DOCX of a document, kept like its PDF once it is finalised."""
    if not document.is_final:
        return rendering.docx(document, interactive=interactive)
    return _read(ensure(document, interactive=interactive).docx_id)


def _read(sha256: str) -> bytes:
    try:
        return b"".join(default_store().open_range(sha256))
    except BlobMissing:
        why = disposed().get(sha256)
        if why is None:
            raise
        # destroyed with its 案卷 after an approved 鉴定 (rule R6): said so, never "not found" or an error page
        raise Gone(f"该文书的文件已随案卷销毁：{why}") from None


def ensure(document: Document, *, interactive: bool = False) -> Rendition:
    """The rendition of a finalised document, made now if it has none yet (the job's work, or a read's that came
    first). Two at once may both lay it out; the first to commit is kept, and the other's bytes are not used."""
    found = Rendition.objects.filter(document_id=document.pk).first()
    if found is not None:
        return found
    doc = Document.objects.select_related("case__agency").get(pk=document.pk)
    if doc.status != DocumentStatus.FINAL:
        raise ValueError(f"document {doc.pk} is a draft; only a finalised document is kept")
    agency = doc.case.agency
    pdf = pades.sign(rendering.pdf(doc, interactive=interactive), agency.pk, agency.name)  # the agency's seal
    return keep(doc, pdf, rendering.docx(doc, interactive=interactive))


def keep(doc: Document, pdf: bytes, docx: bytes) -> Rendition:
    """Store a finalised document's files and record them (``document.rendered``); the first kept stays."""
    store = default_store()
    stored_pdf, stored_docx = store.put([pdf]), store.put([docx])
    try:
        return _record(doc, stored_pdf.sha256, len(pdf), stored_docx.sha256, len(docx))
    except IntegrityError:  # another render of the same document committed first
        return Rendition.objects.get(document_id=doc.pk)


@transaction.atomic
def _record(doc: Document, pdf_sha: str, pdf_size: int, docx_sha: str, docx_size: int) -> Rendition:
    Document.objects.select_for_update().filter(pk=doc.pk).values_list("pk", flat=True).first()  # one at a time
    found = Rendition.objects.filter(document_id=doc.pk).first()
    if found is not None:
        return found
    now = timezone.now()
    new_blobs: list[Blob] = []
    blobs = {}
    for sha, size, mime in ((pdf_sha, pdf_size, PDF_TYPE), (docx_sha, docx_size, DOCX_TYPE)):
        blob, created = Blob.objects.get_or_create(
            sha256=sha, defaults={"size": size, "content_type": mime, "stored_at": now}
        )
        blobs[mime] = blob
        if created:
            new_blobs.append(blob)
    row = Rendition.objects.create(
        document=doc,
        content_sha256=doc.content_sha256,
        pdf=blobs[PDF_TYPE],
        docx=blobs[DOCX_TYPE],
        rendered_at=now,
    )
    ledger.append(
        actor=None,  # the system lays the finalised content out; who finalised it is in document.finalised
        action="document.rendered",
        subject_type="document",
        subject_id=doc.pk,
        case_ref=doc.case_id,
        at=now,
        body={
            "case_no": doc.case.case_no,
            "document": doc.pk,
            "type": doc.doc_type,
            "version": doc.version,
            "document_no": doc.document_no,
            "content_sha256": doc.content_sha256,
            "pdf_sha256": pdf_sha,
            "pdf_size": pdf_size,
            "docx_sha256": docx_sha,
            "docx_size": docx_size,
        },
        rows=[*new_blobs, row],
    )
    return row
