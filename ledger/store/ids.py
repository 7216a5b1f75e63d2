"""The id index: every flag, sanction, task, appeal and dispute id with the group and member it belongs to,
written in the same transaction as the event that made it, so that a command finds a
short id (a unique prefix, as git allows) at once, however far behind any read view is.

The recorders write it (SQLite's below, PostgreSQL's in `ledger.postgres`, which only a
PostgreSQL store imports); a ledger written before the index existed is indexed once,
when it is first opened (`backfill`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

from ledger.trust import tree
from ledger.domain.errors import AmbiguousId, InvalidInput, NotFound
from ledger.domain.i18n import _

TABLE = "ledger_case_ids"
META = "ledger_meta"  # what the ledger records about itself
COLUMNS = ("case_id TEXT PRIMARY KEY, kind TEXT NOT NULL, grp TEXT NOT NULL, "
           "member TEXT NOT NULL")
MIN_PREFIX = 4
META_COLUMNS = "key TEXT PRIMARY KEY, value TEXT NOT NULL"

# topic -> the field holding the id, and the kind of case it names
_TOPICS: dict[str, str] = {
    "ledger.events:MessageFlagged": "flag_id",
    "ledger.events:WarningIssued": "sanction_id",
    "ledger.events:MemberRemoved": "sanction_id",
    "ledger.events:TaskAssigned": "task_id",
    "ledger.events:AppealFiled": "appeal_id",
    "ledger.events:DisputeOpened": "dispute_id",
}


@dataclass(frozen=True)
class Case:
    case_id: str
    kind: str
    group: str
    member: str


def _kind(topic: str, state: dict[str, Any]) -> str:
    name = topic.rsplit(":", 1)[1]
    if name == "MessageFlagged":
        return "flag"
    if name == "WarningIssued":
        return "warning"
    if name == "TaskAssigned":
        return "task"
    if name == "AppealFiled":
        return "appeal"
    if name == "DisputeOpened":
        return "dispute"
    return "temporary removal" if state.get("temporary") else "removal"


def rows_for(stored: Iterable[tuple[str, bytes]]) -> list[tuple[str, str, str, str]]:
    """Index rows for stored events given as (topic, state bytes)."""
    rows = []
    for topic, state in stored:
        field = _TOPICS.get(topic)
        if field is None:
            continue
        data = orjson.loads(state)
        # A dispute is about its parties, not one member: they are named together.
        member = data["member"] if "member" in data else ",".join(data.get("parties", ()))
        rows.append((data[field], _kind(topic, data), data["group"], member))
    return rows


def of_stored(stored_events: Sequence[StoredEvent]) -> list[tuple[str, str, str, str]]:
    return rows_for((s.topic, s.state) for s in stored_events)


class SQLiteLedgerRecorder(SQLiteApplicationRecorder):
    """The library's SQLite recorder, writing the id index and the kept Merkle tree
    (`ledger.tree`) in the events' transaction.
    """

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        self.insert_ids_statement = (f"INSERT INTO {TABLE} (case_id, kind, grp, member) "
                                     "VALUES (?, ?, ?, ?) ON CONFLICT (case_id) DO NOTHING")

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                f"CREATE TABLE IF NOT EXISTS {TABLE} ({COLUMNS})",
                f"CREATE TABLE IF NOT EXISTS {META} ({META_COLUMNS})",
                f"CREATE TABLE IF NOT EXISTS {tree.LEAVES} ({tree.LEAVES_COLUMNS})"]

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        rows = of_stored(stored_events)
        if rows:
            c.executemany(self.insert_ids_statement, rows)
        if ids:
            tree.advance(c, stored_events, ids, events=self.events_table_name, meta=META,
                         leaves_table=tree.LEAVES, id_column="rowid", placeholder="?")
        return ids


def resolve(cursor: Any, table: str, prefix: str, *, kinds: tuple[str, ...],
            what: str, placeholder: str = "?") -> Case:
    """The one case of the given kinds whose id starts with `prefix`."""
    cleaned = prefix.strip().lower().replace("-", "")
    if len(cleaned) < MIN_PREFIX or any(ch not in "0123456789abcdef" for ch in cleaned):
        raise InvalidInput(_("{what} id {prefix!r} is not an id: give at least {MIN_PREFIX} hex "
                             "digits of the id a command printed").format(
                             what=what, prefix=prefix, MIN_PREFIX=MIN_PREFIX))
    marks = ", ".join(placeholder for _ in kinds)
    # A range rather than LIKE, so that the primary key's index serves it: every id
    # that starts with the prefix sorts from it up to it followed by 'g' (past 'f').
    cursor.execute(f"SELECT case_id, kind, grp, member FROM {table} WHERE case_id >= "
                   f"{placeholder} AND case_id < {placeholder} AND kind IN ({marks}) "
                   "ORDER BY case_id LIMIT 3", (cleaned, cleaned + "g", *kinds))
    rows = [tuple(row) if not isinstance(row, dict) else tuple(row.values())
            for row in cursor.fetchall()]
    if not rows:
        raise NotFound(_("no {what} has an id starting with {cleaned}: check the id").format(
                         what=what, cleaned=cleaned))
    if len(rows) > 1:
        ids = ", ".join(row[0] for row in rows[:2])
        more = " and more" if len(rows) > 2 else ""
        raise AmbiguousId(_("{what} id {cleaned} is ambiguous ({ids}{more}): give more digits").format(
                            what=what, cleaned=cleaned, ids=ids, more=more))
    return Case(*rows[0])


_INDEXED = "case_ids_indexed"
_FORMAT = "format"


def backfill(transaction: Any, *, events_table: str, meta_table: str, index_table: str,
             placeholder: str = "?") -> None:
    """Index the events stored before the index existed, once: a marker in the ledger's
    meta table says it is done. The marker is written first, so the transaction takes
    the write lock before it reads anything: a concurrent opener waits for it, then
    finds the marker and does nothing.
    """
    from ledger.store.url import FORMAT

    with transaction(commit=False) as cursor:
        cursor.execute(f"SELECT key FROM {meta_table} WHERE key IN ({placeholder}, "
                       f"{placeholder})", (_INDEXED, _FORMAT))
        if len(cursor.fetchall()) == 2:
            return
    with transaction(commit=True) as cursor:
        insert = (f"INSERT INTO {meta_table} (key, value) VALUES ({placeholder}, "
                  f"{placeholder}) ON CONFLICT (key) DO NOTHING")
        # The format this release writes: a later release knows what it is reading.
        cursor.execute(insert, (_FORMAT, str(FORMAT)))
        cursor.execute(insert, (_INDEXED, "1"))
        if getattr(cursor, "sqlite_cursor", cursor).rowcount != 1:
            return  # another opener indexed them first
        marks = ", ".join(placeholder for _ in _TOPICS)
        cursor.execute(f"SELECT topic, state FROM {events_table} WHERE topic IN ({marks})",
                       tuple(_TOPICS))
        rows = rows_for((row[0] if not isinstance(row, dict) else row["topic"],
                         bytes(row[1] if not isinstance(row, dict) else row["state"]))
                        for row in cursor.fetchall())
        if rows:
            cursor.executemany(
                f"INSERT INTO {index_table} (case_id, kind, grp, member) VALUES "
                f"({', '.join([placeholder] * 4)}) ON CONFLICT (case_id) DO NOTHING", rows)
