"""Jobs of the documents app: laying a finalised document out once, as the files it is issued as."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_task

from liuhen.documents import stored
from liuhen.documents.models import Document

log = logging.getLogger("liuhen.documents")


@db_task()
def render_final(document_id: int) -> None:
    doc = Document.objects.filter(pk=document_id).first()
    if doc is not None and doc.is_final:
        stored.ensure(doc)


def queue_render(document_id: int) -> None:
    """Queue the layout of a document just finalised. A queue that cannot take it (no job tables on an instance
    that runs no jobs) loses nothing: the document is then laid out, once, when it is first read."""
    try:
        render_final(document_id)
    except Exception:
        log.warning("could not queue the rendering of document %s; it is rendered on its first read", document_id)
