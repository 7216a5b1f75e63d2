"""The Merkle tree kept in step with the log: the recorders (`ledger.ids`,
`ledger.postgres`) call `advance` in the events' own transaction, so the kept head never
lags behind or runs ahead of what is stored.

Two things are kept, both derived and both rebuildable from the log:

- the tree head in the ledger's meta table, key `tree_head`: the last notification id
  folded in and the compact range (`ledger.merkle.CompactRange`), so that sealing after
  k new events costs O(k + log n);
- each leaf's hash in `ledger_leaves` (notification id → hex), written when the event is,
  so that `ledger verify` names the first event that changed since it was recorded.

Neither is trusted by `ledger verify`, which recomputes everything from the log; they
only make sealing cheap and a failure precise. A ledger from before the tree was kept
has its tree built from the log by its first write.

The recorder also refuses two things here: a seal whose size or root no longer
describes the log it is written after (someone recorded in between: seal again), and a
new event whose notification id is not above the last one folded in (a stored event
was deleted outside the ledger and SQLite reuses its id: the log must be verified).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from ledger.domain.errors import ConcurrentUpdate, StoreError
from ledger.domain.i18n import _
from ledger.trust.merkle import CompactRange, leaf_bytes, leaf_hash

HEAD_KEY = "tree_head"
LEAVES = "ledger_leaves"
LEAVES_COLUMNS = "notification_id BIGINT PRIMARY KEY, leaf_hash TEXT NOT NULL"
SEAL_TOPIC = "ledger.events:LedgerSealed"


class SealOutdated(ConcurrentUpdate):
    """A seal whose tree head the log outgrew before it was saved."""


class Head:
    """The kept tree: the compact range over every event up to `last_id`."""

    __slots__ = ("last_id", "compact")

    def __init__(self, last_id: int, compact: CompactRange) -> None:
        self.last_id = last_id
        self.compact = compact

    def encode(self) -> str:
        return f"{self.last_id}|{self.compact.encode()}"

    @classmethod
    def decode(cls, text: str) -> Head:
        last, _, compact = text.partition("|")
        return cls(int(last), CompactRange.decode(compact))


def _value(row: Any, index: int, name: str) -> Any:
    return row[name] if isinstance(row, dict) else row[index]


def load(cursor: Any, *, meta: str, placeholder: str) -> Head | None:
    cursor.execute(f"SELECT value FROM {meta} WHERE key = {placeholder}", (HEAD_KEY,))
    row = cursor.fetchone()
    return None if row is None else Head.decode(_value(row, 0, "value"))


def hash_row(notification_id: int, originator_id: Any, version: int, topic: str,
             state: bytes) -> bytes:
    return leaf_hash(leaf_bytes(notification_id, originator_id, version, topic, bytes(state)))


def build(cursor: Any, *, events: str, id_column: str, placeholder: str,
          below: int | None = None) -> tuple[Head, list[tuple[int, str]]]:
    """The head and leaf rows over the stored events (those with ids below `below`)."""
    where = f" WHERE {id_column} < {placeholder}" if below is not None else ""
    cursor.execute(f"SELECT {id_column} AS nid, originator_id, originator_version, topic, "
                   f"state FROM {events}{where} ORDER BY {id_column}",
                   (below,) if below is not None else ())
    compact = CompactRange()
    leaves = []
    last = 0
    for row in cursor.fetchall():
        last = int(_value(row, 0, "nid"))
        hashed = hash_row(last, _value(row, 1, "originator_id"), _value(row, 2, "originator_version"),
                          _value(row, 3, "topic"), _value(row, 4, "state"))
        compact.append(hashed)
        leaves.append((last, hashed.hex()))
    return Head(last, compact), leaves


def check_seal(compact: CompactRange, state: bytes) -> None:
    sealed = orjson.loads(state)
    if sealed["size"] != compact.size or sealed["root"] != compact.root().hex():
        raise SealOutdated(_("the log grew to {size} events while a seal of {sealed} was being "
                             "made: run 'ledger seal' again").format(size=compact.size,
                                                                     sealed=sealed["size"]))


def advance(cursor: Any, stored_events: Sequence[Any], notification_ids: Sequence[int], *,
            events: str, meta: str, leaves_table: str, id_column: str,
            placeholder: str) -> None:
    """Fold newly inserted events into the kept tree, in their transaction."""
    if not stored_events:
        return
    pairs = sorted(zip(notification_ids, stored_events), key=lambda pair: pair[0])
    first = pairs[0][0]
    head = load(cursor, meta=meta, placeholder=placeholder)
    new_leaves: list[tuple[int, str]] = []
    if head is None:
        cursor.execute(f"SELECT notification_id FROM {leaves_table} LIMIT 1")
        if cursor.fetchone() is not None:
            raise StoreError(_("the kept tree head is missing but its leaves are not: the "
                               "ledger's tables were changed outside it, so nothing more is "
                               "recorded; run 'ledger verify'"))
        head, new_leaves = build(cursor, events=events, id_column=id_column,
                                 placeholder=placeholder, below=first)
        # From now on the ledger keeps a tree: a release that would write without
        # keeping it must not open it (ledger.store's format check).
        from ledger.store.url import FORMAT

        cursor.execute(f"INSERT INTO {meta} (key, value) VALUES ({placeholder}, "
                       f"{placeholder}) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       ("format", str(FORMAT)))
    elif first <= head.last_id:
        raise StoreError(_("notification id {first} is already in the kept tree (which reaches "
                           "{last_id}): stored events were deleted outside the ledger, so "
                           "nothing more is recorded; run 'ledger verify'").format(
                           first=first, last_id=head.last_id))
    compact = head.compact
    for notification_id, stored in pairs:
        if stored.topic == SEAL_TOPIC:
            check_seal(compact, stored.state)
        hashed = hash_row(notification_id, stored.originator_id, stored.originator_version,
                          stored.topic, stored.state)
        compact.append(hashed)
        new_leaves.append((notification_id, hashed.hex()))
    head.last_id = pairs[-1][0]
    cursor.executemany(f"INSERT INTO {leaves_table} (notification_id, leaf_hash) VALUES "
                       f"({placeholder}, {placeholder})", new_leaves)
    cursor.execute(f"INSERT INTO {meta} (key, value) VALUES ({placeholder}, {placeholder}) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   (HEAD_KEY, head.encode()))
