"""Disputes: per member, the file a reviewer reads about conflicts and their outcome —
every temporary removal, removal, mediation note and re-admission, in the order they
happened. Each entry is one fact with a kind; disputes and appeals (their opening,
mediation, decision) come in as new kinds, with no change to the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ledger.clock import format_time, utc_key
from ledger.events import LedgerEvent, MemberReadmitted, MemberRemoved
from projections.base import Cursor, Db, View, filters, recorded_by, select

FIELDS = ("group", "member", "kind", "occurred_at", "actor", "case", "note")


def entry(event: LedgerEvent) -> tuple[str, str | None, str | None] | None:
    """(kind, case id, note) for an event that belongs in a dispute file, else None."""
    if isinstance(event, MemberRemoved):
        kind = ("temporary_removal" if event.temporary else
                "removal" if event.cause == "admin" else f"removal_{event.cause}")
        return kind, event.sanction_id, event.reason
    if isinstance(event, MemberReadmitted):
        return "readmission", None, event.note
    return None


class DisputesView(View):
    name = "disputes"
    version = 2
    tables = {
        "view_disputes": (
            "entry_id TEXT PRIMARY KEY, grp TEXT NOT NULL, member TEXT NOT NULL, "
            "kind TEXT NOT NULL, occurred_at TEXT NOT NULL, occurred_utc TEXT NOT NULL, "
            "recorded_utc TEXT NOT NULL, actor TEXT NOT NULL, case_id TEXT, note TEXT"
        )
    }

    def process(self, db: Db, cursor: Cursor, events: Sequence[LedgerEvent]) -> None:
        rows = []
        for event in events:
            found = entry(event)
            if found is None:
                continue
            kind, case_id, note = found
            rows.append((f"{event.originator_id.hex}:{event.originator_version:010d}",
                         event.group, event.member, kind,  # type: ignore[attr-defined]
                         format_time(event.occurred_at), utc_key(event.occurred_at),
                         utc_key(event.recorded_at), event.actor, case_id, note))
        cursor.executemany(
            f"INSERT INTO {db.table('view_disputes')} (entry_id, grp, member, kind, "
            "occurred_at, occurred_utc, recorded_utc, actor, case_id, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entry_id) DO NOTHING", rows)


VIEW = DisputesView()


def query(ledger: Any, *, group: str | None = None, member: str | None = None,
          as_of: datetime | None = None, known_at: datetime | None = None) -> list[dict[str, Any]]:
    now = ledger.clock()
    where, params = filters(group=group, member=member)
    rows = select(ledger, VIEW, "SELECT * FROM {t}" + where +
                  (" AND" if where else " WHERE") + " occurred_utc <= ? AND recorded_utc <= ? "
                  "ORDER BY member, occurred_utc, entry_id",
                  [*params, utc_key(as_of or now), recorded_by(known_at)])
    return [{"group": r["grp"], "member": r["member"], "kind": r["kind"],
             "occurred_at": r["occurred_at"], "actor": r["actor"], "case": r["case_id"],
             "note": r["note"]} for r in rows]
