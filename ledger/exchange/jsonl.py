"""Export and import: the log as JSON lines, one stored event a line, and back.

A line holds, with its keys sorted::

    {"notification_id": 9, "originator_id": "a0a38772-…", "originator_version": 6,
     "recorded_at": "2026-11-22T14:00:00.123456+00:00", "state": {…}, "topic": "ledger.events:WarningIssued"}

The line's keys are sorted; `state` is the stored state's JSON exactly as stored (its
keys in their stored order, Unicode as it is), so that an import stores the same bytes.
A state whose bytes would not come back byte for byte from that JSON (none the ledger
writes today) is given instead as `state_base64`. `recorded_at` repeats the state's
`timestamp` for a reader.

An import keeps each event's notification id, so the ledger it fills has the same
Merkle tree as the one exported — the same roots, so the source's seals hold in it and
`ledger verify --against` a root posted for the source passes on the copy. It is:

- **validated whole first**: every line must be an event of its topic, with the id and
  version of its line, in increasing notification order; an error names the line and
  the field, and nothing is written;
- **idempotent**: an event already stored with the same (originator id, version) is
  passed over when it is the same event — same notification id, topic and state bytes —
  and is an error naming the line when it is not; so the same file twice, or a file
  overlapping what is stored, adds nothing twice;
- **append-only**: the new events must follow what the ledger holds — on SQLite from its
  next notification id with no gap (an export of part of a log, `--group`, fits a
  PostgreSQL ledger, where ids may have gaps, or starts a fresh one there);
- **in batches**, one transaction each: the events, the id index and the kept tree
  (`ledger.tree`, which also checks each imported seal against the tree) commit together.
  A batch that fails leaves the batches before it, and running the import again goes on
  from there.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any
from uuid import UUID

import orjson

from ledger.store import ids
from ledger.trust import tree
from ledger.application import Ledger
from ledger.domain.errors import InvalidInput, LedgerError
from ledger.domain.events import TOPICS
from ledger.domain.i18n import _

BATCH = 2000
KEYS = {"notification_id", "originator_id", "originator_version", "recorded_at", "state",
        "state_base64", "topic"}


class ImportRefused(InvalidInput):
    """A file that cannot be imported as it is: nothing of it was written."""


@dataclass(frozen=True)
class Line:
    number: int
    notification_id: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes


# Export -------------------------------------------------------------------------------


def export_lines(ledger: Ledger, *, group: str | None = None,
                 since: int = 0) -> Iterator[bytes]:
    """The export, line by line (each ends with a newline): every stored event after
    notification `since`, or only those about `group` (its group events and the
    memberships in it; seals are not about a group and are left out).
    """
    from ledger.trust.verify import rows

    for row in rows(ledger):
        if row.notification_id <= since:
            continue
        data = orjson.loads(row.state)
        if group is not None and (not isinstance(data, dict) or data.get("group") != group):
            continue
        head = orjson.dumps({
            "notification_id": row.notification_id,
            "originator_id": str(UUID(str(row.originator_id))),
            "originator_version": row.version,
            "recorded_at": data.get("timestamp") if isinstance(data, dict) else None,
        }, option=orjson.OPT_SORT_KEYS)[:-1]
        # The state goes in as the bytes stored, its keys in their stored order, so that
        # an import stores the same bytes (and the same leaf); the line's own keys sort.
        if orjson.dumps(data) == row.state:
            state = b',"state":' + row.state
        else:
            state = b',"state_base64":' + orjson.dumps(base64.b64encode(row.state).decode())
        yield head + state + b',"topic":' + orjson.dumps(row.topic) + b"}\n"


# Import -------------------------------------------------------------------------------


def _refuse(number: int, field: str | None, what: str) -> ImportRefused:
    if field:
        return ImportRefused(_("line {number}, field {field!r}: {what}: nothing was "
                               "imported").format(number=number, field=field, what=what))
    return ImportRefused(_("line {number}: {what}: nothing was imported").format(
        number=number, what=what))


def parse(stream: Iterable[bytes], ledger: Ledger) -> list[Line]:
    """Every line read and checked, or an ImportRefused naming the first bad one."""
    decode = ledger.mapper.event_from  # type: ignore[attr-defined]
    topics = set(TOPICS)
    lines: list[Line] = []
    previous = None
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise _refuse(number, None, _("not JSON ({msg})").format(msg=error.msg)) from None
        if not isinstance(data, dict):
            raise _refuse(number, None, _("not a JSON object"))
        unknown = sorted(set(data) - KEYS)
        if unknown:
            raise _refuse(number, unknown[0], _("not a field of an export"))
        for field in ("notification_id", "originator_version"):
            value = data.get(field)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise _refuse(number, field, _("missing or not a whole number ≥ 1"))
        given_id = data.get("originator_id")
        if not isinstance(given_id, str):
            raise _refuse(number, "originator_id", _("missing or not a UUID"))
        topic = data.get("topic")
        if not isinstance(topic, str) or not topic:
            raise _refuse(number, "topic", _("missing or not text"))
        if topic not in topics:  # never resolve (import) a topic a file names at will
            raise _refuse(number, "topic", _("{topic!r} is not an event type of the ledger").format(
                                             topic=topic))
        if "state_base64" in data:
            try:
                state = base64.b64decode(str(data["state_base64"]), validate=True)
            except (binascii.Error, ValueError):
                raise _refuse(number, "state_base64", _("not valid base64")) from None
        elif "state" in data:
            state = orjson.dumps(data["state"])
        else:
            raise _refuse(number, "state", _("missing"))
        try:
            event = decode(topic, state)
        except Exception as error:  # any failure to read the event is this line's fault
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise _refuse(number, "state", _("not a {topic} event ({first})").format(
                                             topic=topic.rsplit(':', 1)[-1], first=first)) from None
        originator_id = event.originator_id
        if str(originator_id) != given_id:  # the canonical form, as exported: else parse it
            try:
                if UUID(given_id) != originator_id:
                    raise ValueError
            except ValueError:
                raise _refuse(number, "originator_id", _("not a UUID, or not the state's "
                                                         "originator id")) from None
        if event.originator_version != data["originator_version"]:
            raise _refuse(number, "originator_version", _("not the state's originator version"))
        recorded_at = data.get("recorded_at")
        if recorded_at is not None and _timestamp(data, state) != recorded_at:
            raise _refuse(number, "recorded_at", _("differs from the state's timestamp"))
        if previous is not None and data["notification_id"] <= previous:
            raise _refuse(number, "notification_id", _("{notification_id} does not follow "
                                                       "{previous}: lines must be in the order "
                                                       "of the log").format(
                                                       notification_id=data['notification_id'],
                                                       previous=previous))
        previous = data["notification_id"]
        lines.append(Line(number, data["notification_id"], originator_id,
                          data["originator_version"], topic, state))
    return lines


def _timestamp(data: dict[str, Any], state: bytes) -> Any:
    given = data.get("state")
    parsed = given if isinstance(given, dict) else orjson.loads(state)
    return parsed.get("timestamp") if isinstance(parsed, dict) else None


@dataclass
class Outcome:
    lines: int = 0
    added: int = 0
    already: int = 0


def plan(ledger: Ledger, lines: list[Line]) -> tuple[list[Line], int]:
    """The lines to add, and how many are stored already; refuses a line that
    contradicts the ledger or would not follow its log.
    """
    store = ledger.store
    events = store.qualified(ledger.recorder.events_table_name)  # type: ignore[attr-defined]
    column = "rowid" if store.kind == "sqlite" else "notification_id"
    mark = store.placeholder
    new: list[Line] = []
    already = 0
    with ledger.factory.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute(f"SELECT MAX({column}) AS m FROM {events}")
        row = cursor.fetchone()
        last = int((row["m"] if isinstance(row, dict) else row[0]) or 0)
        stored_versions = _stored_versions(cursor, events, mark, store.kind, lines) \
            if last else {}
        for line in lines:
            found = None
            if line.notification_id <= last:
                found = _stored_at(cursor, events, column, mark, store.kind, line)
            elif stored_versions.get(line.originator_id, 0) >= line.version:
                raise _refuse(line.number, None, _("version {version} of {originator_id} is "
                                                   "stored already as another event: this file "
                                                   "is not of this ledger").format(
                                                   version=line.version,
                                                   originator_id=line.originator_id))
            if found is not None:
                if found != (line.notification_id, line.topic, line.state):
                    raise _refuse(line.number, None, _("version {version} of {originator_id} is "
                                                       "stored already as another event "
                                                       "(notification {found}): this file is not "
                                                       "of this ledger").format(
                                                       version=line.version,
                                                       originator_id=line.originator_id,
                                                       found=found[0]))
                already += 1
                continue
            expected = (new[-1].notification_id if new else last) + 1
            if line.notification_id < expected:
                raise _refuse(line.number, "notification_id", _("{notification_id} is taken by "
                                                                "another event in this ledger: "
                                                                "this file is not of this "
                                                                "ledger, or the ledger has moved "
                                                                "on from it").format(
                                                                notification_id=line.notification_id))
            if store.kind == "sqlite" and line.notification_id != expected:
                raise _refuse(line.number, "notification_id", _("{notification_id} would leave a "
                                                                "gap after {value} (an SQLite "
                                                                "ledger has none): import the "
                                                                "export from where this ledger "
                                                                "ends, or into PostgreSQL").format(
                                                                notification_id=line.notification_id,
                                                                value=expected - 1))
            follows = stored_versions.get(line.originator_id, 0) + 1
            if line.version != follows:
                raise _refuse(line.number, "originator_version", _("version {version} of "
                                                                   "{originator_id} does not "
                                                                   "follow version {value}, the "
                                                                   "last stored or imported "
                                                                   "before it: the file lacks "
                                                                   "events of it").format(
                                                                   version=line.version,
                                                                   originator_id=line.originator_id,
                                                                   value=follows - 1))
            stored_versions[line.originator_id] = line.version
            new.append(line)
    return new, already


def _stored_at(cursor: Any, events: str, column: str, mark: str, kind: str,
               line: Line) -> tuple[int, str, bytes] | None:
    key = line.originator_id.hex if kind == "sqlite" else line.originator_id
    cursor.execute(f"SELECT {column} AS nid, topic, state FROM {events} WHERE "
                   f"originator_id = {mark} AND originator_version = {mark}", (key, line.version))
    found = cursor.fetchone()
    if found is None:
        return None
    nid, topic, state = (found["nid"], found["topic"], found["state"]) \
        if isinstance(found, dict) else tuple(found)
    return int(nid), topic, bytes(state)


def _stored_versions(cursor: Any, events: str, mark: str, kind: str,
                     lines: list[Line]) -> dict[UUID, int]:
    """The highest stored version of each aggregate the lines name."""
    found = {}
    for originator_id in {line.originator_id for line in lines}:
        key = originator_id.hex if kind == "sqlite" else originator_id
        cursor.execute(f"SELECT MAX(originator_version) AS v FROM {events} WHERE "
                       f"originator_id = {mark}", (key,))
        row = cursor.fetchone()
        value = row["v"] if isinstance(row, dict) else row[0]
        if value is not None:
            found[originator_id] = int(value)
    return found


def import_file(ledger: Ledger, stream: IO[bytes], *,
                progress: Callable[[int], None] | None = None,
                batch_size: int = BATCH) -> Outcome:
    """Check the whole file, then append what the ledger lacks, in batches."""
    lines = parse(stream, ledger)
    new, already = plan(ledger, lines)
    return Outcome(lines=len(lines), already=already,
                   added=write_planned(ledger, new, progress=progress, batch_size=batch_size))


def write_planned(ledger: Ledger, new: list[Line], *,
                  progress: Callable[[int], None] | None = None,
                  batch_size: int = BATCH) -> int:
    """Append lines `plan` accepted, one transaction per batch; returns how many."""
    added = 0
    for start in range(0, len(new), batch_size):
        batch = new[start:start + batch_size]
        _write(ledger, batch)
        added += len(batch)
        if progress is not None:
            progress(len(batch))
    return added


def _write(ledger: Ledger, batch: list[Line]) -> None:
    """One batch in one transaction: the events with their ids, the id index, the tree."""
    store = ledger.store
    recorder: Any = ledger.recorder
    events = store.qualified(recorder.events_table_name)
    mark = store.placeholder
    meta, leaves = store.qualified(ids.META), store.qualified(tree.LEAVES)
    sqlite = store.kind == "sqlite"
    column = "rowid" if sqlite else "notification_id"
    rows = [(line.notification_id, line.originator_id.hex if sqlite else line.originator_id,
             line.version, line.topic, line.state) for line in batch]
    with ledger.factory.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
        if not sqlite:
            recorder._lock_table(cursor)  # as the library's own insert does
        cursor.executemany(f"INSERT INTO {events} ({column}, originator_id, "
                           f"originator_version, topic, state) VALUES "
                           f"({', '.join([mark] * 5)})", rows)
        index_rows = ids.rows_for((line.topic, line.state) for line in batch)
        if index_rows:
            cursor.executemany(f"INSERT INTO {store.qualified(ids.TABLE)} (case_id, kind, grp, "
                               f"member) VALUES ({', '.join([mark] * 4)}) "
                               "ON CONFLICT (case_id) DO NOTHING", index_rows)
        stored = [_Stored(line) for line in batch]
        try:
            tree.advance(cursor, stored, [line.notification_id for line in batch],
                         events=events, meta=meta, leaves_table=leaves, id_column=column,
                         placeholder=mark)
        except LedgerError as error:
            raise ImportRefused(_("line {number} onwards: {error}").format(
                number=batch[0].number, error=error)) from None
        if not sqlite:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{events}', "
                           f"'notification_id'), (SELECT MAX(notification_id) FROM {events}))")


class _Stored:
    """A line as the tree sees a stored event."""

    __slots__ = ("originator_id", "originator_version", "topic", "state")

    def __init__(self, line: Line) -> None:
        self.originator_id = line.originator_id
        self.originator_version = line.version
        self.topic = line.topic
        self.state = line.state
