"""The two consistency boundaries: a group (its name, owner and roles) and a membership
(one person's life in one group: nickname, flags, strikes, removals).

Ids are derived (uuid5) from the keys people type, so a command reaches its aggregate
without a lookup. Every command method asks the judge (`ledger.judge`) first and records
its events only when the judge lets them through; `apply_event` only folds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import singledispatchmethod
from typing import Any
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import BaseAggregate
from eventsourcing.utils import _type_cache, get_topic, register_topic

from ledger.domain import judge
from ledger.domain.clock import format_time
from ledger.domain.errors import NotFound
from ledger.domain.events import (
    AppealDecided,
    AppealFiled,
    AppealOutcome,
    CautionIssued,
    FlagConfirmed,
    FlagDismissed,
    FlagSeconded,
    GroupRegistered,
    GroupReviewed,
    LedgerEvent,
    LedgerSealed,
    MemberAdmitted,
    MemberLeft,
    MemberReadmitted,
    MemberRemoved,
    MemberRenamed,
    MembershipEvent,
    MembershipReviewed,
    MessageFlagged,
    NicknameExemptionGranted,
    NicknameReminded,
    RemovalCause,
    Role,
    RoleGranted,
    RoleRevoked,
    RulebookAmended,
    SanctionRescinded,
    TaskAcknowledged,
    TaskAssigned,
    TaskMissed,
    WarningIssued,
)
from ledger.domain.fold import MembershipState, SanctionStory, replay, sanction_story
from ledger.domain.i18n import _
from ledger.domain.rulebook import Rulebook
from ledger.domain.rules import RULEBOOK_SCHEMA, RuleVersion, stored

NAMESPACE = UUID("6f1c7f0e-3c55-4f5e-9b0e-7d1f9b1a5c21")


def group_id(group: str) -> UUID:
    return uuid5(NAMESPACE, f"group:{group}")


def membership_id(group: str, member: str) -> UUID:
    return uuid5(NAMESPACE, f"membership:{group}\x1f{member}")


SEALS_ID = uuid5(NAMESPACE, "seals")


def new_case_id() -> str:
    """An id for a flag, sanction, task or review; commands accept any unique prefix."""
    return uuid4().hex


RulesAt = Callable[[datetime], RuleVersion]


class Group(BaseAggregate[UUID]):
    """A group: its key, name and owner, the roles held in it, and every version of its
    rules. Commands ask the judge, then record; `apply_event` only folds.
    """

    def __init__(self) -> None:
        self.key = ""
        self.name = ""
        self.owner = ""
        self.registered_at: datetime | None = None
        self.approved_by: str | None = None
        self.filed_with: str | None = None
        self.roles: dict[str, set[str]] = {}
        self.role_since: dict[tuple[str, str], datetime] = {}  # (member, role): granted at
        self.versions: list[RuleVersion] = []

    @classmethod
    def register(cls, *, actor: str, occurred_at: datetime, group: str, name: str,
                 owner: str, rulebook: Rulebook, source: str, approved_by: str | None = None,
                 filed_with: str | None = None) -> Group:
        return cls._create(GroupRegistered, id=group_id(group), actor=actor,
                           occurred_at=occurred_at, group=group, name=name, owner=owner,
                           rulebook=stored(rulebook), rulebook_source=source,
                           rulebook_schema=RULEBOOK_SCHEMA, approved_by=approved_by,
                           filed_with=filed_with)

    def rules_at(self, moment: datetime) -> RuleVersion:
        """The version in force at `moment`: no amendment reaches back before its date."""
        judge.check_registered(self, moment)
        in_force = [v for v in self.versions if v.effective_at <= moment]
        return in_force[-1] if in_force else self.versions[0]

    def amend(self, *, actor: str, occurred_at: datetime, rulebook: Rulebook, source: str,
              resolution: str, effective_at: datetime, recorded_at: datetime,
              first_fact_since: MembershipEvent | None = None) -> int:
        """A new version, in force from `effective_at`; returns its number.
        `first_fact_since`: the group's first fact that happened at or after
        `effective_at`, for an amendment dated before it is recorded.
        """
        judge.check_amendment(self, actor, effective_at, recorded_at, first_fact_since)
        version = self.versions[-1].version + 1
        self.trigger_event(RulebookAmended, actor=actor, occurred_at=occurred_at,
                           group=self.key, version=version, rulebook=stored(rulebook),
                           rulebook_source=source, resolution=resolution,
                           effective_at=effective_at, rulebook_schema=RULEBOOK_SCHEMA)
        return version

    def review(self, *, actor: str, occurred_at: datetime, kept: tuple[str, ...],
               removed: tuple[str, ...], reason: str) -> str:
        judge.check_review(self, actor, kept, removed)
        review_id = new_case_id()
        self.trigger_event(GroupReviewed, actor=actor, occurred_at=occurred_at, group=self.key,
                           review_id=review_id, kept=kept, removed=removed, reason=reason)
        return review_id

    def grant(self, *, actor: str, occurred_at: datetime, member: str, role: Role) -> None:
        judge.check_grant(self, actor, member, role)
        self.trigger_event(RoleGranted, actor=actor, occurred_at=occurred_at, group=self.key,
                           member=member, role=role)

    def revoke(self, *, actor: str, occurred_at: datetime, member: str, role: Role) -> None:
        judge.check_revoke(self, actor, member, role)
        self.trigger_event(RoleRevoked, actor=actor, occurred_at=occurred_at, group=self.key,
                           member=member, role=role)

    def roles_of(self, member: str) -> set[str]:
        """The roles `member` may use now: none while they are out of the group (removed,
        or left: R3's 人事变动) until readmitted, except the owner who registered it.
        """
        if member in getattr(self, "suspended", ()) and member != self.owner:
            return set()
        return self.held_roles(member)

    def held_roles(self, member: str) -> set[str]:
        """The roles granted to `member` and not revoked, in use or not."""
        return self.roles.get(member, set())

    def is_moderator(self, member: str) -> bool:
        return bool(self.roles_of(member) & judge.MODERATORS)

    @singledispatchmethod
    def apply_event(self, event: LedgerEvent) -> None:
        pass  # an event type this code does not know changes nothing it can use

    @apply_event.register
    def _(self, event: GroupRegistered) -> None:
        self.key, self.name, self.owner = event.group, event.name, event.owner
        self.registered_at = event.occurred_at
        self.approved_by, self.filed_with = event.approved_by, event.filed_with
        self.roles = {event.owner: {"owner"}}
        self.role_since = {(event.owner, "owner"): event.occurred_at}
        self.versions = [RuleVersion(1, event.rulebook, event.rulebook_source, event.occurred_at,
                                     schema=event.rulebook_schema)]

    @apply_event.register
    def _(self, event: RulebookAmended) -> None:
        self.versions.append(RuleVersion(event.version, event.rulebook, event.rulebook_source,
                                         event.effective_at, event.resolution,
                                         schema=event.rulebook_schema))

    @apply_event.register
    def _(self, event: GroupReviewed) -> None:
        pass  # the review's effects are recorded on each membership

    @apply_event.register
    def _(self, event: RoleGranted) -> None:
        self.roles.setdefault(event.member, set()).add(event.role)
        self.role_since[(event.member, event.role)] = event.occurred_at

    @apply_event.register
    def _(self, event: RoleRevoked) -> None:
        self.roles.get(event.member, set()).discard(event.role)
        self.role_since.pop((event.member, event.role), None)


class Seals(BaseAggregate[UUID]):
    """Every tree head the ledger has sealed, in order: one aggregate, so that two seals
    made at the same moment cannot both be saved.
    """

    def __init__(self) -> None:
        self.seals: list[LedgerSealed] = []

    @classmethod
    def first(cls, *, actor: str, occurred_at: datetime, size: int, root: str,
              note: str | None) -> Seals:
        judge.check_sealable(size)
        return cls._create(LedgerSealed, id=SEALS_ID, actor=actor, occurred_at=occurred_at,
                           size=size, root=root, note=note)

    def seal(self, *, actor: str, occurred_at: datetime, size: int, root: str,
             note: str | None) -> None:
        judge.check_sealable(size)
        self.trigger_event(LedgerSealed, actor=actor, occurred_at=occurred_at,
                           originator_topic=get_topic(Seals), size=size, root=root, note=note)

    def apply_event(self, event: LedgerEvent) -> None:
        if isinstance(event, LedgerSealed):
            self.seals.append(event)


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
        state = replay(self.events)
        assert state is not None  # a membership starts with its admission
        return state

    def state_at(self, moment: datetime) -> MembershipState | None:
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
        before = self._state_before(occurred_at)
        ok, described = _nickname_check(rules, nickname, before.exemption)
        self._record(MemberRenamed, actor, occurred_at, **_judged(rules),
                     old_nickname=before.nickname, new_nickname=nickname, nickname_ok=ok,
                     nickname_rule=described)
        return before.nickname

    def grant_exemption(self, *, actor: str, occurred_at: datetime, rules: RuleVersion,
                        exemption: str) -> bool | None:
        """A nickname exemption from now on; returns whether the nickname then complies."""
        before = self._state_before(occurred_at)
        ok, described = _nickname_check(rules, before.nickname, exemption)
        self._record(NicknameExemptionGranted, actor, occurred_at, **_judged(rules),
                     exemption=exemption, nickname=before.nickname, nickname_ok=ok,
                     nickname_rule=described)
        return ok

    def caution(self, *, actor: str, occurred_at: datetime, rules: RuleVersion, category: str,
                reason: str) -> str:
        """A friendly reminder (no strike); returns its id."""
        category = rules.rulebook.category_key(category)  # typed as its key or 中文 label
        judged = rules.rulebook.category(category)
        judge.check_posting_window(rules, category, occurred_at, given="--at")
        caution_id = new_case_id()
        self._record(CautionIssued, actor, occurred_at, **_judged(rules), caution_id=caution_id,
                     category=category, category_label=judged.zh, reason=reason,
                     rule_text=judged.rule)
        return caution_id

    def remind(self, *, actor: str, occurred_at: datetime, rules: RuleVersion) -> int:
        """Returns how many reminders the member has had, this one included."""
        state = self._state_before(occurred_at)
        judge.check_remind(state, rules, occurred_at)
        nickname_rule = rules.rulebook.nickname
        assert nickname_rule is not None
        reminder = state.reminders + 1
        self._record(NicknameReminded, actor, occurred_at, **_judged(rules), reminder=reminder,
                     reminders_before_removal=nickname_rule.removal_after_reminders,
                     nickname_rule=nickname_rule.description)
        return reminder

    def flag(self, *, actor: str, occurred_at: datetime, rules_at: RulesAt, category: str,
             message: str | None = None, excerpt: str | None = None,
             message_at: datetime | None = None) -> str:
        judge.check_message_time(message_at, occurred_at)
        rules = rules_at(message_at or occurred_at)
        category = rules.rulebook.category_key(category)  # typed as its key or 中文 label
        judge.check_posting_window(rules, category, message_at)
        if message is not None:
            # One message is one violation: a second report joins the case it is in.
            case = self._case_of_message(message, occurred_at)
            if case is not None:
                self._record(FlagSeconded, actor, occurred_at, flag_id=case, message=message,
                             excerpt=excerpt)
                return case
        flag_id = new_case_id()
        self._record(MessageFlagged, actor, occurred_at, **_judged(rules), flag_id=flag_id,
                     category=category, message=message, excerpt=excerpt, message_at=message_at)
        return flag_id

    def confirm_flag(self, *, actor: str, occurred_at: datetime, rules_at: RulesAt,
                     flag_id: str, note: str | None = None) -> str:
        """A confirmed flag is a violation: it is recorded with the warning it earns,
        judged by the rules in force when the message was posted.
        """
        flag = self._state_before(occurred_at).flags.get(flag_id)
        if flag is not None and flag.state == "open":
            # The warning names its flag, and the fold reads the message from there.
            judge.check_message_unsanctioned(self._state_before(occurred_at), flag.message)
        self._record(FlagConfirmed, actor, occurred_at, flag_id=flag_id, note=note)
        flag = self.state.flags[flag_id]
        return self._strike(actor, occurred_at, rules_at(flag.violation_at),
                            category=flag.category, reason=note, flag_id=flag_id)

    def dismiss_flag(self, *, actor: str, occurred_at: datetime, flag_id: str,
                     reason: str) -> None:
        self._record(FlagDismissed, actor, occurred_at, flag_id=flag_id, reason=reason)

    def warn(self, *, actor: str, occurred_at: datetime, rules: RuleVersion, category: str,
             reason: str | None = None, message: str | None = None) -> str:
        category = rules.rulebook.category_key(category)  # typed as its key or 中文 label
        # A warning is dated to the violation: an off-hours one to the message's time.
        judge.check_posting_window(rules, category, occurred_at, given="--at")
        return self._strike(actor, occurred_at, rules, category=category, reason=reason,
                            message=message)

    def remove(self, *, actor: str, occurred_at: datetime, temporary: bool, reason: str,
               cause: RemovalCause = "admin", dispute_id: str | None = None) -> str:
        sanction_id = new_case_id()
        self._record(MemberRemoved, actor, occurred_at, sanction_id=sanction_id,
                     temporary=temporary, reason=reason, cause=cause, dispute_id=dispute_id)
        return sanction_id

    def readmit(self, *, actor: str, occurred_at: datetime, note: str | None = None,
                dispute_id: str | None = None) -> None:
        self._record(MemberReadmitted, actor, occurred_at, note=note, dispute_id=dispute_id)

    # Corrections and appeals --------------------------------------------------------------

    def story(self, sanction_id: str) -> SanctionStory:
        found = sanction_story(self.events, sanction_id)
        if found is None:
            raise NotFound(_("sanction {sanction_id} was not issued to {member} in {group}: "
                             "check the id").format(
                             sanction_id=sanction_id, member=self.member, group=self.group))
        return found

    def rescind(self, *, actor: str, occurred_at: datetime, group: Group, sanction_id: str,
                reason: str) -> None:
        story = self.story(sanction_id)
        judge.check_rescind(group, actor, story)
        self._record(SanctionRescinded, actor, occurred_at, sanction_id=sanction_id,
                     sanction_kind=story.kind, reason=reason)

    def file_appeal(self, *, actor: str, occurred_at: datetime, group: Group, sanction_id: str,
                    grounds: str) -> str:
        story = self.story(sanction_id)
        judge.check_appeal_filer(group, actor, self.member)
        rules = group.rules_at(occurred_at)
        window = rules.rulebook.appeals.window_days if rules.rulebook.appeals else None
        judge.check_appeal_window(story, window, rules.describe(), occurred_at)
        appeal_id = new_case_id()
        self._record(AppealFiled, actor, occurred_at, appeal_id=appeal_id,
                     sanction_id=sanction_id, sanction_kind=story.kind, grounds=grounds,
                     window_days=window)
        return appeal_id

    def decide_appeal(self, *, actor: str, occurred_at: datetime, group: Group, appeal_id: str,
                      outcome: AppealOutcome, rationale: str, weight: int | None) -> str:
        """Returns the id of the sanction decided on."""
        before = self._state_before(occurred_at)
        appeal = judge.open_appeal(before, appeal_id)
        story = self.story(appeal.sanction_id)
        judge.check_reviewer_independent(group, actor, story)
        strike_limit = group.rules_at(occurred_at).rulebook.strikes.limit
        current = next((s.weight for s in before.strikes
                        if s.sanction_id == story.sanction_id), None)
        judge.check_decision(story, outcome, weight, strike_limit, current)
        if outcome == "reduced" and weight is None:
            weight = 1  # a removal turned into a warning of one strike
        self._record(AppealDecided, actor, occurred_at, appeal_id=appeal_id,
                     sanction_id=story.sanction_id, sanction_kind=story.kind, outcome=outcome,
                     rationale=rationale, weight=weight, original_weight=story.weight)
        return story.sanction_id

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
                    summary: str, deadline_minutes: int | None = None,
                    assigned_by: str | None = None) -> str:
        tasks = rules.rulebook.tasks
        minutes = judge.task_deadline_minutes(self.group, rules, deadline_minutes)
        category = tasks.category if tasks else "late_response"
        rules.rulebook.category(category)
        task_id = new_case_id()
        self._record(TaskAssigned, actor, occurred_at, **_judged(rules), task_id=task_id,
                     summary=summary, deadline_at=occurred_at + timedelta(minutes=minutes),
                     category=category,
                     assigned_by=assigned_by if assigned_by != actor else None)
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

    def _case_of_message(self, message: str, moment: datetime) -> str | None:
        """The flag open or confirmed for `message` at `moment`, if there is one."""
        for flag in self._state_before(moment).flags.values():
            if flag.message == message and flag.state != "dismissed":
                return flag.flag_id
        return None

    def _strike(self, actor: str, occurred_at: datetime, rules: RuleVersion, *, category: str,
                reason: str | None, flag_id: str | None = None,
                task_id: str | None = None, message: str | None = None) -> str:
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
                     rule_text=judged.rule or book.strikes.rule, message=message)
        # Rules that remove at once do so in the same command, as a fact of their own.
        after = self._state_before(occurred_at)
        removal = judge.removal_after_strike(after, rules, category)
        if removal is not None and after.is_in_group:  # one who has left is not removed
            cause, why = removal
            self.remove(actor=actor, occurred_at=occurred_at, temporary=False,
                        cause=cause, reason=why)  # type: ignore[arg-type]
        return sanction_id

    def _state_before(self, moment: datetime) -> MembershipState:
        """The state at `moment`, with every fact up to and including it (none, before
        the first admission).
        """
        state = replay(self.events, as_of=moment)
        return state or MembershipState(self.group, self.member, now=moment)

    def _record(self, event_class: type[MembershipEvent], actor: str, occurred_at: datetime,
                **fields: Any) -> None:
        """The judge checks the event against the whole timeline, then it is recorded."""
        fields.update(actor=actor, occurred_at=occurred_at, group=self.group, member=self.member)
        timestamp = event_class.create_timestamp()
        candidate = event_class(originator_id=self.id, originator_version=self.version + 1,
                                timestamp=timestamp, **fields)
        judge.check_insertable(self.events, candidate)
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


# The stored names of the aggregates (every event that starts one carries its topic), as
# every release wrote them: stable whatever module the classes live in.
for _cls, _topic in ((Group, "ledger.aggregates:Group"), (Membership, "ledger.aggregates:Membership"),
                     (Seals, "ledger.aggregates:Seals")):
    register_topic(_topic, _cls)
    _type_cache[_cls] = _topic
