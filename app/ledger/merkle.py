"""The ledger's hashes (issue #21 item 5), pure functions: what an entry's leaf covers, the chain of a book, and a
month's Merkle tree with its inclusion proofs. static/verify.js computes the same leaf and walks the same proof in the
browser (crypto.subtle); alembic 0035 used this module to chain the entries written before it.

- leaf = SHA-256(0x00 || "zf1|book|seq|entry|transaction|account|kind|amount|balance_after|time|salt"), the time in
  UTC with microseconds ("2026-12-06T08:30:00.123456Z"), the salt 16 random bytes in hex (kept with the link: a public
  proof shows the hashes of other entries, and the salt keeps anyone from guessing their facts back from them);
- chain = SHA-256(previous chain || leaf), the first entry's previous chain 32 zero bytes;
- a month's root = the Merkle tree hash of its leaves in chain order, as RFC 9162 (Certificate Transparency) §2.1
  builds it: node = SHA-256(0x01 || left || right), the left subtree the largest power of two below the size."""

import hashlib
from datetime import UTC, datetime

VERSION = "zf1"
GENESIS = "0" * 64


def leaf_text(*, book: int, seq: int, entry: int, transaction: int, account: int, kind: str, amount: int,
              balance_after: int, at: datetime, salt: str) -> str:
    """The canonical text of an entry's fixed facts: the one thing its leaf hashes."""
    return "|".join([VERSION, str(book), str(seq), str(entry), str(transaction), str(account), kind, str(amount),
                     str(balance_after), time_text(at), salt])


def time_text(at: datetime) -> str:
    """A time as the leaf writes it: UTC, microseconds, "Z" ("2026-12-06T08:30:00.123456Z")."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def leaf_hash(text: str) -> str:
    return hashlib.sha256(b"\x00" + text.encode()).hexdigest()


def chain_hash(previous: str, leaf: str) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + bytes.fromhex(leaf)).hexdigest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _levels(leaves: list[str]) -> list[list[bytes]]:
    """The tree level by level, leaves first: each level pairs the one below left to right, a last node without a
    partner going up as it is — the same tree as RFC 9162's recursive split, built in one pass."""
    level = [bytes.fromhex(leaf) for leaf in leaves]
    levels = [level]
    while len(level) > 1:
        level = [_node(level[i], level[i + 1]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
        levels.append(level)
    return levels


def merkle_root(leaves: list[str]) -> str:
    """The tree hash of these leaf hashes (hex), in order; at least one."""
    if not leaves:
        raise ValueError("a month's tree needs at least one leaf")
    return _levels(leaves)[-1][0].hex()


def inclusion_proof(leaves: list[str], index: int) -> list[str]:
    """The audit path of leaf `index` (RFC 9162 §2.1.3.1): the sibling hashes from the leaf up, at most ~log2(n)."""
    path = []
    for level in _levels(leaves)[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling].hex())
        index //= 2
    return path


def root_from_proof(leaf: str, index: int, size: int, proof: list[str]) -> str | None:
    """The root that `proof` leads leaf `index` of a tree of `size` to (RFC 9162 §2.1.3.2), or None if it cannot."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, bytes.fromhex(leaf)
    for p in (bytes.fromhex(h) for h in proof):
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return r.hex() if sn == 0 else None
