"""Cases: every flag, sanction and task by id, with what was flagged and how a flag was
decided, for `flag list` at any moment. (Commands find a short id in the ledger's own id
index, `ledger.ids`, never here.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ledger.domain.clock import format_time, utc_key
from ledger.domain.events import (
    ALL_EVENTS,
    FlagConfirmed,
    FlagDismissed,
    MemberRemoved,
    MessageFlagged,
    TaskAssigned,
    WarningIssued,
)
from ledger.domain.fold import known_by
from projections.base import Rows, View, filters, handles, recorded_by, select

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

    ignores = tuple(e for e in ALL_EVENTS if e not in (
        MessageFlagged, WarningIssued, MemberRemoved, TaskAssigned, FlagConfirmed,
        FlagDismissed))

    @handles(MessageFlagged)
    def flagged(self, rows: Rows, event: MessageFlagged) -> None:
        self._insert(rows, event.flag_id, "flag", event, event.category, event.message,
                     event.excerpt)

    @handles(WarningIssued)
    def warned(self, rows: Rows, event: WarningIssued) -> None:
        self._insert(rows, event.sanction_id, "warning", event, event.category, None, None)

    @handles(MemberRemoved)
    def removed(self, rows: Rows, event: MemberRemoved) -> None:
        kind = "temporary removal" if event.temporary else "removal"
        self._insert(rows, event.sanction_id, kind, event, None, None, None)

    @handles(TaskAssigned)
    def assigned(self, rows: Rows, event: TaskAssigned) -> None:
        self._insert(rows, event.task_id, "task", event, event.category, None, None)

    @handles(FlagConfirmed, FlagDismissed)
    def decided(self, rows: Rows, event: FlagConfirmed | FlagDismissed) -> None:
        # A flag's decision may sit in the same batch as the flag: the batch writes its
        # inserts before its updates.
        decision = "confirmed" if isinstance(event, FlagConfirmed) else "dismissed"
        rows.add("UPDATE {view_cases} SET decision=?, decided_utc=?, decided_recorded_utc=? "
                 "WHERE case_id=?", (decision, utc_key(event.occurred_at),
                                     utc_key(event.recorded_at), event.flag_id))

    @staticmethod
    def _insert(rows: Rows, case_id: str, kind: str, event: Any, category: str | None,
                message: str | None, excerpt: str | None) -> None:
        rows.add("INSERT INTO {view_cases} (case_id, kind, grp, member, category, actor, "
                 "occurred_at, occurred_utc, recorded_utc, message, excerpt) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO NOTHING",
                 (case_id, kind, event.group, event.member, category, event.actor,
                  format_time(event.occurred_at), utc_key(event.occurred_at),
                  utc_key(event.recorded_at), message, excerpt))


VIEW = CasesView()


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
        decided = known_by(r["decided_utc"], r["decided_recorded_utc"], at, known)
        current = r["decision"] if decided else "open"
        if state is not None and current != state:
            continue
        result.append({"flag": r["case_id"], "group": r["grp"], "member": r["member"],
                       "category": r["category"], "raised_by": r["actor"],
                       "raised_at": r["occurred_at"], "state": current,
                       "message": r["message"], "excerpt": r["excerpt"]})
    return result
