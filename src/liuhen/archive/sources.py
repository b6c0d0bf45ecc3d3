"""Where the 案卷 takes a finalised document's PDF from: this one function, for the volume and the package."""

from __future__ import annotations

from liuhen.documents.models import Document
from liuhen.documents.rendering import pdf


def document_pdf(document: Document) -> bytes:
    """The PDF/A of a finalised document, as the agency issued it. Laid out by the render worker (a job's turn,
    not a page's: ``interactive=False``)."""
    return pdf(document, interactive=False)
