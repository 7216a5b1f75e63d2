"""Standings: one row per (group, member) with the member's status and live strikes now.

A row is the fold of that membership's events in the order they happened (the same fold
that judges new facts), so a fact recorded late lands where it belongs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from ledger.clock import format_time
from ledger.events import LedgerEvent, MembershipEvent
from ledger.timeline import replay
from projections.base import Cursor, Db, View, filters, select

FIELDS = ("group", "member", "nickname", "status", "strikes", "since")


class StandingsView(View):
    name = "standings"
    version = 1
    tables = {
        "view_standings": (
            "grp TEXT NOT NULL, member TEXT NOT NULL, nickname TEXT NOT NULL, "
            "status TEXT NOT NULL, strikes INTEGER NOT NULL, since TEXT NOT NULL, "
            "PRIMARY KEY (grp, member)"
        )
    }

    def process(self, db: Db, cursor: Cursor, events: Sequence[LedgerEvent]) -> None:
        latest: dict[UUID, int] = {}
        for event in events:
            if isinstance(event, MembershipEvent):
                latest[event.originator_id] = event.originator_version
        rows = []
        for membership, version in latest.items():
            history = db.ledger.events.get(membership, lte=version)
            state = replay(history)  # type: ignore[arg-type]
            assert state.status is not None and state.since is not None
            rows.append((state.group, state.member, state.nickname, state.status,
                         state.live_strikes, format_time(state.since)))
        cursor.executemany(
            f"INSERT INTO {db.table('view_standings')} "
            "(grp, member, nickname, status, strikes, since) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (grp, member) DO UPDATE SET nickname=excluded.nickname, "
            "status=excluded.status, strikes=excluded.strikes, since=excluded.since",
            rows,
        )


VIEW = StandingsView()


def query(ledger: Any, *, group: str | None = None, member: str | None = None) -> list[dict[str, Any]]:
    """The standings now, ordered by group and member."""
    where, params = filters(group=group, member=member)
    rows = select(ledger, VIEW,
                  "SELECT grp, member, nickname, status, strikes, since FROM {t}"
                  f"{where} ORDER BY grp, member", params)
    return [{"group": r["grp"], "member": r["member"], "nickname": r["nickname"],
             "status": r["status"], "strikes": r["strikes"], "since": r["since"]} for r in rows]
