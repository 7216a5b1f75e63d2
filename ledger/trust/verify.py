"""Checking the record: `verify` recomputes the Merkle tree (`ledger.merkle`) from the
stored events alone — never from a view, nor from the tree the recorder keeps — and
checks every seal against it; `inclusion` and `consistency` give RFC 6962 proofs of the
log, in the JSON shape of the public test vectors (hashes in base64), and `check_proof`
verifies such a proof offline.

What `verify` checks, in one read of the log (and one of its seals):

- on SQLite, notification ids are 1, 2, 3 … with no gap (a gap is a deleted event); on
  PostgreSQL, where a rolled-back transaction leaves a gap, that they increase;
- each event reads as its topic's event, with the originator id and version of its row;
- each leaf equals the hash kept when it was recorded (`ledger.tree`), which names the
  first event that changed; a kept hash without its event is a deleted event;
- the root over the first `size` leaves equals each seal's root (what a seal proves),
  and no seal claims more events than precede it;
- the tree head the recorder keeps equals the recomputed one;
- with `against`, the root at a given size equals a root kept outside the ledger.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from ledger.store import ids
from ledger.trust import tree
from ledger.application import Ledger
from ledger.domain.errors import InvalidInput, NotFound
from ledger.domain.events import TOPICS, LedgerSealed
from ledger.domain.i18n import _
from ledger.trust.merkle import (
    CompactRange,
    consistency_proof,
    inclusion_proof,
    root_of,
    verify_consistency,
    verify_inclusion,
)

BATCH = 5000
_TOPICS = set(TOPICS)


@dataclass(frozen=True)
class Row:
    index: int  # the leaf's place, from 0
    notification_id: int
    originator_id: Any
    version: int
    topic: str
    state: bytes

    def describe(self) -> str:
        name = self.topic.rsplit(":", 1)[-1]
        return (_("leaf {index} (notification {notification_id}, {name} version {version} of "
                  "{originator})").format(
                  index=self.index, notification_id=self.notification_id, name=name,
                  version=self.version, originator=str(self.originator_id).replace('-', '')[:8]))


@dataclass(frozen=True)
class SealFound:
    number: int  # 1 for the first seal
    notification_id: int  # its own
    seal: LedgerSealed

    def describe(self) -> str:
        return (_("seal {number} (size {size}, root {root}…, sealed {occurred_at} by {actor})").format(
                  number=self.number, size=self.seal.size, root=self.seal.root[:16],
                  occurred_at=self.seal.occurred_at.isoformat(), actor=self.seal.actor))


@dataclass
class Report:
    kind: str = "sqlite"
    events: int = 0
    first_id: int | None = None
    last_id: int | None = None
    root: bytes = b""
    kept_hashes: int = 0
    gaps: int = 0  # places where notification ids jump (SQLite) or fall back
    seals: list[tuple[SealFound, bool]] = field(default_factory=list)
    against: tuple[int, str, bool] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def verdict(self) -> str:
        """The one line that says what failed: the first seal the log contradicts (and
        the first leaf that disagrees), else the first problem found.
        """
        contradicted = [p for p in self.problems if p.startswith("the log contradicts")]
        return (contradicted or self.problems)[0]


def _names(ledger: Ledger) -> tuple[str, str, str]:
    store = ledger.store
    return (store.qualified(ledger.recorder.events_table_name),  # type: ignore[attr-defined]
            "rowid" if store.kind == "sqlite" else "notification_id", store.placeholder)


def _value(row: Any, index: int, name: str) -> Any:
    return row[name] if isinstance(row, dict) else row[index]


def rows(ledger: Ledger) -> Iterator[Row]:
    """Every stored event in notification order, read in batches."""
    events, column, mark = _names(ledger)
    after: int | None = None  # no lower bound at first: a row forged at id 0 or below counts
    index = 0
    while True:
        where, params = ("", ()) if after is None else (f"WHERE {column} > {mark} ", (after,))
        with ledger.factory.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            cursor.execute(f"SELECT {column} AS nid, originator_id, originator_version, topic, "
                           f"state FROM {events} {where}ORDER BY {column} LIMIT {BATCH}",
                           params)
            batch = cursor.fetchall()
        if not batch:
            return
        for row in batch:
            after = int(_value(row, 0, "nid"))
            state = _value(row, 4, "state")
            # An edit through the sqlite3 shell may leave the state stored as text.
            state = state.encode("utf-8") if isinstance(state, str) else bytes(state)
            yield Row(index, after, _value(row, 1, "originator_id"),
                      int(_value(row, 2, "originator_version")), _value(row, 3, "topic"),
                      state)
            index += 1


class _Kept:
    """The leaf hashes kept as events were recorded, read in id order alongside the log
    (a batch at a time, so that memory does not grow with the log).
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.table = ledger.store.qualified(tree.LEAVES)
        self.mark = ledger.store.placeholder
        self.pending: dict[int, str] = {}
        self.loaded: int | None = None  # the highest id read so far
        self.done = False
        with ledger.factory.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            cursor.execute(f"SELECT COUNT(*) AS n FROM {self.table}")
            self.count = int(_value(cursor.fetchone(), 0, "n"))

    def _fill(self, upto: int | None) -> None:
        while not self.done and (upto is None or self.loaded is None or self.loaded < upto):
            where, params = ("", ()) if self.loaded is None else (
                f"WHERE notification_id > {self.mark} ", (self.loaded,))
            with self.ledger.factory.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
                cursor.execute(f"SELECT notification_id, leaf_hash FROM {self.table} {where}"
                               f"ORDER BY notification_id LIMIT {BATCH}", params)
                batch = cursor.fetchall()
            for row in batch:
                self.loaded = int(_value(row, 0, "notification_id"))
                self.pending[self.loaded] = _value(row, 1, "leaf_hash")
            if len(batch) < BATCH:
                self.done = True

    def take(self, notification_id: int) -> tuple[str | None, list[int]]:
        """The kept hash of this id, and the kept ids before it that no event took (the
        log is read in id order, so those events are gone).
        """
        self._fill(notification_id)
        hashed = self.pending.pop(notification_id, None)
        gone = []
        while self.pending:  # in id order, as read: only the front can be passed over
            first = next(iter(self.pending))
            if first >= notification_id:
                break
            gone.append(first)
            del self.pending[first]
        return hashed, gone

    def rest(self) -> list[int]:
        self._fill(None)
        return sorted(self.pending)


