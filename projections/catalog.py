"""Every read model by name: what `ledger replay` rebuilds and checks."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ledger.domain.errors import ConcurrentUpdate
from ledger.domain.i18n import _
from projections import (
    activity,
    appeals,
    cases,
    disputes,
    dossier,
    groups,
    nicknames,
    standings,
    strikes,
    tasks,
)
from projections.base import (
    POSITIONS,
    Cursor,
    Db,
    View,
    catch_up,
    column_names,
    drop,
    position,
    position_in,
    problems,
    rebuild,
)

VIEWS: dict[str, View] = {
    view.name: view
    for view in (standings.VIEW, strikes.VIEW, disputes.VIEW, activity.VIEW, cases.VIEW,
                 tasks.VIEW, dossier.VIEW, groups.VIEW, appeals.VIEW, nicknames.VIEW)
}

REPLAY_SUFFIX = "_replay"
_FETCH = 5000  # rows at a time: a digest never holds a whole table in memory


@dataclass(frozen=True)
class Replayed:
    view: str
    rows: int
    digest: str
    differences: int
    # The events the rebuilt view could not show: (event type, whose, version, error).
    problems: tuple[tuple[str, str, int, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.differences == 0


def digest(rows: dict[str, list[dict[str, Any]]]) -> str:
    """The digest of a view's rows (all its tables, each in a fixed order)."""
    canonical = orjson.dumps(rows, option=orjson.OPT_SORT_KEYS)
    return "sha256:" + hashlib.sha256(canonical).hexdigest()[:16]


def _digest_tables(db: Db, view: View) -> tuple[str, int]:
    """`digest(table_rows(db, view))` and the number of rows, read a slice at a time:
    the same bytes as the canonical JSON of every table, fed to the hash as they come.
    """
    hashed = hashlib.sha256(b"{")
    count = 0
    with db.transaction(commit=False) as cursor:
        for index, name in enumerate(sorted(view.tables)):
            hashed.update((b"," if index else b"") + orjson.dumps(name) + b":[")
            cursor.execute(f"SELECT * FROM {db.table(name)} ORDER BY "
                           + ", ".join(column_names(view.tables[name])))
            first = True
            while batch := cursor.raw.fetchmany(_FETCH):
                for row in batch:
                    hashed.update((b"" if first else b",")
                                  + orjson.dumps(dict(row), option=orjson.OPT_SORT_KEYS))
                    first = False
                count += len(batch)
            hashed.update(b"]")
    hashed.update(b"}")
    return "sha256:" + hashed.hexdigest()[:16], count


def _differences(cursor: Cursor, kept: Db, fresh: Db, view: View) -> int:
    """Rows as sets (each table's rows are distinct: by a key, or by an entry id unique to
    its event): a changed row is one kept row too many and one rebuilt row missing;
    counting the larger side counts it once, as a missing row is.
    """
    total = 0
    for name, columns in view.tables.items():
        listed = ", ".join(column_names(columns))
        a = f"SELECT {listed} FROM {kept.table(name)}"
        b = f"SELECT {listed} FROM {fresh.table(name)}"
        sides = []
        for first, second in ((a, b), (b, a)):
            cursor.execute(f"SELECT COUNT(*) AS n FROM ({first} EXCEPT {second}) AS d")
            row = cursor.fetchone()
            sides.append(int(row["n"]) if row else 0)
        total += max(sides)
    return total


COMPARE_ATTEMPTS = 20


def replay_all(ledger: Any, views: Sequence[View], *,
               progress: Callable[[int], None] | None = None) -> list[Replayed]:
    """Rebuild the views from position 0 into fresh tables beside them, in one pass over
    the log, and compare them row for row with the incrementally kept ones (brought up
    to date first).

    The fresh tables are this run's own (their names carry a suffix no other run uses),
    so two replays at once never touch each other's. Each view is compared at one log
    position: the kept view's, read in the same snapshot as its rows; when others have
    moved it on since the rebuild, the fresh view follows to that position first.
    """
    live_db = Db(ledger)
    with _claimed(ledger) as suffix:
        _clear_abandoned(ledger, live_db)
        fresh_db = Db(ledger, suffix=suffix)
        catch_up(ledger, views, db=live_db)
        try:
            rebuild(ledger, views, db=fresh_db, progress=progress,
                    until=min(position(live_db, view) for view in views))
            return [_compared(ledger, live_db, fresh_db, view) for view in views]
        finally:
            for view in views:
                drop(fresh_db, view, forget=True)


