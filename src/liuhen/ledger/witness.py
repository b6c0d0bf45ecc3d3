"""A witness: another agency or the supervising office cosigns the ledger's checkpoints (rule R8).

It follows the C2SP witness protocol (c2sp.org/tlog-witness) and cosignature format (c2sp.org/tlog-cosignature,
``cosignature/v1``, Ed25519). The witness holds its own key and its own state, in a folder of its own, on its
own machine: for each log it trusts (origin and verifier key) it remembers the last checkpoint it cosigned.
It cosigns a new checkpoint only when the log proves that checkpoint consistent with that one (an RFC 6962
consistency proof). A log that deleted its newest checkpoint and the events after the one before, and grew
again from there, cannot prove that: the witness refuses it, and keeps the size and root it saw.

The add-checkpoint request body::

    old <size the witness last cosigned, 0 at first>
    <consistency proof, one base64 hash a line>

    <the checkpoint, a signed note>

answered with one cosignature line, ``— <witness name> base64(key id ‖ timestamp (8 bytes) ‖ signature)``, over
``cosignature/v1\\ntime <timestamp>\\n<checkpoint body>``. Refusals use the protocol's status codes: 400
(malformed, or an old size beyond the checkpoint), 403 (no trusted signature), 404 (unknown origin), 409 (the
old size is not the one the witness holds: the answer is that size; or the same size with another root) and
422 (the consistency proof does not hold).

This module needs no database and no Django settings: a witness runs ``liuhen witness`` alone.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from liuhen.core import merkle
from liuhen.core.errors import LiuhenError
from liuhen.ledger import signing

ALG_COSIGNATURE_V1 = b"\x04"
DASH = "\u2014"
SIZE_CONTENT_TYPE = "text/x.tlog.size"
MAX_PROOF_LINES = 63


class WitnessError(LiuhenError):
    pass


@dataclass(frozen=True)
class Answer:
    """The witness's answer: an HTTP status, its body and content type."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ALG_COSIGNATURE_V1 + public).digest()[:4]


def cosigner_vkey(name: str, public: bytes) -> str:
    return f"{name}+{key_id(name, public).hex()}+{base64.b64encode(ALG_COSIGNATURE_V1 + public).decode()}"


