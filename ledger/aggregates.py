"""The two consistency boundaries: a group (its name, owner and roles) and a membership
(one person's life in one group: nickname, flags, strikes, removals).

Ids are derived (uuid5) from the keys people type, so a command reaches its aggregate
without a lookup. Every command method runs its `check_*` guards first and records its
events only when they pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import singledispatchmethod
from typing import Any
from uuid import UUID, uuid4, uuid5
from zoneinfo import ZoneInfo

from eventsourcing.domain import BaseAggregate
from eventsourcing.utils import get_topic

from ledger.clock import format_time
from ledger.errors import AdmissionRefused, InvalidInput, NotPermitted, RoleConflict, RuleBroken
from ledger.events import (
    FlagConfirmed,
    FlagDismissed,
    GroupRegistered,
    GroupReviewed,
    LedgerEvent,
    MemberAdmitted,
    MemberLeft,
    MemberReadmitted,
    MemberRemoved,
    MemberRenamed,
    MembershipEvent,
    MembershipReviewed,
    MessageFlagged,
    NicknameReminded,
    RemovalCause,
    Role,
    RoleGranted,
    RoleRevoked,
    RulebookAmended,
    TaskAcknowledged,
    TaskAssigned,
    TaskMissed,
    WarningIssued,
)
from ledger.rulebook import Rulebook
from ledger.fold import MembershipState, check_insertable, replay

NAMESPACE = UUID("6f1c7f0e-3c55-4f5e-9b0e-7d1f9b1a5c21")

MODERATORS: frozenset[str] = frozenset({"owner", "admin"})


def group_id(group: str) -> UUID:
    return uuid5(NAMESPACE, f"group:{group}")


def membership_id(group: str, member: str) -> UUID:
    return uuid5(NAMESPACE, f"membership:{group}\x1f{member}")


def new_case_id() -> str:
    """An id for a flag, sanction, task or review; commands accept any unique prefix."""
    return uuid4().hex


@dataclass(frozen=True)
class RuleVersion:
    """One version of a group's rules and when it came into force."""

    version: int
    rulebook: Rulebook
    source: str
    effective_at: datetime
    resolution: str | None = None

    def describe(self) -> str:
        return f"{self.rulebook.name} v{self.version}"


RulesAt = Callable[[datetime], RuleVersion]