def _kept_head(ledger: Ledger) -> tree.Head | None:
    with ledger.factory.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        return tree.load(cursor, meta=ledger.store.qualified(ids.META),
                         placeholder=ledger.store.placeholder)


def _hash(row: Row) -> bytes:
    return tree.hash_row(row.notification_id, row.originator_id, row.version, row.topic,
                         row.state)


def _reads(ledger: Ledger, row: Row) -> str | None:
    """Why the row's state does not read as its event, or None."""
    if row.topic not in _TOPICS:  # a topic of a handed ledger is never resolved (imported)
        return "has a topic that is no event type of the ledger"
    try:
        event = ledger.mapper.event_from(row.topic, row.state)  # type: ignore[attr-defined]
    except Exception as error:  # any failure to read is the finding
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return _("does not read as its topic's event ({first})").format(first=first)
    if str(event.originator_id).replace("-", "") != str(row.originator_id).replace("-", "") \
            or event.originator_version != row.version:
        return "names another aggregate or version than its row"
    return None


def verify(ledger: Ledger, *, against: tuple[str, int] | None = None) -> Report:
    report = Report(kind=ledger.store.kind)
    seals = _seals(ledger)
    by_size: dict[int, list[SealFound]] = {}
    for found in seals:
        by_size.setdefault(found.seal.size, []).append(found)
    if against is not None:
        against_root, against_size = against
        if against_size < 1:
            raise InvalidInput(_("--size {against_size} is not a tree size: give the size the "
                                 "root was posted with (1 or more)").format(
                                 against_size=against_size))
    kept = _Kept(ledger)
    report.kept_hashes = kept.count
    deleted: list[int] = []
    compact = CompactRange()
    first_changed: Row | None = None  # the first leaf found wrong, by any check
    previous: int | None = None
    seal_at = {found.notification_id: found for found in seals}
    against_found = ""

    def problem(text: str, row: Row | None = None) -> None:
        nonlocal first_changed
        report.problems.append(text)
        if row is not None and first_changed is None:
            first_changed = row

    for row in rows(ledger):
        if report.first_id is None:
            report.first_id = row.notification_id
        # Each gap is reported once, where it is: the ids after it are compared with
        # the id before them, not with their place.
        expected = (previous or 0) + 1
        if report.kind == "sqlite" and row.notification_id != expected:
            report.gaps += 1
            problem(_("{row}: notification ids jump from {previous} to {notification_id}: an "
                      "event was deleted or inserted before it").format(
                      row=row.describe(), previous=previous or 0,
                      notification_id=row.notification_id), row)
        elif previous is not None and row.notification_id <= previous:
            report.gaps += 1
            problem(_("{row}: notification ids do not increase").format(row=row.describe()), row)
        previous = row.notification_id
        unreadable = _reads(ledger, row)
        if unreadable:
            problem(f"{row.describe()} {unreadable}", row)
        hashed = _hash(row)
        kept_hash, gone = kept.take(row.notification_id)
        deleted += gone
        if kept_hash is not None and kept_hash != hashed.hex():
            problem(_("{row} is not the event recorded there: its hash differs from the one kept "
                      "when it was recorded").format(row=row.describe()), row)
        elif kept_hash is None and report.kept_hashes:
            problem(_("{row} has no hash kept from when it was recorded: it was inserted outside "
                      "the ledger").format(row=row.describe()), row)
        found = seal_at.get(row.notification_id)
        if found is not None and found.seal.size > row.index:
            problem(_("{found} claims {size} events, but {index} precede it").format(
                      found=found.describe(), size=found.seal.size, index=row.index), row)
        compact.append(hashed)
        for found in by_size.get(compact.size, ()):
            good = compact.root().hex() == found.seal.root
            report.seals.append((found, good))
            if not good:
                problem(_contradiction(found, first_changed, report.seals))
        if against is not None and compact.size == against[1]:
            against_found = compact.root().hex()
            report.against = (against[1], against[0], against_found == against[0])
    report.events = compact.size
    report.last_id = previous
    report.root = compact.root()
    for found in seals:
        if found.seal.size > compact.size:
            report.seals.append((found, False))
            problem(_("{found} covers more events than the log holds ({size}): events were "
                      "deleted").format(found=found.describe(), size=compact.size))
    deleted += kept.rest()
    if deleted:
        more = _(" (and {value} more)").format(value=len(deleted) - 1) if len(deleted) > 1 else ""
        problem(_("notification {deleted} was recorded (its hash is kept) but is no longer in "
                  "the log{more}: it was deleted").format(deleted=deleted[0], more=more))
    head = _kept_head(ledger)
    if head is not None and (head.compact.size, head.compact.root()) != (compact.size, compact.root()):
        problem(_("the log's tree head ({size} events, root {compact}…) is not the one kept as "
                  "events were recorded ({size2} events, root {compact2}…): the log was changed "
                  "outside the ledger").format(
                  size=compact.size, compact=compact.root().hex()[:16], size2=head.compact.size,
                  compact2=head.compact.root().hex()[:16]))
    if against is not None:
        if against[1] > compact.size:
            raise InvalidInput(_("--size {against} is more than the {size} events in this "
                                 "ledger: check the size that was posted with the root").format(
                                 against=against[1], size=compact.size))
        if report.against is not None and not report.against[2]:
            problem(_("the first {against} events hash to {against_found}, not to the root "
                      "given, {against2}: this is not the ledger that root was taken from, or it "
                      "was changed since").format(
                      against=against[1], against_found=against_found, against2=against[0]))
    report.seals.sort(key=lambda pair: pair[0].number)
    return report


