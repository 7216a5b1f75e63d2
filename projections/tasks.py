"""Tasks: every task a leader assigned, its deadline, and whether it was acknowledged in
time or confirmed missed. Times are kept as UTC keys too, so that deadlines compare
whatever offset they were given in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ledger.domain.clock import format_time, utc_key
from ledger.domain.events import ALL_EVENTS, TaskAcknowledged, TaskAssigned, TaskMissed
from ledger.domain.fold import known_by, task_state
from projections.base import Rows, View, filters, handles, recorded_by, select

FIELDS = ("task", "group", "member", "summary", "assigned_by", "assigned_at", "deadline_at",
          "acknowledged_at", "state")


class TasksView(View):
    name = "tasks"
    version = 2
    tables = {
        "view_tasks": (
            "task_id TEXT PRIMARY KEY, grp TEXT NOT NULL, member TEXT NOT NULL, "
            "summary TEXT NOT NULL, assigned_by TEXT NOT NULL, assigned_at TEXT NOT NULL, "
            "assigned_utc TEXT NOT NULL, assigned_recorded_utc TEXT NOT NULL, "
            "deadline_at TEXT NOT NULL, deadline_utc TEXT NOT NULL, "
            "acknowledged_at TEXT, acknowledged_utc TEXT, acknowledged_recorded_utc TEXT, "
            "missed_utc TEXT, missed_recorded_utc TEXT"
        )
    }

    ignores = tuple(e for e in ALL_EVENTS
                    if e not in (TaskAssigned, TaskAcknowledged, TaskMissed))

    @handles(TaskAssigned)
    def assigned(self, rows: Rows, event: TaskAssigned) -> None:
        rows.add("INSERT INTO {view_tasks} (task_id, grp, member, summary, assigned_by, "
                 "assigned_at, assigned_utc, assigned_recorded_utc, deadline_at, "
                 "deadline_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (task_id) DO NOTHING",
                 (event.task_id, event.group, event.member, event.summary,
                  event.assigned_by or event.actor,
                  format_time(event.occurred_at), utc_key(event.occurred_at),
                  utc_key(event.recorded_at), format_time(event.deadline_at),
                  utc_key(event.deadline_at)))

    @handles(TaskAcknowledged)
    def acknowledged(self, rows: Rows, event: TaskAcknowledged) -> None:
        rows.add("UPDATE {view_tasks} SET acknowledged_at=?, acknowledged_utc=?, "
                 "acknowledged_recorded_utc=? WHERE task_id=?",
                 (format_time(event.occurred_at), utc_key(event.occurred_at),
                  utc_key(event.recorded_at), event.task_id))

    @handles(TaskMissed)
    def missed(self, rows: Rows, event: TaskMissed) -> None:
        rows.add("UPDATE {view_tasks} SET missed_utc=?, missed_recorded_utc=? WHERE task_id=?",
                 (utc_key(event.occurred_at), utc_key(event.recorded_at), event.task_id))


VIEW = TasksView()


def _state(row: dict[str, Any], at: str, known: str) -> str:
    acked = known_by(row["acknowledged_utc"], row["acknowledged_recorded_utc"], at, known)
    return task_state(row["deadline_utc"], row["acknowledged_utc"] if acked else None,
                      known_by(row["missed_utc"], row["missed_recorded_utc"], at, known), at)


def tasks(ledger: Any, *, as_of: datetime | None = None, known_at: datetime | None = None,
          group: str | None = None, member: str | None = None,
          overdue_only: bool = False) -> list[dict[str, Any]]:
    """Tasks assigned by `as_of` and recorded by `known_at` (both default to now), in
    deadline order, with their state then: open, acknowledged, overdue (the deadline
    passed without an acknowledgement in time), missed (confirmed by an admin).
    """
    now = ledger.clock()
    at, known = utc_key(as_of or now), recorded_by(known_at)
    where, params = filters(group=group, member=member)
    rows = select(ledger, VIEW, "SELECT * FROM {t}" + where +
                  (" AND" if where else " WHERE") + " assigned_utc <= ? AND "
                  "assigned_recorded_utc <= ? ORDER BY deadline_utc, task_id",
                  [*params, at, known])
    result = []
    for row in rows:
        state = _state(row, at, known)
        if overdue_only and state != "overdue":
            continue
        acked = known_by(row["acknowledged_utc"], row["acknowledged_recorded_utc"], at, known)
        result.append({"task": row["task_id"], "group": row["grp"], "member": row["member"],
                       "summary": row["summary"], "assigned_by": row["assigned_by"],
                       "assigned_at": row["assigned_at"], "deadline_at": row["deadline_at"],
                       "acknowledged_at": row["acknowledged_at"] if acked else None,
                       "state": state})
    return result
