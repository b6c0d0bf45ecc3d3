"""Rendered once and kept: a finalised document's PDF/A and DOCX are laid out once, stored by their hash and
served as stored; verify re-hashes them (rule R8)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from liuhen.core.documents.catalogue import BY_CODE
from liuhen.documents import services, stored, verification
from liuhen.documents.models import Rendition
from liuhen.ledger.models import Event
from liuhen.ledger.services import issue_checkpoint
from liuhen.ledger.verify import verify
from tests.documents.conftest import sample_data, sample_signatures
from tests.documents.test_documents import pdf_text

pytestmark = pytest.mark.django_db


def _event(action: str, doc_id: int) -> dict:  # type: ignore[type-arg]
    e = Event.objects.filter(action=action, subject_id=str(doc_id)).order_by("-seq").first()
    assert e is not None, f"no {action} for document {doc_id}"
    return dict(json.loads(e.body))


def test_rule_R8_a_finalised_document_is_rendered_once_kept_and_verified(blob_root, cast, case_for) -> None:  # type: ignore[no-untyped-def]
    t = BY_CODE["evidence_request"]  # an outward notice, served on the party
    doc = services.create_document(actor=cast.handler, case=case_for(t), code=t.code, data=sample_data(t))
    doc = services.finalise(actor=cast.handler, document=doc, signatures=sample_signatures(t))
    assert not Rendition.objects.filter(document=doc).exists()  # the job lays it out after the commit

    web = Client()
    web.force_login(cast.handler)
    first = web.get(f"/api/v1/documents/{doc.pk}/pdf")
    second = web.get(f"/api/v1/documents/{doc.pk}/pdf")
    page = web.get(f"/documents/{doc.pk}/pdf/")
    assert first.status_code == second.status_code == page.status_code == 200
    assert first.content == second.content == page.content, "two downloads are the same bytes"
    assert web.get(f"/api/v1/documents/{doc.pk}/docx").content == stored.docx_bytes(doc)

    kept = Rendition.objects.get(document=doc)
    rendered = _event("document.rendered", doc.pk)
    assert rendered["pdf_sha256"] == hashlib.sha256(first.content).hexdigest() == kept.pdf_id
    assert rendered["content_sha256"] == _event("document.finalised", doc.pk)["content_sha256"]
    assert Event.objects.filter(action="document.rendered", subject_id=str(doc.pk)).count() == 1  # once
    assert stored.pdf_bytes(doc) == first.content
    path = blob_root / kept.pdf_id[:2] / kept.pdf_id[2:4] / kept.pdf_id
    signed = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout
    assert "Signature is Valid" in signed and "ETSI.CAdES.detached" in signed  # the agency's PAdES signature
    key = Client().get("/api/v1/document-keys").json()  # published, no login
    assert key[0]["agency"] == doc.case.agency.name and "BEGIN CERTIFICATE" in key[0]["certificate_pem"]

    anyone = Client()  # rule R8: the recipient checks the document on the public page, without logging in
    code = verification.code_for(doc.pk)
    page = anyone.get(f"/verify/{code}/")
    assert page.status_code == 200 and doc.document_no in page.content.decode() and kept.pdf_id in page.content.decode()
    assert anyone.get(f"/verify/{doc.pk}-AAAAAAAA/").status_code == 404  # a forged code names nothing
    same = anyone.post(f"/verify/{code}/", {"file": SimpleUploadedFile("a.pdf", first.content)})
    assert "该文件就是本机关" in same.content.decode()
    changed = first.content[:-10] + bytes([first.content[-10] ^ 1]) + first.content[-9:]
    other = anyone.post(f"/verify/{code}/", {"file": SimpleUploadedFile("a.pdf", changed)})
    assert "不是本机关出具的原件" in other.content.decode()
    assert code in "".join(pdf_text(first.content).split())  # the code is printed beside its QR code
    issue_checkpoint(force=True)  # the ledger's inclusion proof of the issue, against the latest signed checkpoint
    proof = anyone.get(f"/verify/{code}/proof.json").json()
    assert (
        proof["format"] == "liuhen-inclusion-proof/1"
        and json.loads(proof["leaf_data"])["action"] == "document.rendered"
    )

    fixed = services.correct(actor=cast.handler, document=doc, reason="笔误", data=sample_data(t))
    assert b"%PDF" in stored.pdf_bytes(fixed)  # a draft is laid out afresh and never kept
    assert not Rendition.objects.filter(document=fixed).exists()
    fixed = services.finalise(actor=cast.handler, document=fixed, signatures=sample_signatures(t))
    assert stored.ensure(fixed).pdf_id != kept.pdf_id  # a correction has its own files
    assert verify() == []

    os.chmod(path, 0o600)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1  # one byte changed behind the application
    path.write_bytes(bytes(data))
    findings = [str(f) for f in verify()]
    assert any("定稿文书PDF" in f and t.name in f and "与哈希不符" in f for f in findings), findings