def _contradiction(found: SealFound, first_changed: Row | None,
                   checked: list[tuple[SealFound, bool]]) -> str:
    passed = [f.seal.size for f, good in checked if good and f.seal.size < found.seal.size]
    since = max(passed, default=0)
    if first_changed is not None and first_changed.index < found.seal.size:
        where = _("the first leaf that disagrees is {first_changed}").format(
                  first_changed=first_changed.describe())
    else:
        where = (_("an event among leaves {since}–{value} was changed, deleted, inserted or moved").format(
                   since=since, value=found.seal.size - 1))
    return _("the log contradicts {found}: {where}").format(found=found.describe(), where=where)


def _seals(ledger: Ledger) -> list[SealFound]:
    """The seals in the log itself, with each one's notification id: read by topic from
    the events table, not from any view.
    """
    events, column, mark = _names(ledger)
    with ledger.factory.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute(f"SELECT {column} AS nid, state FROM {events} WHERE topic = {mark} "
                       f"ORDER BY {column}", (tree.SEAL_TOPIC,))
        found = [(int(_value(r, 0, "nid")), bytes(_value(r, 1, "state")))
                 for r in cursor.fetchall()]
    decode = ledger.mapper.event_from  # type: ignore[attr-defined]
    seals = []
    for number, (notification_id, state) in enumerate(found, start=1):
        try:
            seal = decode(tree.SEAL_TOPIC, state)
        except Exception:  # a seal that does not read is reported by its leaf
            continue
        seals.append(SealFound(number, notification_id, seal))
    return seals


