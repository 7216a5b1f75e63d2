"""Every nickname a member has had in a group, for finding people by the name admins know
them by: one row per admission or rename, never changed once written, so rebuilding it
and following the log give the same rows whatever the order facts were recorded in.

A nickname's end (`until`) is not stored: it is when the next nickname of that membership
took over, in the order the facts happened, worked out when asked, so a rename recorded
late ends the right nickname, and a point-in-time question sees the nicknames as they
were then.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ledger.domain.clock import format_time, utc_key
from ledger.domain.events import ALL_EVENTS, MemberAdmitted, MemberRenamed
from projections.base import Rows, View, filters, handles, recorded_by, select

FIELDS = ("group", "member", "nickname", "since", "until")


def folded(text: str) -> str:
    """What a search compares: NFC (one spelling of é, of 한), then case-folded (Latin,
    Greek and Cyrillic letters match in either case; Han characters are unchanged).
    """
    return unicodedata.normalize("NFC", text).casefold()


class NicknamesView(View):
    name = "nicknames"
    version = 1
    tables = {
        "view_nicknames": (
            "grp TEXT NOT NULL, member TEXT NOT NULL, version INTEGER NOT NULL, "
            "nickname TEXT NOT NULL, folded TEXT NOT NULL, since TEXT NOT NULL, "
            "occurred_utc TEXT NOT NULL, recorded_utc TEXT NOT NULL, "
            "PRIMARY KEY (grp, member, version)"
        )
    }

    ignores = tuple(e for e in ALL_EVENTS if e not in (MemberAdmitted, MemberRenamed))

    @handles(MemberAdmitted)
    def admitted(self, rows: Rows, e: MemberAdmitted) -> None:
        self._named(rows, e, e.nickname)

    @handles(MemberRenamed)
    def renamed(self, rows: Rows, e: MemberRenamed) -> None:
        self._named(rows, e, e.new_nickname)

    @staticmethod
    def _named(rows: Rows, e: MemberAdmitted | MemberRenamed, nickname: str) -> None:
        rows.add("INSERT INTO {view_nicknames} (grp, member, version, nickname, folded, since, "
                 "occurred_utc, recorded_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (grp, member, version) DO NOTHING",
                 (e.group, e.member, e.originator_version, nickname, folded(nickname),
                  format_time(e.occurred_at), utc_key(e.occurred_at), utc_key(e.recorded_at)))


VIEW = NicknamesView()


def _like(text: str) -> str:
    """A LIKE pattern for `text` anywhere, its own % and _ taken literally."""
    return "%" + text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def find(ledger: Any, text: str, *, group: str | Sequence[str] | None = None,
         as_of: datetime | None = None, known_at: datetime | None = None) -> list[dict[str, Any]]:
    """Every nickname containing `text` (compared as `folded` makes them) that a member
    had in a group, current or past, as the facts that had happened by `as_of` and been
    recorded by `known_at` (both default to now) made them: the group, the member, the
    nickname, since when, and until when (None for the one they have now). Ordered by
    group, member and since.
    """
    needle = folded(text)
    where, params = filters(group=group)
    at, known = utc_key(as_of or ledger.clock()), recorded_by(known_at)
    # Every nickname of each membership with a match: a match's end is the next one's start.
    rows = select(ledger, VIEW,
                  "SELECT grp, member, version, nickname, folded, since, occurred_utc FROM {t} AS n"
                  + where + (" AND" if where else " WHERE") +
                  " occurred_utc <= ? AND recorded_utc <= ? AND EXISTS (SELECT 1 FROM {t} AS m "
                  "WHERE m.grp = n.grp AND m.member = n.member AND m.folded LIKE ? ESCAPE '!') "
                  "ORDER BY grp, member, occurred_utc, version",
                  [*params, at, known, _like(needle)])
    result: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        after = rows[index + 1] if index + 1 < len(rows) else None
        same = after is not None and (after["grp"], after["member"]) == (row["grp"], row["member"])
        if needle in row["folded"]:
            result.append({"group": row["grp"], "member": row["member"],
                           "nickname": row["nickname"], "since": row["since"],
                           "until": after["since"] if same and after else None})
    return result
