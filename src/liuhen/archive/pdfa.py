"""A check of the PDF/A requirements (ISO 19005-3, level b, which takes those of ISO 19005-2) that an archived PDF
can fail by the way it is made, read from the file's structure with pypdf (rule R14).

It is not a conformance validator: veraPDF (the reference validator) is a Java program that neither the Debian
archive nor PyPI provides here. What it does check, each finding named by its clause: the file header and its
binary comment (6.1.2), the trailer's file identifier and no encryption (6.1.3), nothing after the last %%EOF
(6.1.3), no external or LZW streams (6.1.7), the PDF/A output intent with its ICC profile (6.2.3), no
interpolated image (6.2.8), every font embedded (6.2.11.4), annotations printed and visible (6.3.2), no
JavaScript, launch or other forbidden actions and no additional actions (6.5, 6.6.1, 6.6.2), the XMP metadata
with its PDF/A identification (6.6.2.1, 6.6.4; uncompressed for PDF/A-1, ISO 19005-1 6.7.2), the document
information dictionary equivalent to the XMP (6.6.2.3), and each embedded file with its relationship
(ISO 19005-3 6.8)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
}
FORBIDDEN_ACTIONS = {"/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData", "/JavaScript", "/Hide"}
FORBIDDEN_FILTERS = {"/LZWDecode", "/LZW"}
# the document information entries that must equal their XMP properties (6.6.2.3)
INFO_XMP = {"/Title": "dc:title", "/Author": "dc:creator", "/Subject": "dc:description", "/Producer": "pdf:Producer"}
INFO_XMP |= {"/Keywords": "pdf:Keywords", "/Creator": "xmp:CreatorTool"}


@dataclass
class Report:
    part: str = ""
    conformance: str = ""
    findings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings

    def add(self, clause: str, text: str) -> None:
        line = f"{clause} {text}"
        if line not in self.findings:
            self.findings.append(line)


def _obj(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _walk(root: Any) -> Iterator[DictionaryObject]:
    """Every dictionary (and stream) reachable from ``root``, each once."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if item.idnum in seen:
                continue
            seen.add(item.idnum)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            yield item
            for key, value in item.items():
                if key not in ("/Parent", "/P"):  # back-references lead to what is visited anyway
                    stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _xmp_values(xmp: bytes) -> dict[str, str]:
    root = ET.fromstring(xmp)
    out: dict[str, str] = {}
    for desc in root.iter(f"{{{NS['rdf']}}}Description"):
        for key, value in desc.attrib.items():  # properties written as attributes
            for prefix, uri in NS.items():
                if key.startswith(f"{{{uri}}}"):
                    out[f"{prefix}:{key[len(uri) + 2 :]}"] = value
        for child in desc:
            for prefix, uri in NS.items():
                if child.tag.startswith(f"{{{uri}}}"):
                    li = [e.text or "" for e in child.iter(f"{{{NS['rdf']}}}li")]
                    out[f"{prefix}:{child.tag[len(uri) + 2 :]}"] = li[0] if li else (child.text or "").strip()
    return out


def _header(data: bytes, report: Report) -> None:
    if not re.match(rb"%PDF-[12]\.\d", data[:8]):
        report.add("6.1.2", "文件头不是 %PDF-n.m")
    second = data.split(b"\n", 2)[1] if data.count(b"\n") >= 2 else b""
    second = second.split(b"\r")[0]
    if not (second.startswith(b"%") and sum(b > 127 for b in second[1:5]) >= 4):
        report.add("6.1.2", "文件头后缺少含4个以上高位字节的注释行")
    tail = data[data.rfind(b"%%EOF") + 5 :] if b"%%EOF" in data else b"?"
    if tail.strip(b"\r\n"):
        report.add("6.1.3", "最后的 %%EOF 之后还有数据")


def _trailer(reader: PdfReader, report: Report) -> None:
    trailer = reader.trailer
    if "/Encrypt" in trailer:
        report.add("6.1.3", "文件已加密")
    ids = _obj(trailer.get("/ID"))
    if not isinstance(ids, ArrayObject) or len(ids) != 2:
        report.add("6.1.3", "文件尾缺少文件标识 /ID")


def _metadata(reader: PdfReader, report: Report) -> dict[str, str]:
    stream = _obj(reader.root_object.get("/Metadata"))
    if not isinstance(stream, StreamObject):
        report.add("6.6.2.1", "文档目录没有 XMP 元数据流")
        return {}
    if stream.get("/Type") != "/Metadata" or stream.get("/Subtype") != "/XML":
        report.add("6.6.2.1", "元数据流缺少 /Type /Metadata 或 /Subtype /XML")
    try:
        raw = stream.get_data()
        values = _xmp_values(raw)
    except ET.ParseError as exc:
        report.add("6.6.2.1", f"XMP 元数据不是格式良好的 XML（{exc}）")
        return {}
    if re.search(rb"<\?xpacket[^>]*\b(bytes|encoding)=", raw):
        report.add("6.6.2.1", "XMP 包头不得使用 bytes 或 encoding 属性")
    report.part, report.conformance = values.get("pdfaid:part", ""), values.get("pdfaid:conformance", "")
    if report.part == "1" and "/Filter" in stream:
        report.add("6.7.2", "PDF/A-1 的 XMP 元数据流不得压缩（ISO 19005-1）")
    if report.part not in ("1", "2", "3") or report.conformance.upper() not in ("A", "B", "U"):
        report.add("6.6.4", "XMP 中没有 PDF/A 标识（pdfaid:part、pdfaid:conformance）")
    return values


