"""Where the 案卷 takes a finalised document's PDF from: this one function, for the volume and the package."""

from __future__ import annotations

from liuhen.documents import stored
from liuhen.documents.models import Document


def document_pdf(document: Document) -> bytes:
    """The PDF/A of a finalised document, as the agency issued it: the stored, signed bytes whose hash its
    ``document.rendered`` event records (laid out once, on first need, by the render worker in a job's turn)."""
    return stored.pdf_bytes(document, interactive=False)
