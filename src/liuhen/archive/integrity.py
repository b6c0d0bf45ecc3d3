"""What `liuhen verify` checks of the archive: every bound 案卷's PDF and the document PDFs it binds are in the
store and still hash to their names (fixity, rule R14); and what was disposed, as disposed (R6)."""

from __future__ import annotations

from collections.abc import Iterator

from liuhen.archive.models import CaseFile
from liuhen.ledger.verify import Finding
from liuhen.media.integrity import stored_problem
from liuhen.media.storage import default_store


def check_case_files() -> Iterator[Finding]:
    from liuhen.archive.file_disposal import tombstones

    store = default_store()
    gone = tombstones()  # destroyed with an approved disposal (rule R6): disposed, not lost
    for f in CaseFile.objects.select_related("case").iterator(chunk_size=200):
        name = f"案卷 {f.file_no}（案件 {f.case.case_no}）"
        files = [(f.pdf_sha256, "案卷 PDF")] if f.pdf_sha256 else []
        files += [(item["pdf_sha256"], f"第{item['seq']}件 PDF") for item in f.items]
        for sha, what in files:
            if sha in gone:
                if store.exists(sha):
                    yield Finding(name, f"{what}{gone[sha]}，但文件仍在存储中")
                continue
            problem = stored_problem(store, sha, what, what)
            if problem:
                yield Finding(name, problem)