class Group(BaseAggregate[UUID]):
    def __init__(self) -> None:
        self.key = ""
        self.name = ""
        self.owner = ""
        self.registered_at: datetime | None = None
        self.roles: dict[str, set[str]] = {}
        self.versions: list[RuleVersion] = []

    @classmethod
    def register(cls, *, actor: str, occurred_at: datetime, group: str, name: str,
                 owner: str, rulebook: Rulebook, source: str) -> Group:
        return cls._create(GroupRegistered, id=group_id(group), actor=actor,
                           occurred_at=occurred_at, group=group, name=name, owner=owner,
                           rulebook=rulebook, rulebook_source=source)

    def rules_at(self, moment: datetime) -> RuleVersion:
        """The version in force at `moment`: no amendment reaches back before its date."""
        assert self.registered_at is not None
        if moment < self.registered_at:
            raise RuleBroken(f"{self.key} was registered at {format_time(self.registered_at)}: "
                             f"no fact of it can happen at {format_time(moment)}")
        in_force = [v for v in self.versions if v.effective_at <= moment]
        return in_force[-1] if in_force else self.versions[0]

    def amend(self, *, actor: str, occurred_at: datetime, rulebook: Rulebook, source: str,
              resolution: str, effective_at: datetime, recorded_at: datetime) -> int:
        """A new version, in force from `effective_at`, which may not come before the
        moment it is recorded: the ledger never re-judges a fact it already holds.
        """
        self.check_owner(actor, "amend the rules")
        if effective_at < recorded_at.replace(microsecond=0):
            raise RuleBroken(f"an amendment cannot take effect at {format_time(effective_at)}, "
                             "before it is recorded: facts already in the ledger were judged "
                             "by the rules then in force (give an --effective from now on)")
        latest = self.versions[-1]
        if effective_at < latest.effective_at:
            raise RuleBroken(f"version {latest.version} of {self.key}'s rules is in force from "
                             f"{format_time(latest.effective_at)}: an amendment takes effect "
                             "after it, never before (give a later --effective)")
        version = latest.version + 1
        self.trigger_event(RulebookAmended, actor=actor, occurred_at=occurred_at,
                           group=self.key, version=version, rulebook=rulebook,
                           rulebook_source=source, resolution=resolution,
                           effective_at=effective_at)
        return version

    def review(self, *, actor: str, occurred_at: datetime, kept: tuple[str, ...],
               removed: tuple[str, ...], reason: str) -> str:
        self.check_moderator(actor, "review the membership")
        both = set(kept) & set(removed)
        if both:
            raise InvalidInput(f"{', '.join(sorted(both))} cannot be both kept and removed")
        if not kept and not removed:
            raise InvalidInput("a review names who is kept (--keep) or removed (--remove)")
        review_id = new_case_id()
        self.trigger_event(GroupReviewed, actor=actor, occurred_at=occurred_at, group=self.key,
                           review_id=review_id, kept=kept, removed=removed, reason=reason)
        return review_id

    def check_admission(self, rules: RuleVersion, *, relation: str | None,
                        invited_by: str | None, verified_by: str | None,
                        inviter_is_member: bool) -> None:
        """The rulebook's admission requirements (R2: verified owners and family, no
        tenants; R3: only admins bring people in).
        """
        admission = rules.rulebook.admission
        book = rules.describe()
        allowed = admission.admitted_relations
        if relation is None and admission.relations:
            raise AdmissionRefused(f"{self.key}'s rules ({book}) admit members by relation: "
                                   f"give --relation ({' or '.join(allowed)})")
        if relation is not None and admission.relations and relation not in (
                *admission.relations, *admission.excluded_relations):
            raise InvalidInput(f"unknown relation {relation!r} under {book}: use one of "
                               f"{', '.join(allowed)}")
        if relation is not None and relation in admission.excluded_relations:
            raise AdmissionRefused(f"{self.key}'s rules ({book}) exclude {relation} members: "
                                   f"only {' or '.join(allowed) or 'other'} members are admitted")
        if admission.verification_required and not verified_by:
            raise AdmissionRefused(f"{self.key}'s rules ({book}) require identity "
                                   "verification: give --verified-by")
        if admission.verification_required and verified_by and not self.is_moderator(verified_by):
            raise AdmissionRefused(f"{verified_by} may not verify members of {self.key}: "
                                   "identity is verified by the owner or an admin")
        if admission.invitation_required and invited_by is None:
            raise AdmissionRefused(f"{self.key}'s rules ({book}) admit members on an "
                                   "invitation: give --invited-by")
        if invited_by is not None:
            roles = self.roles_of(invited_by) | ({"member"} if inviter_is_member else set())
            if not roles & set(admission.may_invite):
                allowed = " or ".join(admission.may_invite)
                raise AdmissionRefused(f"{invited_by} may not invite members to {self.key}: "
                                       f"under {book} only {allowed} may invite")

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
        self.registered_at = event.occurred_at
        self.roles = {event.owner: {"owner"}}
        self.versions = [RuleVersion(1, event.rulebook, event.rulebook_source, event.occurred_at)]

    @apply_event.register
    def _(self, event: RulebookAmended) -> None:
        self.versions.append(RuleVersion(event.version, event.rulebook, event.rulebook_source,
                                         event.effective_at, event.resolution))

    @apply_event.register
    def _(self, event: GroupReviewed) -> None:
        pass  # the review's effects are recorded on each membership

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
                    rules: RuleVersion, nickname: str, invited_by: str | None = None,
                    verified_by: str | None = None, relation: str | None = None,
                    exemption: str | None = None) -> Membership:
        return cls._create(MemberAdmitted, id=membership_id(group, member), actor=actor,
                           occurred_at=occurred_at, group=group, member=member,
                           **_admission(rules, nickname, invited_by, verified_by, relation,
                                        exemption))

    def admit(self, *, actor: str, occurred_at: datetime, rules: RuleVersion, nickname: str,
              invited_by: str | None = None, verified_by: str | None = None,
              relation: str | None = None, exemption: str | None = None) -> None:
        self._record(MemberAdmitted, actor, occurred_at, originator_topic=get_topic(Membership),
                     **_admission(rules, nickname, invited_by, verified_by, relation, exemption))

    def rename(self, *, actor: str, occurred_at: datetime, rules: RuleVersion,
               nickname: str) -> str:
        """Returns the nickname the member had at that time."""
        old = self._state_before(occurred_at).nickname
        exemption = self._exemption()
        ok, described = _nickname_check(rules, nickname, exemption)
        self._record(MemberRenamed, actor, occurred_at, **_judged(rules), old_nickname=old,
                     new_nickname=nickname, nickname_ok=ok, nickname_rule=described)
        return old

    def remind(self, *, actor: str, occurred_at: datetime, rules: RuleVersion) -> int:
        """Returns how many reminders the member has had, this one included."""
        nickname_rule = rules.rulebook.nickname
        if nickname_rule is None:
            raise RuleBroken(f"{self.group}'s rules ({rules.describe()}) set no nickname "
                             "pattern: there is nothing to remind")
        state = self._state_before(occurred_at)
        if state.is_in_group and nickname_rule.matches(state.nickname, self._exemption()):
            raise RuleBroken(f"{self.member}'s nickname {state.nickname!r} in {self.group} "
                             f"follows the rules ({nickname_rule.description}) at "
                             f"{format_time(occurred_at)}: nothing to remind")
        if state.is_in_group and state.reminders >= nickname_rule.reminders_before_removal:
            raise RuleBroken(f"{self.member} has ignored {state.reminders} reminders already "
                             f"and is removal_due in {self.group}: remove them, or wait for "
                             "a compliant rename")
        reminder = state.reminders + 1
        self._record(NicknameReminded, actor, occurred_at, **_judged(rules), reminder=reminder,
                     reminders_before_removal=nickname_rule.reminders_before_removal,
                     nickname_rule=nickname_rule.description)
        return reminder

    def flag(self, *, actor: str, occurred_at: datetime, rules_at: RulesAt, category: str,
             message: str | None = None, excerpt: str | None = None,
             message_at: datetime | None = None) -> str:
        violation_at = message_at or occurred_at
        if message_at is not None and message_at > occurred_at:
            raise InvalidInput(f"--message-at {format_time(message_at)} is after the flag "
                               f"({format_time(occurred_at)}): a message is flagged after it "
                               "was posted")
        rules = rules_at(violation_at)
        rules.rulebook.category(category)
        _check_posting_window(rules, category, message_at)
        flag_id = new_case_id()
        self._record(MessageFlagged, actor, occurred_at, **_judged(rules), flag_id=flag_id,
                     category=category, message=message, excerpt=excerpt, message_at=message_at)
        return flag_id

    def confirm_flag(self, *, actor: str, occurred_at: datetime, rules_at: RulesAt,
                     flag_id: str, note: str | None = None) -> str:
        """A confirmed flag is a violation: it is recorded with the warning it earns,
        judged by the rules in force when the message was posted.
        """
        self._record(FlagConfirmed, actor, occurred_at, flag_id=flag_id, note=note)
        flag = self.state.flags[flag_id]
        return self._strike(actor, occurred_at, rules_at(flag.violation_at),
                            category=flag.category, reason=note, flag_id=flag_id)

    def dismiss_flag(self, *, actor: str, occurred_at: datetime, flag_id: str,
                     reason: str) -> None:
        self._record(FlagDismissed, actor, occurred_at, flag_id=flag_id, reason=reason)

    def warn(self, *, actor: str, occurred_at: datetime, rules: RuleVersion, category: str,
             reason: str | None = None) -> str:
        rules.rulebook.category(category)
        return self._strike(actor, occurred_at, rules, category=category, reason=reason)

    def remove(self, *, actor: str, occurred_at: datetime, temporary: bool, reason: str,
               cause: RemovalCause = "admin") -> str:
        sanction_id = new_case_id()
        self._record(MemberRemoved, actor, occurred_at, sanction_id=sanction_id,
                     temporary=temporary, reason=reason, cause=cause)
        return sanction_id

    def readmit(self, *, actor: str, occurred_at: datetime, note: str | None = None) -> None:
        self._record(MemberReadmitted, actor, occurred_at, note=note)

    def leave(self, *, actor: str, occurred_at: datetime, note: str | None = None,
              violation: tuple[RuleVersion, str] | None = None) -> str | None:
        """With `violation` (R1: quitting on purpose), the strike is recorded first, at the
        same moment; returns its id.
        """
        warning_id = None
        if violation is not None:
            rules, category = violation
            warning_id = self.warn(actor=actor, occurred_at=occurred_at, rules=rules,
                                   category=category, reason=note)
            if not self._state_before(occurred_at).is_in_group:
                return warning_id  # the strike removed them at once: nothing left to leave
        self._record(MemberLeft, actor, occurred_at, note=note)
        return warning_id

    def keep_in_review(self, *, actor: str, occurred_at: datetime, rules: RuleVersion,
                       review_id: str) -> None:
        review = rules.rulebook.review
        self._record(MembershipReviewed, actor, occurred_at, review_id=review_id,
                     review_period_days=review.period_days if review else None)

    def assign_task(self, *, actor: str, occurred_at: datetime, rules: RuleVersion,
                    summary: str, deadline_minutes: int | None = None) -> str:
        tasks = rules.rulebook.tasks
        minutes = deadline_minutes or (tasks.response_minutes if tasks else None)
        if minutes is None:
            raise InvalidInput(f"{self.group}'s rules ({rules.describe()}) set no response "
                               "deadline: give --deadline-minutes")
        category = tasks.category if tasks else "late_response"
        rules.rulebook.category(category)
        task_id = new_case_id()
        self._record(TaskAssigned, actor, occurred_at, **_judged(rules), task_id=task_id,
                     summary=summary, deadline_at=occurred_at + timedelta(minutes=minutes),
                     category=category)
        return task_id

    def acknowledge_task(self, *, actor: str, occurred_at: datetime, task_id: str) -> None:
        self._record(TaskAcknowledged, actor, occurred_at, task_id=task_id)

    def confirm_task_missed(self, *, actor: str, occurred_at: datetime, rules_at: RulesAt,
                            task_id: str) -> str:
        """A missed deadline, judged by the rules in force at the deadline; returns the
        strike's id.
        """
        self._record(TaskMissed, actor, occurred_at, task_id=task_id)
        task = self.state.tasks[task_id]
        return self._strike(actor, occurred_at, rules_at(task.deadline_at),
                            category=task.category, task_id=task_id,
                            reason=f"未在 {format_time(task.deadline_at)} 前回复: {task.summary}")

    # Helpers ----------------------------------------------------------------------------

    def _strike(self, actor: str, occurred_at: datetime, rules: RuleVersion, *, category: str,
                reason: str | None, flag_id: str | None = None,
                task_id: str | None = None) -> str:
        book = rules.rulebook
        judged = book.category(category)
        sanction_id = new_case_id()
        self._record(WarningIssued, actor, occurred_at, **_judged(rules),
                     sanction_id=sanction_id, category=category,
                     category_label=judged.zh, reason=reason, flag_id=flag_id, task_id=task_id,
                     weight=judged.weight, strike_limit=book.strikes.limit,
                     on_limit=book.strikes.on_limit, on_sight=judged.on_sight,
                     on_sight_action=book.strikes.on_sight,
                     expires_at=book.strike_expiry(occurred_at),
                     rule_text=judged.rule or book.strikes.rule)
        # Rules that remove at once do so in the same command, as a fact of their own.
        after = self._state_before(occurred_at)
        if judged.on_sight and book.strikes.on_sight == "remove":
            self.remove(actor=actor, occurred_at=occurred_at, temporary=False, cause="on_sight",
                        reason=f"{judged.zh} ({category}): removed on sight under "
                               f"{rules.describe()}")
        elif after.live_strikes >= book.strikes.limit and book.strikes.on_limit == "remove":
            self.remove(actor=actor, occurred_at=occurred_at, temporary=False,
                        cause="strike_limit",
                        reason=f"{after.live_strikes} strikes reach the limit of "
                               f"{book.strikes.limit} under {rules.describe()}")
        return sanction_id

    def _state_before(self, moment: datetime) -> MembershipState:
        """The state at `moment`, with every fact up to and including it (none, before
        the first admission).
        """
        if not any(e.occurred_at <= moment for e in self.events):
            return MembershipState(self.group, self.member, now=moment)
        return replay(self.events, as_of=moment)

    def _exemption(self) -> str | None:
        admissions = [e for e in self.events if isinstance(e, MemberAdmitted)]
        return admissions[-1].exemption if admissions else None

    def _record(self, event_class: type[MembershipEvent], actor: str, occurred_at: datetime,
                **fields: Any) -> None:
        """Check the event against the whole timeline, then record it."""
        fields.update(actor=actor, occurred_at=occurred_at, group=self.group, member=self.member)
        timestamp = event_class.create_timestamp()
        candidate = event_class(originator_id=self.id, originator_version=self.version + 1,
                                timestamp=timestamp, **fields)
        check_insertable(self.events, candidate)
        self.trigger_event(event_class, timestamp=timestamp, **fields)


