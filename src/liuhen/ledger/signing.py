"""Ed25519 checkpoint signing in the C2SP signed-note format.

A checkpoint note reads::

    <origin>
    <tree size>
    <base64 root hash>

    — <key name> <base64(key id (4 bytes) || Ed25519 signature)>

The key id is the first 4 bytes of SHA-256(key name || 0x0A || 0x01 || public key); 0x01 names Ed25519.
The verifier key is published as ``<name>+<hex key id>+<base64(0x01 || public key)>``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from liuhen.core.errors import LiuhenError

ALG_ED25519 = b"\x01"


class SigningKeyMissing(LiuhenError):
    pass


def create_key(path: Path) -> bool:
    """Write a new private key with mode 0600; never overwrite an existing one. True if created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: that key stands
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    return True


def load_private_key(path: Path | None = None) -> Ed25519PrivateKey:
    path = path or settings.SIGNING_KEY_PATH
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise SigningKeyMissing(f"找不到检查点签名密钥 {path}；请先运行 liuhen init") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyMissing(f"{path} 不是 Ed25519 私钥")
    return key


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ALG_ED25519 + public).digest()[:4]


def verifier_key(name: str | None = None, key: Ed25519PrivateKey | None = None) -> str:
    name = name or settings.LEDGER_ORIGIN
    public = raw_public((key or load_private_key()).public_key())
    return f"{name}+{key_id(name, public).hex()}+{base64.b64encode(ALG_ED25519 + public).decode()}"


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_checkpoint(size: int, root: bytes, key: Ed25519PrivateKey | None = None) -> str:
    key = key or load_private_key()
    origin = settings.LEDGER_ORIGIN
    body = checkpoint_body(origin, size, root)
    public = raw_public(key.public_key())
    sig = key.sign(body.encode())
    return f"{body}\n\u2014 {origin} {base64.b64encode(key_id(origin, public) + sig).decode()}\n"


@dataclass(frozen=True)
class ParsedCheckpoint:
    origin: str
    size: int
    root: bytes


def open_checkpoint(note: str, vkey: str) -> ParsedCheckpoint | None:
    """The checkpoint if ``note`` carries a valid signature by ``vkey``; None otherwise (never raises)."""
    try:
        name, hex_id, b64 = vkey.split("+", 2)
        raw = base64.b64decode(b64, validate=True)
        if raw[:1] != ALG_ED25519 or len(raw) != 33 or key_id(name, raw[1:]).hex() != hex_id:
            return None
        public = Ed25519PublicKey.from_public_bytes(raw[1:])
        body, sep, sigs = note.partition("\n\n")
        if not sep:
            return None
        body += "\n"
        ok = False
        for line in sigs.splitlines():
            parts = line.split(" ")
            if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != name:
                continue
            blob = base64.b64decode(parts[2], validate=True)
            if blob[:4].hex() != hex_id:
                continue
            try:
                public.verify(blob[4:], body.encode())
                ok = True
            except InvalidSignature:
                return None
        if not ok:
            return None
        lines = body.split("\n")
        origin, size_text, root_text = lines[0], lines[1], lines[2]
        if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            return None
        root = base64.b64decode(root_text, validate=True)
        if len(root) != 32:
            return None
        return ParsedCheckpoint(origin, int(size_text), root)
    except Exception:
        return None
