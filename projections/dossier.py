"""The dossier of one member across all groups — what a reviewer reads before deciding:
the standing in each group with the events that explain it, and every event in the order
it happened, with actor, occurred-at, recorded-at, and the rule text a sanction cited.

Its table is only an index from a member to the groups they were ever admitted to; the
facts come from that member's own events, so a dossier never replays the whole log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ledger.domain.aggregates import membership_id
from ledger.domain.clock import format_time, utc_key
from ledger.domain.errors import NotFound
from ledger.domain.events import ALL_EVENTS, MemberAdmitted, MembershipEvent
from ledger.domain.fold import advance, replay
from ledger.domain.fold import explain as explain_state
from ledger.domain.i18n import _
from projections.base import Rows, View, handles, present, select
from projections.standings import explained, judged_by, phrase, row_of

EVENT_FIELDS = ("occurred_at", "recorded_at", "group", "event", "actor", "details")
_BOOKKEEPING = {"originator_id", "originator_version", "timestamp", "originator_topic",
                "actor", "occurred_at"}
# Said by the line already, or too long for a phrase: the facts keep them all.
_NOT_IN_DETAILS = {"group", "member", "rule_text", "nickname_rule", "rulebook",
                   "rulebook_version", "category_label", "on_limit", "on_sight_action",
                   "sanction_kind"}


class MemberGroupsView(View):
    name = "member_groups"
    version = 1
    tables = {
        "view_member_groups": (
            "member TEXT NOT NULL, grp TEXT NOT NULL, first_utc TEXT NOT NULL, "
            "PRIMARY KEY (member, grp)"
        )
    }

    ignores = tuple(e for e in ALL_EVENTS if e is not MemberAdmitted)

    @handles(MemberAdmitted)
    def admitted(self, rows: Rows, e: MemberAdmitted) -> None:
        if e.originator_version == 1:
            rows.add("INSERT INTO {view_member_groups} (member, grp, first_utc) "
                     "VALUES (?, ?, ?) ON CONFLICT (member, grp) DO NOTHING",
                     (e.member, e.group, utc_key(e.occurred_at)))


VIEW = MemberGroupsView()


# Optional fields added to event types after release 0.1.0: left out of an event's
# facts while unset, so that an old ledger's history reads as it did.
_ADDED_FIELDS: dict[str, tuple[str, ...]] = {
    "TaskAssigned": ("assigned_by",),
    "WarningIssued": ("message", "dispute_id"),
    "MemberRemoved": ("message", "dispute_id"),
    "MemberReadmitted": ("message", "dispute_id"),
}


def event_line(event: MembershipEvent) -> dict[str, Any]:
    """One event as history and the dossier show it: when it happened and was recorded,
    what, by whom, its facts in a phrase (`details`), the rule text it cited, and all its
    facts.
    """
    facts = event.model_dump(mode="json", exclude=_BOOKKEEPING)
    for key in _ADDED_FIELDS.get(type(event).__name__, ()):
        if key in facts and facts[key] is None:
            del facts[key]  # unset, as every event of 0.1.0: shown as 0.1.0 showed it
    details = "; ".join([*judged_by(facts), *(f"{k}={phrase(v)}" for k, v in facts.items()
                                              if v not in (None, "") and k not in _NOT_IN_DETAILS)])
    return {"occurred_at": format_time(event.occurred_at),
            "recorded_at": format_time(event.recorded_at), "group": event.group,
            "member": event.member, "event": type(event).__name__, "actor": event.actor,
            "details": details, "rule_text": getattr(event, "rule_text", None) or None,
            "facts": facts}


def dossier(ledger: Any, member: str, *, as_of: datetime | None = None,
            known_at: datetime | None = None) -> dict[str, Any]:
    """The member's file: `standings` (one per group, explained) and `events` (every
    event in every group, in the order it happened), as of a moment if asked.
    """
    groups = select(ledger, VIEW, "SELECT grp FROM {t} WHERE member = ? ORDER BY grp",
                    (member,))
    if not groups:
        raise NotFound(_("{member} was never admitted to any group in this ledger: check the "
                         "member id").format(member=member))
    moment = as_of or ledger.clock()
    standings, events = [], []
    for row in groups:
        history = list(ledger.events.get(membership_id(row["grp"], member)))
        found = replay(history, as_of=as_of, known_at=known_at)
        if found is None:
            continue  # not yet admitted then, or not yet recorded
        state = advance(found, moment)
        standing = row_of(state)
        standing["explanation"] = [explained(e) for e in explain_state(history, state)]
        standings.append(standing)
        events += [e for e in history
                   if (as_of is None or e.occurred_at <= as_of)
                   and (known_at is None or e.recorded_at <= known_at)]
    if not standings:
        raise NotFound(_("nothing about {member} had happened and been recorded by then: give a "
                         "later --as-of or --known-at").format(member=member))
    events.sort(key=lambda e: (e.occurred_at, e.group, e.originator_version))
    return {"member": member, "standings": standings, "events": [event_line(e) for e in events]}


def known_members(ledger: Any, members: Sequence[str]) -> set[str]:
    """Which of `members` were ever admitted to a group of this ledger."""
    return present(ledger, VIEW, "member", members)