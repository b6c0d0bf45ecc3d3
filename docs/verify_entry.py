#!/usr/bin/env python3
"""Check offline that a disclosure entry was published as it reads, and when (the portal's public log).

Usage:
    python3 verify_entry.py ENTRY.json [--key VERIFIER_KEY]

ENTRY.json is what the portal serves at /gongshi/entries/<id>.json. The check needs only the Python standard
library and `cryptography`:

1. the entry's data items, as canonical JSON, hash to the leaf's ``content_sha256`` (a changed item fails here);
2. the leaf hashes (RFC 6962: SHA-256 of 0x00 + leaf) to ``leaf_hash``;
3. the inclusion proof leads from that leaf to the root of the signed checkpoint;
4. the checkpoint (a signed note: origin, size, base64 root) is signed by the key given with --key, or by the key
   in the file (compare it with the key the agency publishes at /gongshi/log/key).

Exit status 0 when everything holds, 1 with the reason otherwise.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def canonical(value: Any) -> bytes:
    """RFC 8785 for what entries hold (strings, integers, objects): sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes]) -> bytes | None:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def open_checkpoint(note: str, vkey: str) -> tuple[str, int, bytes]:
    name, key_id, b64 = vkey.strip().split("+", 2)
    raw = base64.b64decode(b64)
    if raw[:1] != b"\x01" or len(raw) != 33:
        raise ValueError("验证公钥不是 Ed25519 公钥")
    if hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() != key_id:
        raise ValueError("验证公钥的编号与公钥不符")
    body, _, sigs = note.partition("\n\n")
    body += "\n"
    public = Ed25519PublicKey.from_public_bytes(raw[1:])
    for line in sigs.splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and parts[0] == "\u2014" and parts[1] == name:
            blob = base64.b64decode(parts[2])
            if blob[:4].hex() == key_id:
                try:
                    public.verify(blob[4:], body.encode())
                except InvalidSignature:
                    raise ValueError("检查点签名无效") from None
                origin, size, root = body.split("\n")[:3]
                return origin, int(size), base64.b64decode(root)
    raise ValueError("检查点没有该公钥的签名")


def verify(doc: dict[str, Any], vkey: str | None = None) -> str:
    """What was proven, or raises ValueError with the reason."""
    proof = doc.get("proof")
    if not proof:
        raise ValueError("文件中没有公示证明")
    leaf_data = proof["leaf_data"].encode()
    leaf = json.loads(leaf_data)
    if "entry" in doc:
        if str(doc["entry"].get("id")) != str(leaf["entry"]):
            raise ValueError("条目编号与日志叶子不符")
        digest = hashlib.sha256(canonical(doc["entry"])).hexdigest()
        if digest != leaf["content_sha256"]:
            raise ValueError("公示内容与日志中记录的哈希不符：内容已被改动")
    lh = leaf_hash(leaf_data)
    if lh.hex() != proof["leaf_hash"]:
        raise ValueError("日志叶子的哈希不符")
    origin, size, root = open_checkpoint(proof["checkpoint"], vkey or proof["verifier_key"])
    if size != proof["tree_size"] or root.hex() != proof["root_hash"]:
        raise ValueError("检查点与证明的日志长度或根哈希不符")
    computed = root_from_inclusion(lh, proof["leaf_index"], size, [bytes.fromhex(h) for h in proof["inclusion"]])
    if computed != root:
        raise ValueError("包含证明不成立")
    what = f"条目 {leaf['entry']} 第 {leaf['revision']} 版于 {leaf['at']} {leaf['event']}"
    return f"核验通过：{what}，记于 {origin} 第 {leaf['index']} 条（日志长度 {size}）"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="离线核验公示条目的公示证明")
    parser.add_argument("file", help="/gongshi/entries/<id>.json 的内容")
    parser.add_argument("--key", help="机关公布的验证公钥（/gongshi/log/key）；缺省用文件中的公钥")
    args = parser.parse_args(argv)
    with open(args.file, encoding="utf-8") as fh:
        doc = json.load(fh)
    try:
        print(verify(doc, args.key))
    except (ValueError, KeyError) as exc:
        print(f"核验失败：{exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
