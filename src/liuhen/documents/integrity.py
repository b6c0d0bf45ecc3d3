"""What `liuhen verify` checks of documents: each finalised one against its hash and its ledger event."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

from liuhen.core import canonical
from liuhen.documents.models import Document, DocumentStatus
from liuhen.documents.services import content_of
from liuhen.ledger.models import Event
from liuhen.ledger.verify import Finding


def check_documents() -> Iterator[Finding]:
    logged: dict[int, str] = {}
    for e in Event.objects.filter(action="document.finalised").only("body", "subject_id").iterator():
        try:
            logged[int(e.subject_id)] = json.loads(e.body).get("content_sha256", "")
        except ValueError:
            continue  # reported by the ledger check
    for doc in (
        Document.objects.filter(status=DocumentStatus.FINAL)
        .select_related("case", "rendition")
        .prefetch_related("signatures")
    ):
        name = f"案件 {doc.case.case_no} {doc.type.name} {doc.document_no or ''}（文书 id {doc.pk}，第{doc.version}版）"
        content = content_of(doc, [s.record() for s in doc.signatures.all()])
        sha = hashlib.sha256(canonical.dumps(content)).hexdigest()
        if sha != doc.content_sha256:
            yield Finding(name, "内容或签名与定稿时的哈希不符（定稿后被改动）")
        if logged.get(doc.pk) != doc.content_sha256:
            yield Finding(name, "定稿哈希与账本记录不符")
        kept = getattr(doc, "rendition", None)  # the files issued (their bytes: the blob check re-hashes them)
        if kept is not None and kept.content_sha256 != doc.content_sha256:
            yield Finding(name, "保存的定稿 PDF/DOCX 不是由该定稿内容生成的")
