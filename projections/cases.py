"""Cases: every flag and sanction by id, so that a command can take a short id (a unique
prefix, as git allows) and find the group and member it belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.clock import format_time, utc_key
from ledger.errors import AmbiguousId, InvalidInput, NotFound
from ledger.events import (
    FlagConfirmed,
    FlagDismissed,
    LedgerEvent,
    MemberRemoved,
    MessageFlagged,
    TaskAssigned,
    WarningIssued,
)
from projections.base import Cursor, Db, View, filters, recorded_by, select

MIN_PREFIX = 4


@dataclass(frozen=True)
class Case:
    case_id: str
    kind: str
    group: str
    member: str


class CasesView(View):
    name = "cases"
    version = 4
    tables = {
        "view_cases": (
            "case_id TEXT PRIMARY KEY, kind TEXT NOT NULL, grp TEXT NOT NULL, "
            "member TEXT NOT NULL, category TEXT, actor TEXT NOT NULL, "
            "occurred_at TEXT NOT NULL, occurred_utc TEXT NOT NULL, recorded_utc TEXT NOT NULL, "
            "message TEXT, excerpt TEXT, "
            # A flag's decision: what, when it happened, when it was recorded.
            "decision TEXT, decided_utc TEXT, decided_recorded_utc TEXT"
        )
    }

    def process(self, db: Db, cursor: Cursor, events: Sequence[LedgerEvent]) -> None:
        # Events are applied one by one, in log order: a flag's decision may sit in the
        # same batch as the flag.
        for event in events:
            if isinstance(event, MessageFlagged):
                self._insert(db, cursor, event.flag_id, "flag", event, event.category,
                             event.message, event.excerpt)
            elif isinstance(event, WarningIssued):
                self._insert(db, cursor, event.sanction_id, "warning", event, event.category,
                             None, None)
            elif isinstance(event, MemberRemoved):
                kind = "temporary removal" if event.temporary else "removal"
                self._insert(db, cursor, event.sanction_id, kind, event, None, None, None)
            elif isinstance(event, TaskAssigned):
                self._insert(db, cursor, event.task_id, "task", event, event.category,
                             None, None)
            elif isinstance(event, (FlagConfirmed, FlagDismissed)):
                decision = "confirmed" if isinstance(event, FlagConfirmed) else "dismissed"
                cursor.execute(f"UPDATE {db.table('view_cases')} SET decision=?, "
                               "decided_utc=?, decided_recorded_utc=? WHERE case_id=?",
                               (decision, utc_key(event.occurred_at),
                                utc_key(event.recorded_at), event.flag_id))

    @staticmethod
    def _insert(db: Db, cursor: Cursor, case_id: str, kind: str, event: Any,
                category: str | None, message: str | None, excerpt: str | None) -> None:
        cursor.execute(
            f"INSERT INTO {db.table('view_cases')} (case_id, kind, grp, member, category, "
            "actor, occurred_at, occurred_utc, recorded_utc, message, excerpt) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO NOTHING",
            (case_id, kind, event.group, event.member, category, event.actor,
             format_time(event.occurred_at), utc_key(event.occurred_at),
             utc_key(event.recorded_at), message, excerpt))


VIEW = CasesView()


def resolve(ledger: Any, prefix: str, *, kinds: tuple[str, ...], what: str) -> Case:
    """The one case of the given kinds whose id starts with `prefix`."""
    cleaned = prefix.strip().lower().replace("-", "")
    if len(cleaned) < MIN_PREFIX or any(ch not in "0123456789abcdef" for ch in cleaned):
        raise InvalidInput(f"{what} id {prefix!r} is not an id: give at least {MIN_PREFIX} "
                           "hex digits of the id a command printed")
    marks = ", ".join("?" for _ in kinds)
    rows = select(ledger, VIEW,
                  f"SELECT case_id, kind, grp, member FROM {{t}} WHERE case_id LIKE ? "
                  f"AND kind IN ({marks}) ORDER BY case_id LIMIT 3",
                  (cleaned + "%", *kinds))
    if not rows:
        raise NotFound(f"no {what} has an id starting with {cleaned}: check the id")
    if len(rows) > 1:
        ids = ", ".join(row["case_id"] for row in rows[:2])
        more = " and more" if len(rows) > 2 else ""
        raise AmbiguousId(f"{what} id {cleaned} is ambiguous ({ids}{more}): give more digits")
    row = rows[0]
    return Case(row["case_id"], row["kind"], row["grp"], row["member"])


FLAG_FIELDS = ("flag", "group", "member", "category", "raised_by", "raised_at", "state",
               "message", "excerpt")


def flags(ledger: Any, *, group: str | None = None, member: str | None = None,
          state: str | None = None, as_of: datetime | None = None,
          known_at: datetime | None = None) -> list[dict[str, Any]]:
    """Flags raised by `as_of` and recorded by `known_at` (both default to now), in the
    order they were raised, with their state then: open, confirmed, dismissed.
    """
    now = ledger.clock()
    at, known = utc_key(as_of or now), recorded_by(known_at)
    where, params = filters(group=group, member=member, kind="flag")
    rows = select(ledger, VIEW,
                  "SELECT * FROM {t}" + where + " AND occurred_utc <= ? AND recorded_utc <= ? "
                  "ORDER BY occurred_utc, case_id", [*params, at, known])
    result = []
    for r in rows:
        decided = (r["decided_utc"] is not None and r["decided_utc"] <= at
                   and r["decided_recorded_utc"] <= known)
        current = r["decision"] if decided else "open"
        if state is not None and current != state:
            continue
        result.append({"flag": r["case_id"], "group": r["grp"], "member": r["member"],
                       "category": r["category"], "raised_by": r["actor"],
                       "raised_at": r["occurred_at"], "state": current,
                       "message": r["message"], "excerpt": r["excerpt"]})
    return result
