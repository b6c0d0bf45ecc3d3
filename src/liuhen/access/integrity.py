"""What `liuhen verify` checks of copies (R10, R12: a copy kept): every package given is still in the store, still
hashes to what was recorded, and the request agrees with its `copy.provided` event in the ledger."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

from liuhen.access.models import CopyRequest
from liuhen.ledger.models import Event
from liuhen.ledger.verify import Finding
from liuhen.media.integrity import disposed, stored_problem
from liuhen.media.storage import default_store


def check_copies() -> Iterator[Finding]:
    logged: dict[int, dict[str, str]] = {}
    for e in Event.objects.filter(action="copy.provided").only("body", "subject_id").iterator():
        try:
            logged[int(e.subject_id)] = json.loads(e.body)
        except ValueError:
            continue  # reported by the ledger check
    store = default_store()
    gone = disposed()  # destroyed with its case's 案卷 by an approved disposal (rule R6): not lost
    for req in CopyRequest.objects.exclude(package_sha256="").select_related("case").iterator(chunk_size=200):
        name = f"案件 {req.case.case_no} 复制件（复制申请 {req.pk}，{req.requester_name}）"
        event = logged.get(req.pk)
        if event is None:
            yield Finding(name, "账本中没有提供该复制件的记录")
        else:
            if event.get("package_sha256") != req.package_sha256:
                yield Finding(name, "复制件哈希与账本记录不符")
            if event.get("manifest_sha256") != hashlib.sha256(req.manifest.encode()).hexdigest():
                yield Finding(name, "哈希清单与账本记录不符（清单被改动）")
        if req.package_sha256 in gone:
            if store.exists(req.package_sha256):
                yield Finding(name, f"{gone[req.package_sha256]}，但文件仍在存储中")
            continue
        problem = stored_problem(store, req.package_sha256, "复制件", "复制件内容")
        if problem:
            yield Finding(name, problem)
