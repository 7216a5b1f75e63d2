"""The two consistency boundaries: a group (its name, owner and roles) and a membership
(one person's life in one group: nickname, flags, strikes, removals).

Ids are derived (uuid5) from the keys people type, so a command reaches its aggregate
without a lookup. Every command method runs its `check_*` guards first and records its
events only when they pass.
"""

from __future__ import annotations

from datetime import datetime
from functools import singledispatchmethod
from typing import Any
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import BaseAggregate
from eventsourcing.utils import get_topic

from ledger.categories import check_category
from ledger.errors import NotPermitted, RoleConflict
from ledger.events import (
    FlagConfirmed,
    FlagDismissed,
    GroupRegistered,
    LedgerEvent,
    MemberAdmitted,
    MemberLeft,
    MemberReadmitted,
    MemberRemoved,
    MemberRenamed,
    MembershipEvent,
    MessageFlagged,
    Role,
    RoleGranted,
    RoleRevoked,
    WarningIssued,
)
from ledger.timeline import DEFAULT_STRIKE_LIMIT, MembershipState, check_insertable, replay

NAMESPACE = UUID("6f1c7f0e-3c55-4f5e-9b0e-7d1f9b1a5c21")

DEFAULT_RULEBOOK = "default"

MODERATORS: frozenset[str] = frozenset({"owner", "admin"})


def group_id(group: str) -> UUID:
    return uuid5(NAMESPACE, f"group:{group}")


def membership_id(group: str, member: str) -> UUID:
    return uuid5(NAMESPACE, f"membership:{group}\x1f{member}")


def new_case_id() -> str:
    """An id for a flag or a sanction; commands accept any unique prefix of it."""
    return uuid4().hex


class Group(BaseAggregate[UUID]):
    def __init__(self) -> None:
        self.key = ""
        self.name = ""
        self.owner = ""
        self.rulebook = DEFAULT_RULEBOOK
        self.roles: dict[str, set[str]] = {}

    @classmethod
    def register(cls, *, actor: str, occurred_at: datetime, group: str, name: str,
                 owner: str, rulebook: str = DEFAULT_RULEBOOK) -> Group:
        return cls._create(GroupRegistered, id=group_id(group), actor=actor,
                           occurred_at=occurred_at, group=group, name=name, owner=owner,
                           rulebook=rulebook)

    def roles_of(self, member: str) -> set[str]:
        return self.roles.get(member, set())

    def is_moderator(self, member: str) -> bool:
        return bool(self.roles_of(member) & MODERATORS)

    def check_owner(self, actor: str, doing: str) -> None:
        if "owner" not in self.roles_of(actor):
            raise NotPermitted(f"{actor} may not {doing} in {self.key}: only the owner "
                               f"({self.owner}) may")

    def check_moderator(self, actor: str, doing: str, *, or_else: str = "") -> None:
        if not self.is_moderator(actor):
            raise NotPermitted(f"{actor} may not {doing} in {self.key}: only the owner or an "
                               f"admin may{or_else}")

    def grant(self, *, actor: str, occurred_at: datetime, member: str, role: Role) -> None:
        self.check_owner(actor, "grant roles")
        if role in self.roles_of(member):
            raise RoleConflict(f"{member} already holds the role {role} in {self.key}: "
                               "nothing to grant")
        self.trigger_event(RoleGranted, actor=actor, occurred_at=occurred_at, group=self.key,
                           member=member, role=role)

    def revoke(self, *, actor: str, occurred_at: datetime, member: str, role: Role) -> None:
        self.check_owner(actor, "revoke roles")
        if role not in self.roles_of(member):
            held = ", ".join(sorted(self.roles_of(member))) or "none"
            raise RoleConflict(f"{member} does not hold the role {role} in {self.key} "
                               f"(holds: {held}): nothing to revoke")
        if role == "owner" and member == self.owner:
            raise RoleConflict(f"{member} registered {self.key} and stays its owner: "
                               "the owner role cannot be revoked")
        self.trigger_event(RoleRevoked, actor=actor, occurred_at=occurred_at, group=self.key,
                           member=member, role=role)

    @singledispatchmethod
    def apply_event(self, event: LedgerEvent) -> None:
        raise TypeError(f"a group does not take {type(event).__name__}")

    @apply_event.register
    def _(self, event: GroupRegistered) -> None:
        self.key, self.name, self.owner = event.group, event.name, event.owner
        self.rulebook = event.rulebook
        self.roles = {event.owner: {"owner"}}

    @apply_event.register
    def _(self, event: RoleGranted) -> None:
        self.roles.setdefault(event.member, set()).add(event.role)

    @apply_event.register
    def _(self, event: RoleRevoked) -> None:
        self.roles[event.member].discard(event.role)


