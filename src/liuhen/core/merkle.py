"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification.

Hashing (RFC 6962 section 2.1): leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right),
the empty tree's root = SHA-256(""). The tree over n leaves splits at k, the largest power of two
smaller than n.

Two kinds of caller use this module:
- the stable list interface (``root_hash``, ``inclusion_proof``, ``consistency_proof`` and the two
  verifiers) over a list of leaf hashes held in memory;
- the ledger's storage, which keeps the hash of every complete ("perfect") subtree and asks
  ``inclusion_plan`` / ``consistency_plan`` which perfect subtrees make up each proof element, so that a
  proof over millions of leaves reads O(log² n) stored hashes in one query and never the leaves.

A perfect subtree is named by ``(level, index)``: it covers leaves ``[index << level, (index + 1) << level)``.
Verifiers return False on any malformed or wrong input and never raise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Node = tuple[int, int]
"""A perfect subtree: (level, index)."""
Range = tuple[int, int]
"""Leaves [start, end)."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# --- which ranges make up a proof -----------------------------------------------------------------


def _path(m: int, start: int, end: int) -> list[Range]:
    """RFC 9162 PATH(m, D[start:end]) as the leaf ranges whose tree hashes form the proof."""
    out: list[Range] = []
    while end - start > 1:
        k = _split(end - start)
        if m < k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start += k
            m -= k
    out.reverse()
    return out


def _subproof(m: int, start: int, end: int) -> list[Range]:
    """RFC 9162 SUBPROOF(m, D[start:end], true) as leaf ranges."""
    out: list[Range] = []
    complete = True
    while True:
        n = end - start
        if m == n:
            if not complete:
                out.append((start, end))
            break
        k = _split(n)
        if m <= k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start += k
            m -= k
            complete = False
    out.reverse()
    return out


def range_nodes(start: int, end: int) -> list[Node]:
    """The perfect subtrees, largest first, whose fold is the tree hash of leaves [start, end).

    Valid for every range a proof uses: start is a multiple of the next power of two >= end - start.
    """
    nodes: list[Node] = []
    size = end - start
    pos = start
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, pos >> level))
            pos += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """The tree hash of consecutive perfect subtrees given largest first (right to left fold)."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def inclusion_plan(index: int, size: int) -> list[list[Node]]:
    """For an inclusion proof of leaf ``index`` in a tree of ``size``: per proof element, its subtrees."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    return [range_nodes(s, e) for s, e in _path(index, 0, size)]


def consistency_plan(old_size: int, new_size: int) -> list[list[Node]]:
    """For a consistency proof from ``old_size`` to ``new_size``: per proof element, its subtrees."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    return [range_nodes(s, e) for s, e in _subproof(old_size, 0, new_size)]


def root_plan(size: int) -> list[Node]:
    """The perfect subtrees whose fold is the root of a tree of ``size`` (size >= 1)."""
    return range_nodes(0, size)


def resolve(plan: list[list[Node]], get: Callable[[Node], bytes]) -> list[bytes]:
    """Turn a plan into proof hashes with a getter of perfect-subtree hashes."""
    return [fold([get(node) for node in element]) for element in plan]


# --- the stable list interface ----------------------------------------------------------------------


def _mth(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    n = end - start
    if n == 1:
        return leaves[start]
    k = _split(n)
    return node_hash(_mth(leaves, start, start + k), _mth(leaves, start + k, end))


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    if not leaf_hashes:
        return EMPTY_ROOT
    return _mth(leaf_hashes, 0, len(leaf_hashes))


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    size = len(leaf_hashes)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    return [_mth(leaf_hashes, s, e) for s, e in _path(index, 0, size)]


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    size = len(leaf_hashes)
    if not 0 <= old_size <= size:
        raise ValueError(f"no consistency proof from size {old_size} to size {size}")
    if old_size in (0, size):
        return []
    return [_mth(leaf_hashes, s, e) for s, e in _subproof(old_size, 0, size)]


def _is_hash(value: object) -> bool:
    return isinstance(value, (bytes, bytearray)) and len(value) == HASH_SIZE


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def verify_inclusion(leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2."""
    try:
        if not (_is_size(index) and _is_size(tree_size) and index < tree_size):
            return False
        if not (_is_hash(leaf_hash) and _is_hash(root)):
            return False
        proof = list(proof or [])
        if not all(_is_hash(p) for p in proof):
            return False
        fn, sn, r = index, tree_size - 1, bytes(leaf_hash)
        for p in proof:
            if sn == 0:
                return False
            if fn & 1 or fn == sn:
                r = node_hash(p, r)
                if not fn & 1:
                    while fn and not fn & 1:
                        fn >>= 1
                        sn >>= 1
            else:
                r = node_hash(r, p)
            fn >>= 1
            sn >>= 1
        return sn == 0 and r == bytes(root)
    except Exception:
        return False


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2; a proof from the empty tree proves nothing and is refused."""
    try:
        if not (_is_size(old_size) and _is_size(new_size)) or old_size == 0 or old_size > new_size:
            return False
        proof = list(proof or [])
        if old_size == new_size:
            return not proof and bytes(old_root) == bytes(new_root)
        if not proof or not all(_is_hash(p) for p in proof):
            return False
        if not (_is_hash(old_root) and _is_hash(new_root)):
            return False
        if old_size & (old_size - 1) == 0:
            proof = [bytes(old_root), *proof]
        fn, sn = old_size - 1, new_size - 1
        while fn & 1:
            fn >>= 1
            sn >>= 1
        fr = sr = proof[0]
        for c in proof[1:]:
            if sn == 0:
                return False
            if fn & 1 or fn == sn:
                fr = node_hash(c, fr)
                sr = node_hash(c, sr)
                if not fn & 1:
                    while fn and not fn & 1:
                        fn >>= 1
                        sn >>= 1
            else:
                sr = node_hash(sr, c)
            fn >>= 1
            sn >>= 1
        return sn == 0 and fr == bytes(old_root) and sr == bytes(new_root)
    except Exception:
        return False


class CompactRange:
    """The right edge of a growing tree: perfect-subtree hashes for the binary digits of its size.

    Appending a leaf returns the perfect subtrees it completes, so a store can keep every one of them;
    ``root()`` is the current root. Used to rebuild and check a log of any length in one pass.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (level, hash), levels strictly decreasing

    def resume(self, size: int, edge: list[tuple[int, bytes]]) -> None:
        """Continue a tree of ``size`` from its right edge: (level, hash) of ``range_nodes(0, size)``, largest first."""
        if [level for level, _ in edge] != [level for level, _ in range_nodes(0, size)]:
            raise ValueError(f"not the right edge of a tree of size {size}")
        self.size, self._stack = size, list(edge)

    def append(self, leaf: bytes) -> list[tuple[Node, bytes]]:
        index = self.size
        completed: list[tuple[Node, bytes]] = [((0, index), leaf)]
        level, h = 0, leaf
        while self._stack and self._stack[-1][0] == level:
            _, left = self._stack.pop()
            h = node_hash(left, h)
            level += 1
            completed.append(((level, index >> level), h))
        self._stack.append((level, h))
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        return fold([h for _, h in self._stack])
