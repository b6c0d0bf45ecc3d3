"""liuhen.core.merkle against the RFC 6962 conformance vectors and a naive reference (rule R8)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liuhen.core import merkle

pytestmark = pytest.mark.core

# The public RFC 6962 vectors, kept with the tests (origin and licence in their README).
VECTORS = Path(__file__).resolve().parents[1] / "conformance" / "rfc6962"


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _files(kind: str) -> list[Path]:
    files = sorted((VECTORS / "testdata" / kind).rglob("*.json"))
    assert files, f"no {kind} vectors found under {VECTORS}"
    return files


def test_vectors_are_present() -> None:
    assert len(_files("inclusion")) + len(_files("consistency")) > 150


def test_reference_tree_roots() -> None:
    ref = json.loads((VECTORS / "reference-tree.json").read_text())
    leaves = [merkle.leaf_hash(bytes.fromhex(x)) for x in ref["leaf_inputs_hex"]]
    for size, want in enumerate(ref["root_hashes_hex_by_size"]):
        assert merkle.root_hash(leaves[:size]).hex() == want
        tree = merkle.CompactRange()
        for leaf in leaves[:size]:
            tree.append(leaf)
        assert tree.root().hex() == want
        # every proof the list interface makes for the reference tree verifies against its root
        for i in range(size):
            assert merkle.verify_inclusion(
                leaves[i], i, size, merkle.inclusion_proof(leaves[:size], i), bytes.fromhex(want)
            )


@pytest.mark.parametrize("path", _files("inclusion"), ids=lambda p: "/".join(p.parts[-2:]))
def test_inclusion_vector(path: Path) -> None:
    v = json.loads(path.read_text())
    ok = merkle.verify_inclusion(
        _b64(v["leafHash"]), v["leafIdx"], v["treeSize"], [_b64(p) for p in v["proof"] or []], _b64(v["root"])
    )
    assert ok is (not v["wantErr"]), v["desc"]


@pytest.mark.parametrize("path", _files("consistency"), ids=lambda p: "/".join(p.parts[-2:]))
def test_consistency_vector(path: Path) -> None:
    v = json.loads(path.read_text())
    ok = merkle.verify_consistency(
        v["size1"], v["size2"], _b64(v["root1"]), _b64(v["root2"]), [_b64(p) for p in v["proof"] or []]
    )
    assert ok is (not v["wantErr"]), v["desc"]


# --- a naive reference written straight from RFC 6962 section 2.1 ----------------------------------


def ref_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [ref_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, leaves[:k], complete), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


leaf_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=80, unique=True).map(
    lambda datas: [merkle.leaf_hash(d) for d in datas]
)


@settings(max_examples=150, deadline=None)
@given(leaf_lists, st.data())
def test_inclusion_matches_reference(leaves: list[bytes], data: st.DataObject) -> None:
    n = len(leaves)
    i = data.draw(st.integers(0, n - 1))
    root = merkle.root_hash(leaves)
    assert root == ref_mth(leaves)
    proof = merkle.inclusion_proof(leaves, i)
    assert proof == ref_path(i, leaves)
    assert merkle.verify_inclusion(leaves[i], i, n, proof, root)
    # the storage path: a plan over perfect subtrees resolves to the same proof
    assert (
        merkle.resolve(
            merkle.inclusion_plan(i, n), lambda node: ref_mth(leaves[node[1] << node[0] : (node[1] + 1) << node[0]])
        )
        == proof
    )
    # any change is refused
    if proof:
        j = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[j] = bytes([bad[j][0] ^ 1]) + bad[j][1:]
        assert not merkle.verify_inclusion(leaves[i], i, n, bad, root)
        assert not merkle.verify_inclusion(leaves[i], i, n, proof[:-1], root)
    assert not merkle.verify_inclusion(leaves[i], i, n, [*proof, root], root)


@settings(max_examples=150, deadline=None)
@given(leaf_lists, st.data())
def test_consistency_matches_reference(leaves: list[bytes], data: st.DataObject) -> None:
    n = len(leaves)
    m = data.draw(st.integers(1, n))
    proof = merkle.consistency_proof(leaves, m)
    assert proof == (ref_subproof(m, leaves, True) if m < n else [])
    old, new = merkle.root_hash(leaves[:m]), merkle.root_hash(leaves)
    assert merkle.verify_consistency(m, n, old, new, proof)
    assert (
        merkle.resolve(
            merkle.consistency_plan(m, n), lambda node: ref_mth(leaves[node[1] << node[0] : (node[1] + 1) << node[0]])
        )
        == proof
    )
    if m < n:
        assert not merkle.verify_consistency(m, n, new, old, proof)
        assert not merkle.verify_consistency(m, n, old, new, proof[1:])


@settings(max_examples=60, deadline=None)
@given(leaf_lists)
def test_compact_range_completes_every_perfect_subtree(leaves: list[bytes]) -> None:
    tree = merkle.CompactRange()
    seen = {}
    for leaf in leaves:
        for node, h in tree.append(leaf):
            seen[node] = h
        assert tree.root() == ref_mth(leaves[: tree.size])
    for (level, index), h in seen.items():
        assert h == ref_mth(leaves[index << level : (index + 1) << level])


@pytest.mark.parametrize("bad", [None, "x", -1, 1.5, True])
def test_verifiers_never_raise(bad: object) -> None:
    h = merkle.leaf_hash(b"a")
    assert merkle.verify_inclusion(bad, 0, 1, [], h) is False  # type: ignore[arg-type]
    assert merkle.verify_inclusion(h, bad, 1, [], h) is False  # type: ignore[arg-type]
    assert merkle.verify_consistency(bad, 2, h, h, [h]) is False  # type: ignore[arg-type]
    if bad is not None:  # a null proof is an empty proof, as in the vectors
        assert merkle.verify_inclusion(h, 0, 1, bad, h) is False  # type: ignore[arg-type]
        assert merkle.verify_consistency(1, 2, h, h, bad) is False  # type: ignore[arg-type]
