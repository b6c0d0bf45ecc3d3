"""The archival package of a case: a BagIt 1.0 bag (RFC 8493, written with bagit-python) that proves itself.

Payload (``data/``): the bound 案卷 PDF, each document's PDF and its structured content (the canonical JSON
whose SHA-256 its ``document.finalised`` event carries), the original recordings, ``metadata.json`` (the
GB/T 18894 文书类 items of the volume and of each file), and the ledger: every event of the case, each with its
inclusion proof against a signed checkpoint, and the verifier key. Manifests in SHA-256 and, where OpenSSL
provides it, SM3 (GB/T 32905). ``liuhen verify-bag`` and ``docs/verify_bag.py`` check it without a database
(``liuhen.archive.bagcheck``)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bagit
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from liuhen.archive.bagcheck import SHA256, SM3, digest, sm3_available
from liuhen.archive.models import CaseFile
from liuhen.cases.models import Case
from liuhen.core import canonical
from liuhen.core.errors import InvalidInput
from liuhen.core.stages import PROCEDURE_LABELS, Procedure
from liuhen.documents.models import Document
from liuhen.documents.services import content_of
from liuhen.ledger import queries, signing
from liuhen.ledger import services as ledger
from liuhen.ledger.envelope import stored_leaf_data
from liuhen.ledger.models import Event
from liuhen.media.models import Recording
from liuhen.media.storage import default_store

PAYLOAD_DIRS = ("case-file", "documents", "recordings")


@dataclass(frozen=True)
class Exported:
    path: Path
    files: int
    events: int
    tree_size: int
    sm3: bool


def _write(root: Path, name: str, data: bytes, files: dict[str, str]) -> str:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    files[name] = hashlib.sha256(data).hexdigest()
    return files[name]


def _sm3(data: bytes) -> str | None:
    return hashlib.new(SM3, data).hexdigest() if sm3_available() else None


def bound_case_file(case: Case) -> CaseFile:
    case_file = CaseFile.objects.filter(case=case).select_related("agency", "compiler", "checker").first()
    if case_file is None or not case_file.signed:
        raise InvalidInput(f"{case.case_no} 的案卷尚未组卷并由立卷人、检查人签名，不能导出档案包")
    if case_file.disposals.filter(status="approved").exists():
        raise InvalidInput(f"{case.case_no} 的案卷已依鉴定销毁（见销毁清册），不能导出档案包")
    return case_file


def _metadata(
    case: Case, case_file: CaseFile, documents: list[dict[str, Any]], recordings: list[dict[str, Any]]
) -> bytes:
    """GB/T 18894-2016 文书类 items of the volume and of each file (名称 as the standard writes them)."""
    return json.dumps(
        {
            "元数据方案": "GB/T 18894-2016 文书类电子文件元数据（案卷级与文件级）",
            "全宗名称": case_file.agency.name,
            "类目名称": f"行政执法（{PROCEDURE_LABELS[Procedure(case.procedure)]}）",
            "档号": case_file.archival_code,
            "归档号": case_file.file_no,
            "年度": case_file.year,
            "保管期限": case_file.retention_label,
            "案卷题名": case_file.title,
            "案号": case.case_no,
            "起止日期": [case_file.started_on.isoformat(), case_file.ended_on.isoformat()],
            "件数": len(case_file.items),
            "页数": case_file.pages,
            "立卷人": case_file.compiler.display_name if case_file.compiler else None,
            "检查人": case_file.checker.display_name if case_file.checker else None,
            "立卷时间": timezone.localtime(case_file.compiled_at).isoformat() if case_file.compiled_at else None,
            "文件": documents,
            "音像": recordings,
        },
        ensure_ascii=False,
        indent=2,
        sort_keys=True,
    ).encode("utf-8")


METS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"


def _mets(
    case: Case,
    case_file: CaseFile,
    documents: list[dict[str, Any]],
    recordings: list[dict[str, Any]],
    metadata: bytes,
    out: Path,
    files: dict[str, str],
) -> bytes:
    """A METS 1.12 wrapper of the same package: the GB/T 18894 items (``metadata.json``) as its descriptive
    metadata, the ledger as its provenance, every payload file with its size and SHA-256, and the volume's
    logical order (正卷 and 副卷, each 件 with its PDF and structured content)."""
    from xml.etree import ElementTree as ET

    ET.register_namespace("mets", METS)
    ET.register_namespace("xlink", XLINK)

    def el(parent: ET.Element | None, tag: str, **attrs: Any) -> ET.Element:
        attrib = {(f"{{{XLINK}}}{k[6:]}" if k.startswith("xlink_") else k): str(v) for k, v in attrs.items()}
        return (
            ET.Element(f"{{{METS}}}{tag}", attrib)
            if parent is None
            else ET.SubElement(parent, f"{{{METS}}}{tag}", attrib)
        )

    root = el(None, "mets", OBJID=case_file.archival_code, LABEL=case_file.title, TYPE="案卷")
    header = el(root, "metsHdr", CREATEDATE=timezone.now().replace(microsecond=0).isoformat())
    ET.SubElement(
        el(header, "agent", ROLE="CREATOR", TYPE="ORGANIZATION"), f"{{{METS}}}name"
    ).text = case_file.agency.name
    ET.SubElement(header, f"{{{METS}}}altRecordID", {"TYPE": "案号"}).text = case.case_no
    dmd = el(root, "dmdSec", ID="DMD-VOLUME")
    el(
        dmd,
        "mdRef",
        LOCTYPE="URL",
        MDTYPE="OTHER",
        OTHERMDTYPE="GB/T 18894-2016",
        MIMETYPE="application/json",
        CHECKSUMTYPE="SHA-256",
        CHECKSUM=hashlib.sha256(metadata).hexdigest(),
        xlink_href="metadata.json",
    )
    amd = el(root, "amdSec", ID="AMD-LEDGER")
    prov = el(amd, "digiprovMD", ID="PROV-LEDGER")
    el(
        prov,
        "mdRef",
        LOCTYPE="URL",
        MDTYPE="OTHER",
        OTHERMDTYPE="liuhen 账本事件（RFC 6962 包含证明、签名检查点）",
        MIMETYPE="application/jsonl",
        xlink_href="ledger/events.jsonl",
    )
    sec = el(root, "fileSec")

    def add(group: ET.Element, fid: str, name: str, mime: str) -> None:
        size, sha = (out / name).stat().st_size, files[name]
        f = el(
            group, "file", ID=fid, MIMETYPE=mime, SIZE=size, CHECKSUMTYPE="SHA-256", CHECKSUM=sha, ADMID="AMD-LEDGER"
        )
        el(f, "FLocat", LOCTYPE="URL", xlink_href=name)

    volume_name = f"case-file/{case_file.file_no}.pdf"
    add(el(sec, "fileGrp", USE="案卷"), "F-VOLUME", volume_name, "application/pdf")
    docs = el(sec, "fileGrp", USE="文书")
    avs = el(sec, "fileGrp", USE="音像")
    structure = el(root, "structMap", TYPE="logical")
    top = el(structure, "div", TYPE="案卷", LABEL=case_file.title, DMDID="DMD-VOLUME")
    el(top, "fptr", FILEID="F-VOLUME")
    parts: dict[str, ET.Element] = {}
    for d in documents:
        n = d["件号"]
        add(docs, f"F-{n:03d}-PDF", d["计算机文件名"], "application/pdf")
        add(docs, f"F-{n:03d}-JSON", d["结构化内容"], "application/json")
        part = parts.get(d["卷别"]) or el(top, "div", TYPE=d["卷别"], LABEL=d["卷别"])
        parts[d["卷别"]] = part
        item = el(part, "div", TYPE="件", ORDER=n, LABEL=d["题名"], ORDERLABEL=d["文号"] or "")
        el(item, "fptr", FILEID=f"F-{n:03d}-PDF")
        el(item, "fptr", FILEID=f"F-{n:03d}-JSON")
    if recordings:
        av = el(top, "div", TYPE="音像", LABEL="音像记录")
        for k, r in enumerate(recordings, start=1):
            mime = "video/mp4" if "mp4" in str(r["格式"] or "") else "application/octet-stream"
            add(avs, f"F-AV-{k:03d}", r["计算机文件名"], mime)
            el(el(av, "div", TYPE="音像记录", ORDER=k, LABEL=r["原文件名"]), "fptr", FILEID=f"F-AV-{k:03d}")
    ET.indent(root)
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False) + b"\n"
    )


def export(*, actor: Any, case: Case, out: Path) -> Exported:
    """Write the bag of ``case`` to ``out`` (a new or empty folder). Records an ``archive.exported`` event that
    names every payload file's SHA-256, signs a checkpoint that covers it, and proves every event against it."""
    case_file = bound_case_file(case)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InvalidInput(f"导出目录 {out} 已存在且不为空")
    out.mkdir(parents=True, exist_ok=True)
    try:
        return _export(actor, case, case_file, out)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise


