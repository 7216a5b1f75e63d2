"""The one public write API. Each method checks its input, loads the group (once) and the
membership, has the judge (`ledger.judge`) decide, records through one aggregate command
and saves; it returns the ids a caller needs. Nothing is saved unless the judge let every
event through, so a refused command records nothing.
"""

from __future__ import annotations

import contextlib
import functools
import random
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone, tzinfo
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import OriginatorVersionError
from eventsourcing.persistence import PersistenceError, RecordConflictError
from eventsourcing.utils import Environment

from ledger.store import ids
from ledger.domain import judge
from ledger.trust import tree
from ledger.domain.aggregates import (
    SEALS_ID,
    Group,
    Membership,
    Seals,
    group_id,
    membership_id,
    new_case_id,
)
from ledger.domain.clock import check_in_range, check_not_future, check_offset, in_zone, now
from ledger.domain.dispute import Dispute, dispute_aggregate_id
from ledger.domain.errors import ConcurrentUpdate, InvalidInput, NotFound, StoreError
from ledger.domain.events import AppealOutcome, DisputeOutcome, LedgerSealed, MembershipEvent, Role
from ledger.domain.fold import MembershipState, in_order
from ledger.domain.i18n import N_, _, translate
from ledger.domain.rulebook import load as load_rulebook
from ledger.domain.rules import RuleVersion
from ledger.store.url import Store
from ledger.domain.vocabulary import RELATIONS, key_of

T = TypeVar("T")


def _is_control(ch: str) -> bool:
    # Cc only: format characters (Cf) such as the zero-width joiner inside 👩‍💻 are text.
    return unicodedata.category(ch) == "Cc"


# How long what people type may be (characters): a WeChat id or group id is a short word,
# a name a line, a reason or an excerpt a few paragraphs.
KEY_LIMIT = 64
TEXT_LIMITS = {"group name": 100, "nickname": 100, "message reference": 200}
TEXT_LIMIT = 4000


def _check_key(value: str, what: str) -> str:
    """An id as people type it, in its NFC form: two spellings of one visible id are one
    id. Spaces, control and format characters (zero-width, bidi overrides) are refused,
    since they make ids that print alike differ.
    """
    value = value.strip() if value else ""
    if not value:
        raise InvalidInput(_("{what} is empty: give a non-empty {what}").format(what=translate(what)))
    _check_encodable(value, what)
    value = unicodedata.normalize("NFC", value)
    if len(value) > KEY_LIMIT:
        raise InvalidInput(_("{what} {value}… is {n_value} characters long: ids are at most "
                             "{KEY_LIMIT}").format(
                             what=translate(what), value=_shown(value[:16]), n_value=len(value),
                             KEY_LIMIT=KEY_LIMIT))
    if any(ch.isspace() or _is_control(ch) for ch in value):
        raise InvalidInput(_("{what} {value} contains spaces or control characters: ids are "
                             "single words such as wx_li or g9").format(
                             what=translate(what), value=_shown(value)))
    if any(unicodedata.category(ch) == "Cf" for ch in value):
        raise InvalidInput(_("{what} {value} contains invisible characters (zero-width or "
                             "direction marks): an id is what people see; type it without them").format(
                             what=translate(what), value=_shown(value)))
    return value


def _shown(value: str) -> str:
    """An id quoted, with what a terminal would not show spelled out (\\u200b)."""
    return "'" + "".join(ch if unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
                         else f"\\u{ord(ch):04x}" for ch in value) + "'"


def _check_encodable(value: str, what: str) -> None:
    """Text that is not valid Unicode (a lone surrogate: bytes that were not UTF-8) cannot
    be stored faithfully.
    """
    if any(unicodedata.category(ch) == "Cs" for ch in value):
        raise InvalidInput(_("{what} {value} is not valid UTF-8 text: type it again in UTF-8").format(
                             what=translate(what), value=_shown(value[:40])))


