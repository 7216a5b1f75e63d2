"""How a read model follows the log: its tables live in the ledger's own database, beside
the events, and its position in the log is written in the same transaction as its rows.

`catch_up` reads notifications after the view's position and hands them to the view in
batches; each batch, its rows and the new position commit together or not at all. Ids in
the notification log may have gaps (PostgreSQL); the position is the last id processed,
so a gap is simply passed over. A view whose tables are missing, or whose version differs
from the code's, is rebuilt from position 0.
"""

from __future__ import annotations

import contextlib
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from eventsourcing.persistence import OperationalError

from ledger.clock import utc_key
from ledger.errors import ConcurrentUpdate

from ledger.application import Ledger
from ledger.events import LedgerEvent

POSITIONS = "ledger_view_positions"
BATCH_SIZE = 500


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
    def transaction(self, *, commit: bool = True) -> Iterator[Cursor]:
        with self.datastore.transaction(commit=commit) as cursor:
            raw = cursor.sqlite_cursor if self.kind == "sqlite" else cursor
            yield Cursor(raw, self.kind)

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
            self.raw.executemany(self._sql(statement), [tuple(r) for r in rows])

    def fetchone(self) -> dict[str, Any] | None:
        row = self.raw.fetchone()
        return None if row is None else dict(row)

    def fetchall(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self.raw.fetchall()]


class View(ABC):
    """A read model: its tables (column definitions by table name) and how a batch of
    events changes them. Rows must depend on the events only, so that a view rebuilt
    from position 0 equals the one kept up incrementally.
    """

    name: str
    version: int
    tables: dict[str, str]

    @abstractmethod
    def process(self, db: Db, cursor: Cursor, events: Sequence[LedgerEvent]) -> None: ...


def ensure(db: Db, view: View) -> None:
    with db.transaction() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {db.table(POSITIONS)} "
                       "(view TEXT PRIMARY KEY, version INTEGER NOT NULL, "
                       "position BIGINT NOT NULL)")
        cursor.execute(f"SELECT version FROM {db.table(POSITIONS)} WHERE view=?",
                       (db.tracked(view),))
        row = cursor.fetchone()
        complete = all(db.table_exists(cursor, name + db.suffix) for name in view.tables)
        if row is not None and row["version"] == view.version and complete:
            return
        for name, columns in view.tables.items():
            cursor.execute(f"DROP TABLE IF EXISTS {db.table(name)}")
            cursor.execute(f"CREATE TABLE {db.table(name)} ({columns})")
        cursor.execute(f"DELETE FROM {db.table(POSITIONS)} WHERE view=?", (db.tracked(view),))
        cursor.execute(f"INSERT INTO {db.table(POSITIONS)} (view, version, position) "
                       "VALUES (?, ?, 0)", (db.tracked(view), view.version))


def position(db: Db, view: View) -> int:
    with db.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT position FROM {db.table(POSITIONS)} WHERE view=?",
                       (db.tracked(view),))
        row = cursor.fetchone()
        return int(row["position"]) if row else 0


class _Overtaken(Exception):
    """Another process advanced the view first: read the position again."""


def catch_up(ledger: Ledger, view: View, *, batch_size: int = BATCH_SIZE,
             progress: Callable[[int], None] | None = None, db: Db | None = None) -> int:
    """Bring the view up to the end of the log; returns the number of events processed."""
    db = db or Db(ledger)
    ensure(db, view)
    processed = 0
    attempts = 0
    while True:
        start = position(db, view)
        notifications = ledger.recorder.select_notifications(start=start + 1, limit=batch_size)
        if not notifications:
            return processed
        events = [ledger.mapper.to_domain_event(n) for n in notifications]
        try:
            with db.transaction() as cursor:
                moved = cursor.execute(
                    f"UPDATE {db.table(POSITIONS)} SET position=? WHERE view=? AND position=?",
                    (notifications[-1].id, db.tracked(view), start))
                if moved != 1:
                    raise _Overtaken
                view.process(db, cursor, events)
        except (_Overtaken, OperationalError) as error:
            attempts += 1
            if attempts > 20:
                raise ConcurrentUpdate(f"the {view.name} view is being brought up to date by "
                                       "another process: run the query again") from error
            continue
        processed += len(events)
        if progress is not None:
            progress(len(events))


def rebuild(ledger: Ledger, view: View, *, db: Db | None = None, **kwargs: Any) -> int:
    """Drop the view's tables and follow the log again from position 0."""
    db = db or Db(ledger)
    drop(db, view)
    return catch_up(ledger, view, db=db, **kwargs)


def drop(db: Db, view: View) -> None:
    with db.transaction() as cursor:
        for name in view.tables:
            cursor.execute(f"DROP TABLE IF EXISTS {db.table(name)}")
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
                           + ", ".join(_column_names(columns)))
            rows[name] = cursor.fetchall()
    return rows


def _column_names(columns: str) -> list[str]:
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


def filters(**equal: str | None) -> tuple[str, list[str]]:
    """A WHERE clause for the given column filters; None means no filter. The column
    `group` is stored as `grp`.
    """
    given = {("grp" if k == "group" else k): v for k, v in equal.items() if v is not None}
    if not given:
        return "", []
    return " WHERE " + " AND ".join(f"{column} = ?" for column in given), list(given.values())


def recorded_by(known_at: datetime | None) -> str:
    """The bound on recorded-at for a query: `known_at`, or none at all when not given
    (a UTC key sorts before "~").
    """
    return utc_key(known_at) if known_at is not None else "~"