def _export(actor: Any, case: Case, case_file: CaseFile, out: Path) -> Exported:
    store = default_store()
    files: dict[str, str] = {}
    volume = b"".join(store.open_range(case_file.pdf_sha256))
    _write(out, f"case-file/{case_file.file_no}.pdf", volume, files)
    docs = Document.objects.in_bulk([i["document_id"] for i in case_file.items])
    listed: list[dict[str, Any]] = []
    for item in case_file.items:
        doc = docs[item["document_id"]]
        stem = f"documents/{item['seq']:03d}-{doc.doc_type}-{doc.pk}"
        pdf = b"".join(store.open_range(item["pdf_sha256"]))
        content = canonical.dumps(content_of(doc, [s.record() for s in doc.signatures.all()]))
        _write(out, f"{stem}.pdf", pdf, files)
        _write(out, f"{stem}.json", content, files)
        listed.append(
            {
                "件号": item["seq"],
                "卷别": item["part"],
                "文号": item["document_no"],
                "责任者": item["responsible"],
                "题名": item["title"],
                "日期": item["date"],
                "页数": item["pages"],
                "页号": [item["first_page"], item["last_page"]],
                "计算机文件名": f"{stem}.pdf",
                "格式": "PDF/A-3b",
                "字节数": len(pdf),
                "SHA-256": hashlib.sha256(pdf).hexdigest(),
                "SM3": _sm3(pdf),
                "结构化内容": f"{stem}.json",
            }
        )
    recordings: list[dict[str, Any]] = []
    recs = list(Recording.objects.filter(case=case).select_related("blob").order_by("id"))
    for rec in recs:
        ext = Path(rec.file_name).suffix.lower()[:8]
        name = f"recordings/{rec.pk}-{rec.blob.sha256[:12]}{ext}"
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        h, s = hashlib.sha256(), hashlib.new(SM3) if sm3_available() else None
        with path.open("wb") as fh:
            for chunk in store.open_range(rec.blob.sha256):
                fh.write(chunk)
                h.update(chunk)
                if s is not None:
                    s.update(chunk)
        files[name] = h.hexdigest()
        recordings.append(
            {
                "计算机文件名": name,
                "原文件名": rec.file_name,
                "格式": rec.container,
                "时长（毫秒）": rec.duration_ms,
                "字节数": rec.blob.size,
                "SHA-256": files[name],
                "SM3": s.hexdigest() if s is not None else None,
                "是否证据": bool(getattr(rec, "is_evidence", False)),
            }
        )
    metadata = _metadata(case, case_file, listed, recordings)
    _write(out, "metadata.json", metadata, files)
    _write(out, "mets.xml", _mets(case, case_file, listed, recordings, metadata, out, files), files)
    with transaction.atomic():
        ledger.append(
            actor=actor,
            action="archive.exported",
            subject_type="case_file",
            subject_id=case_file.pk,
            case_ref=case.pk,
            body={"case_no": case.case_no, "file_no": case_file.file_no, "files": files, "sm3": sm3_available()},
        )
    checkpoint = ledger.issue_checkpoint(force=True)
    assert checkpoint is not None
    size = checkpoint.tree_size
    events = list(
        Event.objects.filter(
            Q(case_ref=case.pk)
            | Q(action="media.ingested", subject_type="recording", subject_id__in=[str(r.pk) for r in recs])
        )
        .filter(seq__lt=size)
        .order_by("seq")
    )
    lines = [stored_leaf_data(e, e.body) for e in events]
    proofs = {str(e.seq): [base64.b64encode(h).decode() for h in queries.inclusion(e.seq, size)] for e in events}
    ledger_dir = out / "ledger"
    ledger_dir.mkdir()
    (ledger_dir / "events.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    (ledger_dir / "proofs.json").write_text(json.dumps({"tree_size": size, "proofs": proofs}, indent=1), "utf-8")
    (ledger_dir / "checkpoint.txt").write_text(checkpoint.note, "utf-8")
    (ledger_dir / "verifier-key.txt").write_text(signing.verifier_key() + "\n", "utf-8")
    bagit.make_bag(
        str(out),
        {
            "Source-Organization": case_file.agency.name,
            "External-Identifier": case.case_no,
            "External-Description": f"{case_file.title}；档号 {case_file.archival_code}",
            "Bag-Group-Identifier": case_file.archival_code,
            "Liuhen-Checkpoint-Size": str(size),
        },
        checksums=[SHA256],
    )
    # bagit-python declares 0.97; the layout it writes is that of BagIt 1.0 (RFC 8493), which this bag declares
    (out / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", "utf-8")
    sm3 = sm3_available()
    if sm3:  # bagit-python knows only hashlib's guaranteed algorithms; the SM3 manifest is written beside its own
        lines_sm3 = []
        for path in sorted(p for p in (out / "data").rglob("*") if p.is_file()):
            lines_sm3.append(f"{digest(path, SM3)}  {path.relative_to(out).as_posix()}\n")
        (out / "manifest-sm3.txt").write_text("".join(lines_sm3), "utf-8")
    bagit.Bag(str(out)).save(manifests=False)  # the tag manifest covers bagit.txt and manifest-sm3.txt as written
    return Exported(out, len(files), len(events), size, sm3)
