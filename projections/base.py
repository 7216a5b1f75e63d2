"""How a read model follows the log: its tables live in the ledger's own database, beside
the events, and its position in the log is written in the same transaction as its rows.

A view has one handler per event type (`@handles(EventType)`) and declares the event
types it ignores (`ignores`); an event type that is neither is a bug the tests catch.
Handlers fold what they are handed into rows of the batch (`Rows`); the batch's rows and
the view's new position commit together or not at all. A view never goes back to the
store for a batch: the standings view keeps each membership's folded state beside its
row (and the most recent in memory), and reads one membership's own events only for a
fact recorded later than facts that happened after it.

`catch_up` reads notifications after the positions of the views it is given, decodes
each event once and hands it to every view still behind it. Ids in the notification log
may have gaps (PostgreSQL); the position is the last id processed, so a gap is passed
over. A view whose tables are missing, or whose version differs from the code's, is
rebuilt from position 0.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import re
from abc import ABC
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.persistence import OperationalError

from ledger.application import Ledger
from ledger.domain.clock import utc_key
from ledger.domain.errors import ConcurrentUpdate
from ledger.domain.events import ALL_EVENTS, LedgerEvent
from ledger.domain.i18n import _

POSITIONS = "ledger_view_positions"
BATCH_SIZE = 1000
# From position 0 there is no one to keep waiting: fewer commits, and fewer rewrites of a
# row many events of the batch touch (a member's standing).
REBUILD_BATCH_SIZE = 20_000
DECODED = 5000  # events of a batch decoded at a time


class Db:
    """The ledger's database as a view sees it: `?` placeholders on both SQLite and
    PostgreSQL, and table names qualified by the PostgreSQL schema.
    """

    def __init__(self, ledger: Ledger, *, suffix: str = "") -> None:
        self.ledger = ledger
        self.kind = ledger.store.kind
        self.datastore = ledger.factory.datastore  # type: ignore[attr-defined]
        self.schema = ledger.store.postgres.get("POSTGRES_SCHEMA", "") if self.kind == "postgres" else ""
        # A replay builds a view's copy beside it: the same code, tables named with a suffix.
        self.suffix = suffix

    def table(self, name: str) -> str:
        if name != POSITIONS:
            name += self.suffix
        return f"{self.schema}.{name}" if self.schema else name

    def tracked(self, view: View) -> str:
        """The name under which the view's position is kept."""
        return view.name + self.suffix

    @contextlib.contextmanager
    def transaction(self, *, commit: bool = True, snapshot: bool = False) -> Iterator[Cursor]:
        """A transaction; with `snapshot`, every statement in it reads the same state of
        the database (SQLite's transactions always do; PostgreSQL's need REPEATABLE READ).
        """
        with self.datastore.transaction(commit=commit) as cursor:
            raw = cursor.sqlite_cursor if self.kind == "sqlite" else cursor
            if snapshot and self.kind == "postgres":
                raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield Cursor(raw, self.kind)

    def lock_tables(self, cursor: Cursor) -> None:
        """Take turns with other processes making or dropping view tables, until the
        transaction ends: PostgreSQL's CREATE TABLE IF NOT EXISTS races one another
        (SQLite's writers take turns already).
        """
        if self.kind == "postgres":
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(?))",
                           (f"ledger:{self.schema}:views",))
        else:
            # A write that changes nothing takes SQLite's write lock, waiting for it, before
            # anything is read: a transaction that read first and then wrote would be
            # refused outright ("database is locked") once another writer committed.
            cursor.execute("UPDATE ledger_meta SET value = value WHERE 0")

    def table_exists(self, cursor: Cursor, name: str) -> bool:
        if self.kind == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type='table' AND name=?", (name,))
        else:
            cursor.execute("SELECT table_name FROM information_schema.tables "
                           "WHERE table_schema=? AND table_name=?", (self.schema, name))
        return cursor.fetchone() is not None


class Cursor:
    def __init__(self, raw: Any, kind: str) -> None:
        self.raw = raw
        self.kind = kind

    def _sql(self, statement: str) -> str:
        if self.kind == "postgres":
            return re.sub(r"\?", "%s", statement)
        return statement

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        self.raw.execute(self._sql(statement), tuple(params))
        return self.raw.rowcount

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.raw.executemany(self._sql(statement), rows)

    def fetchone(self) -> dict[str, Any] | None:
        row = self.raw.fetchone()
        return None if row is None else dict(row)

    def fetchall(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self.raw.fetchall()]


