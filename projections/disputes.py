"""Disputes: per member, the file a reviewer reads about conflicts and their outcome —
every temporary removal, removal, mediation note and re-admission, and every appeal,
decision (with its outcome and who decided) and rescission, in the order they happened. Each entry is one fact with a kind; disputes and appeals (their opening,
mediation, decision) come in as new kinds, with no change to the table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ledger.domain.clock import format_time, utc_key
from ledger.domain.events import (
    ALL_EVENTS,
    AppealDecided,
    AppealFiled,
    DisputeEvent,
    DisputeNoted,
    DisputeOpened,
    DisputeResolved,
    MemberReadmitted,
    MemberRemoved,
    MembershipEvent,
    SanctionRescinded,
)
from projections.base import Rows, View, entry_id, filters, handles, recorded_by, select

FIELDS = ("group", "member", "kind", "occurred_at", "actor", "case", "note")


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
    ignores = tuple(e for e in ALL_EVENTS if e not in (
        MemberRemoved, MemberReadmitted, AppealFiled, AppealDecided, SanctionRescinded,
        DisputeOpened, DisputeNoted, DisputeResolved))

    @handles(MemberRemoved)
    def removed(self, rows: Rows, event: MemberRemoved) -> None:
        kind = ("temporary_removal" if event.temporary else
                "removal" if event.cause == "admin" else f"removal_{event.cause}")
        self._entry(rows, event, kind, event.sanction_id, _for(event.reason, event.dispute_id))

    @handles(MemberReadmitted)
    def readmitted(self, rows: Rows, event: MemberReadmitted) -> None:
        self._entry(rows, event, "readmission", None, _for(event.note, event.dispute_id))

    @handles(DisputeOpened)
    def opened(self, rows: Rows, event: DisputeOpened) -> None:
        self._for_parties(rows, event, "dispute", event.summary)

    @handles(DisputeNoted)
    def noted(self, rows: Rows, event: DisputeNoted) -> None:
        self._for_parties(rows, event, "dispute_note", event.text)

    @handles(DisputeResolved)
    def resolved(self, rows: Rows, event: DisputeResolved) -> None:
        self._for_parties(rows, event, f"dispute_{event.outcome}", event.text)

    @staticmethod
    def _for_parties(rows: Rows, event: DisputeEvent, kind: str, note: str) -> None:
        """One entry in each party's file."""
        for party in event.parties:
            rows.add("INSERT INTO {view_disputes} (entry_id, grp, member, kind, occurred_at, "
                     "occurred_utc, recorded_utc, actor, case_id, note) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entry_id) DO NOTHING",
                     (f"{entry_id(event)}:{party}", event.group, party, kind,
                      format_time(event.occurred_at), utc_key(event.occurred_at),
                      utc_key(event.recorded_at), event.actor, event.dispute_id, note))

    @handles(AppealFiled)
    def appealed(self, rows: Rows, event: AppealFiled) -> None:
        self._entry(rows, event, "appeal", event.sanction_id, event.grounds)

    @handles(AppealDecided)
    def decided(self, rows: Rows, event: AppealDecided) -> None:
        weight = f" (weight {event.weight})" if event.outcome == "reduced" else ""
        self._entry(rows, event, f"appeal_{event.outcome}", event.sanction_id,
                    f"{event.rationale}{weight}")

    @handles(SanctionRescinded)
    def rescinded(self, rows: Rows, event: SanctionRescinded) -> None:
        self._entry(rows, event, "rescission", event.sanction_id, event.reason)

    @staticmethod
    def _entry(rows: Rows, event: MembershipEvent, kind: str, case_id: str | None,
               note: str | None) -> None:
        rows.add("INSERT INTO {view_disputes} (entry_id, grp, member, kind, occurred_at, "
                 "occurred_utc, recorded_utc, actor, case_id, note) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entry_id) DO NOTHING",
                 (entry_id(event), event.group, event.member, kind,
                  format_time(event.occurred_at), utc_key(event.occurred_at),
                  utc_key(event.recorded_at), event.actor, case_id, note))


def _for(note: str | None, dispute_id: str | None) -> str | None:
    """The note, with the dispute it is for, if any."""
    if dispute_id is None:
        return note
    return f"{note} (dispute {dispute_id[:8]})" if note else f"dispute {dispute_id[:8]}"


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
