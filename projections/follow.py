"""Keeping the views current as the log grows, until told to stop: `ledger project follow`.

On PostgreSQL the follower sleeps until the library's NOTIFY (sent in the transaction that
records events) wakes it, and looks anyway every `interval` seconds, in case a
notification was missed while it was catching up; on SQLite, which has no notifications,
it looks every `interval` seconds. Each look is an ordinary `catch_up`: rows and position
commit together, so a follower stopped at any moment (or killed) resumes from where its
views stand, and nothing is counted twice.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ledger.application import Ledger
from projections.base import Db, View, catch_up, position


def follow(ledger: Ledger, views: Sequence[View], *, interval: float,
           stopped: Callable[[], bool],
           caught_up: Callable[[int, int], None] = lambda read, at: None) -> int:
    """Bring the views up to date, then again whenever the log grows, until `stopped()`;
    `caught_up(events read, position)` is told of each catch-up that read something.
    Returns the number of events read.
    """
    db = Db(ledger)
    total = 0
    with _waiting(ledger) as wait:
        while not stopped():
            read = catch_up(ledger, views, db=db)
            if read:
                total += read
                caught_up(read, position(db, views[0]))
            if not stopped():
                wait(interval)
    return total


@contextlib.contextmanager
def _waiting(ledger: Ledger) -> Iterator[Callable[[float], None]]:
    """A function that waits up to its argument in seconds, or less on PostgreSQL when the
    log has grown meanwhile.
    """
    if ledger.store.kind != "postgres":
        yield time.sleep
        return
    from psycopg import sql

    conn: Any = ledger.store.connect()
    try:
        conn.execute(sql.SQL("LISTEN {}").format(
            sql.Identifier(ledger.recorder.channel_name)))  # type: ignore[attr-defined]

        def wait(seconds: float) -> None:
            for _ in conn.notifies(timeout=seconds, stop_after=1):
                pass

        yield wait
    finally:
        conn.close()