def _info(reader: PdfReader, xmp: dict[str, str], report: Report) -> None:
    info = _obj(reader.trailer.get("/Info"))
    if not isinstance(info, DictionaryObject):
        return
    for key, prop in INFO_XMP.items():
        if key in info and str(info[key]) != xmp.get(prop):
            report.add("6.6.2.3", f"文档信息 {key}“{info[key]}”与 XMP {prop}“{xmp.get(prop, '（无）')}”不一致")


def _output_intent(reader: PdfReader, report: Report) -> None:
    intents = _obj(reader.root_object.get("/OutputIntents")) or []
    pdfa = [_obj(i) for i in intents if _obj(i).get("/S") == "/GTS_PDFA1"]
    if not pdfa:
        report.add("6.2.3", "没有 GTS_PDFA1 输出意图")
        return
    profiles = {id(_obj(i.get("/DestOutputProfile"))) for i in pdfa}
    if any(not isinstance(_obj(i.get("/DestOutputProfile")), StreamObject) for i in pdfa):
        report.add("6.2.3", "输出意图缺少 ICC 配置文件（/DestOutputProfile）")
    elif len(profiles) > 1:
        report.add("6.2.3", "多个输出意图的 ICC 配置文件不同")


def _font_embedded(font: DictionaryObject) -> bool:
    subtype = font.get("/Subtype")
    if subtype == "/Type3":
        return True
    if subtype == "/Type0":
        return all(_font_embedded(_obj(d)) for d in _obj(font.get("/DescendantFonts")) or [])
    desc = _obj(font.get("/FontDescriptor"))
    return isinstance(desc, DictionaryObject) and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _objects(reader: PdfReader, report: Report) -> None:
    root = reader.root_object
    if "/AA" in root:
        report.add("6.6.2", "文档目录含附加动作（/AA）")
    names = _obj(root.get("/Names"))
    if isinstance(names, DictionaryObject) and "/JavaScript" in names:
        report.add("6.6.1", "含 JavaScript")
    for d in _walk(root):
        kind = d.get("/Type")
        is_font = kind == "/Font" or ("/BaseFont" in d and "/Subtype" in d and kind != "/FontDescriptor")
        descendant = d.get("/Subtype") in ("/CIDFontType0", "/CIDFontType2")  # checked through its Type0 parent
        if is_font and not descendant and not _font_embedded(d):
            report.add("6.2.11.4", f"字体 {d.get('/BaseFont', '?')} 未嵌入")
        if kind == "/Page" and "/AA" in d:
            report.add("6.6.2", "页面含附加动作（/AA）")
        action = d.get("/S")
        if "/S" in d and isinstance(action, NameObject) and action in FORBIDDEN_ACTIONS:
            report.add("6.6.1", f"含禁止的动作 {action}")
        annotation = kind == "/Annot" or d.get("/Subtype") in ("/Widget", "/Link", "/Text")
        if annotation and "/Rect" in d:
            flags = int(d.get("/F", 0))
            if not flags & 4 or flags & (1 | 2 | 32):  # Print set; Invisible, Hidden, NoView not set
                report.add("6.3.2", f"注释（{d.get('/Subtype')}）未设为可打印或被隐藏")
        if isinstance(d, StreamObject):
            if any(k in d for k in ("/F", "/FFilter", "/FDecodeParms")):
                report.add("6.1.7", "流引用外部文件")
            filters = _obj(d.get("/Filter"))
            listed = [str(f) for f in filters] if isinstance(filters, ArrayObject) else [str(filters)]
            if FORBIDDEN_FILTERS & set(listed):
                report.add("6.1.7", "流使用 LZW 压缩")
            if d.get("/Subtype") == "/Image" and bool(d.get("/Interpolate", False)):
                report.add("6.2.8", "图像设置了 /Interpolate")
        if kind == "/Filespec" and "/EF" in d and "/AFRelationship" not in d:
            report.add("6.8", "嵌入文件缺少 /AFRelationship")


def check(data: bytes) -> Report:
    """Every finding of the PDF/A requirements above, each beginning with its clause."""
    report = Report()
    _header(data, report)
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        _trailer(reader, report)
        if reader.is_encrypted:
            return report
        xmp = _metadata(reader, report)
        _info(reader, xmp, report)
        _output_intent(reader, report)
        _objects(reader, report)
    except Exception as exc:  # a file pypdf cannot read in strict mode is not a conforming PDF
        report.add("6.1", f"文件结构无法解析（{exc.__class__.__name__}: {exc}）")
    return report
