#!/usr/bin/env python3
"""Check a liuhen inclusion proof offline, with nothing but the Python standard library.

    liuhen ledger proof 42 > proof.json
    python3 verify_proof.py proof.json

    python3 verify_proof.py entry.json [--key KEY]   # a 公示 entry, as /gongshi/entries/<id>.json serves it

A 公示 entry is proven against the portal's own public log; this script hands such a file to verify_entry.py,
which lies beside it (it checks the entry's content against the logged hash too, and needs `cryptography`).

It recomputes the event's leaf hash from its canonical JSON, folds the RFC 6962 audit path up to a root,
and compares that root and the tree size with the signed checkpoint in the bundle. Exit 0 when the event
is in the log, 1 when it is not. (The checkpoint's Ed25519 signature is checked too when the
`cryptography` package happens to be installed; the hash check needs only hashlib.)
"""

import base64
import hashlib
import json
import os
import sys


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_path(leaf: bytes, index: int, size: int, path: list) -> bytes:
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


def check_signature(note: str, vkey: str) -> str:
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return "signature not checked (install 'cryptography' to check it)"
    name, key_id, b64 = vkey.split("+", 2)
    public = base64.b64decode(b64)[1:]
    body, _, sigs = note.partition("\n\n")
    for line in sigs.splitlines():
        dash, signer, sig = line.split(" ", 2)
        blob = base64.b64decode(sig)
        if signer == name and blob[:4].hex() == key_id:
            Ed25519PublicKey.from_public_bytes(public).verify(blob[4:], (body + "\n").encode())
            return f"signature by {name} is valid"
    raise ValueError("no signature by the given key")


def main(path: str, *rest: str) -> int:
    with open(path, encoding="utf-8") as fh:
        bundle = json.load(fh)
    if isinstance(bundle.get("proof"), dict):  # a 公示 entry: proven against the portal's public log
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import verify_entry

        return verify_entry.main([path, *rest])
    leaf = leaf_hash(bundle["leaf_data"].encode("utf-8"))
    proof = [base64.b64decode(p) for p in bundle["proof"]]
    root = root_from_path(leaf, bundle["leaf_index"], bundle["tree_size"], proof)
    origin, size, root_b64 = bundle["checkpoint"].split("\n")[:3]
    if root is None or int(size) != bundle["tree_size"] or base64.b64decode(root_b64) != root:
        print(f"FAIL: event {bundle['leaf_index']} is not proven to be in the log of size {size}")
        return 1
    try:
        note = check_signature(bundle["checkpoint"], bundle["verifier_key"])
    except Exception as exc:  # a bad signature fails the check
        print(f"FAIL: checkpoint signature: {exc}")
        return 1
    print(f"OK: event {bundle['leaf_index']} is in {origin} at size {size}, root {root_b64}; {note}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("usage: verify_proof.py PROOF.json | ENTRY.json [--key KEY]", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