def _judged(rules: RuleVersion) -> dict[str, Any]:
    return {"rulebook": rules.rulebook.name, "rulebook_version": rules.version}


def _nickname_check(rules: RuleVersion, nickname: str,
                    exemption: str | None) -> tuple[bool | None, str | None]:
    pattern = rules.rulebook.nickname
    if pattern is None:
        return None, None
    return pattern.matches(nickname, exemption), pattern.description


def _admission(rules: RuleVersion, nickname: str, invited_by: str | None,
               verified_by: str | None, relation: str | None,
               exemption: str | None) -> dict[str, Any]:
    ok, described = _nickname_check(rules, nickname, exemption)
    review = rules.rulebook.review
    return {**_judged(rules), "nickname": nickname, "invited_by": invited_by,
            "verified_by": verified_by, "relation": relation, "exemption": exemption,
            "nickname_ok": ok, "nickname_rule": described,
            "review_period_days": review.period_days if review else None}


def _check_posting_window(rules: RuleVersion, category: str, message_at: datetime | None) -> None:
    posting = rules.rulebook.posting
    if posting is None or category != posting.category:
        return
    if message_at is None:
        raise InvalidInput(f"a flag of category {category} needs --message-at, the time the "
                           "message was posted, to check it against the posting windows")
    window = posting.window_at(message_at)
    if window is not None:
        local = message_at.astimezone(ZoneInfo(posting.timezone))
        raise RuleBroken(f"a message at {local:%a %H:%M} ({posting.timezone}) is inside the "
                         f"allowed window {window.describe()}: it is not {category}")
