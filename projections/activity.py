"""Activity: per actor and group, what they recorded — for the office that audits admins.
One row per recorded fact (its kind, when it happened, when it was recorded); a query
counts them for any moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ledger.domain.clock import format_time, from_utc_key, utc_key
from ledger.domain.events import (
    SEAL_EVENTS,
    AppealDecided,
    AppealFiled,
    CautionIssued,
    DisputeNoted,
    DisputeOpened,
    DisputeResolved,
    FlagSeconded,
    SanctionRescinded,
    FlagConfirmed,
    FlagDismissed,
    GroupRegistered,
    GroupReviewed,
    LedgerEvent,
    MemberAdmitted,
    MemberLeft,
    MemberReadmitted,
    MemberRemoved,
    MemberRenamed,
    MembershipReviewed,
    MessageFlagged,
    NicknameExemptionGranted,
    NicknameReminded,
    RoleGranted,
    RoleRevoked,
    RulebookAmended,
    TaskAcknowledged,
    TaskAssigned,
    TaskMissed,
    WarningIssued,
)
from projections.base import (Rows, View, entry_id, filters, handles, present, recorded_by,
                              select)

KINDS: dict[type[LedgerEvent], str] = {
    GroupRegistered: "registrations",
    RoleGranted: "grants",
    RoleRevoked: "revocations",
    RulebookAmended: "amendments",
    GroupReviewed: "reviews",
    MemberAdmitted: "admissions",
    MemberRenamed: "renames",
    NicknameReminded: "reminders",
    MessageFlagged: "flags",
    FlagConfirmed: "confirmations",
    FlagDismissed: "dismissals",
    WarningIssued: "warnings",
    MemberRemoved: "removals",
    MemberReadmitted: "readmissions",
    MemberLeft: "departures",
    MembershipReviewed: "kept_in_review",
    TaskAssigned: "tasks",
    TaskAcknowledged: "acknowledgements",
    TaskMissed: "missed_tasks",
    NicknameExemptionGranted: "exemptions",
    CautionIssued: "cautions",
    FlagSeconded: "seconded_flags",
    SanctionRescinded: "rescissions",
    AppealFiled: "appeals",
    AppealDecided: "decisions",
    DisputeOpened: "disputes",
    DisputeNoted: "dispute_notes",
    DisputeResolved: "dispute_resolutions",
}
# The columns an auditor reads first; every other kind is counted under `other`.
MAIN = ("admissions", "warnings", "removals", "confirmations", "dismissals", "readmissions")
FIELDS = ("actor", "group", *MAIN, "other", "total", "first_at", "last_at")


class ActivityView(View):
    name = "activity"
    version = 2
    # One row per event, appended in log order: no key to keep in order as rows arrive
    # (entry ids are unique by construction, and a batch is applied once, guarded by the
    # view's position).
    tables = {
        "view_activity": (
            "entry_id TEXT NOT NULL, actor TEXT NOT NULL, grp TEXT NOT NULL, "
            "kind TEXT NOT NULL, occurred_utc TEXT NOT NULL, recorded_utc TEXT NOT NULL"
        )
    }

    # A seal belongs to no group: it is the ledger's record of itself ('ledger seals').
    ignores = SEAL_EVENTS

    @handles(*KINDS)
    def recorded(self, rows: Rows, event: Any) -> None:
        rows.add("INSERT INTO {view_activity} (entry_id, actor, grp, kind, occurred_utc, "
                 "recorded_utc) VALUES (?, ?, ?, ?, ?, ?)",
                 (entry_id(event), event.actor, event.group, KINDS[type(event)],
                  utc_key(event.occurred_at), utc_key(event.recorded_at)))


VIEW = ActivityView()


def query(ledger: Any, *, group: str | None = None, actor: str | None = None,
          as_of: datetime | None = None, known_at: datetime | None = None) -> list[dict[str, Any]]:
    """Per (actor, group): how many of each kind of fact they recorded, and the first and
    last time (UTC) one of them happened.
    """
    now = ledger.clock()
    where, params = filters(group=group, actor=actor)
    rows = select(ledger, VIEW, "SELECT actor, grp, kind, COUNT(*) AS n, "
                  "MIN(occurred_utc) AS first_utc, MAX(occurred_utc) AS last_utc FROM {t}"
                  + where + (" AND" if where else " WHERE") +
                  " occurred_utc <= ? AND recorded_utc <= ? GROUP BY actor, grp, kind "
                  "ORDER BY actor, grp, kind",
                  [*params, utc_key(as_of or now), recorded_by(known_at)])
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        line = table.setdefault((r["actor"], r["grp"]), {
            "actor": r["actor"], "group": r["grp"], **{k: 0 for k in MAIN}, "other": 0,
            "total": 0, "first_at": r["first_utc"], "last_at": r["last_utc"]})
        count = int(r["n"])
        line[r["kind"] if r["kind"] in MAIN else "other"] += count
        line["total"] += count
        line["first_at"] = min(line["first_at"], r["first_utc"])
        line["last_at"] = max(line["last_at"], r["last_utc"])
    for line in table.values():
        line["first_at"] = format_time(from_utc_key(line["first_at"]))
        line["last_at"] = format_time(from_utc_key(line["last_at"]))
    return list(table.values())


def known_actors(ledger: Any, actors: Sequence[str]) -> set[str]:
    """Which of `actors` recorded anything in this ledger."""
    return present(ledger, VIEW, "actor", actors)