class Membership(BaseAggregate[UUID]):
    """One person in one group. Its events are kept, and its state is their fold in the
    order they happened, so that a fact recorded late is judged where it belongs.
    """

    def __init__(self) -> None:
        self.events: list[MembershipEvent] = []

    @property
    def group(self) -> str:
        return self.events[0].group

    @property
    def member(self) -> str:
        return self.events[0].member

    @property
    def state(self) -> MembershipState:
        return replay(self.events)

    def state_at(self, moment: datetime) -> MembershipState:
        return replay(self.events, as_of=moment)

    def apply_event(self, event: LedgerEvent) -> None:
        assert isinstance(event, MembershipEvent)
        self.events.append(event)

    # Commands ---------------------------------------------------------------------------

    @classmethod
    def admit_first(cls, *, actor: str, occurred_at: datetime, group: str, member: str,
                    nickname: str, invited_by: str | None = None,
                    verified_by: str | None = None) -> Membership:
        return cls._create(MemberAdmitted, id=membership_id(group, member), actor=actor,
                           occurred_at=occurred_at, group=group, member=member,
                           nickname=nickname, invited_by=invited_by, verified_by=verified_by)

    def admit(self, *, actor: str, occurred_at: datetime, nickname: str,
              invited_by: str | None = None, verified_by: str | None = None) -> None:
        self._record(MemberAdmitted, actor, occurred_at, originator_topic=get_topic(Membership),
                     nickname=nickname, invited_by=invited_by, verified_by=verified_by)

    def rename(self, *, actor: str, occurred_at: datetime, nickname: str) -> str:
        """Returns the nickname the member had at that time."""
        old = self._nickname_at(occurred_at)
        self._record(MemberRenamed, actor, occurred_at, old_nickname=old, new_nickname=nickname)
        return old

    def flag(self, *, actor: str, occurred_at: datetime, category: str,
             message: str | None = None, excerpt: str | None = None) -> str:
        check_category(category)
        flag_id = new_case_id()
        self._record(MessageFlagged, actor, occurred_at, flag_id=flag_id, category=category,
                     message=message, excerpt=excerpt)
        return flag_id

    def confirm_flag(self, *, actor: str, occurred_at: datetime, flag_id: str,
                     note: str | None = None) -> str:
        """A confirmed flag is a violation: it is recorded with the warning it earns."""
        self._record(FlagConfirmed, actor, occurred_at, flag_id=flag_id, note=note)
        category = self.state.flags[flag_id].category
        return self._strike(actor, occurred_at, category=category, reason=note, flag_id=flag_id)

    def dismiss_flag(self, *, actor: str, occurred_at: datetime, flag_id: str,
                     reason: str) -> None:
        self._record(FlagDismissed, actor, occurred_at, flag_id=flag_id, reason=reason)

    def warn(self, *, actor: str, occurred_at: datetime, category: str,
             reason: str | None = None) -> str:
        check_category(category)
        return self._strike(actor, occurred_at, category=category, reason=reason, flag_id=None)

    def remove(self, *, actor: str, occurred_at: datetime, temporary: bool, reason: str) -> str:
        sanction_id = new_case_id()
        self._record(MemberRemoved, actor, occurred_at, sanction_id=sanction_id,
                     temporary=temporary, reason=reason)
        return sanction_id

    def readmit(self, *, actor: str, occurred_at: datetime, note: str | None = None) -> None:
        self._record(MemberReadmitted, actor, occurred_at, note=note)

    def leave(self, *, actor: str, occurred_at: datetime, note: str | None = None) -> None:
        self._record(MemberLeft, actor, occurred_at, note=note)

    # Helpers ----------------------------------------------------------------------------

    def _strike(self, actor: str, occurred_at: datetime, *, category: str,
                reason: str | None, flag_id: str | None) -> str:
        sanction_id = new_case_id()
        self._record(WarningIssued, actor, occurred_at, sanction_id=sanction_id,
                     category=category, reason=reason, flag_id=flag_id, weight=1,
                     strike_limit=DEFAULT_STRIKE_LIMIT, rulebook=DEFAULT_RULEBOOK)
        return sanction_id

    def _nickname_at(self, moment: datetime) -> str:
        earlier = [e for e in self.events if e.occurred_at <= moment]
        return replay(earlier).nickname if earlier else ""

    def _record(self, event_class: type[MembershipEvent], actor: str, occurred_at: datetime,
                **fields: Any) -> None:
        """Check the event against the whole timeline, then record it."""
        fields.update(actor=actor, occurred_at=occurred_at, group=self.group, member=self.member)
        timestamp = event_class.create_timestamp()
        candidate = event_class(originator_id=self.id, originator_version=self.version + 1,
                                timestamp=timestamp, **fields)
        check_insertable(self.events, candidate)
        self.trigger_event(event_class, timestamp=timestamp, **fields)
