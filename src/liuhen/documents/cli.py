"""`liuhen documents list|render`: a case's documents from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

documents_app = typer.Typer(help="执法文书", no_args_is_help=True)


@documents_app.command("list")
def documents_list(case_no: Annotated[str, typer.Argument(metavar="案号", help="案号（或案源登记号）")]) -> None:
    """列出一个案件的文书。"""
    from liuhen.cli import fail, out, setup

    setup()
    from rich.table import Table

    from liuhen.cases.models import Case, by_number
    from liuhen.documents.models import Document

    docs = list(Document.objects.filter(case__in=Case.objects.filter(by_number(case_no))).order_by("id"))
    if not docs:
        raise fail(f"案件 {case_no} 不存在或没有文书")
    table = Table(title=f"{case_no} 文书")
    for col in ("id", "文书", "文号", "版本", "状态"):
        table.add_column(col)
    for d in docs:
        table.add_row(str(d.pk), d.type.name, d.document_no, str(d.version), d.get_status_display())
    out.print(table)


@documents_app.command("render")
def documents_render(
    document_id: Annotated[int, typer.Argument(metavar="文书编号", help="文书 id")],
    out_path: Annotated[Path, typer.Option("--out", help="输出文件（.pdf 或 .docx）")],
) -> None:
    """把一份文书生成为 PDF 或 DOCX。"""
    from liuhen.cli import fail, guarded, out, setup

    suffix = out_path.suffix.lower()
    if suffix not in {".pdf", ".docx"}:
        raise fail("输出文件须以 .pdf 或 .docx 结尾")
    setup()
    from liuhen.documents import stored
    from liuhen.documents.models import Document

    doc = Document.objects.select_related("case").filter(pk=document_id).first()
    if doc is None:
        raise fail(f"文书 {document_id} 不存在")
    data = guarded(lambda: stored.pdf_bytes(doc) if suffix == ".pdf" else stored.docx_bytes(doc))
    out_path.write_bytes(data)
    out.print(f"已生成 {out_path}")
