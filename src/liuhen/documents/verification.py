"""Verifiable by the recipient: each outward document carries a short code and a QR code for a public page (no
login) that shows what the agency issued under that code (number, agency, date, the PDF's SHA-256, its ledger
inclusion proof against the latest signed checkpoint) and says whether a PDF someone holds is that one.

The code is the document's id and a keyed check (HMAC-SHA256 with the instance's secret key, 40 bits in base32):
it cannot be guessed from the id, so the page answers only those who hold the document.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from liuhen.core.documents import date_official
from liuhen.documents import rendering
from liuhen.documents.models import Document, DocumentStatus, Rendition
from liuhen.ledger.export import inclusion_bundle
from liuhen.ledger.models import Event
from liuhen.ledger.queries import latest_checkpoint

_CODE = re.compile(r"^\s*(\d{1,12})-([A-Z2-7]{8})\s*$")


def code_for(document_id: int) -> str:
    mac = hmac.new(settings.SECRET_KEY.encode(), f"liuhen-document:{document_id}".encode(), hashlib.sha256)
    return f"{document_id}-{base64.b32encode(mac.digest()[:5]).decode()}"


def url_for(code: str) -> str:
    return f"{settings.PUBLIC_URL}/verify/{code}/"


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as an SVG element (drawn as one path, so it prints sharp)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=1)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]  # no XML declaration inside the page


def find(code: str) -> Document | None:
    """The finalised outward document a code names, or None (a wrong or forged code names nothing)."""
    m = _CODE.match((code or "").upper())
    if not m or not hmac.compare_digest(code_for(int(m.group(1))), f"{m.group(1)}-{m.group(2)}"):
        return None
    doc = Document.objects.select_related("case__agency").filter(pk=int(m.group(1))).first()
    if doc is None or doc.status != DocumentStatus.FINAL or rendering.layout(doc.type) != "outward":
        return None
    return doc


@dataclass(frozen=True)
class Issued:
    document: Document
    rendition: Rendition
    code: str
    date: str
    event_seq: int
    proof: dict[str, Any] | None  # the inclusion bundle, None until a checkpoint covers the event


def issued(doc: Document) -> Issued:
    from liuhen.documents import stored

    kept = stored.ensure(doc, interactive=True)
    event = Event.objects.filter(action="document.rendered", subject_id=str(doc.pk)).order_by("seq").first()
    seq = event.seq if event is not None else -1
    cp = latest_checkpoint()
    proof = json.loads(inclusion_bundle(seq)) if event is not None and cp and cp.tree_size > seq else None
    finalised = timezone.localtime(doc.finalised_at) if doc.finalised_at else timezone.localtime()
    return Issued(doc, kept, code_for(doc.pk), date_official(finalised.date()), seq, proof)


def matches(doc: Document, chunks: Any) -> tuple[bool, str]:
    """Whether uploaded bytes are the PDF issued; the upload's SHA-256."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    sha = digest.hexdigest()
    kept = Rendition.objects.filter(document=doc).values_list("pdf_id", flat=True).first()
    return sha == kept, sha