class Rows:
    """What one batch writes. Inserts go first, each statement's rows together in the
    order they were asked for; then updates, in the order asked (consecutive rows of one
    statement together). An update only ever changes a row an insert made, in this batch
    or an earlier one: a flag's decision lands on the flag raised in the same batch.
    """

    def __init__(self, db: Db) -> None:
        self.db = db
        self.inserts: dict[str, list[tuple[Any, ...]]] = {}
        self.updates: list[tuple[str, list[tuple[Any, ...]]]] = []

    def add(self, statement: str, row: tuple[Any, ...]) -> None:
        if statement.startswith("INSERT"):
            self.inserts.setdefault(statement, []).append(row)
        elif self.updates and self.updates[-1][0] == statement:
            self.updates[-1][1].append(row)
        else:
            self.updates.append((statement, [row]))

    def write(self, cursor: Cursor) -> None:
        tables = _Tables(self.db)
        for statement, rows in [*self.inserts.items(), *self.updates]:
            cursor.executemany(statement.format_map(tables), rows)


class _Tables(dict[str, str]):
    """`{view_x}` in a statement becomes the table's qualified name."""

    def __init__(self, db: Db) -> None:
        super().__init__()
        self.db = db

    def __missing__(self, name: str) -> str:
        return self.db.table(name)


def handles(*event_types: type[LedgerEvent]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Mark a view method as the handler of these event types."""
    def mark(method: Callable[..., None]) -> Callable[..., None]:
        method._handles = event_types  # type: ignore[attr-defined]
        return method
    return mark


# What a handler raises for an event whose values the view cannot hold.
UNREPRESENTABLE = (ArithmeticError, ValueError, UnicodeError)
PROBLEM_COLUMNS = ("originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, "
                   "event TEXT NOT NULL, subject TEXT NOT NULL, error TEXT NOT NULL, "
                   "PRIMARY KEY (originator_id, originator_version)")


def _subject(event: LedgerEvent) -> str:
    """Whose event it is, as people name them: `wx_li in g9`, or the group."""
    group, member = getattr(event, "group", ""), getattr(event, "member", "")
    return f"{member} in {group}" if member else str(group)


def problems(db: Db, view: View) -> list[dict[str, Any]]:
    """The events the view could not show, in the order they are stored per aggregate."""
    with db.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT originator_id, originator_version, event, subject, error FROM "
                       f"{db.table(view.problems_table())} "
                       "ORDER BY originator_id, originator_version")
        return cursor.fetchall()


def _UNACCOUNTED(*_: Any) -> None:
    """Stands for an event type a view neither handles nor ignores."""


class UnhandledEvent(Exception):
    """A view met an event type it neither handles nor ignores: a bug in the view."""


class View(ABC):
    """A read model: its tables (column definitions by table name), one handler per
    event type, and the event types it ignores. Rows must depend on the events only,
    so that a view rebuilt from position 0 equals the one kept up incrementally.

    Statements name tables in braces, `INSERT INTO {view_x} …`; `Rows.write` qualifies
    them.
    """

    name: str
    version: int
    tables: dict[str, str]
    ignores: ClassVar[tuple[type[LedgerEvent], ...]] = ()
    handlers: ClassVar[dict[type[LedgerEvent], Callable[..., None]]] = {}
    dispatch: ClassVar[dict[type[LedgerEvent], Callable[..., None] | None]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[type[LedgerEvent], Callable[..., None]] = {}
        for klass in reversed(cls.__mro__):
            for attribute in vars(klass).values():
                for event_type in getattr(attribute, "_handles", ()):
                    found[event_type] = attribute
        cls.handlers = found
        # Each event type's handler, None for one the view ignores: one lookup an event.
        cls.dispatch = {**{e: None for e in cls.ignores}, **found}
        if "tables" in vars(cls):
            # Every view keeps the events it could not show beside its rows (`problems`).
            cls.tables = {**cls.tables, cls.problems_table(): PROBLEM_COLUMNS}

    @classmethod
    def problems_table(cls) -> str:
        return f"view_{cls.name}_problems"

    def begin(self, db: Db, start: int) -> None:
        """Called before the first batch of a catch-up that starts after `start`."""

    def finish(self, rows: Rows) -> None:
        """Called after the batch's events are handled, before its rows are written."""

    def process(self, rows: Rows, events: Sequence[LedgerEvent]) -> None:
        """Fold one batch's events into its rows, and finish the batch."""
        self.handle(rows, events)
        self.finish(rows)

    def handle(self, rows: Rows, events: Sequence[LedgerEvent]) -> None:
        """Fold events into the batch's rows (a batch may be handed over in parts)."""
        dispatch = self.dispatch
        for event in events:
            handler = dispatch.get(type(event), _UNACCOUNTED)
            if handler is None:
                continue
            if handler is not _UNACCOUNTED:
                try:
                    handler(self, rows, event)
                except UNREPRESENTABLE as error:
                    # An event the view cannot show (a time past what dates can hold, say,
                    # stored by a release that did not bound it) costs that event's rows,
                    # not the view: it is recorded, and every other row is still served.
                    rows.add(f"INSERT INTO {{{self.problems_table()}}} (originator_id, "
                             "originator_version, event, subject, error) VALUES "
                             "(?, ?, ?, ?, ?) ON CONFLICT (originator_id, originator_version) "
                             "DO NOTHING",
                             (event.originator_id.hex, event.originator_version,
                              type(event).__name__, _subject(event),
                              f"{type(error).__name__}: {error}"[:500]))
            else:
                raise UnhandledEvent(f"the {self.name} view neither handles nor ignores "
                                     f"{type(event).__name__}")

    @classmethod
    def unaccounted(cls) -> list[type[LedgerEvent]]:
        """Event types this view neither handles nor declares ignored."""
        return [e for e in ALL_EVENTS if e not in cls.handlers and e not in cls.ignores]


def ensure(db: Db, view: View) -> None:
    with db.transaction(commit=False) as cursor:
        if _is_ready(cursor, db, view):
            return
    with db.transaction() as cursor:
        db.lock_tables(cursor)
        if _is_ready(cursor, db, view):
            return  # made by another process while this one waited
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {db.table(POSITIONS)} "
                       "(view TEXT PRIMARY KEY, version INTEGER NOT NULL, "
                       "position BIGINT NOT NULL)")
        for name, columns in view.tables.items():
            cursor.execute(f"DROP TABLE IF EXISTS {db.table(name)}")
            cursor.execute(f"CREATE TABLE {db.table(name)} ({columns})")
        cursor.execute(f"DELETE FROM {db.table(POSITIONS)} WHERE view=?", (db.tracked(view),))
        cursor.execute(f"INSERT INTO {db.table(POSITIONS)} (view, version, position) "
                       "VALUES (?, ?, 0)", (db.tracked(view), view.version))


