"""Every fact the ledger records, one frozen pydantic model each, named in the past tense.

Each event carries the ids of what it is about (group, member, flag or sanction), the
`actor` who recorded it, `occurred_at` (when it happened, which an admin may give for a
fact recorded late) and `timestamp` (when it was recorded, set by the library). A sanction
also carries the rule it was judged by, so that the event is understood without the code
of the day.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from eventsourcing.domain import CanInitAggregate, CanMutateAggregate
from pydantic import AwareDatetime, BaseModel, ConfigDict

Role = Literal["owner", "admin", "secretary", "reviewer"]


class LedgerEvent(BaseModel, CanMutateAggregate[UUID]):
    model_config = ConfigDict(frozen=True, extra="forbid")

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    actor: str
    occurred_at: AwareDatetime

    @property
    def recorded_at(self) -> datetime:
        return self.timestamp

    def apply(self, aggregate: Any) -> None:
        aggregate.apply_event(self)


class _FirstOrLater(CanInitAggregate[UUID]):
    """An event that may start its aggregate's sequence or come later in it."""

    def mutate(self, aggregate: Any) -> Any:
        if aggregate is None:
            return CanInitAggregate.mutate(self, None)
        return CanMutateAggregate.mutate(self, aggregate)


# The group ------------------------------------------------------------------------------


class GroupRegistered(LedgerEvent, CanInitAggregate[UUID]):
    originator_topic: str
    group: str
    name: str
    owner: str
    rulebook: str


class RoleGranted(LedgerEvent):
    group: str
    member: str
    role: Role


class RoleRevoked(LedgerEvent):
    group: str
    member: str
    role: Role


# A membership: one person in one group ----------------------------------------------------


class MembershipEvent(LedgerEvent):
    group: str
    member: str


class MemberAdmitted(MembershipEvent, _FirstOrLater):
    originator_topic: str
    nickname: str
    invited_by: str | None = None
    verified_by: str | None = None


class MemberRenamed(MembershipEvent):
    old_nickname: str
    new_nickname: str


class MessageFlagged(MembershipEvent):
    flag_id: str
    category: str
    message: str | None = None
    excerpt: str | None = None


class FlagConfirmed(MembershipEvent):
    flag_id: str
    note: str | None = None


class FlagDismissed(MembershipEvent):
    flag_id: str
    reason: str


class WarningIssued(MembershipEvent):
    """A strike. It names the rule it was judged by: weight, limit and rulebook."""

    sanction_id: str
    category: str
    reason: str | None = None
    flag_id: str | None = None
    weight: int
    strike_limit: int
    rulebook: str


class MemberRemoved(MembershipEvent):
    sanction_id: str
    temporary: bool
    reason: str


class MemberReadmitted(MembershipEvent):
    note: str | None = None


class MemberLeft(MembershipEvent):
    note: str | None = None


MEMBERSHIP_EVENTS: tuple[type[MembershipEvent], ...] = (
    MemberAdmitted,
    MemberRenamed,
    MessageFlagged,
    FlagConfirmed,
    FlagDismissed,
    WarningIssued,
    MemberRemoved,
    MemberReadmitted,
    MemberLeft,
)
GROUP_EVENTS: tuple[type[LedgerEvent], ...] = (GroupRegistered, RoleGranted, RoleRevoked)
ALL_EVENTS: tuple[type[LedgerEvent], ...] = GROUP_EVENTS + MEMBERSHIP_EVENTS
