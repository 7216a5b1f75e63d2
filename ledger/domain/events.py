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

Role = Literal["owner", "admin", "secretary", "reviewer", "leader"]


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
    """The group and its first rulebook (version 1), in force from `occurred_at`. The
    rulebook is plain data of `rulebook_schema` (see `ledger.rules`), never a live model.
    """

    originator_topic: str
    group: str
    name: str
    owner: str
    rulebook: dict[str, Any]
    rulebook_source: str
    rulebook_schema: int = 1
    # R3 第四条: who approved the group's creation, and where it was filed (备案).
    approved_by: str | None = None
    filed_with: str | None = None


class RulebookAmended(LedgerEvent):
    """A new version of the group's rules, in force from `effective_at` (R2: by a
    resolution of the representatives' meeting, with equal force).
    """

    group: str
    version: int
    rulebook: dict[str, Any]
    rulebook_source: str
    resolution: str
    effective_at: AwareDatetime
    rulebook_schema: int = 1


class GroupReviewed(LedgerEvent):
    """A periodic membership review (R3): who was kept, who was removed, and why."""

    group: str
    review_id: str
    kept: tuple[str, ...]
    removed: tuple[str, ...]
    reason: str


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


class JudgedEvent(MembershipEvent):
    """A fact judged by the group's rules: which rulebook and version judged it."""

    rulebook: str
    rulebook_version: int


class MemberAdmitted(JudgedEvent, _FirstOrLater):
    """`nickname_ok` is None when the rules set no nickname pattern."""

    originator_topic: str
    nickname: str
    invited_by: str | None = None
    verified_by: str | None = None
    relation: str | None = None
    exemption: str | None = None
    nickname_ok: bool | None = None
    nickname_rule: str | None = None
    review_period_days: int | None = None


class MemberRenamed(JudgedEvent):
    old_nickname: str
    new_nickname: str
    nickname_ok: bool | None = None
    nickname_rule: str | None = None


class NicknameReminded(JudgedEvent):
    """A reminder to fix a non-compliant nickname; the rules' limit is carried: how many
    ignored reminders make the member removal_due, None when the rules set no sanction
    for them (every event of 0.1.0 carries a number).
    """

    reminder: int
    reminders_before_removal: int | None
    nickname_rule: str


class MessageFlagged(JudgedEvent):
    flag_id: str
    category: str
    message: str | None = None
    excerpt: str | None = None
    message_at: AwareDatetime | None = None


class FlagSeconded(MembershipEvent):
    """Another report of a message already flagged: one message is one violation, so the
    reporter joins the open case (`flag_id`) instead of opening a second one.
    """

    flag_id: str
    message: str
    excerpt: str | None = None


class FlagConfirmed(MembershipEvent):
    flag_id: str
    note: str | None = None


class FlagDismissed(MembershipEvent):
    flag_id: str
    reason: str


class WarningIssued(JudgedEvent):
    """A strike, with the rule it was judged by: the category's label, weight and rule
    text, the strike limit and what reaching it means, and when the strike expires.
    """

    sanction_id: str
    category: str
    category_label: str
    reason: str | None = None
    flag_id: str | None = None
    task_id: str | None = None
    weight: int
    strike_limit: int
    on_limit: Literal["removal_due", "remove"]
    on_sight: bool = False
    on_sight_action: Literal["remove", "removal_due"] = "remove"
    expires_at: AwareDatetime | None = None
    rule_text: str = ""
    message: str | None = None  # the message it sanctions (one message, one sanction)


RemovalCause = Literal["admin", "on_sight", "strike_limit", "review"]


class MemberRemoved(MembershipEvent):
    """`cause`: an admin's decision, an on-sight category, the strike limit reached
    under rules that remove at once, or a membership review.
    """

    sanction_id: str
    temporary: bool
    reason: str
    cause: RemovalCause = "admin"
    dispute_id: str | None = None


class MembershipReviewed(MembershipEvent):
    """Kept in a periodic review; the next is due after the rules' period."""

    review_id: str
    review_period_days: int | None = None


class TaskAssigned(JudgedEvent):
    """A task a leader assigns, to be acknowledged by `deadline_at` (R1: 30 minutes).
    `assigned_by` is the leader who gave it, when someone else recorded it (None: the
    actor gave it, as every event of 0.1.0 says).
    """

    task_id: str
    summary: str
    deadline_at: AwareDatetime
    category: str
    assigned_by: str | None = None


class TaskAcknowledged(MembershipEvent):
    task_id: str


class TaskMissed(MembershipEvent):
    """A missed deadline confirmed by an admin; recorded with the strike it earns."""

    task_id: str


