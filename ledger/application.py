"""The one public write API. Each method checks its input, loads the group (once) and the
membership, has the judge (`ledger.judge`) decide, records through one aggregate command
and saves; it returns the ids a caller needs. Nothing is saved unless the judge let every
event through, so a refused command records nothing.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import PersistenceError, RecordConflictError
from eventsourcing.utils import Environment

from ledger import ids, judge
from ledger.aggregates import Group, Membership, group_id, membership_id, new_case_id
from ledger.clock import check_not_future, check_offset, now
from ledger.errors import ConcurrentUpdate, InvalidInput, NotFound, StoreError
from ledger.dispute import Dispute, dispute_aggregate_id
from ledger.events import AppealOutcome, DisputeOutcome, MembershipEvent, Role
from ledger.fold import MembershipState, in_order
from ledger.rulebook import load as load_rulebook
from ledger.rules import RuleVersion
from ledger.store import Store


def _is_control(ch: str) -> bool:
    # Cc only: format characters (Cf) such as the zero-width joiner inside 👩‍💻 are text.
    return unicodedata.category(ch) == "Cc"


def _check_key(value: str, what: str) -> str:
    value = value.strip() if value else ""
    if not value:
        raise InvalidInput(f"{what} is empty: give a non-empty {what}")
    if any(ch.isspace() or _is_control(ch) for ch in value):
        raise InvalidInput(f"{what} {value!r} contains spaces or control characters: "
                           "ids are single words such as wx_li or g9")
    return value


def _check_text(value: str | None, what: str, *, required: bool = False) -> str | None:
    if value is None or not value.strip():
        if required:
            raise InvalidInput(f"{what} is empty: say it in words")
        return None
    if any(_is_control(ch) and ch not in "\n\t" for ch in value):
        raise InvalidInput(f"{what} contains control characters (such as a NUL or an "
                           "escape): remove them")
    return value


OPEN_ATTEMPTS = 5


class Ledger(Application[UUID]):
    name = "ledger"

    def __init__(self, store: Store, *, clock: Callable[[], datetime] = now) -> None:
        self.store = store
        self.clock = clock
        self._pending: dict[UUID, Any] | None = None  # the aggregates of a batch
        store.prepare()
        for attempt in range(OPEN_ATTEMPTS):
            try:
                super().__init__()
                break
            except (PersistenceError, sqlite3.Error) as error:
                first = (str(error).strip().splitlines() or [type(error).__name__])[0]
                if "locked" in first and attempt + 1 < OPEN_ATTEMPTS:
                    # SQLite refuses at once, without waiting, a schema change (the tables
                    # a first open creates) whose read went stale under another opener's
                    # commit; the next attempt finds the tables made.
                    time.sleep(0.05 * (attempt + 1))
                    continue
                raise StoreError(f"cannot open store {store.describe()}: {first}: is it a "
                                 "ledger? Check --store") from None
        ids.backfill(self.factory.datastore.transaction,  # type: ignore[attr-defined]
                     events_table=store.qualified(self.recorder.events_table_name),  # type: ignore[attr-defined]
                     meta_table=store.qualified(ids.META), index_table=store.qualified(ids.TABLE),
                     placeholder=store.placeholder)

    def construct_env(self, name: str, env: Any = None) -> Environment:
        # The store URL decides everything: nothing leaks in from os.environ.
        return Environment(name, self.store.env)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Record many commands in one transaction (imports, benchmarks, reviews): each
        command is judged as always, against the aggregates as the batch has changed
        them, and everything is saved together at the end. A refused command refuses the
        whole batch: nothing of it is saved.
        """
        if self._pending is not None:
            raise RuntimeError("batches do not nest")
        self._pending = {}
        try:
            yield
        except BaseException:
            self._pending = None
            raise
        pending, self._pending = self._pending, None
        self.save(*pending.values())

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        if self._pending is not None:
            for aggregate in objs:
                self._pending[aggregate.id] = aggregate
            return None
        try:
            return super().save(*objs, **kwargs)
        except RecordConflictError:
            raise ConcurrentUpdate("someone else recorded to the same group or member at the "
                                   "same moment, and nothing of this command was saved: "
                                   "run it again") from None

    # The group --------------------------------------------------------------------------

    def register_group(self, *, actor: str, group: str, name: str, owner: str,
                       rulebook: str = "builtin:default", at: datetime | None = None) -> UUID:
        actor, group, owner = (_check_key(actor, "actor"), _check_key(group, "group id"),
                               _check_key(owner, "owner"))
        name = _check_text(name, "group name", required=True) or ""
        book, source = load_rulebook(rulebook)
        occurred_at = self._occurred_at(at)
        judge.check_unregistered(group, self._find(group_id(group)))
        registered = Group.register(actor=actor, occurred_at=occurred_at, group=group,
                                    name=name, owner=owner, rulebook=book, source=source)
        self.save(registered)
        return registered.id

    def amend_rules(self, *, actor: str, group: str, rulebook: str, resolution: str,
                    effective: datetime | None = None, at: datetime | None = None) -> int:
        """Record a new version of the group's rules; returns its version number."""
        target = self.group(group)
        book, source = load_rulebook(rulebook)
        occurred_at = self._occurred_at(at)
        if effective is not None:
            check_offset(effective, what="--effective")
        recorded_at = self.clock()
        version = target.amend(actor=actor, occurred_at=occurred_at, recorded_at=recorded_at,
                               rulebook=book, source=source,
                               effective_at=effective or max(occurred_at, recorded_at),
                               resolution=_check_text(resolution, "resolution",
                                                      required=True) or "")
        self.save(target)
        return version

    def rules(self, group: str, *, as_of: datetime | None = None) -> RuleVersion:
        return self.group(group).rules_at(as_of or self.clock())

    def grant_role(self, *, actor: str, group: str, member: str, role: Role,
                   at: datetime | None = None) -> None:
        target = self.group(group)
        target.grant(actor=actor, occurred_at=self._occurred_at(at),
                     member=_check_key(member, "member id"), role=role)
        self.save(target)

    def revoke_role(self, *, actor: str, group: str, member: str, role: Role,
                    at: datetime | None = None) -> None:
        target = self.group(group)
        target.revoke(actor=actor, occurred_at=self._occurred_at(at),
                      member=_check_key(member, "member id"), role=role)
        self.save(target)

    def review(self, *, actor: str, group: str, keep: Sequence[str], remove: Sequence[str],
               reason: str, at: datetime | None = None) -> str:
        """A periodic membership review (R3): the kept are marked reviewed, the others
        removed, all in one transaction. Returns the review's id.
        """
        the_group = self.group(group)
        occurred_at = self._occurred_at(at)
        reason = _check_text(reason, "reason", required=True) or ""
        review_id = the_group.review(
            actor=actor, occurred_at=occurred_at, reason=reason,
            kept=tuple(_check_key(m, "member id") for m in keep),
            removed=tuple(_check_key(m, "member id") for m in remove))
        rules = the_group.rules_at(occurred_at)
        changed = []
        for member in keep:
            membership = self.membership(the_group, member)
            membership.keep_in_review(actor=actor, occurred_at=occurred_at, rules=rules,
                                      review_id=review_id)
            changed.append(membership)
        for member in remove:
            membership = self.membership(the_group, member)
            membership.remove(actor=actor, occurred_at=occurred_at, temporary=False,
                              reason=f"{reason} (review {review_id[:8]})", cause="review")
            changed.append(membership)
        self.save(the_group, *changed)
        return review_id

    # Memberships ------------------------------------------------------------------------

    def admit(self, *, actor: str, group: str, member: str, nickname: str,
              invited_by: str | None = None, verified_by: str | None = None,
              relation: str | None = None, exemption: str | None = None,
              at: datetime | None = None) -> MembershipState:
        """Returns the standing after admission (it says whether the nickname complies)."""
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, "admit members")
        group = the_group.key
        member = _check_key(member, "member id")
        nickname = _check_text(nickname, "nickname", required=True) or ""
        invited_by = _check_key(invited_by, "inviter") if invited_by else None
        verified_by = _check_key(verified_by, "verifier") if verified_by else None
        occurred_at = self._occurred_at(at)
        rules = the_group.rules_at(occurred_at)
        judge.check_exemption(the_group, rules, exemption)
        judge.check_admission(the_group, rules, relation=relation, invited_by=invited_by,
                                  verified_by=verified_by,
                                  inviter_is_member=bool(invited_by) and self._is_member_at(
                                      group, invited_by or "", occurred_at))
        details = {"nickname": nickname, "invited_by": invited_by, "verified_by": verified_by,
                   "relation": relation, "exemption": exemption, "rules": rules}
        membership = self._find(membership_id(group, member))
        if membership is None:
            membership = Membership.admit_first(actor=actor, occurred_at=occurred_at,
                                                group=group, member=member, **details)
        else:
            membership.admit(actor=actor, occurred_at=occurred_at, **details)
        self.save(membership)
        return membership.state

    def rename(self, *, actor: str, group: str, member: str, nickname: str,
               at: datetime | None = None) -> str:
        """Returns the nickname the member had before."""
        the_group = self.group(group)
        judge.check_actor_or_moderator(the_group, actor, member, "rename members",
                                       or_else=", or the member")
        membership = self.membership(the_group, member)
        occurred_at = self._occurred_at(at)
        old = membership.rename(actor=actor, occurred_at=occurred_at,
                                rules=the_group.rules_at(occurred_at),
                                nickname=_check_text(nickname, "nickname", required=True) or "")
        self.save(membership)
        return old

    def remind(self, *, actor: str, group: str, member: str, at: datetime | None = None) -> int:
        """Remind a member to fix their nickname; returns the number of reminders so far."""
        the_group = self.group(group)
        judge.check_role(the_group, actor, judge.REMINDERS, "remind members",
                         "the owner, an admin or a secretary")
        membership = self.membership(the_group, member)
        occurred_at = self._occurred_at(at)
        count = membership.remind(actor=actor, occurred_at=occurred_at,
                                  rules=the_group.rules_at(occurred_at))
        self.save(membership)
        return count

    def raise_flag(self, *, actor: str, group: str, member: str, category: str,
                   message: str | None = None, excerpt: str | None = None,
                   message_at: datetime | None = None, at: datetime | None = None) -> str:
        """Returns the flag's id: a new one, or the case a second report of the same
        message joined (`report` says which).
        """
        return self.report(actor=actor, group=group, member=member, category=category,
                           message=message, excerpt=excerpt, message_at=message_at, at=at)[0]

    def report(self, *, actor: str, group: str, member: str, category: str,
               message: str | None = None, excerpt: str | None = None,
               message_at: datetime | None = None,
               at: datetime | None = None) -> tuple[str, bool]:
        """A flag raised: (its id, whether it joined the open case of the same message)."""
        the_group = self.group(group)
        occurred_at = self._occurred_at(at)
        if (not the_group.roles_of(actor) & judge.FLAGGERS
                and not self._is_member_at(group, actor, occurred_at)):
            judge.check_role(the_group, actor, judge.FLAGGERS, "raise flags",
                             "the owner, an admin, a reviewer or a secretary",
                             or_else=", or a current member")
        if message_at is not None:
            check_not_future(message_at, self.clock(), what="--message-at")
        membership = self.membership(the_group, member)
        flag_id = membership.flag(actor=actor, occurred_at=occurred_at,
                                  rules_at=the_group.rules_at, category=category,
                                  message=_check_text(message, "message reference"),
                                  excerpt=_check_text(excerpt, "excerpt"),
                                  message_at=message_at)
        joined = type(membership.events[-1]).__name__ == "FlagSeconded"
        self.save(membership)
        return flag_id, joined

    def confirm_flag(self, *, actor: str, group: str, member: str, flag_id: str,
                     note: str | None = None, at: datetime | None = None) -> str:
        """Returns the id of the warning the confirmed flag earned."""
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, "confirm flags")
        judge.check_not_against_self(actor, member, "confirm a flag")
        membership = self.membership(the_group, member)
        warning_id = membership.confirm_flag(actor=actor, occurred_at=self._occurred_at(at),
                                             rules_at=the_group.rules_at, flag_id=flag_id,
                                             note=_check_text(note, "note"))
        self.save(membership)
        return warning_id

    def dismiss_flag(self, *, actor: str, group: str, member: str, flag_id: str,
                     reason: str, at: datetime | None = None) -> None:
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, "dismiss flags")
        judge.check_not_against_self(actor, member, "dismiss a flag")
        membership = self.membership(the_group, member)
        membership.dismiss_flag(actor=actor, occurred_at=self._occurred_at(at), flag_id=flag_id,
                                reason=_check_text(reason, "reason", required=True) or "")
        self.save(membership)

    def warn(self, *, actor: str, group: str, member: str, category: str,
             reason: str | None = None, message: str | None = None,
             at: datetime | None = None) -> str:
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, "warn members")
        membership = self.membership(the_group, member)
        occurred_at = self._occurred_at(at)
        warning_id = membership.warn(actor=actor, occurred_at=occurred_at,
                                     rules=the_group.rules_at(occurred_at), category=category,
                                     reason=_check_text(reason, "reason"),
                                     message=_check_text(message, "message reference"))
        self.save(membership)
        return warning_id

    def remove(self, *, actor: str, group: str, member: str, reason: str,
               temporary: bool = False, dispute: str | None = None,
               at: datetime | None = None) -> str:
        """`dispute`: the id of the dispute the removal is for (the member is a party)."""
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, "remove members")
        membership = self.membership(the_group, member)
        if dispute is not None:
            judge.check_dispute_link(self.dispute(dispute), the_group.key, membership.member,
                                     removing=True)
        removal_id = membership.remove(
            actor=actor, occurred_at=self._occurred_at(at), temporary=temporary,
            reason=_check_text(reason, "reason", required=True) or "", dispute_id=dispute)
        self.save(membership)
        return removal_id

    def readmit(self, *, actor: str, group: str, member: str, note: str | None = None,
                dispute: str | None = None, at: datetime | None = None) -> None:
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, "readmit members")
        membership = self.membership(the_group, member)
        if dispute is not None:
            judge.check_dispute_link(self.dispute(dispute), the_group.key, membership.member,
                                     removing=False)
        membership.readmit(actor=actor, occurred_at=self._occurred_at(at),
                           note=_check_text(note, "note"), dispute_id=dispute)
        self.save(membership)

    # Disputes (R2's quarrel) -------------------------------------------------------------

    def open_dispute(self, *, actor: str, group: str, parties: Sequence[str], summary: str,
                     at: datetime | None = None) -> str:
        """Returns the dispute's id."""
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, "open disputes")
        named = tuple(_check_key(p, "party") for p in parties)
        judge.check_dispute_parties(the_group.key, named, [
            p for p in named if self._find(membership_id(the_group.key, p)) is not None])
        occurred_at = self._occurred_at(at)
        judge.check_registered(the_group, occurred_at)
        dispute_id = new_case_id()
        opened = Dispute.open(actor=actor, occurred_at=occurred_at, group=the_group.key,
                              dispute_id=dispute_id, parties=named,
                              summary=_check_text(summary, "summary", required=True) or "")
        self.save(opened)
        return dispute_id

    def note_dispute(self, *, actor: str, dispute_id: str, text: str,
                     at: datetime | None = None) -> None:
        target = self.dispute(dispute_id)
        judge.check_role(self.group(target.group), actor, judge.SECRETARIES, "note disputes",
                         "the owner, an admin or a secretary")
        target.note(actor=actor, occurred_at=self._occurred_at(at),
                    text=_check_text(text, "text", required=True) or "")
        self.save(target)

    def resolve_dispute(self, *, actor: str, dispute_id: str, outcome: DisputeOutcome,
                        text: str, at: datetime | None = None) -> list[str]:
        """Returns the parties still awaiting re-admission (temporarily removed)."""
        target = self.dispute(dispute_id)
        judge.check_moderator(self.group(target.group), actor, "resolve disputes")
        occurred_at = self._occurred_at(at)
        target.resolve(actor=actor, occurred_at=occurred_at, outcome=outcome,
                       text=_check_text(text, "text", required=True) or "")
        self.save(target)
        return [p for p in target.parties
                if (found := self._find(membership_id(target.group, p))) is not None
                and (state := found.state_at(self.clock())) is not None
                and state.presence == "temporarily_removed"]

    def dispute(self, dispute_id: str) -> Dispute:
        found = self._find(dispute_aggregate_id(dispute_id))
        if found is None:
            raise NotFound(f"dispute {dispute_id} is not in this ledger: check the id")
        return found

    def leave(self, *, actor: str, group: str, member: str, note: str | None = None,
              violation: str | None = None, at: datetime | None = None) -> str | None:
        """A departure; with `violation` (R1: quitting on purpose) an admin records it
        with a strike of that category. Returns the strike's id, if any.
        """
        the_group = self.group(group)
        if violation is not None:
            judge.check_moderator(the_group, actor, "record a departure as a violation")
        elif actor != member:
            judge.check_moderator(the_group, actor, "record departures",
                                      or_else=", or the member who leaves")
        membership = self.membership(the_group, member)
        occurred_at = self._occurred_at(at)
        warning_id = membership.leave(
            actor=actor, occurred_at=occurred_at, note=_check_text(note, "note"),
            violation=(the_group.rules_at(occurred_at), violation) if violation else None)
        self.save(membership)
        return warning_id

    # Corrections and appeals ------------------------------------------------------------

    def rescind(self, *, actor: str, group: str, member: str, sanction_id: str, reason: str,
                at: datetime | None = None) -> None:
        """The issuer (or the owner) withdraws a sanction: it stops counting."""
        the_group = self.group(group)
        membership = self.membership(the_group, member)
        membership.rescind(actor=actor, occurred_at=self._occurred_at(at), group=the_group,
                           sanction_id=sanction_id,
                           reason=_check_text(reason, "reason", required=True) or "")
        self.save(membership)

    def file_appeal(self, *, actor: str, group: str, member: str, sanction_id: str,
                    grounds: str, at: datetime | None = None) -> str:
        """The member concerned (or an admin for them) contests a sanction; returns the
        appeal's id.
        """
        the_group = self.group(group)
        membership = self.membership(the_group, member)
        appeal_id = membership.file_appeal(
            actor=actor, occurred_at=self._occurred_at(at), group=the_group,
            sanction_id=sanction_id,
            grounds=_check_text(grounds, "grounds", required=True) or "")
        self.save(membership)
        return appeal_id

    def decide_appeal(self, *, actor: str, group: str, member: str, appeal_id: str,
                      outcome: AppealOutcome, rationale: str, weight: int | None = None,
                      at: datetime | None = None) -> str:
        """A reviewer with no part in the case decides it; returns the sanction's id."""
        the_group = self.group(group)
        membership = self.membership(the_group, member)
        sanction_id = membership.decide_appeal(
            actor=actor, occurred_at=self._occurred_at(at), group=the_group,
            appeal_id=appeal_id, outcome=outcome,
            rationale=_check_text(rationale, "rationale", required=True) or "", weight=weight)
        self.save(membership)
        return sanction_id

    # Tasks ------------------------------------------------------------------------------

    def assign_task(self, *, actor: str, group: str, member: str, summary: str,
                    deadline_minutes: int | None = None, at: datetime | None = None) -> str:
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, "assign tasks")
        membership = self.membership(the_group, member)
        occurred_at = self._occurred_at(at)
        task_id = membership.assign_task(
            actor=actor, occurred_at=occurred_at, rules=the_group.rules_at(occurred_at),
            summary=_check_text(summary, "summary", required=True) or "",
            deadline_minutes=deadline_minutes)
        self.save(membership)
        return task_id

    def acknowledge_task(self, *, actor: str, group: str, member: str, task_id: str,
                         at: datetime | None = None) -> None:
        the_group = self.group(group)
        judge.check_actor_or_moderator(the_group, actor, member, "acknowledge tasks for others",
                                       or_else=", or the member it was assigned to")
        membership = self.membership(the_group, member)
        membership.acknowledge_task(actor=actor, occurred_at=self._occurred_at(at),
                                    task_id=task_id)
        self.save(membership)

    def confirm_task_missed(self, *, actor: str, group: str, member: str, task_id: str,
                            at: datetime | None = None) -> str:
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, "confirm missed tasks")
        membership = self.membership(the_group, member)
        warning_id = membership.confirm_task_missed(actor=actor,
                                                    occurred_at=self._occurred_at(at),
                                                    rules_at=the_group.rules_at, task_id=task_id)
        self.save(membership)
        return warning_id

    # Reading ----------------------------------------------------------------------------

    def find_case(self, prefix: str, *, kinds: tuple[str, ...], what: str) -> ids.Case:
        """The one flag, sanction or task of the given kinds whose id starts with
        `prefix` (a unique prefix, as git allows): its id, kind, group and member. Read
        from the id index, which every write keeps in step: no read view is consulted.
        """
        with self.factory.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            return ids.resolve(cursor, self.store.qualified(ids.TABLE), prefix, kinds=kinds,
                               what=what, placeholder=self.store.placeholder)

    def group(self, group: str) -> Group:
        found = self._find(group_id(_check_key(group, "group id")))
        if found is None:
            raise NotFound(f"group {group} is not in this ledger: create it with "
                           "'ledger group create' or check --store")
        # A role is used only by someone in the group now (R3: 人事变动): whoever was
        # removed or left holds it unused until readmitted.
        moment = self.clock()
        found.suspended = frozenset(
            person for person in found.roles
            if person != found.owner and found.roles[person] and self._is_out(found.key, person,
                                                                            moment))
        return found

    def membership(self, group: str | Group, member: str) -> Membership:
        """One member's membership of a group (given by id, or as already loaded)."""
        key = (group if isinstance(group, Group) else self.group(group)).key
        member = _check_key(member, "member id")
        found = self._find(membership_id(key, member))
        if found is None:
            raise NotFound(f"{member} was never admitted to {key}: admit them first")
        return found

    def history(self, group: str, member: str) -> Sequence[MembershipEvent]:
        """Every event of one membership, in the order the facts happened."""
        return in_order(self.membership(group, member).events)

    def standing(self, group: str, member: str, *, as_of: datetime | None = None) -> MembershipState:
        """The member's standing now, or at `as_of`."""
        state = self.membership(group, member).state_at(as_of or self.clock())
        if state is None:
            raise NotFound(f"{member} had not been admitted to {group} by then: give a later "
                           "--as-of")
        return state

    def _is_out(self, group: str, member: str, moment: datetime) -> bool:
        """Admitted once, and removed or gone at `moment`."""
        found = self._find(membership_id(group, member))
        state = found.state_at(moment) if found is not None else None
        return state is not None and state.presence in ("removed", "temporarily_removed",
                                                        "left")

    def _is_member_at(self, group: str, member: str, moment: datetime) -> bool:
        found = self._find(membership_id(group, member))
        state = found.state_at(moment) if found is not None else None
        return state is not None and state.is_in_group

    def _find(self, aggregate_id: UUID) -> Any:
        if self._pending is not None and aggregate_id in self._pending:
            return self._pending[aggregate_id]
        try:
            found = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        if self._pending is not None:
            # A batch reads each aggregate once: what it changes is saved at the end, what
            # it only read adds no event.
            self._pending[aggregate_id] = found
        return found

    def _occurred_at(self, at: datetime | None) -> datetime:
        current = self.clock()
        if at is None:
            return current.replace(microsecond=0)
        check_offset(at)
        check_not_future(at, current)
        return at
