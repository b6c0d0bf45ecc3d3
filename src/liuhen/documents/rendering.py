"""Documents as Chinese official forms: PDF/A-3b (WeasyPrint, Noto CJK fonts) and DOCX (docxtpl)."""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from liuhen.core.documents import SLOT_LABELS, SlotRole, display, remedies_text
from liuhen.documents.models import Document

STEP_TITLES = {"handler": "承办人意见", "reviewer": "审核人意见", "approver": "批准人意见"}


def _date_cn(d: Any) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def context(doc: Document) -> dict[str, Any]:
    t, case = doc.type, doc.case
    values = doc.values
    rows = [
        {"label": f.label, "value": display(f, values.get(f.name)), "long": f.kind == "textarea"}
        for f in t.fields
        if values.get(f.name) not in (None, "") or f.required
    ]
    blocks: dict[str, dict[str, Any]] = {}
    for s in doc.signatures.all():
        title = STEP_TITLES.get(s.slot) or SLOT_LABELS.get(SlotRole(s.slot), s.slot)
        blocks.setdefault(s.slot, {"title": title, "people": []})["people"].append(
            {**s.record(), "date": _date_cn(timezone.localtime(s.signed_at))}
        )
    issued = timezone.localtime(doc.finalised_at) if doc.finalised_at else None
    return {
        "agency": case.agency.name,
        "title": t.name,
        "document_no": doc.document_no,
        "case_no": case.case_no,
        "parties": "、".join(case.parties.values_list("name", flat=True)),
        "cause": case.cause,
        "rows": rows,
        "signatures": list(blocks.values()),
        "remedies": remedies_text() if t.is_decision else "",
        "issued": _date_cn(issued) if issued else "",
        "draft": not doc.is_final,
        "version": doc.version,
        "correction_reason": doc.correction_reason,
        "rules": "、".join(t.rules),
    }


def pdf(doc: Document) -> bytes:
    from weasyprint import HTML

    html = render_to_string("documents/print.html", context(doc))
    return bytes(HTML(string=html).write_pdf(pdf_variant="pdf/a-3b"))  # PDF/A for long-term archiving (R6)


def _docx_template() -> io.BytesIO:
    """A one-page form with Jinja tags, built in memory (no binary template is kept in the repository)."""
    from docx import Document as Docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    d = Docx()
    normal = d.styles["Normal"]
    normal.font.name = "Noto Serif CJK SC"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    normal.font.size = Pt(12)
    for text, size, bold in (("{{ agency }}", 18, True), ("{{ title }}", 22, True), ("{{ document_no }}", 12, False)):
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(text)
        run.bold, run.font.size = bold, Pt(size)
    d.add_paragraph("{% if draft %}（草稿，未定稿）{% endif %}案号：{{ case_no }}　当事人：{{ parties }}")
    d.add_paragraph("{%p for row in rows %}")
    d.add_paragraph("{{ row.label }}：{{ row.value }}")
    d.add_paragraph("{%p endfor %}")
    d.add_paragraph("{% if remedies %}{{ remedies }}{% endif %}")
    d.add_paragraph("{%p for block in signatures %}")
    d.add_paragraph(
        "{{ block.title }}：{% for p in block.people %}{{ p.name }}{% if p.certificate_no %}"
        "（执法证号 {{ p.certificate_no }}）{% endif %}{% if p.opinion %} {{ p.opinion }}{% endif %}"
        "{% if p.refused %}（拒绝签名：{{ p.refusal_reason }}；见证人 {{ p.witness }}）{% endif %}"
        " {{ p.date }}　{% endfor %}"
    )
    d.add_paragraph("{%p endfor %}")
    p = d.add_paragraph("{{ agency }}（印章）\n{{ issued }}")
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buf = io.BytesIO()
    d.save(buf)
    buf.seek(0)
    return buf


def docx(doc: Document) -> bytes:
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(_docx_template())
    tpl.render(context(doc), autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()
