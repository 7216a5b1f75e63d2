"""A dispute between members (R2's quarrel: 「对于群内争吵较严重群内劝阻无效者实行临时出群措施，
待矛盾调解缓和后再行邀约进群」): its own consistency boundary, opened with its parties,
noted as mediation goes on, resolved once. Temporary removals and re-admissions name it
(`MemberRemoved.dispute_id`, `MemberReadmitted.dispute_id`); they stay facts of each
membership.
"""

from __future__ import annotations

from datetime import datetime
from functools import singledispatchmethod
from uuid import UUID, uuid5

from eventsourcing.domain import BaseAggregate
from eventsourcing.utils import _type_cache, register_topic

from ledger.domain import judge
from ledger.domain.events import (
    DisputeNoted,
    DisputeOpened,
    DisputeOutcome,
    DisputeResolved,
    LedgerEvent,
)
from ledger.domain.i18n import _

NAMESPACE = UUID("6f1c7f0e-3c55-4f5e-9b0e-7d1f9b1a5c21")  # as ledger.domain.aggregates


def dispute_aggregate_id(dispute_id: str) -> UUID:
    return uuid5(NAMESPACE, f"dispute:{dispute_id}")


class Dispute(BaseAggregate[UUID]):
    """One dispute: its group, parties, the notes taken, and how it ended."""

    def __init__(self) -> None:
        self.group = ""
        self.dispute_id = ""
        self.parties: tuple[str, ...] = ()
        self.opened_at: datetime | None = None
        self.outcome: str | None = None
        self.notes: list[DisputeNoted] = []

    @property
    def is_open(self) -> bool:
        return self.outcome is None

    @classmethod
    def open(cls, *, actor: str, occurred_at: datetime, group: str, dispute_id: str,
             parties: tuple[str, ...], summary: str) -> Dispute:
        return cls._create(DisputeOpened, id=dispute_aggregate_id(dispute_id), actor=actor,
                           occurred_at=occurred_at, group=group, dispute_id=dispute_id,
                           parties=parties, summary=summary)

    def note(self, *, actor: str, occurred_at: datetime, text: str) -> None:
        judge.check_dispute_open(self, occurred_at, _("note"))
        self.trigger_event(DisputeNoted, actor=actor, occurred_at=occurred_at, group=self.group,
                           dispute_id=self.dispute_id, parties=self.parties, text=text)

    def resolve(self, *, actor: str, occurred_at: datetime, outcome: DisputeOutcome,
                text: str) -> None:
        judge.check_dispute_open(self, occurred_at, _("resolve"))
        self.trigger_event(DisputeResolved, actor=actor, occurred_at=occurred_at,
                           group=self.group, dispute_id=self.dispute_id, parties=self.parties,
                           outcome=outcome, text=text)

    @singledispatchmethod
    def apply_event(self, event: LedgerEvent) -> None:
        pass  # an event type this code does not know changes nothing it can use

    @apply_event.register
    def _(self, event: DisputeOpened) -> None:
        self.group, self.dispute_id, self.parties = event.group, event.dispute_id, event.parties
        self.opened_at = event.occurred_at

    @apply_event.register
    def _(self, event: DisputeNoted) -> None:
        self.notes.append(event)

    @apply_event.register
    def _(self, event: DisputeResolved) -> None:
        self.outcome = event.outcome


register_topic("ledger.dispute:Dispute", Dispute)  # as stored since 0.1.0
_type_cache[Dispute] = "ledger.dispute:Dispute"
