"""Strikes: every strike with its group, member, case id, category, weight, when it
happened, the rule version it was judged by, and its state at the moment asked about:
`live`, `expired`, `rescinded` (withdrawn by its issuer), `overturned` or `reduced` (decided
on appeal).

A row is written once, when its warning is recorded; what changes later (an expiry, an
appeal's decision) is kept as the moment it happens, so that any past moment can be
answered from the rows alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ledger.domain.clock import format_time, utc_key
from ledger.domain.events import ALL_EVENTS, AppealDecided, SanctionRescinded, WarningIssued
from ledger.domain.fold import known_by, live_at
from projections.base import Rows, View, filters, handles, recorded_by, select

FIELDS = ("case", "group", "member", "category", "label", "weight", "occurred_at", "rule",
          "state", "expires_at", "issued_by")


class StrikesView(View):
    name = "strikes"
    version = 2
    tables = {
        "view_strikes": (
            "case_id TEXT PRIMARY KEY, grp TEXT NOT NULL, member TEXT NOT NULL, "
            "category TEXT NOT NULL, label TEXT NOT NULL, weight INTEGER NOT NULL, "
            "occurred_at TEXT NOT NULL, occurred_utc TEXT NOT NULL, recorded_utc TEXT NOT NULL, "
            "rulebook TEXT NOT NULL, rulebook_version INTEGER NOT NULL, expires_at TEXT, "
            "expires_utc TEXT, actor TEXT NOT NULL, reason TEXT, rule_text TEXT NOT NULL, "
            "flag_id TEXT, task_id TEXT, "
            # Set by appeals' decisions: when, as it happened and as it was recorded.
            "overturned_utc TEXT, overturned_recorded_utc TEXT, reduced_utc TEXT, "
            "reduced_recorded_utc TEXT, reduced_weight INTEGER, "
            # Set by a rescission, likewise.
            "rescinded_utc TEXT, rescinded_recorded_utc TEXT"
        )
    }

    ignores = tuple(e for e in ALL_EVENTS
                    if e not in (WarningIssued, SanctionRescinded, AppealDecided))

    @handles(WarningIssued)
    def warned(self, rows: Rows, e: WarningIssued) -> None:
        rows.add("INSERT INTO {view_strikes} (case_id, grp, member, category, label, "
                 "weight, occurred_at, occurred_utc, recorded_utc, rulebook, rulebook_version, "
                 "expires_at, expires_utc, actor, reason, rule_text, flag_id, task_id) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (case_id) DO NOTHING",
                 (e.sanction_id, e.group, e.member, e.category, e.category_label, e.weight,
                  format_time(e.occurred_at), utc_key(e.occurred_at), utc_key(e.recorded_at),
                  e.rulebook, e.rulebook_version,
                  format_time(e.expires_at) if e.expires_at else None,
                  utc_key(e.expires_at) if e.expires_at else None, e.actor, e.reason,
                  e.rule_text, e.flag_id, e.task_id))


    @handles(SanctionRescinded)
    def rescinded(self, rows: Rows, e: SanctionRescinded) -> None:
        # A removal has no row here: the update finds none, and changes nothing.
        rows.add("UPDATE {view_strikes} SET rescinded_utc = ?, rescinded_recorded_utc = ? "
                 "WHERE case_id = ?", (utc_key(e.occurred_at), utc_key(e.recorded_at),
                                       e.sanction_id))

    @handles(AppealDecided)
    def decided(self, rows: Rows, e: AppealDecided) -> None:
        if e.sanction_kind != "warning" or e.outcome == "upheld":
            return  # a removal has no row here; an upheld strike stays as it was
        if e.outcome == "overturned":
            rows.add("UPDATE {view_strikes} SET overturned_utc = ?, "
                     "overturned_recorded_utc = ? WHERE case_id = ?",
                     (utc_key(e.occurred_at), utc_key(e.recorded_at), e.sanction_id))
        else:
            rows.add("UPDATE {view_strikes} SET reduced_utc = ?, reduced_recorded_utc = ?, "
                     "reduced_weight = ? WHERE case_id = ?",
                     (utc_key(e.occurred_at), utc_key(e.recorded_at), e.weight, e.sanction_id))


VIEW = StrikesView()


def state_of(row: dict[str, Any], as_of: str, known_at: str) -> tuple[str, int]:
    """The strike's state at `as_of`, from what was recorded by `known_at`, and its weight
    (as judged, or as reduced on appeal); only a live or reduced strike counts.
    """
    reduced = known_by(row["reduced_utc"], row["reduced_recorded_utc"], as_of, known_at)
    weight = int(row["reduced_weight"]) if reduced else int(row["weight"])
    if known_by(row["rescinded_utc"], row["rescinded_recorded_utc"], as_of, known_at):
        return "rescinded", weight
    if known_by(row["overturned_utc"], row["overturned_recorded_utc"], as_of, known_at):
        return "overturned", weight
    if not live_at(row["expires_utc"], as_of):
        return "expired", weight
    return ("reduced" if reduced else "live"), weight


def query(ledger: Any, *, group: str | None = None, member: str | None = None,
          as_of: datetime | None = None, known_at: datetime | None = None,
          state: str | None = None) -> list[dict[str, Any]]:
    """Strikes that had happened by `as_of` and been recorded by `known_at` (both default
    to now), in the order they happened, with their state then.
    """
    now = ledger.clock()
    at, known = utc_key(as_of or now), recorded_by(known_at)
    where, params = filters(group=group, member=member)
    rows = select(ledger, VIEW, "SELECT * FROM {t}" + where +
                  (" AND" if where else " WHERE") + " occurred_utc <= ? AND recorded_utc <= ? "
                  "ORDER BY occurred_utc, case_id", [*params, at, known])
    result = []
    for row in rows:
        current, weight = state_of(row, at, known)
        if state is not None and current != state:
            continue
        result.append({"case": row["case_id"], "group": row["grp"], "member": row["member"],
                       "category": row["category"], "label": row["label"], "weight": weight,
                       "occurred_at": row["occurred_at"],
                       "rule": f"{row['rulebook']} v{row['rulebook_version']}",
                       "state": current, "expires_at": row["expires_at"],
                       "issued_by": row["actor"], "reason": row["reason"],
                       "rule_text": row["rule_text"]})
    return result
