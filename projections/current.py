"""Answers from a view that is already current, read with nothing but `sqlite3`: no event
model, no library, no catching up. A query tries here first; whenever the answer would
need anything more (the view is behind the log or was never built, a row changed by
itself since it was stored, a point-in-time question, a PostgreSQL store), this says so
by returning None and the query takes its ordinary path, which gives the same rows.

Kept light on purpose: importing this module imports only the standard library and
`ledger.clock`/`ledger.store`.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from ledger.domain.clock import utc_key
from ledger.store.url import Store

POSITIONS = "ledger_view_positions"
EVENTS = "stored_events"
STANDINGS_VERSION = 4  # projections.standings.StandingsView.version
STANDINGS_FIELDS = ("group", "member", "nickname", "status", "strikes", "since",
                    "nickname_ok", "reminders", "review_due")


def standing_row(r: Any, key: str) -> dict[str, Any]:
    """A stored standings row as the query shows it at the moment whose UTC key is
    `key` (a review falls due by the calendar alone).
    """
    return {
        "group": r["grp"], "member": r["member"], "nickname": r["nickname"],
        "status": r["status"], "strikes": r["strikes"], "since": r["since"],
        "nickname_ok": None if r["nickname_ok"] is None else bool(r["nickname_ok"]),
        "reminders": r["reminders"],
        "review_due": r["review_due_utc"] is not None and r["review_due_utc"] <= key,
    }


def stored_is_current(r: Any, key: str) -> bool:
    """Whether a stored row still describes the membership at `key`: nothing changes by
    itself (a strike expiring) between its last fact and then.
    """
    return r["next_change_utc"] is None or r["next_change_utc"] > key


def standings(store: Store, *, moment: datetime, group: str | None = None,
              member: str | None = None) -> list[dict[str, Any]] | None:
    """The standings now, from a current view of an SQLite ledger, or None."""
    if store.kind != "sqlite" or store.path is None or not store.path.exists():
        return None
    try:
        # as_uri() quotes what a URI would read as syntax (#, ?, %) in the file's name.
        connection = sqlite3.connect(f"{store.path.absolute().as_uri()}?mode=ro", uri=True,
                                     timeout=5)
    except sqlite3.Error:
        return None
    try:
        connection.row_factory = sqlite3.Row
        found = connection.execute(f"SELECT version, position FROM {POSITIONS} WHERE view = ?",
                                   ("standings",)).fetchone()
        if found is None or found["version"] != STANDINGS_VERSION:
            return None
        last = connection.execute(f"SELECT MAX(rowid) FROM {EVENTS}").fetchone()[0] or 0
        if found["position"] < last:
            return None
        given = {column: value for column, value in (("grp", group), ("member", member))
                 if value is not None}
        where = (" WHERE " + " AND ".join(f"{c} = ?" for c in given)) if given else ""
        rows = connection.execute(
            "SELECT grp, member, nickname, status, strikes, since, nickname_ok, reminders, "
            f"review_due_utc, next_change_utc FROM view_standings{where} "
            "ORDER BY grp, member", tuple(given.values())).fetchall()
    except sqlite3.Error:
        return None  # no such table, a locked file, not a ledger: the ordinary path says
    finally:
        connection.close()
    key = utc_key(moment)
    if not all(stored_is_current(r, key) for r in rows):
        return None
    return [standing_row(r, key) for r in rows]