def _is_ready(cursor: Cursor, db: Db, view: View) -> bool:
    """Whether the view's tables are there, at the code's version."""
    if not db.table_exists(cursor, POSITIONS):
        return False
    cursor.execute(f"SELECT version FROM {db.table(POSITIONS)} WHERE view=?",
                   (db.tracked(view),))
    row = cursor.fetchone()
    return row is not None and row["version"] == view.version and \
        all(db.table_exists(cursor, name + db.suffix) for name in view.tables)


def position(db: Db, view: View) -> int:
    with db.transaction(commit=False) as cursor:
        return position_in(cursor, db, view)


def position_in(cursor: Cursor, db: Db, view: View) -> int:
    """The view's position as the transaction of `cursor` sees it."""
    cursor.execute(f"SELECT position FROM {db.table(POSITIONS)} WHERE view=?",
                   (db.tracked(view),))
    row = cursor.fetchone()
    return int(row["position"]) if row else 0


class _Overtaken(Exception):
    """Another process advanced the view first: read the positions again."""


_CONTENTION_STATES = {"40001", "40P01", "55P03"}  # serialisation, deadlock, lock timeout


def _is_contention(error: OperationalError) -> bool:
    """A lock or serialisation failure, which a retry cures; anything else is a bug or a
    broken store and is reported as it is.
    """
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) in _CONTENTION_STATES:
        return True
    text = str(error).lower()
    return any(word in text for word in ("locked", "busy", "could not serialize",
                                         "deadlock", "concurrent update", "lock timeout",
                                         "could not obtain lock"))