class NicknameExemptionGranted(JudgedEvent):
    """A nickname exemption of the rulebook granted after admission (R3: an executive
    promoted later uses the plain name), and whether the nickname complies with it.
    """

    exemption: str
    nickname: str
    nickname_ok: bool | None = None
    nickname_rule: str | None = None


class CautionIssued(JudgedEvent):
    """A friendly reminder about a minor violation (R3 第十二条 "善意提醒"): recorded and
    shown, never a strike.
    """

    caution_id: str
    category: str
    category_label: str
    reason: str
    rule_text: str = ""


class MemberReadmitted(MembershipEvent):
    note: str | None = None
    dispute_id: str | None = None


class MemberLeft(MembershipEvent):
    note: str | None = None


# Corrections and appeals: new facts about a sanction; the sanction's own events stay as
# they were recorded.

SanctionKind = Literal["warning", "removal", "temporary removal"]
AppealOutcome = Literal["upheld", "reduced", "overturned"]


class SanctionRescinded(MembershipEvent):
    """The issuer (or the owner) withdraws a mistaken sanction: it stops counting."""

    sanction_id: str
    sanction_kind: SanctionKind
    reason: str


class AppealFiled(MembershipEvent):
    """The member concerned (or an admin for them) contests one sanction; the rules'
    appeal window, if any, is carried.
    """

    appeal_id: str
    sanction_id: str
    sanction_kind: SanctionKind
    grounds: str
    window_days: int | None = None


class AppealDecided(MembershipEvent):
    """A reviewer who had no part in the sanction decides the appeal. `reduced`: a warning
    of lower `weight`, or a removal turned into a warning of `weight` strikes;
    `overturned`: the sanction stops counting (a removal: readmission due); `upheld`:
    nothing changes but the record.
    """

    appeal_id: str
    sanction_id: str
    sanction_kind: SanctionKind
    outcome: AppealOutcome
    rationale: str
    weight: int | None = None
    original_weight: int | None = None


MEMBERSHIP_EVENTS: tuple[type[MembershipEvent], ...] = (
    MemberAdmitted,
    MemberRenamed,
    NicknameReminded,
    MessageFlagged,
    FlagConfirmed,
    FlagDismissed,
    WarningIssued,
    MemberRemoved,
    MemberReadmitted,
    MemberLeft,
    MembershipReviewed,
    TaskAssigned,
    TaskAcknowledged,
    TaskMissed,
    NicknameExemptionGranted,
    CautionIssued,
    FlagSeconded,
    SanctionRescinded,
    AppealFiled,
    AppealDecided,
)


# The ledger's own record of itself ------------------------------------------------------


class LedgerSealed(LedgerEvent, _FirstOrLater):
    """A tree head (`ledger.merkle`): the log's first `size` events, in notification
    order, hash to `root` (hex). They are exactly the events stored before this one (the
    recorder refuses a seal the log has outgrown), so a seal covers neither itself nor
    anything after it; a later seal covers it. `occurred_at` is when it was sealed.
    """

    originator_topic: str
    size: int
    root: str
    note: str | None = None


GROUP_EVENTS: tuple[type[LedgerEvent], ...] = (
    GroupRegistered, RoleGranted, RoleRevoked, RulebookAmended, GroupReviewed)
SEAL_EVENTS: tuple[type[LedgerEvent], ...] = (LedgerSealed,)


# A dispute between members (R2's quarrel): its own aggregate, `ledger.dispute`. Every
# event names the parties, so that a view files it under each of them.

DisputeOutcome = Literal["mediated", "withdrawn", "escalated"]


class DisputeEvent(LedgerEvent):
    group: str
    dispute_id: str
    parties: tuple[str, ...]


class DisputeOpened(DisputeEvent, CanInitAggregate[UUID]):
    originator_topic: str
    summary: str


class DisputeNoted(DisputeEvent):
    """A mediation note (the owner, an admin or a secretary)."""

    text: str


class DisputeResolved(DisputeEvent):
    outcome: DisputeOutcome
    text: str


DISPUTE_EVENTS: tuple[type[DisputeEvent], ...] = (DisputeOpened, DisputeNoted, DisputeResolved)
ALL_EVENTS: tuple[type[LedgerEvent], ...] = (GROUP_EVENTS + MEMBERSHIP_EVENTS + DISPUTE_EVENTS
                                            + SEAL_EVENTS)


# The name each fact is stored under. It is part of the stored format, not of the code's
# layout: every release since 0.1.0 stored `ledger.events:<Name>`, wherever the classes
# lived, so that moving a module never changes what is written or what can be read.
TOPIC_PREFIX = "ledger.events:"
TOPICS: dict[str, type[LedgerEvent]] = {f"{TOPIC_PREFIX}{e.__name__}": e for e in ALL_EVENTS}


def topic_of(event_type: type[LedgerEvent]) -> str:
    return f"{TOPIC_PREFIX}{event_type.__name__}"