def _check_text(value: str | None, what: str, *, required: bool = False) -> str | None:
    """`what` is the English label (N_), which names the limit; it is translated when shown."""
    if value is None or not value.strip():
        if required:
            raise InvalidInput(_("{what} is empty: say it in words").format(what=translate(what)))
        return None
    _check_encodable(value, what)
    limit = TEXT_LIMITS.get(what, TEXT_LIMIT)
    if len(value) > limit:
        raise InvalidInput(_("{what} is {n_value} characters long: at most {limit} are kept; "
                             "shorten it").format(what=translate(what), n_value=len(value), limit=limit))
    if any(_is_control(ch) and ch not in "\n\t" for ch in value):
        raise InvalidInput(_("{what} contains control characters (such as a NUL or an escape): "
                             "remove them").format(what=translate(what)))
    return value


OPEN_ATTEMPTS = 5
CONFLICT_ATTEMPTS = 8


class _Conflicted(ConcurrentUpdate):
    """Another process recorded to one of this command's aggregates after it loaded them."""


def recording(method: Callable[..., T]) -> Callable[..., T]:
    """A command that records: when another process recorded to the same aggregates in the
    meantime, it is run again from the start, loading them anew and judging against what
    is now stored (a second removal of a member already removed is refused, not doubled).
    A batch is not retried command by command: it is saved whole or not at all.
    """
    @functools.wraps(method)
    def run(self: Ledger, *args: Any, **kwargs: Any) -> T:
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                return method(self, *args, **kwargs)
            except _Conflicted:
                if self._pending is not None or attempt + 1 == CONFLICT_ATTEMPTS:
                    raise
                time.sleep(random.uniform(0, 0.01 * (attempt + 1)))
        raise AssertionError("unreachable")
    return run


