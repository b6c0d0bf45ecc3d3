"""The agency's PAdES seal keeps an issued PDF a PDF/A: the signed update leaves the document information
dictionary equal to the XMP metadata (ISO 19005-2 6.6.2.3), and the signature covers the whole stored file: what
the archive checks of an electronic record (rule R14) holds for every document the agency issues."""

from __future__ import annotations

import io

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from liuhen.archive import pdfa
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.documents import pades, rendering, services, stored
from tests.documents.conftest import sample_data, sample_signatures

pytestmark = pytest.mark.django_db


def _producers(data: bytes) -> tuple[str, str]:
    reader = PdfReader(io.BytesIO(data))
    xmp = reader.xmp_metadata
    assert xmp is not None
    return str(reader.metadata.producer if reader.metadata else ""), str(xmp.pdf_producer)


def test_rule_R14_an_issued_pdf_stays_pdfa_after_the_agency_seal(blob_root, cast, case_for) -> None:  # type: ignore[no-untyped-def]
    t = BY_CODE["evidence_request"]  # an outward notice, served on the party
    doc = services.create_document(actor=cast.handler, case=case_for(t), code=t.code, data=sample_data(t))
    doc = services.finalise(actor=cast.handler, document=doc, signatures=sample_signatures(t))
    laid_out = rendering.pdf(doc, interactive=False)
    assert pdfa.check(laid_out).passed  # WeasyPrint's PDF/A-3b, before the seal
    assert "WeasyPrint" in _producers(laid_out)[0]

    issued = stored.pdf_bytes(doc)  # signed by the agency and kept
    report = pdfa.check(issued)
    assert report.findings == [] and (report.part, report.conformance) == ("3", "B")
    info, xmp = _producers(issued)
    assert info == xmp and "pyHanko" in info  # one producer in both places, as the signed update wrote it
    assert PdfReader(io.BytesIO(issued)).metadata.title == t.name  # the title is kept in both

    agency = doc.case.agency
    _, pem = pades.ensure_key(agency.pk, agency.name)
    cert = asn1_x509.Certificate.load(x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER))
    (signature,) = PdfFileReader(io.BytesIO(issued)).embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[cert]))
    assert status.intact and status.valid and status.trusted  # the agency's published certificate
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE  # nothing added after the seal
    assert status.modification_level == ModificationLevel.NONE

    assert issued.count(b"/Producer (pyHanko") == 1  # the information dictionary the seal's update wrote
    tampered = issued.replace(b"/Producer (pyHanko", b"/Producer (pyHankp")  # changed after sealing
    (broken,) = PdfFileReader(io.BytesIO(tampered), strict=False).embedded_signatures
    assert not validate_pdf_signature(broken, ValidationContext(trust_roots=[cert])).intact
