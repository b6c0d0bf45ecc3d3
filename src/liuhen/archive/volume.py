"""The bound volume as one PDF: 案卷封面 and 卷内文件目录, the documents with their page numbers at the bottom
right, then the 备考表 (rule R14; cover, 目录 and 备考表 are not numbered).

The cover, the 目录, the page numbers and the 备考表 are laid out in one PDF/A render; each document keeps the
PDF the agency issued, a page number stamped on each of its pages."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter

from liuhen.archive.models import CaseFile
from liuhen.core.stages import PROCEDURE_LABELS, Procedure
from liuhen.documents.rendering import render


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _marks(reader: PdfReader) -> dict[str, int]:
    """Where each part starts: the render's bookmarks (案卷封面, 卷内文件目录, 卷内文件, 卷内备考表) → page index."""
    marks: dict[str, int] = {}
    for o in reader.outline:
        if not isinstance(o, list) and (n := reader.get_destination_page_number(o)) is not None:
            marks[str(o.title)] = n
    return marks


def build(case_file: CaseFile, documents: Sequence[bytes]) -> bytes:
    """The whole volume; ``documents`` are the documents' PDFs in the order of the 卷内文件目录."""
    items = case_file.items
    html = render_to_string(
        "archive/volume.html",
        {
            "f": case_file,
            "items": items,
            "procedure": PROCEDURE_LABELS[Procedure(case_file.case.procedure)],
            "numbers": range(1, case_file.pages + 1),
        },
    )
    frame = PdfReader(io.BytesIO(render({"format": "pdf", "html": html}, interactive=False)))
    marks = _marks(frame)
    back_at = marks["卷内备考表"]
    numbers_at = marks.get("卷内文件", back_at)  # a file of no document (an approval only) has no numbered page
    if back_at - numbers_at != case_file.pages:
        raise RuntimeError(f"page numbers laid out on {back_at - numbers_at} pages, expected {case_file.pages}")
    # the frame's catalogue (its XMP with the PDF/A identification, its output intent) is the volume's; each
    # numbered page of the frame takes its document page beneath the number
    out = PdfWriter(clone_from=frame)
    n = numbers_at
    for item, pdf in zip(items, documents, strict=True):
        reader = PdfReader(io.BytesIO(pdf))
        if len(reader.pages) != item["pages"]:
            raise RuntimeError(f"{item['title']} has {len(reader.pages)} pages, the 目录 says {item['pages']}")
        for page in reader.pages:
            out.pages[n].merge_page(page, over=False)
            n += 1
    # the title and the 归档号 are in the frame's document information and its XMP alike (PDF/A 6.6.2.3): set
    # from the HTML, never here, where only the information dictionary would change
    buffer = io.BytesIO()
    out.write(buffer)
    return buffer.getvalue()