# Proofs -------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def leaf_hashes(ledger: Ledger) -> list[tuple[int, bytes]]:
    """(notification id, leaf hash) of every stored event, in log order."""
    return [(row.notification_id, _hash(row)) for row in rows(ledger)]


def _size(size: int | None, total: int) -> int:
    if size is None:
        return total
    if not 1 <= size <= total:
        raise InvalidInput(_("size {size} is not a size of this log: give 1 to {total}").format(
                             size=size, total=total))
    return size


def inclusion(ledger: Ledger, notification_id: int, *, size: int | None = None) -> dict[str, Any]:
    """The RFC 6962 audit path of the event with this notification id, in the tree of
    the first `size` events (default: every event).
    """
    leaves = leaf_hashes(ledger)
    size = _size(size, len(leaves))
    index = next((i for i, (nid, _) in enumerate(leaves) if nid == notification_id), None)
    if index is None:
        raise NotFound(_("no event has notification id {notification_id}: check the number").format(
                         notification_id=notification_id))
    if index >= size:
        raise InvalidInput(_("the event is leaf {index}, outside a tree of size {size}: give "
                             "--size {value} or more").format(
                             index=index, size=size, value=index + 1))
    hashes = [h for _, h in leaves[:size]]
    return {"leafIdx": index, "treeSize": size, "root": _b64(root_of(hashes)),
            "leafHash": _b64(hashes[index]),
            "proof": [_b64(p) for p in inclusion_proof(index, hashes)]}


def consistency(ledger: Ledger, old: int, new: int) -> dict[str, Any]:
    leaves = [h for _, h in leaf_hashes(ledger)]
    new = _size(new, len(leaves))
    if not 1 <= old <= new:
        raise InvalidInput(_("old size {old} must be from 1 to the new size {new}").format(
                             old=old, new=new))
    return {"size1": old, "size2": new, "root1": _b64(root_of(leaves[:old])),
            "root2": _b64(root_of(leaves[:new])),
            "proof": [_b64(p) for p in consistency_proof(old, leaves[:new])]}


def event_notification(ledger: Ledger, originator_id: Any, version: int) -> int:
    events, column, mark = _names(ledger)
    key = originator_id.hex if ledger.store.kind == "sqlite" else originator_id
    with ledger.factory.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute(f"SELECT {column} AS nid FROM {events} WHERE originator_id = {mark} "
                       f"AND originator_version = {mark}", (key, version))
        row = cursor.fetchone()
    if row is None:
        raise NotFound(_("event {version} of {originator_id} is not stored").format(
                         version=version, originator_id=originator_id))
    return int(_value(row, 0, "nid"))