class Ledger(Application[UUID]):
    name = "ledger"

    def __init__(self, store: Store, *, clock: Callable[[], datetime] = now,
                 zone: tzinfo | None = None) -> None:
        self.store = store
        self.clock = clock
        # Where a time without an offset is read for a group whose rulebook names no zone,
        # and for questions about no one group (LEDGER_TZ in the CLI).
        self.default_zone: tzinfo = zone or timezone.utc
        self.last_occurred_at: datetime | None = None  # of the last fact recorded
        self._pending: dict[UUID, Any] | None = None  # the aggregates of a batch
        with store.opening():
            self._open()
        ids.backfill(self.factory.datastore.transaction,  # type: ignore[attr-defined]
                     events_table=store.qualified(self.recorder.events_table_name),  # type: ignore[attr-defined]
                     meta_table=store.qualified(ids.META), index_table=store.qualified(ids.TABLE),
                     placeholder=store.placeholder)

    def _open(self) -> None:
        for attempt in range(OPEN_ATTEMPTS):
            try:
                super().__init__()
                return
            except (PersistenceError, sqlite3.Error) as error:
                first = (str(error).strip().splitlines() or [type(error).__name__])[0]
                if "locked" in first and attempt + 1 < OPEN_ATTEMPTS:
                    # SQLite refuses at once, without waiting, a schema change (the tables
                    # a first open creates) whose read went stale under another opener's
                    # commit; the next attempt finds the tables made.
                    time.sleep(0.05 * (attempt + 1))
                    continue
                raise StoreError(_("cannot open store {store}: {first}: is it a ledger? Check "
                                   "--store").format(
                                   store=self.store.describe(), first=first)) from None

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
            raise _Conflicted(_("someone else recorded to the same group or member at the "
                                "same moment, and nothing of this command was saved: run it "
                                "again")) from None

    # The group --------------------------------------------------------------------------

    @recording
    def register_group(self, *, actor: str, group: str, name: str, owner: str,
                       rulebook: str = "builtin:default", approved_by: str | None = None,
                       filed_with: str | None = None, at: datetime | None = None) -> UUID:
        """A new group. R3 第四条: `approved_by` who approved its creation, `filed_with`
        where it was filed (备案).
        """
        actor, group, owner = (_check_key(actor, N_("actor")), _check_key(group, N_("group id")),
                               _check_key(owner, N_("owner")))
        name = _check_text(name, N_("group name"), required=True) or ""
        approved_by = _check_key(approved_by, N_("approver")) if approved_by is not None else None
        filed_with = _check_text(filed_with, N_("filing"))
        book, source = load_rulebook(rulebook)
        occurred_at = self._occurred_at(at, book.zone)
        judge.check_unregistered(group, self._find(group_id(group)))
        registered = Group.register(actor=actor, occurred_at=occurred_at, group=group,
                                    name=name, owner=owner, rulebook=book, source=source,
                                    approved_by=approved_by, filed_with=filed_with)
        self.save(registered)
        return registered.id

    @recording
    def amend_rules(self, *, actor: str, group: str, rulebook: str, resolution: str,
                    effective: datetime | None = None, at: datetime | None = None) -> int:
        """Record a new version of the group's rules; returns its version number."""
        target = self.group(group)
        book, source = load_rulebook(rulebook)
        occurred_at = self._occurred_at(at, target)
        if effective is not None:
            effective = self.moment(effective, zone=target, what="--effective")
        recorded_at = self.clock()
        effective_at = effective or max(occurred_at, recorded_at)
        first = (self._first_fact_since(target.key, effective_at)
                 if effective_at < recorded_at.replace(microsecond=0) else None)
        version = target.amend(actor=actor, occurred_at=occurred_at, recorded_at=recorded_at,
                               rulebook=book, source=source, first_fact_since=first,
                               effective_at=effective_at,
                               resolution=_check_text(resolution, N_("resolution"),
                                                      required=True) or "")
        self.save(target)
        return version

    def _first_fact_since(self, group: str, moment: datetime) -> MembershipEvent | None:
        """The first fact of the group's memberships that happened at or after `moment`
        (the earliest; ties by recording). Only a back-dated amendment asks, and it reads
        the log once for it.
        """
        first: MembershipEvent | None = None
        start = 1
        while True:
            page = self.recorder.select_notifications(start, 1000)  # type: ignore[attr-defined]
            for notification in page:
                event = self.mapper.to_domain_event(notification)
                if (isinstance(event, MembershipEvent) and event.group == group
                        and event.occurred_at >= moment
                        and (first is None or event.occurred_at < first.occurred_at)):
                    first = event
            if len(page) < 1000:
                return first
            start = page[-1].id + 1

    def rules(self, group: str, *, as_of: datetime | None = None) -> RuleVersion:
        found = self.group(group)
        return found.rules_at(self.moment(as_of, zone=found) if as_of else self.clock())

    @recording
    def grant_role(self, *, actor: str, group: str, member: str, role: Role,
                   at: datetime | None = None) -> None:
        target = self.group(group)
        target.grant(actor=actor, occurred_at=self._occurred_at(at, target),
                     member=_check_key(member, N_("member id")), role=role)
        self.save(target)

    @recording
    def revoke_role(self, *, actor: str, group: str, member: str, role: Role,
                    at: datetime | None = None) -> None:
        target = self.group(group)
        target.revoke(actor=actor, occurred_at=self._occurred_at(at, target),
                      member=_check_key(member, N_("member id")), role=role)
        self.save(target)

    @recording
    def review(self, *, actor: str, group: str, keep: Sequence[str], remove: Sequence[str],
               reason: str, at: datetime | None = None) -> str:
        """A periodic membership review (R3): the kept are marked reviewed, the others
        removed, all in one transaction. Returns the review's id.
        """
        the_group = self.group(group)
        occurred_at = self._occurred_at(at, the_group)
        reason = _check_text(reason, N_("reason"), required=True) or ""
        review_id = the_group.review(
            actor=actor, occurred_at=occurred_at, reason=reason,
            kept=tuple(_check_key(m, N_("member id")) for m in keep),
            removed=tuple(_check_key(m, N_("member id")) for m in remove))
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

    @recording
    def admit(self, *, actor: str, group: str, member: str, nickname: str,
              invited_by: str | None = None, verified_by: str | None = None,
              relation: str | None = None, exemption: str | None = None,
              at: datetime | None = None) -> MembershipState:
        """Returns the standing after admission (it says whether the nickname complies)."""
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, _("admit members"))
        group = the_group.key
        member = _check_key(member, N_("member id"))
        nickname = _check_text(nickname, N_("nickname"), required=True) or ""
        invited_by = _check_key(invited_by, N_("inviter")) if invited_by else None
        verified_by = _check_key(verified_by, N_("verifier")) if verified_by else None
        if relation is not None:  # typed as its key or its Chinese name (业主, 家属, 租户)
            relation = key_of(RELATIONS, relation) or unicodedata.normalize("NFC", relation)
        occurred_at = self._occurred_at(at, the_group)
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

    @recording
    def rename(self, *, actor: str, group: str, member: str, nickname: str,
               at: datetime | None = None) -> str:
        """Returns the nickname the member had before."""
        the_group = self.group(group)
        judge.check_actor_or_moderator(the_group, actor, member, _("rename members"),
                                       or_else=_(", or the member"))
        membership = self.membership(the_group, member)
        occurred_at = self._occurred_at(at, the_group)
        old = membership.rename(actor=actor, occurred_at=occurred_at,
                                rules=the_group.rules_at(occurred_at),
                                nickname=_check_text(nickname, N_("nickname"), required=True) or "")
        self.save(membership)
        return old

    @recording
    def exempt(self, *, actor: str, group: str, member: str, exemption: str,
               at: datetime | None = None) -> bool | None:
        """Grant a nickname exemption of the rulebook after admission (R3: an executive
        promoted later). Returns whether the nickname then complies.
        """
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, _("grant nickname exemptions"))
        membership = self.membership(the_group, member)
        occurred_at = self._occurred_at(at, the_group)
        rules = the_group.rules_at(occurred_at)
        exemption = _check_key(exemption, N_("exemption"))
        judge.check_exemption(the_group, rules, exemption)
        ok = membership.grant_exemption(actor=actor, occurred_at=occurred_at, rules=rules,
                                        exemption=exemption)
        self.save(membership)
        return ok

    @recording
    def caution(self, *, actor: str, group: str, member: str, category: str, reason: str,
                at: datetime | None = None) -> str:
        """A friendly reminder about a minor violation (R3 第十二条), no strike; returns its
        id. The owner, an admin or a reviewer (the supervising office).
        """
        the_group = self.group(group)
        judge.check_right(the_group, actor, "caution members")
        membership = self.membership(the_group, member)
        occurred_at = self._occurred_at(at, the_group)
        caution_id = membership.caution(
            actor=actor, occurred_at=occurred_at, rules=the_group.rules_at(occurred_at),
            category=category, reason=_check_text(reason, N_("reason"), required=True) or "")
        self.save(membership)
        return caution_id

    @recording
    def remind(self, *, actor: str, group: str, member: str, at: datetime | None = None) -> int:
        """Remind a member to fix their nickname; returns the number of reminders so far."""
        the_group = self.group(group)
        judge.check_role(the_group, actor, judge.REMINDERS, _("remind members"),
                         _("the owner, an admin or a secretary"))
        membership = self.membership(the_group, member)
        occurred_at = self._occurred_at(at, the_group)
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

    @recording
    def report(self, *, actor: str, group: str, member: str, category: str,
               message: str | None = None, excerpt: str | None = None,
               message_at: datetime | None = None,
               at: datetime | None = None) -> tuple[str, bool]:
        """A flag raised: (its id, whether it joined the open case of the same message)."""
        the_group = self.group(group)
        occurred_at = self._occurred_at(at, the_group)
        if (not the_group.roles_of(actor) & judge.FLAGGERS
                and not self._is_member_at(group, actor, occurred_at)):
            judge.check_role(the_group, actor, judge.FLAGGERS, _("raise flags"),
                             _("the owner, an admin, a reviewer or a secretary"),
                             or_else=_(", or a current member"))
        if message_at is not None:
            message_at = self.moment(message_at, zone=the_group, what="--message-at", past=True)
        membership = self.membership(the_group, member)
        flag_id = membership.flag(actor=actor, occurred_at=occurred_at,
                                  rules_at=the_group.rules_at, category=category,
                                  message=_check_text(message, N_("message reference")),
                                  excerpt=_check_text(excerpt, N_("excerpt")),
                                  message_at=message_at)
        joined = type(membership.events[-1]).__name__ == "FlagSeconded"
        self.save(membership)
        return flag_id, joined

    @recording
    def confirm_flag(self, *, actor: str, group: str, member: str, flag_id: str,
                     note: str | None = None, at: datetime | None = None) -> str:
        """Returns the id of the warning the confirmed flag earned."""
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, _("confirm flags"))
        judge.check_not_against_self(actor, member, _("confirm a flag"))
        membership = self.membership(the_group, member)
        warning_id = membership.confirm_flag(actor=actor,
                                             occurred_at=self._occurred_at(at, the_group),
                                             rules_at=the_group.rules_at, flag_id=flag_id,
                                             note=_check_text(note, N_("note")))
        self.save(membership)
        return warning_id

    @recording
    def dismiss_flag(self, *, actor: str, group: str, member: str, flag_id: str,
                     reason: str, at: datetime | None = None) -> None:
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, _("dismiss flags"))
        judge.check_not_against_self(actor, member, _("dismiss a flag"))
        membership = self.membership(the_group, member)
        membership.dismiss_flag(actor=actor, occurred_at=self._occurred_at(at, the_group),
                                flag_id=flag_id,
                                reason=_check_text(reason, N_("reason"), required=True) or "")
        self.save(membership)

    @recording
    def warn(self, *, actor: str, group: str, member: str, category: str,
             reason: str | None = None, message: str | None = None,
             at: datetime | None = None) -> str:
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, _("warn members"))
        membership = self.membership(the_group, member)
        occurred_at = self._occurred_at(at, the_group)
        warning_id = membership.warn(actor=actor, occurred_at=occurred_at,
                                     rules=the_group.rules_at(occurred_at), category=category,
                                     reason=_check_text(reason, N_("reason")),
                                     message=_check_text(message, N_("message reference")))
        self.save(membership)
        return warning_id

    @recording
    def remove(self, *, actor: str, group: str, member: str, reason: str,
               temporary: bool = False, dispute: str | None = None,
               at: datetime | None = None) -> str:
        """`dispute`: the id of the dispute the removal is for (the member is a party)."""
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, _("remove members"))
        membership = self.membership(the_group, member)
        if dispute is not None:
            judge.check_dispute_link(self.dispute(dispute), the_group.key, membership.member,
                                     removing=True)
        removal_id = membership.remove(
            actor=actor, occurred_at=self._occurred_at(at, the_group), temporary=temporary,
            reason=_check_text(reason, N_("reason"), required=True) or "", dispute_id=dispute)
        self.save(membership)
        return removal_id

    @recording
    def readmit(self, *, actor: str, group: str, member: str, note: str | None = None,
                dispute: str | None = None, at: datetime | None = None) -> None:
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, _("readmit members"))
        membership = self.membership(the_group, member)
        if dispute is not None:
            judge.check_dispute_link(self.dispute(dispute), the_group.key, membership.member,
                                     removing=False)
        membership.readmit(actor=actor, occurred_at=self._occurred_at(at, the_group),
                           note=_check_text(note, N_("note")), dispute_id=dispute)
        self.save(membership)

    # Disputes (R2's quarrel) -------------------------------------------------------------

    @recording
    def open_dispute(self, *, actor: str, group: str, parties: Sequence[str], summary: str,
                     at: datetime | None = None) -> str:
        """Returns the dispute's id."""
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, _("open disputes"))
        named = tuple(_check_key(p, N_("party")) for p in parties)
        judge.check_dispute_parties(the_group.key, named, [
            p for p in named if self._find(membership_id(the_group.key, p)) is not None])
        occurred_at = self._occurred_at(at, the_group)
        judge.check_registered(the_group, occurred_at)
        dispute_id = new_case_id()
        opened = Dispute.open(actor=actor, occurred_at=occurred_at, group=the_group.key,
                              dispute_id=dispute_id, parties=named,
                              summary=_check_text(summary, N_("summary"), required=True) or "")
        self.save(opened)
        return dispute_id

    @recording
    def note_dispute(self, *, actor: str, dispute_id: str, text: str,
                     at: datetime | None = None) -> None:
        target = self.dispute(dispute_id)
        the_group = self.group(target.group)
        judge.check_role(the_group, actor, judge.SECRETARIES, _("note disputes"),
                         _("the owner, an admin or a secretary"))
        target.note(actor=actor, occurred_at=self._occurred_at(at, the_group),
                    text=_check_text(text, N_("text"), required=True) or "")
        self.save(target)

    @recording
    def resolve_dispute(self, *, actor: str, dispute_id: str, outcome: DisputeOutcome,
                        text: str, at: datetime | None = None) -> list[str]:
        """Returns the parties still awaiting re-admission (temporarily removed)."""
        target = self.dispute(dispute_id)
        the_group = self.group(target.group)
        judge.check_moderator(the_group, actor, _("resolve disputes"))
        occurred_at = self._occurred_at(at, the_group)
        target.resolve(actor=actor, occurred_at=occurred_at, outcome=outcome,
                       text=_check_text(text, N_("text"), required=True) or "")
        self.save(target)
        return [p for p in target.parties
                if (found := self._find(membership_id(target.group, p))) is not None
                and (state := found.state_at(self.clock())) is not None
                and state.presence == "temporarily_removed"]

    def dispute(self, dispute_id: str) -> Dispute:
        found = self._find(dispute_aggregate_id(dispute_id))
        if found is None:
            raise NotFound(_("dispute {dispute_id} is not in this ledger: check the id").format(
                             dispute_id=dispute_id))
        return found

    @recording
    def leave(self, *, actor: str, group: str, member: str, note: str | None = None,
              violation: str | None = None, at: datetime | None = None) -> str | None:
        """A departure; with `violation` (R1: quitting on purpose) an admin records it
        with a strike of that category. Returns the strike's id, if any.
        """
        the_group = self.group(group)
        if violation is not None:
            judge.check_moderator(the_group, actor, _("record a departure as a violation"))
        elif actor != member:
            judge.check_moderator(the_group, actor, _("record departures"),
                                      or_else=_(", or the member who leaves"))
        membership = self.membership(the_group, member)
        occurred_at = self._occurred_at(at, the_group)
        warning_id = membership.leave(
            actor=actor, occurred_at=occurred_at, note=_check_text(note, N_("note")),
            violation=(the_group.rules_at(occurred_at), violation) if violation else None)
        self.save(membership)
        return warning_id

    # Corrections and appeals ------------------------------------------------------------

    @recording
    def rescind(self, *, actor: str, group: str, member: str, sanction_id: str, reason: str,
                at: datetime | None = None) -> None:
        """The issuer (or the owner) withdraws a sanction: it stops counting."""
        the_group = self.group(group)
        membership = self.membership(the_group, member)
        membership.rescind(actor=actor, occurred_at=self._occurred_at(at, the_group),
                           group=the_group,
                           sanction_id=sanction_id,
                           reason=_check_text(reason, N_("reason"), required=True) or "")
        self.save(membership)

    @recording
    def file_appeal(self, *, actor: str, group: str, member: str, sanction_id: str,
                    grounds: str, at: datetime | None = None) -> str:
        """The member concerned (or an admin for them) contests a sanction; returns the
        appeal's id.
        """
        the_group = self.group(group)
        membership = self.membership(the_group, member)
        appeal_id = membership.file_appeal(
            actor=actor, occurred_at=self._occurred_at(at, the_group), group=the_group,
            sanction_id=sanction_id,
            grounds=_check_text(grounds, N_("grounds"), required=True) or "")
        self.save(membership)
        return appeal_id

    @recording
    def decide_appeal(self, *, actor: str, group: str, member: str, appeal_id: str,
                      outcome: AppealOutcome, rationale: str, weight: int | None = None,
                      at: datetime | None = None) -> str:
        """A reviewer with no part in the case decides it; returns the sanction's id."""
        the_group = self.group(group)
        membership = self.membership(the_group, member)
        sanction_id = membership.decide_appeal(
            actor=actor, occurred_at=self._occurred_at(at, the_group), group=the_group,
            appeal_id=appeal_id, outcome=outcome,
            rationale=_check_text(rationale, N_("rationale"), required=True) or "", weight=weight)
        self.save(membership)
        return sanction_id

    # Tasks ------------------------------------------------------------------------------

    @recording
    def assign_task(self, *, actor: str, group: str, member: str, summary: str,
                    deadline_minutes: int | None = None, assigned_by: str | None = None,
                    at: datetime | None = None) -> str:
        """A task with a response deadline. The owner, an admin or a leader records it;
        `assigned_by` names the leader who gave it when someone else records it.
        """
        the_group = self.group(group)
        occurred_at = self._occurred_at(at, the_group)
        judge.check_keeps_tasks(the_group.key, the_group.rules_at(occurred_at))
        judge.check_right(the_group, actor, "assign tasks")
        if assigned_by is not None:
            assigned_by = _check_key(assigned_by, N_("task giver"))
            judge.check_task_giver(the_group, assigned_by)
        membership = self.membership(the_group, member)
        task_id = membership.assign_task(
            actor=actor, occurred_at=occurred_at, rules=the_group.rules_at(occurred_at),
            summary=_check_text(summary, N_("summary"), required=True) or "",
            deadline_minutes=deadline_minutes, assigned_by=assigned_by)
        self.save(membership)
        return task_id

    @recording
    def acknowledge_task(self, *, actor: str, group: str, member: str, task_id: str,
                         at: datetime | None = None) -> None:
        the_group = self.group(group)
        judge.check_actor_or_moderator(the_group, actor, member, _("acknowledge tasks for others"),
                                       or_else=_(", or the member it was assigned to"))
        membership = self.membership(the_group, member)
        membership.acknowledge_task(actor=actor, occurred_at=self._occurred_at(at, the_group),
                                    task_id=task_id)
        self.save(membership)

    @recording
    def confirm_task_missed(self, *, actor: str, group: str, member: str, task_id: str,
                            at: datetime | None = None) -> str:
        the_group = self.group(group)
        judge.check_moderator(the_group, actor, _("confirm missed tasks"))
        membership = self.membership(the_group, member)
        warning_id = membership.confirm_task_missed(actor=actor,
                                                    occurred_at=self._occurred_at(at, the_group),
                                                    rules_at=the_group.rules_at, task_id=task_id)
        self.save(membership)
        return warning_id

    # Seals ------------------------------------------------------------------------------

    @recording
    def seal(self, *, actor: str, note: str | None = None) -> LedgerSealed:
        """Record the tree head over every event stored so far (see `ledger.merkle`) as a
        seal of its own; returns it. A seal covers the events before it, not itself: one
        the log outgrew before it was saved is made again, as a conflicting command is.
        """
        actor = _check_key(actor, N_("actor"))
        note = _check_text(note, N_("note"))
        if self._pending is not None:
            raise InvalidInput(_("a seal covers what is stored, so it cannot be part of a batch: "
                                 "seal after the batch"))
        size, root = self.tree_head()
        seals = self._find(SEALS_ID)
        details = {"actor": actor, "occurred_at": self._occurred_at(None), "size": size,
                   "root": root.hex(), "note": note}
        if seals is None:
            seals = Seals.first(**details)
        else:
            seals.seal(**details)
        try:
            self.save(seals)
        except tree.SealOutdated as outdated:
            raise _Conflicted(str(outdated)) from None
        return seals.seals[-1]

    def seals(self) -> list[LedgerSealed]:
        """Every seal, oldest first."""
        found = self._find(SEALS_ID)
        return list(found.seals) if found is not None else []

    def tree_head(self) -> tuple[int, bytes]:
        """(size, root) of the tree the recorder keeps over the log: O(log n) to read. A
        ledger from before the tree was kept has it computed from the log here, and kept
        by its next write.
        """
        meta, placeholder = self.store.qualified(ids.META), self.store.placeholder
        with self.factory.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            head = tree.load(cursor, meta=meta, placeholder=placeholder)
            if head is None:
                head, _ = tree.build(
                    cursor, events=self.store.qualified(self.recorder.events_table_name),  # type: ignore[attr-defined]
                    id_column="rowid" if self.store.kind == "sqlite" else "notification_id",
                    placeholder=placeholder)
        return head.compact.size, head.compact.root()

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
        found = self._find(group_id(_check_key(group, N_("group id"))))
        if found is None:
            raise NotFound(_("group {group} is not in this ledger: create it with 'ledger group "
                             "create' or check --store").format(group=group))
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
        member = _check_key(member, N_("member id"))
        found = self._find(membership_id(key, member))
        if found is None:
            raise NotFound(_("{member} was never admitted to {key}: admit them first").format(
                             member=member, key=key))
        return found

    def history(self, group: str, member: str) -> Sequence[MembershipEvent]:
        """Every event of one membership, in the order the facts happened."""
        return in_order(self.membership(group, member).events)

    def standing(self, group: str, member: str, *, as_of: datetime | None = None) -> MembershipState:
        """The member's standing now, or at `as_of`."""
        moment = self.moment(as_of, zone=group) if as_of is not None else self.clock()
        state = self.membership(group, member).state_at(moment)
        if state is None:
            raise NotFound(_("{member} had not been admitted to {group} by then: give a later "
                             "--as-of").format(member=member, group=group))
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
        except OriginatorVersionError as error:
            raise StoreError(_("the stored events of {originator} are out of sequence (version {version} "
                               "where {expected} belongs): the log was changed outside the ledger; "
                               "run 'ledger verify'").format(
                               originator=aggregate_id.hex[:8], version=error.args[0],
                               expected=error.args[1])) from None
        if self._pending is not None:
            # A batch reads each aggregate once: what it changes is saved at the end, what
            # it only read adds no event.
            self._pending[aggregate_id] = found
        return found

    def _occurred_at(self, at: datetime | None, zone: Group | tzinfo | None = None) -> datetime:
        """When the fact happened: `at` (a time without an offset read in the group's
        zone), or now. Kept as `last_occurred_at`, for the reply that echoes it.
        """
        current = self.clock()
        if at is None:
            moment = current.replace(microsecond=0)
        else:
            moment = self.moment(at, zone=zone, what="--at", past=True)
        self.last_occurred_at = moment
        return moment

    def zone(self, group: Group | tzinfo | None = None) -> tzinfo:
        """The zone a time typed without an offset is read in: the rulebook's of a group
        (its rules in force now), else this ledger's default (LEDGER_TZ, or UTC).
        """
        if isinstance(group, Group):
            try:
                found = group.rules_at(self.clock()).rulebook.zone
            except StoreError:  # rules this release cannot read: judged nowhere else either
                found = None
            return found or self.default_zone
        return group or self.default_zone

    def moment(self, value: datetime, *, zone: Group | tzinfo | str | None = None,
               what: str = "--as-of", past: bool = False) -> datetime:
        """A time a caller gave, as the ledger keeps it: one without an offset is read in
        the zone of `zone` (a group, its id, or a zone); it must lie in the years a ledger
        records and, with `past`, not in the future.
        """
        moment = value
        if value.tzinfo is None:
            moment = in_zone(value, self.zone(self.group(zone) if isinstance(zone, str)
                                              else zone), what=what)
        check_offset(moment, what=what)
        check_in_range(moment, what=what)
        if past:
            check_not_future(moment, self.clock(), what=what)
        return moment
