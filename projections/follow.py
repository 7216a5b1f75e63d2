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
    batches: list[int] = []

    def between_batches(read: int) -> None:
        batches.append(read)
        if stopped():
            raise _Stopped  # the batch is committed with its position: stop at it

    with _waiting(ledger) as woken:
        while not stopped():
            batches.clear()
            try:
                catch_up(ledger, views, db=db, progress=between_batches)
            except _Stopped:
                pass
            if batches:
                total += sum(batches)
                caught_up(sum(batches), position(db, views[0]))
            waited = 0.0
            # In short slices, so that being told to stop never waits for the interval.
            while not stopped() and waited < interval:
                step = min(STEP, interval - waited)
                if woken(step):
                    break
                waited += step
    return total


STEP = 0.25  # seconds: how soon a follower notices it was told to stop


class _Stopped(Exception):
    """Told to stop while catching up."""


@contextlib.contextmanager
def _waiting(ledger: Ledger) -> Iterator[Callable[[float], bool]]:
    """A function that waits up to its argument in seconds and says whether the log grew
    meanwhile (on PostgreSQL, whether a notification came; on SQLite it cannot know).
    """
    if ledger.store.kind != "postgres":
        def sleep(seconds: float) -> bool:
            time.sleep(seconds)
            return False

        yield sleep
        return
    from psycopg import sql

    conn: Any = ledger.store.connect()
    try:
        conn.execute(sql.SQL("LISTEN {}").format(
            sql.Identifier(ledger.recorder.channel_name)))  # type: ignore[attr-defined]

        def wait(seconds: float) -> bool:
            return any(True for _ in conn.notifies(timeout=seconds, stop_after=1))

        yield wait
    finally:
        conn.close()
