#!/usr/bin/env python3
"""Check a liuhen archival package (a BagIt 1.0 bag) with no database and no server.

    liuhen export 明应急罚〔2026〕001号 --out case-bag
    python3 verify_bag.py case-bag                # or: liuhen verify-bag case-bag
    python3 verify_bag.py case-bag --key 'origin+1a2b3c4d+AQ…'   # pin the agency's published key

It needs the Python standard library, and `cryptography` for the checkpoint's Ed25519 signature. It checks:

1. the bag: bagit.txt, every payload file against manifest-sha256.txt (and manifest-sm3.txt, GB/T 32905, where
   this Python's OpenSSL provides SM3), no file missing or unlisted, the tag files against tagmanifest-sha256.txt;
2. the signed checkpoint (data/ledger/checkpoint.txt) against the verifier key;
3. every ledger event of the case (data/ledger/events.jsonl) against the checkpoint, by its inclusion proof;
4. every file against the ledger event that recorded it: each document's PDF and the 案卷 PDF against the
   archive events, each document's structured content against its document.finalised event, each recording
   against its media.ingested event, metadata.json against the export event.

Exit 0 when everything holds; 1 with one line per finding, each naming the file. This same file is
src/liuhen/archive/bagcheck.py in the liuhen source (a test keeps the two identical).
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ALG_ED25519 = b"\x01"
SHA256, SM3 = "sha256", "sm3"


def sm3_available() -> bool:
    try:
        hashlib.new(SM3)
    except ValueError:
        return False
    return True


def digest(path: Path, alg: str) -> str:
    h = hashlib.new(alg)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """RFC 9162 section 2.1.3.2: the root an audit path leads to (None if the path is malformed)."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def open_checkpoint(note: str, vkey: str) -> tuple[str, int, bytes] | None:
    """(origin, size, root) when ``note`` is a C2SP signed note with a valid Ed25519 signature by ``vkey``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        name, hex_id, b64 = vkey.strip().split("+", 2)
        raw = base64.b64decode(b64, validate=True)
        if raw[:1] != ALG_ED25519 or len(raw) != 33:
            return None
        if hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() != hex_id:
            return None
        body, sep, sigs = note.partition("\n\n")
        if not sep:
            return None
        body += "\n"
        for line in sigs.splitlines():
            parts = line.split(" ")
            if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != name:
                continue
            blob = base64.b64decode(parts[2], validate=True)
            if blob[:4].hex() != hex_id:
                continue
            try:
                Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[4:], body.encode())
            except InvalidSignature:
                return None
            origin, size, root = body.split("\n")[:3]
            return origin, int(size), base64.b64decode(root, validate=True)
    except (ValueError, TypeError):
        return None
    return None


def read_manifest(path: Path) -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            value, _, name = line.partition(" ")
            entries[name.strip()] = value.strip().lower()
    return entries


class Check:
    def __init__(self, bag: Path, key: str | None = None) -> None:
        self.bag, self.key = bag, key
        self.findings: list[str] = []
        self.notes: list[str] = []

    def fail(self, where: str, why: str) -> None:
        self.findings.append(f"{where}: {why}")

    # 1. the bag
    def bag_files(self) -> None:
        declaration = self.bag / "bagit.txt"
        if not declaration.is_file() or "BagIt-Version: 1.0" not in declaration.read_text(encoding="utf-8"):
            self.fail("bagit.txt", "missing, or not a BagIt 1.0 bag")
        on_disk = {p.relative_to(self.bag).as_posix() for p in (self.bag / "data").rglob("*") if p.is_file()}
        manifest = self.bag / "manifest-sha256.txt"
        if not manifest.is_file():
            self.fail("manifest-sha256.txt", "missing")
            return
        listed = read_manifest(manifest)
        self._against(listed, SHA256, "manifest-sha256.txt")
        for name in sorted(on_disk - set(listed)):
            self.fail(name, "in the bag but in no manifest")
        sm3 = self.bag / "manifest-sm3.txt"
        if sm3.is_file():
            if sm3_available():
                self._against(read_manifest(sm3), SM3, "manifest-sm3.txt")
            else:
                self.notes.append("manifest-sm3.txt not checked: this Python's OpenSSL has no SM3 (SHA-256 checked)")
        else:
            self.notes.append("no manifest-sm3.txt in the bag (made where OpenSSL has no SM3)")
        tags = self.bag / "tagmanifest-sha256.txt"
        if tags.is_file():
            self._against(read_manifest(tags), SHA256, "tagmanifest-sha256.txt")
        else:
            self.fail("tagmanifest-sha256.txt", "missing")

    def _against(self, listed: dict[str, str], alg: str, manifest: str) -> None:
        for name, value in sorted(listed.items()):
            path = self.bag / name
            if not path.is_file():
                self.fail(name, f"listed in {manifest} but missing")
            elif digest(path, alg) != value:
                self.fail(name, f"{alg.upper()} differs from {manifest}")

    # 2. and 3. the checkpoint and every event's inclusion
    def ledger(self) -> list[dict[str, Any]]:
        folder = self.bag / "data" / "ledger"
        try:
            note = (folder / "checkpoint.txt").read_text(encoding="utf-8")
            vkey = self.key or (folder / "verifier-key.txt").read_text(encoding="utf-8").strip()
            lines = (folder / "events.jsonl").read_bytes().splitlines()
            proofs = json.loads((folder / "proofs.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.fail("data/ledger", f"cannot be read ({exc.__class__.__name__})")
            return []
        head = open_checkpoint(note, vkey)
        if head is None:
            self.fail("data/ledger/checkpoint.txt", "signature is not valid for the verifier key")
            return []
        origin, size, root = head
        self.notes.append(f"checkpoint of {origin} at size {size}, key {vkey.split('+')[1]}")
        events: list[dict[str, Any]] = []
        for n, line in enumerate(lines, start=1):
            try:
                event = json.loads(line)
                seq = int(event["seq"])
                path = [base64.b64decode(p) for p in proofs["proofs"][str(seq)]]
            except (ValueError, KeyError, TypeError):
                self.fail(f"data/ledger/events.jsonl line {n}", "not an event with an inclusion proof")
                continue
            if root_from_path(leaf_hash(line), seq, size, path) != root:
                self.fail(f"data/ledger/events.jsonl line {n}", f"event {seq} is not in the signed log")
                continue
            events.append(event)
        return events

    # 4. every file against its event
    def bindings(self, events: list[dict[str, Any]]) -> None:
        expected: dict[str, tuple[str, str]] = {}  # path -> (sha256, what recorded it)
        by_action: dict[str, list[dict[str, Any]]] = {}
        for e in events:
            by_action.setdefault(str(e["action"]), []).append(e)
        exported = by_action.get("archive.exported", [])
        if not exported:
            self.fail("data/ledger/events.jsonl", "no archive.exported event: the package is not bound to the log")
            return
        files = exported[-1]["body"].get("files", {})
        for name, sha in files.items():
            expected[f"data/{name}"] = (str(sha), f"event {exported[-1]['seq']} (archive.exported)")
        assembled = by_action.get("archive.assembled", [])
        pdfs: dict[str, str] = {}
        if assembled:
            pdfs = {str(d["id"]): str(d["pdf_sha256"]) for d in assembled[-1]["body"].get("documents", [])}
        finalised = {
            str(e["subject"]["id"]): str(e["body"].get("content_sha256", ""))
            for e in by_action.get("document.finalised", [])
        }
        ingested = {
            str(e["subject"]["id"]): str(e["body"].get("sha256", "")) for e in by_action.get("media.ingested", [])
        }
        signed = [e for e in by_action.get("archive.signed", []) if e["body"].get("pdf_sha256")]
        for name, (sha, source) in sorted(expected.items()):
            path = self.bag / name
            if not path.is_file():
                self.fail(name, f"named by {source} but missing")
                continue
            parts = Path(name).name.rsplit(".", 1)[0].split("-")
            recorded: tuple[str, str] | None = None
            if name.startswith("data/documents/") and name.endswith(".pdf"):
                recorded = (pdfs.get(parts[-1], ""), "archive.assembled")
            elif name.startswith("data/documents/") and name.endswith(".json"):
                recorded = (finalised.get(parts[-1], ""), "document.finalised")
            elif name.startswith("data/recordings/"):
                recorded = (ingested.get(parts[0], ""), "media.ingested")
            elif name.startswith("data/case-file/"):
                recorded = (str(signed[-1]["body"]["pdf_sha256"]) if signed else "", "archive.signed")
            actual = digest(path, SHA256)
            if actual != sha:
                self.fail(name, f"SHA-256 differs from {source}")
            elif recorded is not None and recorded[0] != actual:
                self.fail(name, f"SHA-256 differs from its {recorded[1]} event")
        payload = {p.relative_to(self.bag).as_posix() for p in (self.bag / "data").rglob("*") if p.is_file()}
        for name in sorted(payload - set(expected) - {f"data/ledger/{n}" for n in LEDGER_FILES}):
            self.fail(name, "not recorded by any ledger event")

    def run(self) -> list[str]:
        self.bag_files()
        self.bindings(self.ledger())
        return self.findings


LEDGER_FILES = ("checkpoint.txt", "verifier-key.txt", "events.jsonl", "proofs.json")


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--key")]
    key = None
    if "--key" in argv:
        i = argv.index("--key")
        key = argv[i + 1] if i + 1 < len(argv) else None
        args = [a for a in argv if a not in ("--key", key)]
    if len(args) != 1 or not Path(args[0]).is_dir():
        print("usage: verify_bag.py BAG_DIRECTORY [--key VERIFIER_KEY]", file=sys.stderr)
        return 2
    check = Check(Path(args[0]), key)
    findings = check.run()
    for line in check.notes:
        print(f"note: {line}", file=sys.stderr)
    for line in findings:
        print(f"FAIL {line}")
    if not findings:
        print(f"OK {args[0]}: bag valid, every file matches its ledger event, every event is in the signed log")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
