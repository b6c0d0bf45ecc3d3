"""四性检测 (DA/T 70-2018, 归档环节) of an archival package: 真实性, 完整性, 可用性, 安全性 (rule R14).

Each item is named by its code (GD = 归档环节; 1 真实性, 2 完整性, 3 可用性, 4 安全性) and checks the package as
written by ``liuhen export``; the items that concern a carrier (光盘, 载体外观) or the host's antivirus do not apply
to a package and are not listed. ``check(folder)`` returns every item with its findings; ``record`` ledgers the
result and ``report_pdf`` lays it out."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liuhen.archive.bagcheck import SHA256, Check, digest

REQUIRED = ("全宗名称", "档号", "归档号", "年度", "保管期限", "案卷题名", "件数", "页数", "立卷人", "检查人")
FILE_REQUIRED = ("件号", "责任者", "题名", "日期", "计算机文件名", "格式", "字节数", "SHA-256")
CODE = re.compile(r"^.+-XZZF-(\d{4})-(Y|D30|D10)-(\d{4})$")


@dataclass
class Item:
    code: str
    name: str
    quality: str  # 真实性, 完整性, 可用性, 安全性
    findings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings


@dataclass
class Package:
    folder: Path
    bag: Check
    metadata: dict[str, Any] | None
    metadata_error: str = ""

    def files(self) -> list[dict[str, Any]]:
        return list((self.metadata or {}).get("文件", []))


def _load(folder: Path) -> Package:
    bag = Check(folder)
    try:
        metadata = json.loads((folder / "data" / "metadata.json").read_text(encoding="utf-8"))
        return Package(
            folder,
            bag,
            metadata if isinstance(metadata, dict) else None,
            "" if isinstance(metadata, dict) else "不是对象",
        )
    except (OSError, ValueError) as exc:
        return Package(folder, bag, None, exc.__class__.__name__)


def _gd_1_1(p: Package) -> list[str]:
    """固化信息有效性: the checkpoint's signature, every event's proof, every file's digest against its event."""
    check = Check(p.folder)
    check.bindings(check.ledger())
    return check.findings


def _gd_1_7(p: Package) -> list[str]:
    """档号规范性: 档号 全宗-XZZF-年度-期限代码-件号 and 归档号 年度+4位顺序号, consistent with each other."""
    m = p.metadata or {}
    code, file_no, year = str(m.get("档号", "")), str(m.get("归档号", "")), str(m.get("年度", ""))
    match = CODE.match(code)
    out = []
    if match is None:
        out.append(f"档号“{code}”不符合 全宗-XZZF-年度-保管期限代码-件号")
    if not re.fullmatch(r"\d{8}", file_no) or file_no[:4] != year:
        out.append(f"归档号“{file_no}”应为年度（{year}）加4位顺序号")
    elif match is not None and (match.group(1) != year or match.group(3) != file_no[4:]):
        out.append(f"档号“{code}”与归档号“{file_no}”不一致")
    return out


def _gd_1_10(p: Package) -> list[str]:
    """电子文件内容真实性: each file's size and SHA-256 as captured equal what the metadata says."""
    out = []
    for f in p.files():
        path = p.folder / "data" / str(f.get("计算机文件名", ""))
        if path.is_file() and (path.stat().st_size != f.get("字节数") or digest(path, SHA256) != f.get("SHA-256")):
            out.append(f"{f.get('计算机文件名')}：大小或 SHA-256 与元数据不符")
    return out


def _gd_1_11(p: Package) -> list[str]:
    """元数据与内容关联一致性: every file the metadata names is where it says; every file the METS wrapper lists is
    there with the size and SHA-256 it gives."""
    names = [str(f.get("计算机文件名", "")) for f in p.files()] + [
        str(r.get("计算机文件名", "")) for r in (p.metadata or {}).get("音像", [])
    ]
    out = [f"元数据所指文件 {n} 不存在" for n in names if not (p.folder / "data" / n).is_file()]
    mets = p.folder / "data" / "mets.xml"
    if not mets.is_file():
        return [*out, "缺少 METS 文件 mets.xml"]
    import xml.etree.ElementTree as ET

    ns = {"m": "http://www.loc.gov/METS/"}
    href = "{http://www.w3.org/1999/xlink}href"
    for f in ET.parse(mets).getroot().iterfind(".//m:fileSec//m:file", ns):
        loc = f.find("m:FLocat", ns)
        name = loc.get(href, "") if loc is not None else ""
        path = p.folder / "data" / name
        if not name or not path.is_file():
            out.append(f"METS 所列文件 {name or f.get('ID')} 不存在")
        elif str(path.stat().st_size) != f.get("SIZE") or digest(path, SHA256) != f.get("CHECKSUM"):
            out.append(f"METS 所列文件 {name} 的大小或 SHA-256 不符")
    return out


def _gd_2_1(p: Package) -> list[str]:
    """总件数相符性: 件数 equals the documents in the package."""
    present = len(list((p.folder / "data" / "documents").glob("*.pdf")))
    declared = (p.metadata or {}).get("件数")
    return [] if declared == present == len(p.files()) else [f"元数据件数 {declared}，包内文书 {present} 件"]


