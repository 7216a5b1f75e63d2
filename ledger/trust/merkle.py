"""The Merkle tree over the log, exactly as RFC 6962 §2.1 defines it (the Certificate
Transparency tree): SHA-256, a leaf hashed as ``SHA-256(0x00 || leaf bytes)``, a node as
``SHA-256(0x01 || left || right)``, a tree of n > 1 leaves split at the largest power of
two smaller than n, the empty tree's root ``SHA-256("")``.

Leaves are the stored events in notification order. A leaf's bytes (`leaf_bytes`) are::

    u64 notification id      8 bytes, big-endian
    originator id            16 bytes, the UUID's bytes
    u64 originator version   8 bytes, big-endian
    u32 len(topic) || topic  the topic's UTF-8 bytes, length first (4 bytes, big-endian)
    u32 len(state) || state  the stored state bytes exactly as stored, length first

Every field is fixed-width or length-prefixed, so no two different events encode alike.

`CompactRange` keeps what is needed to extend the tree as events arrive: the roots of
the perfect subtrees the leaves so far make, largest first (one per set bit of the
size). Appending k leaves costs O(k + log n); the root is the fold of those roots from
the right.

Proofs are RFC 6962 §2.1.1 audit paths and §2.1.2 consistency proofs; they are checked
by the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2, and every element of a proof takes
part in the check: a proof one element too long or too short is refused. Our choices
where the RFC leaves room: a consistency proof from the empty tree (size 0) is refused
(it proves nothing: every tree extends the empty one); every hash is 32 bytes, an empty
or shorter one is refused.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Sequence
from uuid import UUID

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_bytes(notification_id: int, originator_id: UUID | str, originator_version: int,
               topic: str, state: bytes) -> bytes:
    """The canonical bytes of one stored event (see the module docstring)."""
    uuid = originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
    encoded_topic = topic.encode("utf-8")
    return b"".join((_HEAD.pack(notification_id, uuid.bytes, originator_version,
                                len(encoded_topic)),
                     encoded_topic, _LENGTH.pack(len(state)), state))


_HEAD = struct.Struct(">Q16sQI")  # notification id, originator id, version, len(topic)
_LENGTH = struct.Struct(">I")


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """The root over leaf hashes (MTH of RFC 6962 §2.1, given the leaves' hashes)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


class CompactRange:
    """The roots of the perfect subtrees covering leaves [0, size), largest first."""

    __slots__ = ("size", "hashes")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError(f"a compact range of size {size} has {bin(size).count('1')} "
                             f"hashes, not {len(hashes)}")
        self.size = size
        self.hashes = list(hashes)

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self.hashes)

    def append(self, hashed_leaf: bytes) -> None:
        """Add one leaf (its leaf hash): merge equal-sized subtrees, as binary carry."""
        node = hashed_leaf
        size = self.size
        while size & 1:
            node = node_hash(self.hashes.pop(), node)
            size >>= 1
        self.hashes.append(node)
        self.size += 1

    def extend(self, hashed_leaves: Iterable[bytes]) -> None:
        for each in hashed_leaves:
            self.append(each)

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        node = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            node = node_hash(left, node)
        return node

    def encode(self) -> str:
        """`size:hex,hex,...`, as the ledger keeps it beside the log."""
        return f"{self.size}:" + ",".join(h.hex() for h in self.hashes)

    @classmethod
    def decode(cls, text: str) -> CompactRange:
        size, _, hashes = text.partition(":")
        return cls(int(size), [bytes.fromhex(h) for h in hashes.split(",") if h])


# Proofs -------------------------------------------------------------------------------


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf `index` in the tree over `leaves` (RFC 6962 §2.1.1)."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)} leaves")
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return inclusion_proof(index, leaves[:k]) + [root_of(leaves[k:])]
    return inclusion_proof(index - k, leaves[k:]) + [root_of(leaves[:k])]


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The proof that the tree of `old_size` leaves is a prefix of the tree over
    `leaves` (RFC 6962 §2.1.2).
    """
    if not 0 < old_size <= len(leaves):
        raise ValueError(f"a consistency proof needs 0 < old size ≤ {len(leaves)}, "
                         f"not {old_size}")
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root_of(leaves)]
    k = _split(n)
    if m <= k:
        return _subproof(m, leaves[:k], complete) + [root_of(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [root_of(leaves[:k])]


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes],
                     root: bytes) -> bool:
    """Whether `proof` shows the leaf hash `leaf` at `index` in the tree of `size` with
    this root (RFC 9162 §2.1.3.2). Every element is used; a wrong length is refused.
    """
    if not (0 <= index < size) or not _is_hash(leaf) or not _is_hash(root):
        return False
    if not all(_is_hash(p) for p in proof):
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False  # more elements than the path has
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
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """Whether `proof` shows the tree (old_size, old_root) to be a prefix of the tree
    (new_size, new_root) (RFC 9162 §2.1.4.2). Every element is used. Refused: an old
    size of 0, an old size above the new one, equal sizes with a non-empty proof or
    different roots, any hash not 32 bytes long.
    """
    if not _is_hash(old_root) or not _is_hash(new_root):
        return False
    if not all(_is_hash(p) for p in proof):
        return False
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root starts the path
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False  # more elements than the proof has room for
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
    return sn == 0 and fr == old_root and sr == new_root
