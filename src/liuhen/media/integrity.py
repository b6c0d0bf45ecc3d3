"""What `liuhen verify` checks of media: every stored blob is there and still hashes to its name (rule R8)."""

from __future__ import annotations

from collections.abc import Iterator

from liuhen.ledger.verify import Finding
from liuhen.media.models import Blob
from liuhen.media.storage import BlobMissing, default_store


def check_blobs() -> Iterator[Finding]:
    store = default_store()
    for blob in Blob.objects.prefetch_related("recordings__case").iterator(chunk_size=200):
        rec = next(iter(blob.recordings.all()), None)
        where = f"，案件 {rec.case.case_no}" if rec is not None and rec.case is not None else ""
        name = f"音像文件 {rec.file_name if rec else blob.derivation or '派生文件'}（{blob.sha256[:16]}…{where}）"
        try:
            actual = store.rehash(blob.sha256)
        except BlobMissing:
            yield Finding(name, "存储中找不到该文件（被删除）")
            continue
        if actual != blob.sha256:
            yield Finding(name, f"内容与哈希不符（文件被改动，现哈希 {actual[:16]}…）")
