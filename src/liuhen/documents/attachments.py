"""Files kept with a document (rule S1: 000 第五条, an online application's screenshots and photos; rules SV3,
SV6: a service by post keeps its registration, postage receipt and return receipt, a public notice its copy).

A file goes into the content-addressed store (which never overwrites, and which `liuhen verify` re-hashes) and
is attached to a draft. Finalising covers each attachment's name, hash and size in the document's content hash,
so a finalised document's files cannot change or go missing unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import User
from liuhen.cases import services as case_services
from liuhen.core.documents import ATTACHMENT_KINDS
from liuhen.core.errors import InvalidInput
from liuhen.documents.models import Attachment, Document, DocumentStatus
from liuhen.ledger import services as ledger
from liuhen.media.models import Blob
from liuhen.media.storage import default_store

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024  # a screenshot or photo; recordings go to 音像记录


def _limited(chunks: Iterable[bytes]) -> Iterable[bytes]:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > MAX_ATTACHMENT_BYTES:
            raise InvalidInput(f"附件不能超过{MAX_ATTACHMENT_BYTES // (1024 * 1024)}MB；音像资料请作为音像记录上传")
        yield chunk


@transaction.atomic
def attach(
    *, actor: User, document: Document, name: str, chunks: Iterable[bytes], content_type: str = "", kind: str = ""
) -> Attachment:
    """Keep a file with a draft: stored by its hash, never replaced, covered by the final hash. ``kind`` says what
    a service's file is (ATTACHMENT_KINDS); empty for any other file."""
    doc = Document.objects.select_for_update().select_related("case").get(pk=document.pk)
    case_services.require_case_actor(actor, doc.case)
    if doc.status != DocumentStatus.DRAFT:
        raise InvalidInput(f"{doc.type.name}已定稿，不能再添加附件")
    kind = (kind or "").strip()
    if kind and kind not in ATTACHMENT_KINDS:
        raise InvalidInput(f"未知的附件种类：{kind}（可选：{'、'.join(ATTACHMENT_KINDS.values())}）")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("附件须有文件名")
    stored = default_store().put(_limited(chunks))
    if stored.size == 0:
        raise InvalidInput("附件为空文件")
    now = timezone.now()
    blob, _ = Blob.objects.get_or_create(
        sha256=stored.sha256, defaults={"size": stored.size, "content_type": content_type[:80], "stored_at": now}
    )
    row = Attachment.objects.create(document=doc, blob=blob, name=name[:200], kind=kind, added_by=actor, added_at=now)
    ledger.append(
        actor=actor,
        action="document.attachment_added",
        subject_type="document",
        subject_id=doc.pk,
        case_ref=doc.case_id,
        at=now,
        body={
            "case_no": doc.case.case_no,
            "document": doc.pk,
            "attachment": row.pk,
            "name": row.name,
            "sha256": blob.sha256,
            "size": blob.size,
            **({"kind": kind} if kind else {}),
        },
        rows=[blob, row],
    )
    return row
