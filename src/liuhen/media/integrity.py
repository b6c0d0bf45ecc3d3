"""What `liuhen verify` checks of media: every stored blob is there and still hashes to its name (rule R8)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from liuhen.ledger.verify import Finding
from liuhen.media.models import Blob
from liuhen.media.storage import BlobMissing, BlobStore, default_store


def stored_problem(store: BlobStore, sha256: str, what: str = "文件", content: str = "内容") -> str | None:
    """Why a blob the records name is not as recorded (gone, or its bytes changed); None when it is."""
    try:
        actual = store.rehash(sha256)
    except BlobMissing:
        return f"存储中找不到该{what}（被删除）"
    if actual != sha256:
        return f"{content}与哈希不符（文件被改动，现哈希 {actual[:16]}…）"
    return None


# Blobs destroyed on purpose (the archive's approved disposals, sha256 → why): gone by decision, not lost
_TOMBSTONES: list[Callable[[], dict[str, str]]] = []


def register_tombstones(provider: Callable[[], dict[str, str]]) -> None:
    if provider not in _TOMBSTONES:
        _TOMBSTONES.append(provider)


def disposed() -> dict[str, str]:
    """Every blob destroyed on purpose, sha256 → why."""
    return {sha: why for provider in _TOMBSTONES for sha, why in provider().items()}


def check_blobs() -> Iterator[Finding]:
    store = default_store()
    gone = disposed()
    blobs = Blob.objects.prefetch_related(
        "recordings__case",
        "document_attachments__document__case",
        "document_pdfs__document__case",
        "document_docx__document__case",
    )
    for blob in blobs.iterator(chunk_size=200):
        rec = next(iter(blob.recordings.all()), None)
        attached = next(iter(blob.document_attachments.all()), None)  # a document's file (rule S1)
        where = f"，案件 {rec.case.case_no}" if rec is not None and rec.case is not None else ""
        name = f"音像文件 {rec.file_name if rec else blob.derivation or '派生文件'}（{blob.sha256[:16]}…{where}）"
        if rec is None and attached is not None:
            doc = attached.document
            name = f"文书附件 {attached.name}（{doc.type.name}，案件 {doc.case.case_no}，{blob.sha256[:16]}…）"
        issued = next(iter([*blob.document_pdfs.all(), *blob.document_docx.all()]), None)
        if rec is None and issued is not None:  # a finalised document's file as issued
            doc = issued.document
            kind = "PDF" if issued.pdf_id == blob.sha256 else "DOCX"
            name = (
                f"定稿文书{kind} {doc.type.name} {doc.document_no}（案件 {doc.case.case_no}，文书 id {doc.pk}，"
                f"{blob.sha256[:16]}…）"
            )
        if blob.sha256 in gone:  # a tombstone with its approval event: reported as disposed, never as lost
            if store.exists(blob.sha256):
                yield Finding(name, f"{gone[blob.sha256]}，但文件仍在存储中")
            continue
        problem = stored_problem(store, blob.sha256)
        if problem:
            yield Finding(name, problem)
