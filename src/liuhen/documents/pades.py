"""The agency's document key: every finalised PDF is signed with it as a PAdES signature (pyHanko), so any PDF
reader shows whether the file is unaltered since the agency issued it.

Each agency has its own ECDSA P-256 key and a self-signed certificate naming it (``LIUHEN_HOME/keys/
document-<agency id>.pem`` and ``.crt``), made on first use and never overwritten. The certificate is published
without login beside the checkpoint key (``GET /api/v1/document-keys``, and on the verification page), so a
recipient can pin it: the signature says "this agency's key", the ledger says "issued, at this time".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from pathlib import Path

from django.conf import settings

from liuhen.private import make_dirs

VALID_YEARS = 30  # a document is kept for up to 30 years or for ever (R6); the key signs, it is not renewed


def _paths(agency_id: int) -> tuple[Path, Path]:
    folder = Path(settings.SIGNING_KEY_PATH).parent
    return folder / f"document-{agency_id}.pem", folder / f"document-{agency_id}.crt"


def _write_new(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def ensure_key(agency_id: int, agency_name: str) -> tuple[bytes, bytes]:
    """The agency's private key and certificate (PEM), made the first time they are needed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key_path, cert_path = _paths(agency_id)
    if not key_path.exists():
        make_dirs(key_path.parent)
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, f"{agency_name} 文书签章"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency_name),
            ]
        )
        now = dt.datetime.now(dt.UTC)
        usage = x509.KeyUsage(
            digital_signature=True,
            content_commitment=True,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365 * VALID_YEARS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .sign(key, hashes.SHA256())
        )
        try:
            _write_new(key_path, pem, 0o600)
            _write_new(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
        except FileExistsError:  # another process made it first: use theirs
            pass
    return key_path.read_bytes(), cert_path.read_bytes()


def certificate(agency_id: int, agency_name: str) -> dict[str, str]:
    """The published certificate of the agency's document key, with its SHA-256 fingerprint."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    _, pem = ensure_key(agency_id, agency_name)
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    return {"agency": agency_name, "certificate_pem": pem.decode(), "sha256": hashlib.sha256(der).hexdigest()}


def sign(pdf: bytes, agency_id: int, agency_name: str) -> bytes:
    """The PDF with the agency's PAdES signature added as an incremental update (the PDF/A content unchanged, its
    metadata still agreeing with the information dictionary)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.model import VENDOR
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    key_pem, cert_pem = ensure_key(agency_id, agency_name)
    key = serialization.load_pem_private_key(key_pem, password=None)
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    der_cert = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(der_cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=None,  # type: ignore[arg-type]
    )
    meta = signers.PdfSignatureMetadata(
        field_name="AgencySeal", subfilter=SigSeedSubFilter.PADES, reason="出具执法文书", location=agency_name
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    # PDF/A wants the information dictionary equal to the XMP metadata (ISO 19005-2 6.6.2.3). pyHanko's update
    # writes its own name as the XMP pdf:Producer but appends it to the old /Producer ("WeasyPrint …; pyHanko …");
    # give /Producer the XMP's value in the same signed update, so the two still agree once the file is sealed.
    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if isinstance(info_ref, generic.IndirectObject):
        info_ref.get_object()["/Producer"] = generic.TextStringObject(VENDOR)
        writer.mark_update(info_ref)
    out = signers.sign_pdf(writer, meta, signer=signer)
    return bytes(out.getvalue())
