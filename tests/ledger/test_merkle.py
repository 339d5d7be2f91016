"""The hashes of a ledger anyone can check (app/ledger/merkle.py): the month's tree is RFC 9162's (built by its
recursive definition here), every leaf's proof leads to the root, and no other leaf's does."""

import hashlib

import pytest

from app.ledger import merkle

pytestmark = pytest.mark.sqlite_only  # no database


def rfc9162_root(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + rfc9162_root(leaves[:k]) + rfc9162_root(leaves[k:])).digest()


def test_every_leaf_proves_its_place_and_nothing_else_does():
    for n in (1, 2, 3, 5, 8, 13, 64, 100):
        leaves = [merkle.leaf_hash(f"entry {i}") for i in range(n)]
        root = merkle.merkle_root(leaves)
        assert root == rfc9162_root([bytes.fromhex(leaf) for leaf in leaves]).hex()
        for i in range(n):
            proof = merkle.inclusion_proof(leaves, i)
            assert len(proof) <= max(1, n - 1).bit_length()
            assert merkle.root_from_proof(leaves[i], i, n, proof) == root
            assert merkle.root_from_proof(merkle.leaf_hash("changed"), i, n, proof) != root
            if n > 1:
                assert merkle.root_from_proof(leaves[i], (i + 1) % n, n, proof) != root


def test_a_leaf_covers_every_fact():
    from datetime import UTC, datetime

    facts = dict(book=3, seq=16, entry=40, transaction=20, account=7, kind="redemption", amount=-3,
                 balance_after=597, at=datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=UTC), salt="ab" * 16)
    text = merkle.leaf_text(**facts)
    assert text == f"zf1|3|16|40|20|7|redemption|-3|597|2026-12-07T01:02:03.456789Z|{'ab' * 16}"
    for key, other in (("amount", -4), ("balance_after", 596), ("account", 8), ("kind", "award"), ("seq", 17)):
        assert merkle.leaf_hash(merkle.leaf_text(**{**facts, key: other})) != merkle.leaf_hash(text)
