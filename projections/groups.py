"""The groups of a ledger: an index from each group's id to its display name, owner and
registration, so that `group list` finds every group without reading the whole log. What
a group is now — its roles, its rules in force — comes from the group's own events
(`Ledger.group`); its members' standings from the standings view.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.domain.clock import utc_key
from ledger.domain.events import ALL_EVENTS, GroupRegistered
from projections.base import Rows, View, handles, present, select


class GroupsView(View):
    name = "groups"
    version = 1
    tables = {
        "view_groups": (
            "grp TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL, "
            "registered_utc TEXT NOT NULL"
        )
    }

    ignores = tuple(e for e in ALL_EVENTS if e is not GroupRegistered)

    @handles(GroupRegistered)
    def registered(self, rows: Rows, e: GroupRegistered) -> None:
        rows.add("INSERT INTO {view_groups} (grp, name, owner, registered_utc) "
                 "VALUES (?, ?, ?, ?) ON CONFLICT (grp) DO NOTHING",
                 (e.group, e.name, e.owner, utc_key(e.occurred_at)))


VIEW = GroupsView()


def group_ids(ledger: Any) -> list[str]:
    """Every registered group's id, in order."""
    return [row["grp"] for row in select(ledger, VIEW, "SELECT grp FROM {t} ORDER BY grp")]


def known_groups(ledger: Any, groups: Sequence[str]) -> set[str]:
    """Which of `groups` are registered in this ledger."""
    return present(ledger, VIEW, "grp", groups)