"""The copy package (R10, R12): the allowed records of a case in a zip with a manifest of hashes, built in the job
queue with its progress on the request; the finished copy is stored as a blob and recorded in the ledger."""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.db import transaction

from liuhen.access.models import CopyRequest, CopyStatus
from liuhen.access.services import marked_ids
from liuhen.core import canonical
from liuhen.ledger import services as ledger

log = logging.getLogger("liuhen.access")
PROGRESS_STEP = 64 * 1024 * 1024  # bytes between progress updates
FORM_BYTES = 200_000  # what rendering one form counts for in the progress (a rendered form is about 200 kB)
# control, format, line and paragraph separators, surrogates, private and unassigned code points
_UNSAFE = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
_NOT_IN_NAMES = set('/\\:*?"<>|')
MAX_ENTRY_NAME = 120  # characters of a file's own name in the zip


def one_line(text: object) -> str:
    """A value as one line of the listing: no character that could start a line or hide what follows."""
    return "".join(" " if unicodedata.category(c) in _UNSAFE else c for c in str(text))


def entry_name(text: str) -> str:
    """A zip entry's own name from a name a user gave: one component (no '/' or '\\', so no '..\\..\\'),
    no control characters, not hidden, at most MAX_ENTRY_NAME characters with its extension kept. Chinese
    stays as it is."""
    name = "".join("_" if c in _NOT_IN_NAMES or unicodedata.category(c) in _UNSAFE else c for c in text)
    name = name.strip().lstrip(".").strip() or "unnamed"
    if len(name) > MAX_ENTRY_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = f".{ext}" if dot and stem and len(ext) <= 10 else ""
        name = name[: MAX_ENTRY_NAME - len(ext)] + ext
    return name


def listing(req: CopyRequest, files: list[dict[str, object]], withheld: list[str]) -> str:
    """The human-readable list that goes with the copy: what is in it, each file's SHA-256, what was withheld."""
    lines = [
        f"案号：{one_line(req.case.case_no)}",
        f"申请人：{one_line(req.requester_name)}（{req.get_requester_kind_display()}）",
        f"复制申请编号：{req.pk}",
        "",
        "本复制件包含以下文件（SHA-256 可用于核对复制件与留存记录一致）：",
        *[f"  {one_line(f['file'])}  {f['size']} 字节  SHA-256 {f['sha256']}" for f in files],
        "",
        "依法不予复制的内容（R11：国家秘密、商业秘密、个人隐私）：",
        *([f"  {one_line(w)}" for w in withheld] or ["  无"]),
        "",
    ]
    return "\n".join(lines)


def build(request_id: int) -> CopyRequest:
    """Build and record the package of an approved request; on failure the request says why and can be retried."""
    req = CopyRequest.objects.select_related("case", "provided_by").get(pk=request_id)
    if req.status != CopyStatus.PREPARING:
        return req  # already built, or a duplicate job
    try:
        return _build(req)
    except Exception as exc:  # the request must not stay "preparing" forever; the reason is shown to the approver
        log.exception("copy package %s failed", request_id)
        with transaction.atomic():
            CopyRequest.objects.filter(pk=request_id).update(status=CopyStatus.FAILED, failure=str(exc)[:500])
            req.refresh_from_db()
            ledger.append(
                actor=req.provided_by,
                action="copy.failed",
                subject_type="copy_request",
                subject_id=req.pk,
                case_ref=req.case_id,
                body={"case_no": req.case.case_no, "failure": req.failure},
                rows=[req],
            )
        return req


def _counted(chunks: Iterable[bytes], req: CopyRequest, done: list[int]) -> Iterator[bytes]:
    """Pass chunks through, writing the bytes done onto the request every PROGRESS_STEP (for the progress bar)."""
    mark = done[0]
    for chunk in chunks:
        done[0] += len(chunk)
        if done[0] - mark >= PROGRESS_STEP:
            mark = done[0]
            CopyRequest.objects.filter(pk=req.pk).update(progress_done=done[0])
        yield chunk


def _build(req: CopyRequest) -> CopyRequest:
    from liuhen.documents import stored as issued
    from liuhen.documents.models import Document, DocumentStatus
    from liuhen.media.storage import default_store, read_chunks

    case, store = req.case, default_store()
    withheld_docs, withheld_recs = marked_ids(case, "document"), marked_ids(case, "recording")
    current = Document.objects.filter(case=case, status=DocumentStatus.FINAL, corrections__isnull=True)
    docs = list(current.order_by("id"))
    recs = list(case.recordings.select_related("blob").order_by("id"))
    files: list[dict[str, object]] = []
    withheld = [f"文书 {d.type.name}（保密）" for d in docs if d.pk in withheld_docs]
    withheld += [f"音像 {one_line(r.file_name)}（保密）" for r in recs if r.pk in withheld_recs]
    docs = [d for d in docs if d.pk not in withheld_docs]
    recs = [r for r in recs if r.pk not in withheld_recs]
    total = sum(r.blob.size for r in recs) + FORM_BYTES * len(docs)
    CopyRequest.objects.filter(pk=req.pk).update(progress_total=total, progress_done=0)
    done = [0]
    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp) / "copy.zip"
        with zipfile.ZipFile(package, "w", compression=zipfile.ZIP_STORED) as zf:
            for doc in docs:
                data = issued.pdf_bytes(doc)  # the bytes issued, kept since finalising
                name = f"documents/{doc.pk:04d}-{entry_name(doc.type.name)}.pdf"
                zf.writestr(name, data)
                done[0] += FORM_BYTES
                files.append(
                    {
                        "file": name,
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "size": len(data),
                        "source": f"document:{doc.pk}",
                        "content_sha256": doc.content_sha256,
                    }
                )
            CopyRequest.objects.filter(pk=req.pk).update(progress_done=done[0])
            for rec in recs:
                name = f"media/{rec.pk:04d}-{entry_name(rec.file_name)}"  # the name a user gave, made safe
                with zf.open(name, "w", force_zip64=True) as out:
                    for chunk in _counted(store.open_range(rec.blob_id), req, done):
                        out.write(chunk)
                files.append(
                    {"file": name, "sha256": rec.blob_id, "size": rec.blob.size, "source": f"recording:{rec.pk}"}
                )
            manifest = {
                "case_no": case.case_no,
                "request": req.pk,
                "requester": req.requester_name,
                "files": files,
                "withheld": withheld,
            }
            manifest_bytes = canonical.dumps(manifest)
            zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
            zf.writestr("复制件清单.txt", listing(req, files, withheld))
        with package.open("rb") as fh:
            stored = store.put(read_chunks(fh))
    with transaction.atomic():
        locked = CopyRequest.objects.select_for_update().get(pk=req.pk)
        if locked.status != CopyStatus.PREPARING:
            return locked
        locked.status = CopyStatus.APPROVED
        locked.package_sha256 = stored.sha256
        locked.manifest = manifest_bytes.decode()
        locked.progress_done = total
        locked.save(update_fields=["status", "package_sha256", "manifest", "progress_done"])
        ledger.append(
            actor=req.provided_by,
            action="copy.provided",
            subject_type="copy_request",
            subject_id=req.pk,
            case_ref=case.pk,
            body={
                "case_no": case.case_no,
                "package_sha256": stored.sha256,
                "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
                "files": len(files),
                "withheld": withheld,
            },
            rows=[locked],
        )
    return locked
