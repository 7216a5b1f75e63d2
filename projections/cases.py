"""Cases: every flag and sanction by id, so that a command can take a short id (a unique
prefix, as git allows) and find the group and member it belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.clock import format_time
from ledger.errors import AmbiguousId, InvalidInput, NotFound
from ledger.events import LedgerEvent, MemberRemoved, MessageFlagged, WarningIssued
from projections.base import Cursor, Db, View, select

MIN_PREFIX = 4


@dataclass(frozen=True)
class Case:
    case_id: str
    kind: str
    group: str
    member: str


class CasesView(View):
    name = "cases"
    version = 1
    tables = {
        "view_cases": (
            "case_id TEXT PRIMARY KEY, kind TEXT NOT NULL, grp TEXT NOT NULL, "
            "member TEXT NOT NULL, category TEXT, actor TEXT NOT NULL, occurred_at TEXT NOT NULL"
        )
    }

    def process(self, db: Db, cursor: Cursor, events: Sequence[LedgerEvent]) -> None:
        rows = []
        for event in events:
            if isinstance(event, MessageFlagged):
                rows.append((event.flag_id, "flag", event, event.category))
            elif isinstance(event, WarningIssued):
                rows.append((event.sanction_id, "warning", event, event.category))
            elif isinstance(event, MemberRemoved):
                kind = "temporary removal" if event.temporary else "removal"
                rows.append((event.sanction_id, kind, event, None))
        cursor.executemany(
            f"INSERT INTO {db.table('view_cases')} "
            "(case_id, kind, grp, member, category, actor, occurred_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO NOTHING",
            [(case_id, kind, e.group, e.member, category, e.actor, format_time(e.occurred_at))
             for case_id, kind, e, category in rows],
        )


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
        ids = ", ".join(row["case_id"][: len(cleaned) + 4] for row in rows)
        raise AmbiguousId(f"{what} id {cleaned} is ambiguous ({ids}…): give more digits")
    row = rows[0]
    return Case(row["case_id"], row["kind"], row["grp"], row["member"])