def _gd_2_2(p: Package) -> list[str]:
    """总字节数相符性: the bag's Payload-Oxum equals the payload."""
    info = p.folder / "bag-info.txt"
    oxum = (
        next(
            (
                ln.split(":", 1)[1].strip()
                for ln in info.read_text("utf-8").splitlines()
                if ln.startswith("Payload-Oxum")
            ),
            "",
        )
        if info.is_file()
        else ""
    )
    files = [q for q in (p.folder / "data").rglob("*") if q.is_file()]
    actual = f"{sum(q.stat().st_size for q in files)}.{len(files)}"
    return [] if oxum == actual else [f"Payload-Oxum 为 {oxum or '（缺）'}，实际 {actual}"]


def _gd_2_4(p: Package) -> list[str]:
    """元数据必填著录项目: the volume's and each file's required items are filled in."""
    m = p.metadata or {}
    out = [f"案卷缺少“{k}”" for k in REQUIRED if m.get(k) in (None, "", [])]
    for f in p.files():
        out += [f"第{f.get('件号')}件缺少“{k}”" for k in FILE_REQUIRED if f.get(k) in (None, "")]
    return out


def _gd_2_6(p: Package) -> list[str]:
    """连续性元数据项: 件号 run 1…n and the page numbers run on without gaps from 1."""
    out = []
    numbers = [f.get("件号") for f in p.files()]
    if numbers != list(range(1, len(numbers) + 1)):
        out.append(f"件号不连续：{numbers}")
    page = 1
    for f in p.files():
        first, last = (f.get("页号") or [None, None])[:2]
        if first != page:
            out.append(f"第{f.get('件号')}件起始页号 {first}，应为 {page}")
        page = (last or page) + 1
    return out


def _gd_3_1(p: Package) -> list[str]:
    """信息包中元数据的可读性: metadata.json is readable JSON."""
    return [] if p.metadata is not None else [f"metadata.json 无法读取（{p.metadata_error}）"]


def _gd_3_3(p: Package) -> list[str]:
    """内容数据格式: documents in PDF/A (GB/T 18894 通用格式: the PDF/A identification in the XMP), no encryption;
    the bound 案卷 PDF, which this system lays out, checked against the PDF/A requirements (``pdfa``)."""
    from pypdf import PdfReader

    from liuhen.archive import pdfa

    out = []
    for path in sorted((p.folder / "data" / "case-file").glob("*.pdf")):
        name = path.relative_to(p.folder).as_posix()
        out += [f"{name}：{f}" for f in pdfa.check(path.read_bytes()).findings]
    for path in sorted((p.folder / "data").rglob("*.pdf")):
        name = path.relative_to(p.folder).as_posix()
        try:
            reader = PdfReader(io.BytesIO(path.read_bytes()))
            if reader.is_encrypted:
                out.append(f"{name}：已加密")
                continue
            xmp = reader.root_object.get("/Metadata")
            identified = xmp is not None and b"pdfaid:part" in xmp.get_object().get_data()
        except Exception:  # not a PDF at all
            identified = False
        if not identified:
            out.append(f"{name}：不是 PDF/A")
    return out


def _gd_3_4(p: Package) -> list[str]:
    """内容数据的可读性: each PDF opens and has pages."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    out = []
    for path in sorted((p.folder / "data").rglob("*.pdf")):
        try:
            if not PdfReader(io.BytesIO(path.read_bytes())).pages:
                raise PdfReadError("no pages")
        except Exception:  # any failure to parse is the finding
            out.append(f"{path.relative_to(p.folder).as_posix()}：无法打开")
    return out


def _gd_4_3(p: Package) -> list[str]:
    """多余文件: nothing in the package that its manifests do not list, nothing listed missing."""
    check = Check(p.folder)
    check.bag_files()
    return check.findings


ITEMS: tuple[tuple[str, str, str, Callable[[Package], list[str]]], ...] = (
    ("GD-1-1", "固化信息有效性检测", "真实性", _gd_1_1),
    ("GD-1-7", "档号规范性检测", "真实性", _gd_1_7),
    ("GD-1-10", "电子文件内容真实性检测", "真实性", _gd_1_10),
    ("GD-1-11", "元数据与内容关联一致性检测", "真实性", _gd_1_11),
    ("GD-2-1", "总件数相符性检测", "完整性", _gd_2_1),
    ("GD-2-2", "总字节数相符性检测", "完整性", _gd_2_2),
    ("GD-2-4", "元数据必填著录项目检测", "完整性", _gd_2_4),
    ("GD-2-6", "连续性元数据项检测", "完整性", _gd_2_6),
    ("GD-3-1", "信息包中元数据的可读性检测", "可用性", _gd_3_1),
    ("GD-3-3", "内容数据格式检测", "可用性", _gd_3_3),
    ("GD-3-4", "内容数据的可读性检测", "可用性", _gd_3_4),
    ("GD-4-3", "载体中多余文件检测", "安全性", _gd_4_3),
)


def check(folder: Path) -> list[Item]:
    package = _load(folder)
    items = []
    for code, name, prop, fn in ITEMS:
        item = Item(code, name, prop)
        try:
            item.findings = fn(package)
        except Exception as exc:  # a package too broken for the item is a failed item, with the reason
            item.findings = [f"无法检测（{exc.__class__.__name__}）"]
        items.append(item)
    return items


def as_json(items: list[Item]) -> dict[str, Any]:
    return {
        "standard": "DA/T 70-2018 归档环节",
        "passed": all(i.passed for i in items),
        "items": [
            {"code": i.code, "name": i.name, "property": i.quality, "passed": i.passed, "findings": i.findings}
            for i in items
        ],
    }
