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
        .select_related("case")
        .prefetch_related("signatures", "attachments")
    ):
        name = f"案件 {doc.case.case_no} {doc.type.name} {doc.document_no or ''}（文书 id {doc.pk}，第{doc.version}版）"
        signatures, attachments = (
            [s.record() for s in doc.signatures.all()],
            [a.record() for a in doc.attachments.all()],
        )
        content = content_of(doc, signatures, attachments)
        sha = hashlib.sha256(canonical.dumps(content)).hexdigest()
        if sha != doc.content_sha256:
            yield Finding(name, "内容或签名与定稿时的哈希不符（定稿后被改动）")
        if logged.get(doc.pk) != doc.content_sha256:
            yield Finding(name, "定稿哈希与账本记录不符")