# A replay's tables carry `_replay_<pid>_<random>`. While it runs it holds a claim on that
# suffix: on PostgreSQL an advisory lock on a connection of its own (released by the
# server when the process dies, whatever killed it); on SQLite, whose files are local, its
# process id. A later replay drops the tables of any claim no longer held: those of a
# replay that was killed before it could drop its own.
_REPLAY_NAME = re.compile(rf"^(\w+?)({REPLAY_SUFFIX}_(\d+)_[0-9a-f]{{12}})$")


@contextlib.contextmanager
def _claimed(ledger: Any) -> Iterator[str]:
    suffix = f"{REPLAY_SUFFIX}_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    if ledger.store.kind != "postgres":
        yield suffix
        return
    with contextlib.closing(ledger.store.connect()) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (_claim(ledger, suffix),))
        yield suffix


def _claim(ledger: Any, suffix: str) -> str:
    return f"ledger:{ledger.store.postgres['POSTGRES_SCHEMA']}:{suffix}"


def _clear_abandoned(ledger: Any, db: Db) -> None:
    with db.transaction(commit=False) as cursor:
        if not db.table_exists(cursor, POSITIONS):
            return
        cursor.execute(f"SELECT view FROM {db.table(POSITIONS)} WHERE view LIKE ?",
                       (f"%{REPLAY_SUFFIX}_%",))
        tracked = [row["view"] for row in cursor.fetchall()]
    suffixes = {m.group(2): int(m.group(3)) for name in tracked
                if (m := _REPLAY_NAME.match(name)) is not None}
    for suffix, pid in suffixes.items():
        if not _abandoned(ledger, suffix, pid):
            continue
        stale = Db(ledger, suffix=suffix)
        for view in VIEWS.values():
            drop(stale, view, forget=True)


def _abandoned(ledger: Any, suffix: str, pid: int) -> bool:
    """Whether the replay that claimed `suffix` is gone."""
    if ledger.store.kind == "postgres":
        with contextlib.closing(ledger.store.connect()) as conn:
            taken = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))",
                                 (_claim(ledger, suffix),)).fetchone()[0]
            return bool(taken)  # the connection's close gives the lock back
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # someone else's process, alive
    return False


def _compared(ledger: Any, live_db: Db, fresh_db: Db, view: View) -> Replayed:
    for _attempt in range(COMPARE_ATTEMPTS):
        with live_db.transaction(commit=False, snapshot=True) as cursor:
            kept_at = position_in(cursor, live_db, view)
            if position_in(cursor, fresh_db, view) == kept_at:
                differences = _differences(cursor, live_db, fresh_db, view)
                break
        catch_up(ledger, view, db=fresh_db, until=kept_at)
    else:
        raise ConcurrentUpdate(_("the {view} view kept moving on while replay compared it: run "
                                 "replay again when fewer commands are running").format(
                                 view=view.name))
    fresh_digest, rows = _digest_tables(fresh_db, view)
    found = tuple((p["event"], p["subject"], int(p["originator_version"]), p["error"])
                  for p in problems(fresh_db, view))
    return Replayed(view.name, rows, fresh_digest, differences, found)


def replay(ledger: Any, view: View, *, progress: Callable[[int], None] | None = None) -> Replayed:
    """`replay_all` for one view."""
    return replay_all(ledger, [view], progress=progress)[0]


def rebuild_all(ledger: Any, *, progress: Callable[[int], None] | None = None) -> int:
    """Drop every view and rebuild them all from position 0 in one pass; returns the
    events read.
    """
    return rebuild(ledger, list(VIEWS.values()), progress=progress)
