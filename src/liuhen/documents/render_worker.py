"""The render worker: one document to PDF/A or DOCX in a child process with a memory and CPU limit.

Run as ``python -m liuhen.documents.render_worker MEMORY_MB CPU_SECONDS``. It reads one JSON request on
stdin, ``{"format": "pdf", "html": …}`` or ``{"format": "docx", "context": …}``, and writes the file to
stdout. It imports no Django and reads no database: the web process gives it everything it needs, and a
render that runs away costs this process only, which the parent kills at its time limit. The limits are
set here, in the child, before anything is parsed.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import json
import resource
import signal
import sys
from typing import Any

EXIT_MEMORY = 3  # the render needed more memory than allowed
PR_SET_PDEATHSIG = 1


def limit(memory_mb: int, cpu_seconds: int) -> None:
    """Cap the address space and CPU time of this process, and end it when its parent ends."""
    memory = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))  # SIGXCPU, then SIGKILL
    with contextlib.suppress(OSError, AttributeError):  # Linux: a stopped or killed server takes its renders along
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def pdf(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # The form needs nothing from outside (fonts come from the system): no file, no network, whatever it names.
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=set()))
    return bytes(document.write_pdf(pdf_variant="pdf/a-3b"))  # PDF/A for long-term archiving (R6)


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


def docx(context: dict[str, Any]) -> bytes:
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(_docx_template())
    tpl.render(context, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def _near_memory_limit(memory_mb: int) -> bool:
    """A library that runs out of memory may say so as some other error (a parser's "unknown error")."""
    try:
        for line in open("/proc/self/status", encoding="ascii"):  # noqa: SIM115
            if line.startswith("VmPeak:"):
                return int(line.split()[1]) >= memory_mb * 1024 * 0.9
    except OSError:
        pass
    return False


def main(argv: list[str]) -> int:
    memory_mb = int(argv[0])
    limit(memory_mb, int(argv[1]))
    try:
        request = json.loads(sys.stdin.buffer.read())
        data = pdf(request["html"]) if request["format"] == "pdf" else docx(request["context"])
    except MemoryError:
        return EXIT_MEMORY
    except Exception:
        if _near_memory_limit(memory_mb):
            return EXIT_MEMORY
        raise
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