def catch_up(ledger: Ledger, view: View | Sequence[View], *, batch_size: int = BATCH_SIZE,
             progress: Callable[[int], None] | None = None, db: Db | None = None,
             until: int | None = None) -> int:
    """Bring the views up to the end of the log (or to position `until`), reading it once
    for all of them; returns the number of events read.
    """
    # Each run folds into views of its own: what one run holds in memory is never another
    # run's (two ledgers in one process, a retry).
    views = [copy.copy(v) for v in ([view] if isinstance(view, View) else view)]
    # A long catch-up allocates many short-lived events beside many long-lived states,
    # and few cycles: the collector's frequent passes cost more than they find.
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        return _catch_up(ledger, views, batch_size=batch_size, progress=progress,
                         db=db or Db(ledger), until=until)
    finally:
        gc.set_threshold(*thresholds)


def _catch_up(ledger: Ledger, views: list[View], *, batch_size: int,
              progress: Callable[[int], None] | None, db: Db, until: int | None) -> int:
    for each in views:
        ensure(db, each)
    processed = 0
    attempts = 0
    started: set[str] = set()
    committed: dict[str, int] = {}  # where this run left each view it moved on
    while True:
        positions = {each.name: position(db, each) for each in views}
        for name, at in positions.items():
            if name in started and committed.get(name) != at:
                # Another process moved this view on between two of our batches: what
                # this run folded in memory misses its events, so begin again from here.
                started.discard(name)
        start = min(positions.values())
        notifications = read_log(db, start, batch_size, until=until)
        if not notifications:
            return processed
        for each in views:
            if each.name not in started:
                each.begin(db, positions[each.name])
                started.add(each.name)
                committed[each.name] = positions[each.name]
        last = notifications[-1][0]
        decode = ledger.mapper.event_from  # type: ignore[attr-defined]
        moved = []
        try:
            with db.transaction() as cursor:
                behind: list[tuple[View, Rows]] = []
                for each in views:
                    if positions[each.name] >= last:
                        continue
                    updated = cursor.execute(
                        f"UPDATE {db.table(POSITIONS)} SET position=? WHERE view=? "
                        "AND position=?", (last, db.tracked(each), positions[each.name]))
                    if updated != 1:
                        raise _Overtaken
                    behind.append((each, Rows(db)))
                # Decoded a slice at a time: a batch holds its rows in memory, and at most
                # DECODED events, however many the batch commits together.
                for begin in range(0, len(notifications), DECODED):
                    part = notifications[begin:begin + DECODED]
                    events = [decode(topic, state) for _, topic, state in part]
                    for each, rows in behind:
                        at = positions[each.name]
                        mine = events if at < part[0][0] else [
                            e for n, e in zip(part, events) if n[0] > at]
                        if mine:
                            each.handle(rows, mine)
                    del events
                for each, rows in behind:
                    each.finish(rows)
                    rows.write(cursor)
                    moved.append(each.name)
            committed.update({name: last for name in moved})
        except (_Overtaken, OperationalError) as error:
            if isinstance(error, OperationalError) and not _is_contention(error):
                raise
            # Someone else moved a view on: what this run held in memory is stale.
            started.clear()
            attempts += 1
            if attempts > 20:
                raise ConcurrentUpdate(_("the {value} view(s) are being brought up to date by "
                                         "another process: run the query again").format(
                                         value=', '.join(v.name for v in views))) from error
            continue
        processed += len(notifications)
        if progress is not None:
            progress(len(notifications))


def read_log(db: Db, after: int, limit: int, *,
             until: int | None = None) -> list[tuple[int, str, bytes]]:
    """(notification id, topic, state) of up to `limit` stored events after `after` (and
    up to `until`, when given), in log order: straight from the events table, as the
    library's recorder would select them, without building its notification objects.
    """
    recorder = db.ledger.recorder
    if db.kind == "sqlite":
        statement = (f"SELECT rowid, topic, state FROM {recorder.events_table_name} "  # type: ignore[attr-defined]
                     "WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?")
    else:
        statement = (f"SELECT notification_id, topic, state FROM {db.schema}."
                     f"{recorder.events_table_name} WHERE notification_id > ? "  # type: ignore[attr-defined]
                     "AND notification_id <= ? ORDER BY notification_id LIMIT ?")
    with db.transaction(commit=False) as cursor:
        cursor.execute(statement, (after, until if until is not None else 2**63 - 1, limit))
        rows = cursor.raw.fetchall()
    if db.kind == "sqlite":
        return rows  # (rowid, topic, state as bytes), indexed as the tuples they are
    return [(row["notification_id"], row["topic"], bytes(row["state"])) for row in rows]


