"""Appeals: the reviewer's queue and record — every appeal against a sanction, who filed
it and on what grounds, and, once decided, the outcome, who decided and why.

A row is written when the appeal is filed; its decision is kept as the moment it
happened and was recorded, so that a past moment is answered from the rows alone (an
appeal decided later was open then).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ledger.domain.clock import format_time, from_utc_key, utc_key
from ledger.domain.events import ALL_EVENTS, AppealDecided, AppealFiled
from ledger.domain.fold import known_by
from projections.base import Rows, View, filters, handles, recorded_by, select

FIELDS = ("appeal", "group", "member", "sanction", "kind", "filed_by", "filed_at",
          "age_days", "state", "decided_by", "weight")


class AppealsView(View):
    name = "appeals"
    version = 1
    tables = {
        "view_appeals": (
            "appeal_id TEXT PRIMARY KEY, grp TEXT NOT NULL, member TEXT NOT NULL, "
            "sanction_id TEXT NOT NULL, sanction_kind TEXT NOT NULL, filed_by TEXT NOT NULL, "
            "filed_at TEXT NOT NULL, filed_utc TEXT NOT NULL, recorded_utc TEXT NOT NULL, "
            "grounds TEXT NOT NULL, outcome TEXT, decided_by TEXT, decided_at TEXT, "
            "decided_utc TEXT, decided_recorded_utc TEXT, rationale TEXT, weight INTEGER"
        )
    }
    ignores = tuple(e for e in ALL_EVENTS if e not in (AppealFiled, AppealDecided))

    @handles(AppealFiled)
    def filed(self, rows: Rows, e: AppealFiled) -> None:
        rows.add("INSERT INTO {view_appeals} (appeal_id, grp, member, sanction_id, "
                 "sanction_kind, filed_by, filed_at, filed_utc, recorded_utc, grounds) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (appeal_id) DO NOTHING",
                 (e.appeal_id, e.group, e.member, e.sanction_id, e.sanction_kind, e.actor,
                  format_time(e.occurred_at), utc_key(e.occurred_at), utc_key(e.recorded_at),
                  e.grounds))

    @handles(AppealDecided)
    def decided(self, rows: Rows, e: AppealDecided) -> None:
        rows.add("UPDATE {view_appeals} SET outcome = ?, decided_by = ?, decided_at = ?, "
                 "decided_utc = ?, decided_recorded_utc = ?, rationale = ?, weight = ? "
                 "WHERE appeal_id = ?",
                 (e.outcome, e.actor, format_time(e.occurred_at), utc_key(e.occurred_at),
                  utc_key(e.recorded_at), e.rationale, e.weight, e.appeal_id))


VIEW = AppealsView()


def query(ledger: Any, *, group: str | None = None, member: str | None = None,
          open_only: bool = False, as_of: datetime | None = None,
          known_at: datetime | None = None) -> list[dict[str, Any]]:
    """Appeals filed by `as_of` and recorded by `known_at` (both default to now), oldest
    first, each with its age in whole days at that moment and its state then: `open`, or
    the outcome.
    """
    moment = as_of or ledger.clock()
    at, known = utc_key(moment), recorded_by(known_at)
    where, params = filters(group=group, member=member)
    rows = select(ledger, VIEW, "SELECT * FROM {t}" + where +
                  (" AND" if where else " WHERE") + " filed_utc <= ? AND recorded_utc <= ? "
                  "ORDER BY filed_utc, appeal_id", [*params, at, known])
    result = []
    for row in rows:
        decided = known_by(row["decided_utc"], row["decided_recorded_utc"], at, known)
        if open_only and decided:
            continue
        age = (moment - from_utc_key(row["filed_utc"])).days
        result.append({"appeal": row["appeal_id"], "group": row["grp"], "member": row["member"],
                       "sanction": row["sanction_id"], "kind": row["sanction_kind"],
                       "filed_by": row["filed_by"], "filed_at": row["filed_at"],
                       "age_days": age, "state": row["outcome"] if decided else "open",
                       "decided_by": row["decided_by"] if decided else None,
                       "weight": row["weight"] if decided else None,
                       "grounds": row["grounds"],
                       "rationale": row["rationale"] if decided else None})
    return result
