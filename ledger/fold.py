"""One membership's life, folded from its events in the order they happened.

Facts may be recorded late, so the order that counts is occurred-at (ties broken by the
order of recording). The same fold judges a new fact before it is recorded (the guards),
answers what a standing was at a past moment, and fills the standings view, so that all
three agree by construction.

Time matters between events too: a strike may expire, and that can change a status
without any new event. The state therefore carries the moment it describes (`now`), and
`advance` moves it forward, passing each expiry on the way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import singledispatch
from typing import Literal

from ledger.clock import format_time
from ledger.errors import (
    AlreadyMember,
    FlagDecided,
    LedgerError,
    NotAMember,
    NotFound,
    NotRemoved,
    RuleBroken,
    TimelineConflict,
)
from ledger.events import (
    FlagConfirmed,
    FlagDismissed,
    MemberAdmitted,
    MemberLeft,
    MemberReadmitted,
    MemberRemoved,
    MemberRenamed,
    MembershipEvent,
    MembershipReviewed,
    MessageFlagged,
    NicknameReminded,
    TaskAcknowledged,
    TaskAssigned,
    TaskMissed,
    WarningIssued,
)

Presence = Literal["absent", "in", "temporarily_removed", "removed", "left"]
Status = Literal["active", "warned", "removal_due", "temporarily_removed", "removed", "left"]

DEFAULT_STRIKE_LIMIT = 3


@dataclass(frozen=True)
class Flag:
    flag_id: str
    category: str
    raised_by: str
    raised_at: datetime
    message: str | None
    excerpt: str | None
    message_at: datetime | None
    state: Literal["open", "confirmed", "dismissed"] = "open"

    @property
    def violation_at(self) -> datetime:
        """When the violation happened: the message's time if known, else the flag's."""
        return self.message_at or self.raised_at


@dataclass(frozen=True)
class Strike:
    sanction_id: str
    category: str
    weight: int
    occurred_at: datetime
    expires_at: datetime | None
    flag_id: str | None = None
    task_id: str | None = None
    version: int = 0  # the WarningIssued event's place in its membership's sequence

    def live_at(self, moment: datetime) -> bool:
        return self.expires_at is None or self.expires_at > moment


@dataclass(frozen=True)
class Task:
    task_id: str
    summary: str
    assigned_at: datetime
    deadline_at: datetime
    category: str
    acknowledged_at: datetime | None = None
    missed: bool = False

    def overdue_at(self, moment: datetime) -> bool:
        """Not acknowledged in time, and the deadline has passed by `moment`."""
        if self.missed or self.deadline_at >= moment:
            return False
        return self.acknowledged_at is None or self.acknowledged_at > self.deadline_at


@dataclass(frozen=True)
class MembershipState:
    group: str
    member: str
    now: datetime | None = None
    presence: Presence = "absent"
    nickname: str = ""
    nickname_ok: bool | None = None
    reminders: int = 0
    reminders_before_removal: int | None = None
    strikes: tuple[Strike, ...] = ()
    strike_limit: int = DEFAULT_STRIKE_LIMIT
    on_sight_due: bool = False
    flags: dict[str, Flag] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    reviewed_at: datetime | None = None
    review_period_days: int | None = None
    since: datetime | None = None
    # What explains the standing: the event that set the status (None when a strike's
    # expiry did), the unanswered reminders, and the on-sight strike.
    since_version: int | None = None
    reminder_versions: tuple[int, ...] = ()
    on_sight_version: int | None = None

    @property
    def live_strikes(self) -> int:
        return sum(s.weight for s in self.strikes if self.now is None or s.live_at(self.now))

    @property
    def reminders_exhausted(self) -> bool:
        limit = self.reminders_before_removal
        return self.nickname_ok is False and limit is not None and self.reminders >= limit

    @property
    def status(self) -> Status | None:
        if self.presence == "absent":
            return None
        if self.presence != "in":
            return self.presence
        if self.live_strikes >= self.strike_limit or self.on_sight_due or self.reminders_exhausted:
            return "removal_due"
        if self.live_strikes > 0:
            return "warned"
        return "active"

    @property
    def is_in_group(self) -> bool:
        return self.presence == "in"

    @property
    def review_due_at(self) -> datetime | None:
        if self.presence != "in" or self.review_period_days is None or self.reviewed_at is None:
            return None
        return self.reviewed_at + timedelta(days=self.review_period_days)

    @property
    def review_due(self) -> bool:
        due = self.review_due_at
        return due is not None and self.now is not None and due <= self.now

    @property
    def next_change_at(self) -> datetime | None:
        """The next moment the state changes with no new event: a strike expiring."""
        moments = [s.expires_at for s in self.strikes
                   if s.expires_at is not None and (self.now is None or s.expires_at > self.now)]
        return min(moments) if moments else None


def in_order(events: Iterable[MembershipEvent]) -> list[MembershipEvent]:
    """The events in the order they happened; ties keep the order they were recorded in."""
    return sorted(events, key=lambda e: (e.occurred_at, e.originator_version))


def advance(state: MembershipState, moment: datetime) -> MembershipState:
    """The same membership at a later moment: strikes that expire on the way may change
    the status, and `since` then is the moment of that expiry.
    """
    if state.now is not None and moment <= state.now:
        return state
    expiries = sorted({s.expires_at for s in state.strikes if s.expires_at is not None
                       and (state.now is None or s.expires_at > state.now)
                       and s.expires_at <= moment})
    for expiry in expiries:
        before = state.status
        state = replace(state, now=expiry)
        if state.status != before:
            state = replace(state, since=expiry, since_version=None)
    return replace(state, now=moment)


def replay(
    events: Iterable[MembershipEvent],
    *,
    as_of: datetime | None = None,
    known_at: datetime | None = None,
) -> MembershipState:
    """Fold the events that had happened by `as_of` and been recorded by `known_at`; the
    state describes `as_of` if given, else the moment of the last event.
    """
    state: MembershipState | None = None
    for event in in_order(events):
        if as_of is not None and event.occurred_at > as_of:
            continue
        if known_at is not None and event.recorded_at > known_at:
            continue
        state = step(state or MembershipState(event.group, event.member), event)
    if state is None:
        raise NotFound("no events to replay: the membership has no facts at that time")
    return advance(state, as_of) if as_of is not None else state


def check_insertable(events: Sequence[MembershipEvent], candidate: MembershipEvent) -> None:
    """Raise unless `candidate` fits the timeline where it happened, and all later facts
    still hold with it in place.
    """
    timeline = in_order([*events, candidate])
    state = MembershipState(candidate.group, candidate.member)
    seen_candidate = False
    for event in timeline:
        try:
            state = step(state, event)
        except LedgerError as error:
            if not seen_candidate or event is candidate:
                raise
            raise TimelineConflict(
                f"a fact dated {format_time(candidate.occurred_at)} contradicts the "
                f"{type(event).__name__} already recorded at {format_time(event.occurred_at)} "
                f"({str(error).split(': ')[0]}): give a later --at, or check the date"
            ) from None
        seen_candidate = seen_candidate or event is candidate


def step(state: MembershipState, event: MembershipEvent) -> MembershipState:
    """Apply one event to the state, or raise the error that makes it impossible."""
    state = advance(state, event.occurred_at)
    before = state.status
    after = _apply(event, state)
    if after.status != before:
        after = replace(after, since=event.occurred_at, since_version=event.originator_version)
    return after


def explain(events: Sequence[MembershipEvent], state: MembershipState) -> list[MembershipEvent]:
    """The events that produced `state`'s status and strike count, in the order they
    happened: what set the status, each live strike, the unanswered reminders, and the
    strike that made a removal due on sight.
    """
    versions = {s.version for s in state.strikes if state.now is None or s.live_at(state.now)}
    versions |= set(state.reminder_versions) if state.nickname_ok is False else set()
    for extra in (state.since_version, state.on_sight_version if state.on_sight_due else None):
        if extra is not None:
            versions.add(extra)
    return [e for e in in_order(events) if e.originator_version in versions]


def check_in_group(state: MembershipState, at: datetime) -> None:
    if state.presence == "in":
        return
    reason = {
        "absent": "admit them first",
        "temporarily_removed": "they were temporarily removed: readmit them first",
        "removed": "they were removed: readmit them first",
        "left": "they left the group: admit them again first",
    }[state.presence]
    raise NotAMember(f"{state.member} is not in {state.group} at {format_time(at)}: {reason}")


def _open_flag(state: MembershipState, flag_id: str, verb: str) -> Flag:
    flag = state.flags.get(flag_id)
    if flag is None:
        raise NotFound(f"flag {flag_id} was not raised against {state.member} in {state.group} "
                       "by that time: check the flag id and --at")
    if flag.state != "open":
        raise FlagDecided(f"flag {flag_id} was already {flag.state}: a flag is decided once, "
                          f"it cannot be {verb} again")
    return flag


def _task(state: MembershipState, task_id: str) -> Task:
    task = state.tasks.get(task_id)
    if task is None:
        raise NotFound(f"task {task_id} was not assigned to {state.member} in {state.group} by "
                       "that time: check the task id and --at")
    return task


@singledispatch
def _apply(event: MembershipEvent, state: MembershipState) -> MembershipState:
    raise TypeError(f"no rule for {type(event).__name__}")


@_apply.register
def _(event: MemberAdmitted, state: MembershipState) -> MembershipState:
    if state.presence == "in":
        raise AlreadyMember(f"{state.member} is already in {state.group} at "
                            f"{format_time(event.occurred_at)}: nothing to admit")
    if state.presence in ("removed", "temporarily_removed"):
        raise AlreadyMember(f"{state.member} was removed from {state.group}: "
                            "use 'member readmit' to take them back")
    return replace(state, presence="in", nickname=event.nickname, nickname_ok=event.nickname_ok,
                   reminders=0, reminder_versions=(), reviewed_at=event.occurred_at,
                   review_period_days=event.review_period_days, on_sight_due=False)


@_apply.register
def _(event: MemberRenamed, state: MembershipState) -> MembershipState:
    check_in_group(state, event.occurred_at)
    # A compliant nickname clears the reminders; a non-compliant one keeps counting them.
    cleared = event.nickname_ok is not False
    return replace(state, nickname=event.new_nickname, nickname_ok=event.nickname_ok,
                   reminders=0 if cleared else state.reminders,
                   reminder_versions=() if cleared else state.reminder_versions)


@_apply.register
def _(event: NicknameReminded, state: MembershipState) -> MembershipState:
    check_in_group(state, event.occurred_at)
    # The reminder judged the nickname by the rules then in force (an amendment may have
    # added the pattern after the member joined).
    return replace(state, nickname_ok=False, reminders=state.reminders + 1,
                   reminders_before_removal=event.reminders_before_removal,
                   reminder_versions=(*state.reminder_versions, event.originator_version))


@_apply.register
def _(event: MessageFlagged, state: MembershipState) -> MembershipState:
    check_in_group(state, event.occurred_at)
    flag = Flag(event.flag_id, event.category, event.actor, event.occurred_at,
                event.message, event.excerpt, event.message_at)
    return replace(state, flags={**state.flags, event.flag_id: flag})


@_apply.register
def _(event: FlagConfirmed, state: MembershipState) -> MembershipState:
    flag = _open_flag(state, event.flag_id, "confirmed")
    check_in_group(state, event.occurred_at)
    return replace(state, flags={**state.flags, flag.flag_id: replace(flag, state="confirmed")})


@_apply.register
def _(event: FlagDismissed, state: MembershipState) -> MembershipState:
    flag = _open_flag(state, event.flag_id, "dismissed")
    return replace(state, flags={**state.flags, flag.flag_id: replace(flag, state="dismissed")})


@_apply.register
def _(event: WarningIssued, state: MembershipState) -> MembershipState:
    check_in_group(state, event.occurred_at)
    strike = Strike(event.sanction_id, event.category, event.weight, event.occurred_at,
                    event.expires_at, event.flag_id, event.task_id, event.originator_version)
    due_on_sight = event.on_sight and event.on_sight_action == "removal_due"
    return replace(state, strikes=(*state.strikes, strike), strike_limit=event.strike_limit,
                   on_sight_due=state.on_sight_due or due_on_sight,
                   on_sight_version=event.originator_version if due_on_sight
                   else state.on_sight_version)


@_apply.register
def _(event: MemberRemoved, state: MembershipState) -> MembershipState:
    if state.presence == "temporarily_removed" and not event.temporary:
        # Mediation failed: a temporary removal may become a removal for good.
        return replace(state, presence="removed")
    check_in_group(state, event.occurred_at)
    return replace(state, presence="temporarily_removed" if event.temporary else "removed")


@_apply.register
def _(event: MemberReadmitted, state: MembershipState) -> MembershipState:
    if state.presence not in ("temporarily_removed", "removed"):
        raise NotRemoved(f"{state.member} was not removed from {state.group} at "
                         f"{format_time(event.occurred_at)}: only a removed member is readmitted")
    return replace(state, presence="in", on_sight_due=False)


@_apply.register
def _(event: MemberLeft, state: MembershipState) -> MembershipState:
    check_in_group(state, event.occurred_at)
    return replace(state, presence="left")


@_apply.register
def _(event: MembershipReviewed, state: MembershipState) -> MembershipState:
    check_in_group(state, event.occurred_at)
    return replace(state, reviewed_at=event.occurred_at,
                   review_period_days=event.review_period_days)


@_apply.register
def _(event: TaskAssigned, state: MembershipState) -> MembershipState:
    check_in_group(state, event.occurred_at)
    task = Task(event.task_id, event.summary, event.occurred_at, event.deadline_at,
                event.category)
    return replace(state, tasks={**state.tasks, task.task_id: task})


@_apply.register
def _(event: TaskAcknowledged, state: MembershipState) -> MembershipState:
    task = _task(state, event.task_id)
    if task.acknowledged_at is not None:
        raise RuleBroken(f"task {task.task_id} was already acknowledged at "
                         f"{format_time(task.acknowledged_at)}: nothing to acknowledge")
    if task.missed:
        raise RuleBroken(f"task {task.task_id} was already confirmed missed: too late to "
                         "acknowledge it")
    return replace(state, tasks={**state.tasks, task.task_id:
                                 replace(task, acknowledged_at=event.occurred_at)})


@_apply.register
def _(event: TaskMissed, state: MembershipState) -> MembershipState:
    task = _task(state, event.task_id)
    if task.missed:
        raise RuleBroken(f"task {task.task_id} was already confirmed missed: a deadline is "
                         "missed once")
    if not task.overdue_at(event.occurred_at):
        if task.deadline_at >= event.occurred_at:
            raise RuleBroken(f"task {task.task_id}'s deadline {format_time(task.deadline_at)} "
                             f"had not passed at {format_time(event.occurred_at)}: wait for it")
        raise RuleBroken(f"task {task.task_id} was acknowledged in time "
                         f"({format_time(task.acknowledged_at)}, deadline "  # type: ignore[arg-type]
                         f"{format_time(task.deadline_at)}): nothing was missed")
    return replace(state, tasks={**state.tasks, task.task_id: replace(task, missed=True)})
