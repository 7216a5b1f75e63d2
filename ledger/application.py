"""The one public write API. Each method checks the actor's role, loads the aggregate, calls
one command on it and saves; it returns the ids a caller needs. Nothing is saved unless
every guard passed, so a refused command records nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import PersistenceError, RecordConflictError
from eventsourcing.utils import Environment

from ledger.aggregates import Group, Membership, group_id, membership_id
from ledger.clock import check_not_future, now
from ledger.errors import ConcurrentUpdate, GroupExists, InvalidInput, NotFound, StoreError
from ledger.events import MembershipEvent, Role
from ledger.store import Store
from ledger.timeline import MembershipState, in_order


def _check_key(value: str, what: str) -> str:
    value = value.strip() if value else ""
    if not value:
        raise InvalidInput(f"{what} is empty: give a non-empty {what}")
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise InvalidInput(f"{what} {value!r} contains spaces or control characters: "
                           "ids are single words such as wx_li or g9")
    return value


def _check_text(value: str | None, what: str, *, required: bool = False) -> str | None:
    if value is None or not value.strip():
        if required:
            raise InvalidInput(f"{what} is empty: say it in words")
        return None
    if any(not ch.isprintable() and ch not in "\n\t" for ch in value):
        raise InvalidInput(f"{what} contains control characters: remove them")
    return value


class Ledger(Application[UUID]):
    name = "ledger"

    def __init__(self, store: Store, *, clock: Callable[[], datetime] = now) -> None:
        self.store = store
        self.clock = clock
        store.prepare()
        try:
            super().__init__()
        except PersistenceError as error:
            raise StoreError(f"cannot open store {store.describe()}: "
                             f"{str(error).strip().splitlines()[0]}") from None

    def construct_env(self, name: str, env: Any = None) -> Environment:
        # The store URL decides everything: nothing leaks in from os.environ.
        return Environment(name, self.store.env)

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        try:
            return super().save(*objs, **kwargs)
        except RecordConflictError:
            raise ConcurrentUpdate("someone else recorded to the same group or member at the "
                                   "same moment, and nothing of this command was saved: "
                                   "run it again") from None

    # The group --------------------------------------------------------------------------

    def register_group(self, *, actor: str, group: str, name: str, owner: str,
                       at: datetime | None = None) -> UUID:
        actor, group, owner = (_check_key(actor, "actor"), _check_key(group, "group id"),
                               _check_key(owner, "owner"))
        name = _check_text(name, "group name", required=True) or ""
        occurred_at = self._occurred_at(at)
        if self._find(group_id(group)) is not None:
            raise GroupExists(f"group {group} is already registered: choose another id")
        registered = Group.register(actor=actor, occurred_at=occurred_at, group=group,
                                    name=name, owner=owner)
        self.save(registered)
        return registered.id

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

    # Memberships ------------------------------------------------------------------------

    def admit(self, *, actor: str, group: str, member: str, nickname: str,
              invited_by: str | None = None, verified_by: str | None = None,
              at: datetime | None = None) -> None:
        the_group = self.group(group)
        the_group.check_moderator(actor, "admit members")
        member = _check_key(member, "member id")
        nickname = _check_text(nickname, "nickname", required=True) or ""
        invited_by = _check_key(invited_by, "inviter") if invited_by else None
        verified_by = _check_key(verified_by, "verifier") if verified_by else None
        occurred_at = self._occurred_at(at)
        membership = self._find(membership_id(group, member))
        if membership is None:
            membership = Membership.admit_first(
                actor=actor, occurred_at=occurred_at, group=group, member=member,
                nickname=nickname, invited_by=invited_by, verified_by=verified_by)
        else:
            membership.admit(actor=actor, occurred_at=occurred_at, nickname=nickname,
                             invited_by=invited_by, verified_by=verified_by)
        self.save(membership)

    def rename(self, *, actor: str, group: str, member: str, nickname: str,
               at: datetime | None = None) -> str:
        """Returns the nickname the member had before."""
        the_group = self.group(group)
        if actor != member:
            the_group.check_moderator(actor, "rename members", or_else=", or the member")
        membership = self.membership(group, member)
        old = membership.rename(actor=actor, occurred_at=self._occurred_at(at),
                                nickname=_check_text(nickname, "nickname", required=True) or "")
        self.save(membership)
        return old

    def raise_flag(self, *, actor: str, group: str, member: str, category: str,
                   message: str | None = None, excerpt: str | None = None,
                   at: datetime | None = None) -> str:
        the_group = self.group(group)
        occurred_at = self._occurred_at(at)
        if not the_group.is_moderator(actor):
            reporter = self._find(membership_id(group, actor))
            if reporter is None or not reporter.state_at(occurred_at).is_in_group:
                the_group.check_moderator(actor, "raise flags",
                                          or_else=", or a current member")
        membership = self.membership(group, member)
        flag_id = membership.flag(actor=actor, occurred_at=occurred_at, category=category,
                                  message=_check_text(message, "message reference"),
                                  excerpt=_check_text(excerpt, "excerpt"))
        self.save(membership)
        return flag_id

    def confirm_flag(self, *, actor: str, group: str, member: str, flag_id: str,
                     note: str | None = None, at: datetime | None = None) -> str:
        """Returns the id of the warning the confirmed flag earned."""
        self.group(group).check_moderator(actor, "confirm flags")
        membership = self.membership(group, member)
        warning_id = membership.confirm_flag(actor=actor, occurred_at=self._occurred_at(at),
                                             flag_id=flag_id, note=_check_text(note, "note"))
        self.save(membership)
        return warning_id

    def dismiss_flag(self, *, actor: str, group: str, member: str, flag_id: str,
                     reason: str, at: datetime | None = None) -> None:
        self.group(group).check_moderator(actor, "dismiss flags")
        membership = self.membership(group, member)
        membership.dismiss_flag(actor=actor, occurred_at=self._occurred_at(at), flag_id=flag_id,
                                reason=_check_text(reason, "reason", required=True) or "")
        self.save(membership)

    def warn(self, *, actor: str, group: str, member: str, category: str,
             reason: str | None = None, at: datetime | None = None) -> str:
        self.group(group).check_moderator(actor, "warn members")
        membership = self.membership(group, member)
        warning_id = membership.warn(actor=actor, occurred_at=self._occurred_at(at),
                                     category=category, reason=_check_text(reason, "reason"))
        self.save(membership)
        return warning_id

    def remove(self, *, actor: str, group: str, member: str, reason: str,
               temporary: bool = False, at: datetime | None = None) -> str:
        self.group(group).check_moderator(actor, "remove members")
        membership = self.membership(group, member)
        removal_id = membership.remove(
            actor=actor, occurred_at=self._occurred_at(at), temporary=temporary,
            reason=_check_text(reason, "reason", required=True) or "")
        self.save(membership)
        return removal_id

    def readmit(self, *, actor: str, group: str, member: str, note: str | None = None,
                at: datetime | None = None) -> None:
        self.group(group).check_moderator(actor, "readmit members")
        membership = self.membership(group, member)
        membership.readmit(actor=actor, occurred_at=self._occurred_at(at),
                           note=_check_text(note, "note"))
        self.save(membership)

    def leave(self, *, actor: str, group: str, member: str, note: str | None = None,
              at: datetime | None = None) -> None:
        the_group = self.group(group)
        if actor != member:
            the_group.check_moderator(actor, "record departures",
                                      or_else=", or the member who leaves")
        membership = self.membership(group, member)
        membership.leave(actor=actor, occurred_at=self._occurred_at(at),
                         note=_check_text(note, "note"))
        self.save(membership)

    # Reading ----------------------------------------------------------------------------

    def group(self, group: str) -> Group:
        found = self._find(group_id(_check_key(group, "group id")))
        if found is None:
            raise NotFound(f"group {group} is not in this ledger: create it with "
                           "'ledger group create' or check --store")
        return found

    def membership(self, group: str, member: str) -> Membership:
        self.group(group)
        found = self._find(membership_id(group, _check_key(member, "member id")))
        if found is None:
            raise NotFound(f"{member} was never admitted to {group}: admit them first")
        return found

    def history(self, group: str, member: str) -> Sequence[MembershipEvent]:
        """Every event of one membership, in the order the facts happened."""
        return in_order(self.membership(group, member).events)

    def standing(self, group: str, member: str) -> MembershipState:
        return self.membership(group, member).state

    def _find(self, aggregate_id: UUID) -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def _occurred_at(self, at: datetime | None) -> datetime:
        current = self.clock()
        if at is None:
            return current.replace(microsecond=0)
        if at.tzinfo is None:
            raise InvalidInput("--at needs a time zone offset, e.g. 2026-11-25T09:30+08:00")
        check_not_future(at, current)
        return at