INCLUSION_KEYS = ("leafIdx", "treeSize", "root", "leafHash", "proof")
CONSISTENCY_KEYS = ("size1", "size2", "root1", "root2", "proof")


def check_proof(data: Any) -> tuple[str, bool]:
    """(what the proof claims, whether it holds) for a proof in the vectors' JSON shape.
    A proof that is not of that shape is an InvalidInput naming the field.
    """
    if not isinstance(data, dict):
        raise InvalidInput(_("the proof is not a JSON object: give the JSON 'ledger proof' "
                             "printed"))
    if "leafIdx" in data or "leafHash" in data:
        kind, keys = "inclusion", INCLUSION_KEYS
    elif "size1" in data or "root1" in data:
        kind, keys = "consistency", CONSISTENCY_KEYS
    else:
        raise InvalidInput(_("the proof has neither leafIdx nor size1: it is neither an "
                             "inclusion nor a consistency proof"))
    for key in keys:
        if key not in data:
            raise InvalidInput(_("the {kind} proof has no field {key!r}").format(
                                 kind=kind, key=key))
    for key in keys:
        value = data[key]
        if key in ("leafIdx", "treeSize", "size1", "size2"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidInput(_("field {key!r} is not a whole number ≥ 0").format(key=key))
    proof_field = data["proof"] if data["proof"] is not None else []
    if not isinstance(proof_field, list):
        raise InvalidInput(_("field 'proof' is not a list of base64 hashes"))
    proof = [_decode(p, f"proof[{i}]") for i, p in enumerate(proof_field)]
    if kind == "inclusion":
        leaf, root = _decode(data["leafHash"], "leafHash"), _decode(data["root"], "root")
        ok = verify_inclusion(data["leafIdx"], data["treeSize"], leaf, proof, root)
        return (_("leaf {leafIdx} is in the tree of {treeSize} with root {root}").format(
                  leafIdx=data['leafIdx'], treeSize=data['treeSize'], root=root.hex()), ok)
    root1, root2 = _decode(data["root1"], "root1"), _decode(data["root2"], "root2")
    ok = verify_consistency(data["size1"], data["size2"], root1, root2, proof)
    return (_("the tree of {size1} (root {root1}) is a prefix of the tree of {size2} (root "
              "{root2})").format(
              size1=data['size1'], root1=root1.hex(), size2=data['size2'], root2=root2.hex()), ok)


def _decode(value: Any, name: str) -> bytes:
    if not isinstance(value, str):
        raise InvalidInput(_("field {name!r} is not a base64 string").format(name=name))
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(_("field {name!r} is not valid base64").format(name=name)) from None


def parse_proof(text: bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise InvalidInput(_("the proof is not JSON ({error}): give the JSON 'ledger proof' "
                             "printed").format(error=error)) from None


_CREATED_BY = {"flag": ("MessageFlagged", "flag_id"), "warning": ("WarningIssued", "sanction_id"),
               "removal": ("MemberRemoved", "sanction_id"),
               "temporary removal": ("MemberRemoved", "sanction_id"),
               "task": ("TaskAssigned", "task_id")}


def case_notification(ledger: Ledger, prefix: str) -> int:
    """The notification id of the event that recorded a sanction, flag or task."""
    case = ledger.find_case(prefix, kinds=tuple(_CREATED_BY), what=_("sanction, flag or task"))
    name, id_field = _CREATED_BY[case.kind]
    for event in ledger.membership(case.group, case.member).events:
        if type(event).__name__ == name and getattr(event, id_field) == case.case_id:
            return event_notification(ledger, event.originator_id, event.originator_version)
    raise NotFound(_("the event that recorded {case_id} is not stored").format(
                     case_id=case.case_id))