def rebuild(ledger: Ledger, view: View | Sequence[View], *, db: Db | None = None,
            **kwargs: Any) -> int:
    """Drop the views' tables and follow the log again from position 0, in one pass."""
    db = db or Db(ledger)
    for each in [view] if isinstance(view, View) else view:
        drop(db, each)
    kwargs.setdefault("batch_size", REBUILD_BATCH_SIZE)
    return catch_up(ledger, view, db=db, **kwargs)


def drop(db: Db, view: View, *, forget: bool = False) -> None:
    """Drop the view's tables and its position; with `forget`, a copy that is not to be
    built again (a replay's), without making the positions table if it is not there.
    """
    with db.transaction() as cursor:
        db.lock_tables(cursor)
        for name in view.tables:
            cursor.execute(f"DROP TABLE IF EXISTS {db.table(name)}")
        if not forget:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {db.table(POSITIONS)} "
                           "(view TEXT PRIMARY KEY, version INTEGER NOT NULL, "
                           "position BIGINT NOT NULL)")
        cursor.execute(f"DELETE FROM {db.table(POSITIONS)} WHERE view=?", (db.tracked(view),))


def table_rows(db: Db, view: View) -> dict[str, list[dict[str, Any]]]:
    """Every row of each of the view's tables, in a fixed order."""
    rows = {}
    with db.transaction(commit=False) as cursor:
        for name, columns in view.tables.items():
            cursor.execute(f"SELECT * FROM {db.table(name)} ORDER BY "
                           + ", ".join(column_names(columns)))
            rows[name] = cursor.fetchall()
    return rows


def column_names(columns: str) -> list[str]:
    names = []
    for part in columns.split(","):
        word = part.strip().split(" ")[0]
        if word and word.upper() not in ("PRIMARY", "KEY", "UNIQUE") and "(" not in word \
                and ")" not in word:
            names.append(word)
    return names


def select(ledger: Ledger, view: View, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Catch the view up, then run a query against it. `{t}` in the statement is the
    view's first table, qualified.
    """
    catch_up(ledger, view)
    db = Db(ledger)
    with db.transaction(commit=False) as cursor:
        cursor.execute(statement.format(t=db.table(next(iter(view.tables)))), params)
        return cursor.fetchall()


def present(ledger: Ledger, view: View, column: str, values: Sequence[str]) -> set[str]:
    """Which of `values` the view's first table holds in `column`."""
    if not values:
        return set()
    marks = ", ".join("?" * len(values))
    return {row[column] for row in select(
        ledger, view, f"SELECT DISTINCT {column} FROM {{t}} WHERE {column} IN ({marks})",
        list(values))}


def filters(**equal: str | Sequence[str] | None) -> tuple[str, list[str]]:
    """A WHERE clause for the given column filters; None (or no values) means no filter.
    A filter given several values matches any of them; filters on different columns must
    all match. The column `group` is stored as `grp`.
    """
    given = {("grp" if k == "group" else k): ((v,) if isinstance(v, str) else tuple(v))
             for k, v in equal.items() if v is not None}
    given = {column: values for column, values in given.items() if values}
    if not given:
        return "", []
    clauses = [f"{column} = ?" if len(values) == 1
               else f"{column} IN ({', '.join('?' * len(values))})"
               for column, values in given.items()]
    return " WHERE " + " AND ".join(clauses), [v for values in given.values() for v in values]


def recorded_by(known_at: datetime | None) -> str:
    """The bound on recorded-at for a query: `known_at`, or none at all when not given
    (a UTC key sorts before "~").
    """
    return utc_key(known_at) if known_at is not None else "~"


def entry_id(event: LedgerEvent) -> str:
    """A key for a row that stands for one event: its aggregate and place in it."""
    # As f"{id.hex}:{version:010d}", without UUID.hex's Python-level property.
    return "%032x:%010d" % (event.originator_id.int, event.originator_version)