def signed_message(note_body: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{note_body}".encode()


def note_body(note: str) -> str:
    """The checkpoint's text up to the blank line before its signatures, with its final newline."""
    body, sep, _ = note.partition("\n\n")
    if not sep:
        raise WitnessError("检查点格式错误：缺少签名行")
    return body + "\n"


def cosign(key: Ed25519PrivateKey, name: str, body: str, timestamp: int) -> str:
    public = signing.raw_public(key.public_key())
    sig = key.sign(signed_message(body, timestamp))
    blob = key_id(name, public) + timestamp.to_bytes(8, "big") + sig
    return f"{DASH} {name} {base64.b64encode(blob).decode()}\n"


@dataclass(frozen=True)
class CosignerKey:
    name: str
    key_id: bytes
    public: bytes

    @staticmethod
    def parse(vkey: str) -> CosignerKey:
        try:
            name, hex_id, b64 = vkey.strip().split("+", 2)
            raw = base64.b64decode(b64, validate=True)
        except ValueError:
            raise WitnessError(f"见证方公钥格式错误：{vkey!r}") from None
        if raw[:1] != ALG_COSIGNATURE_V1 or len(raw) != 33 or key_id(name, raw[1:]).hex() != hex_id:
            raise WitnessError(f"见证方公钥格式错误（须为 cosignature/v1 Ed25519 公钥）：{vkey!r}")
        return CosignerKey(name, bytes.fromhex(hex_id), raw[1:])

    def verify(self, body: str, line: str) -> int | None:
        """The timestamp of ``line`` if it is this cosigner's valid cosignature of ``body``; None otherwise."""
        parts = line.strip().split(" ")
        if len(parts) != 3 or parts[0] != DASH or parts[1] != self.name:
            return None
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except ValueError:
            return None
        if len(blob) != 4 + 8 + 64 or blob[:4] != self.key_id:
            return None
        timestamp = int.from_bytes(blob[4:12], "big")
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(blob[12:], signed_message(body, timestamp))
        except InvalidSignature:
            return None
        return timestamp


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class Witness:
    """A witness's folder: ``witness.pem`` (its key, 0600), ``witness.json`` (its name and the logs it trusts),
    ``state.json`` (per origin, the size and root it last cosigned) and ``lock``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @property
    def _config_path(self) -> Path:
        return self.folder / "witness.json"

    @property
    def _state_path(self) -> Path:
        return self.folder / "state.json"

    @classmethod
    def create(cls, folder: Path, name: str) -> Witness:
        name = name.strip()
        if not name or any(c.isspace() for c in name) or "+" in name:
            raise WitnessError("见证方名称不能为空，也不能含空白或“+”（如 jiandu.example.gov.cn/witness）")
        w = cls(folder)
        if w._config_path.exists():
            raise WitnessError(f"{folder} 中已有见证方（{w.name}）；不会覆盖它的密钥和状态")
        w.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        signing.create_key(w.folder / "witness.pem")
        _write_atomically(w._config_path, json.dumps({"name": name, "logs": {}}, ensure_ascii=False).encode())
        return w

    def _config(self) -> dict[str, Any]:
        try:
            return json.loads(self._config_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise WitnessError(f"{self.folder} 不是见证方目录；请先运行 liuhen witness init") from None

    @property
    def name(self) -> str:
        return str(self._config()["name"])

    def _key(self) -> Ed25519PrivateKey:
        return signing.load_private_key(self.folder / "witness.pem")

    def vkey(self) -> str:
        return cosigner_vkey(self.name, signing.raw_public(self._key().public_key()))

    def trust(self, log_vkey: str) -> str:
        """Trust a log's checkpoints signed by this verifier key; returns the log's origin."""
        try:
            origin, hex_id, b64 = log_vkey.strip().split("+", 2)
            raw = base64.b64decode(b64, validate=True)
        except ValueError:
            raise WitnessError(f"账本验证公钥格式错误：{log_vkey!r}") from None
        if raw[:1] != signing.ALG_ED25519 or len(raw) != 33 or signing.key_id(origin, raw[1:]).hex() != hex_id:
            raise WitnessError(f"账本验证公钥格式错误：{log_vkey!r}")
        with self._locked():
            config = self._config()
            keys = config["logs"].setdefault(origin, [])
            if log_vkey.strip() not in keys:
                keys.append(log_vkey.strip())
            _write_atomically(self._config_path, json.dumps(config, ensure_ascii=False).encode())
        return origin

    def seen(self, origin: str) -> tuple[int, bytes] | None:
        """The size and root this witness last cosigned for ``origin``."""
        state = self._state().get(origin)
        return (int(state["size"]), base64.b64decode(state["root"])) if state else None

    def _state(self) -> dict[str, Any]:
        try:
            return json.loads(self._state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _locked(self) -> _Lock:
        return _Lock(self.folder / "lock")

    def add_checkpoint(self, request: bytes, now: int | None = None) -> Answer:
        """One add-checkpoint call: check, then (atomically with the check) remember and cosign."""
        try:
            text = request.decode("utf-8")
            head, sep, note = text.partition("\n\n")
            if not sep or not note:
                return Answer(400, "请求格式错误：缺少空行或检查点\n")
            lines = head.split("\n")
            if not lines[0].startswith("old ") or not _decimal(lines[0][4:]):
                return Answer(400, "请求格式错误：第一行应为 old <大小>\n")
            old = int(lines[0][4:])
            if len(lines) - 1 > MAX_PROOF_LINES:
                return Answer(400, "请求格式错误：一致性证明过长\n")
            proof = [base64.b64decode(p, validate=True) for p in lines[1:]]
        except (UnicodeDecodeError, ValueError):
            return Answer(400, "请求格式错误\n")
        origin = note.split("\n", 1)[0]
        trusted = self._config()["logs"].get(origin)
        if not trusted:
            return Answer(404, f"未登记的账本：{origin}\n")
        parsed = next((p for k in trusted if (p := signing.open_checkpoint(note, k)) is not None), None)
        if parsed is None or parsed.origin != origin:
            return Answer(403, "检查点没有受信任的签名\n")
        if old > parsed.size:
            return Answer(400, f"old {old} 大于检查点的大小 {parsed.size}\n")
        with self._locked():
            seen = self.seen(origin)
            held = seen[0] if seen else 0
            if old != held:
                return Answer(409, f"{held}\n", SIZE_CONTENT_TYPE)
            if old == parsed.size:
                if seen is not None and seen[1] != parsed.root:
                    return Answer(409, "同一大小的检查点根哈希不同（账本分叉）\n")
            elif old == 0:
                if proof:
                    return Answer(422, "自大小 0 起的一致性证明须为空\n")
            elif seen is None or not merkle.verify_consistency(old, parsed.size, seen[1], parsed.root, proof):
                return Answer(422, f"一致性证明不成立：大小 {old} → {parsed.size}\n")
            state = self._state()
            state[origin] = {"size": parsed.size, "root": base64.b64encode(parsed.root).decode()}
            _write_atomically(self._state_path, json.dumps(state, sort_keys=True).encode())
        timestamp = int(now if now is not None else time.time())
        return Answer(200, cosign(self._key(), self.name, note_body(note), timestamp))


def _decimal(text: str) -> bool:
    return text.isdigit() and text.isascii() and (text == "0" or not text.startswith("0"))


class _Lock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = -1

    def __enter__(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)


MAX_REQUEST = 64 * 1024


def http_server(witness: Witness, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """``POST <prefix>/add-checkpoint`` over HTTP (the protocol's submission API); ``serve_forever()`` runs it."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "liuhen-witness/1"

        def do_POST(self) -> None:
            if not self.path.rstrip("/").endswith("/add-checkpoint"):
                self._answer(Answer(404, "未知的地址\n"))
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self._answer(Answer(411, "须给出 Content-Length\n"))
                return
            if not 0 < length <= MAX_REQUEST:
                self._answer(Answer(413, "请求过大\n"))
                return
            self._answer(witness.add_checkpoint(self.rfile.read(length)))

        def _answer(self, answer: Answer) -> None:
            data = answer.body.encode("utf-8")
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return  # the caller reports what matters

    return ThreadingHTTPServer((host, port), Handler)
