"""One membership's life, folded from its events in the order they happened: the one
place that says what stored facts mean.

`evolve(state, event)` is pure and never refuses an event: whatever is stored, however
old the code that judged it, reads. Deciding whether a *new* fact may be recorded is
`ledger.judge`'s work, done before the event exists. Every read path uses this fold:
the aggregates, point-in-time questions and the views, so that they all agree.

Facts may be recorded late, so the order that counts is occurred-at (ties broken by the
order of recording). Time matters between events too: a strike may expire, and that can
change a status without any new event. The state therefore carries the moment it
describes (`now`), and `advance` moves it forward, passing each expiry on the way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import singledispatch
from typing import Any, Literal

from ledger.domain.events import (
    AppealDecided,
    AppealFiled,
    CautionIssued,
    FlagConfirmed,
    FlagDismissed,
    FlagSeconded,
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
    SanctionRescinded,
    TaskAcknowledged,
    TaskAssigned,
    TaskMissed,
    WarningIssued,
)
from ledger.domain.i18n import N_

Presence = Literal["absent", "in", "temporarily_removed", "removed", "left"]
Status = Literal["active", "warned", "removal_due", "temporarily_removed", "removed", "left",
                 "readmission_due"]
# A strike's state beside time: as judged; withdrawn by its issuer; decided on appeal.
StrikeState = Literal["live", "rescinded", "overturned", "reduced"]
COUNTING: frozenset[str] = frozenset({"live", "reduced"})

DEFAULT_STRIKE_LIMIT = 3


# The rules of time, written once. Each compares moments of one kind: datetimes, or the
# views' UTC keys (which sort as the moments do), so that a view answers by the same rule.


def known_by(occurred: Any, recorded: Any, as_of: Any, known_at: Any) -> bool:
    """Whether a fact had happened by `as_of` and been recorded by `known_at` (None: no
    bound).
    """
    return (occurred is not None and (as_of is None or occurred <= as_of)
            and (known_at is None or (recorded is not None and recorded <= known_at)))


def live_at(expires_at: Any, moment: Any) -> bool:
    """A strike counts until the moment it expires (never, without an expiry)."""
    return expires_at is None or expires_at > moment


TaskState = Literal["open", "acknowledged", "overdue", "missed"]


def task_state(deadline: Any, acknowledged_at: Any, missed: bool, moment: Any) -> TaskState:
    """A task at `moment`: confirmed missed; acknowledged in time; overdue (the deadline
    passed without an acknowledgement in time); or open.
    """
    if missed:
        return "missed"
    if acknowledged_at is not None and acknowledged_at <= deadline:
        return "acknowledged"
    return "overdue" if deadline < moment else "open"


@dataclass(frozen=True, slots=True)
class Flag:
    flag_id: str
    category: str
    raised_by: str
    raised_at: datetime
    message: str | None
    excerpt: str | None
    message_at: datetime | None
    state: Literal["open", "confirmed", "dismissed"] = "open"
    seconded_by: tuple[tuple[str, datetime], ...] = ()  # more reporters of the message

    @property
    def violation_at(self) -> datetime:
        """When the violation happened: the message's time if known, else the flag's."""
        return self.message_at or self.raised_at


@dataclass(frozen=True, slots=True)
class Strike:
    sanction_id: str
    category: str
    weight: int
    occurred_at: datetime
    expires_at: datetime | None
    flag_id: str | None = None
    task_id: str | None = None
    version: int = 0  # the WarningIssued event's place in its membership's sequence
    state: StrikeState = "live"
    message: str | None = None

    @property
    def counts(self) -> bool:
        """Not rescinded or overturned (it may still expire)."""
        return self.state in COUNTING

    def live_at(self, moment: datetime) -> bool:
        return self.counts and live_at(self.expires_at, moment)


@dataclass(frozen=True, slots=True)
class Removal:
    sanction_id: str
    temporary: bool
    removed_at: datetime
    state: StrikeState = "live"


@dataclass(frozen=True, slots=True)
class Appeal:
    appeal_id: str
    sanction_id: str
    filed_by: str
    filed_at: datetime
    outcome: str | None = None  # None while open

    @property
    def is_open(self) -> bool:
        return self.outcome is None


@dataclass(frozen=True, slots=True)
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
        return task_state(self.deadline_at, self.acknowledged_at, self.missed,
                          moment) == "overdue"


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
    exemption: str | None = None  # the nickname exemption of the last admission or grant
    # What explains the standing: the event that set the status (None when a strike's
    # expiry did), the unanswered reminders, and the on-sight strike.
    since_version: int | None = None
    reminder_versions: tuple[int, ...] = ()
    on_sight_version: int | None = None
    # The removal in force, and whether it was overturned or rescinded (the member is then
    # due to be readmitted).
    removal_id: str | None = None
    readmission_due: bool = False
    # Removals and appeals, like flags and tasks, are for judging new facts: no standing
    # shows them (`standing_only` leaves them out).
    removals: dict[str, Removal] = field(default_factory=dict)
    appeals: dict[str, Appeal] = field(default_factory=dict)

    @property
    def live_strikes(self) -> int:
        if not self.strikes:
            return 0  # most members, asked on every event folded
        now = self.now
        return sum(s.weight for s in self.strikes
                   if s.counts and (now is None or live_at(s.expires_at, now)))

    @property
    def reminders_exhausted(self) -> bool:
        limit = self.reminders_before_removal
        return self.nickname_ok is False and limit is not None and self.reminders >= limit

    @property
    def status(self) -> Status | None:
        presence = self.presence
        if presence != "in":
            if self.readmission_due and presence in ("removed", "temporarily_removed"):
                return "readmission_due"
            return None if presence == "absent" else presence
        live = self.live_strikes
        if live >= self.strike_limit or self.on_sight_due or self.reminders_exhausted:
            return "removal_due"
        return "warned" if live > 0 else "active"

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
                   if s.counts and s.expires_at is not None
                   and (self.now is None or s.expires_at > self.now)]
        return min(moments) if moments else None


def _with(state: MembershipState, **changes: object) -> MembershipState:
    """`dataclasses.replace` for the fold's hot path: a copy with some fields changed,
    without running `__init__` over every field again (the state stays frozen to every
    other caller).
    """
    new = object.__new__(MembershipState)
    new.__dict__.update(state.__dict__, **changes)
    return new


def standing_only(state: MembershipState) -> MembershipState:
    """The state without its flags and tasks: what a standing shows, and all that its
    status depends on.
    """
    if state.flags or state.tasks or state.removals or state.appeals:
        return _with(state, flags={}, tasks={}, removals={}, appeals={})
    return state


def to_data(state: MembershipState) -> list[Any]:
    """The state as JSON-able data (group and member aside, and without flags and
    tasks, which no standing shows), for a view to keep beside its row. `from_data`
    gives the state back, times with the offsets they had.
    """
    return [state.now, state.presence, state.nickname, state.nickname_ok, state.reminders,
            state.reminders_before_removal,
            [[s.sanction_id, s.category, s.weight, s.occurred_at, s.expires_at, s.flag_id,
              s.task_id, s.version, s.state, s.message] for s in state.strikes],
            state.strike_limit, state.on_sight_due, state.reviewed_at, state.review_period_days,
            state.since, state.exemption, state.since_version, list(state.reminder_versions),
            state.on_sight_version, state.removal_id, state.readmission_due]


def from_data(group: str, member: str, data: list[Any]) -> MembershipState:
    # Data kept by a release before appeals has neither the strikes' states nor the
    # removal fields: they default to what that release knew (live, none).
    data = [*data, *[None, False][len(data) - 16:]] if len(data) < 18 else data
    (now, presence, nickname, nickname_ok, reminders, reminders_before_removal, strikes,
     strike_limit, on_sight_due, reviewed_at, review_period_days, since, exemption,
     since_version, reminder_versions, on_sight_version, removal_id, readmission_due) = data
    return MembershipState(
        group, member, now=_moment(now), presence=presence, nickname=nickname,
        nickname_ok=nickname_ok, reminders=reminders,
        reminders_before_removal=reminders_before_removal,
        strikes=tuple(_strike_of(row) for row in strikes),
        strike_limit=strike_limit, on_sight_due=on_sight_due, reviewed_at=_moment(reviewed_at),
        review_period_days=review_period_days, since=_moment(since), exemption=exemption,
        since_version=since_version, reminder_versions=tuple(reminder_versions),
        on_sight_version=on_sight_version, removal_id=removal_id,
        readmission_due=bool(readmission_due))


def _strike_of(row: list[Any]) -> Strike:
    sid, category, weight, occurred, expires, flag_id, task_id, version, *rest = row
    state = rest[0] if rest else "live"
    message = rest[1] if len(rest) > 1 else None
    return Strike(sid, category, weight, _moment(occurred), _moment(expires),  # type: ignore[arg-type]
                  flag_id, task_id, version, state, message)


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def in_order(events: Iterable[MembershipEvent]) -> list[MembershipEvent]:
    """The events in the order they happened; ties keep the order they were recorded in."""
    return sorted(events, key=lambda e: (e.occurred_at, e.originator_version))


def advance(state: MembershipState, moment: datetime) -> MembershipState:
    """The same membership at a later moment: strikes that expire on the way may change
    the status, and `since` then is the moment of that expiry.
    """
    if state.now is not None and moment <= state.now:
        return state
    if all(s.expires_at is None for s in state.strikes):
        return _with(state, now=moment)
    expiries = sorted({s.expires_at for s in state.strikes if s.expires_at is not None
                       and (state.now is None or s.expires_at > state.now)
                       and s.expires_at <= moment})
    for expiry in expiries:
        before = state.status
        state = _with(state, now=expiry)
        if state.status != before:
            state = _with(state, since=expiry, since_version=None)
    return _with(state, now=moment)


def replay(
    events: Iterable[MembershipEvent],
    *,
    as_of: datetime | None = None,
    known_at: datetime | None = None,
) -> MembershipState | None:
    """Fold the events that had happened by `as_of` and been recorded by `known_at`; the
    state describes `as_of` if given, else the moment of the last event. None when no
    such event exists (not yet admitted then, or not yet recorded).
    """
    state: MembershipState | None = None
    for event in in_order(events):
        if known_by(event.occurred_at, event.recorded_at, as_of, known_at):
            state = evolve(state, event)
    if state is None:
        return None
    return advance(state, as_of) if as_of is not None else state


def evolve(state: MembershipState | None, event: MembershipEvent) -> MembershipState:
    """The state after one more event, at the moment it happened. Never raises: an
    event that makes no sense against the state (which the judge would not have let
    through) changes only what it can.
    """
    if state is None:
        state = MembershipState(event.group, event.member)
    moment = event.occurred_at
    now = state.now
    if now is None or moment > now:
        if state.strikes:
            state = advance(state, moment)  # strikes may expire on the way
        now = moment
    before = state.status
    kind = type(event)
    changes = _HANDLERS.get(kind)
    if changes is None:
        changes = _HANDLERS[kind] = _changes.dispatch(kind)
    # One copy, made here and changed only here before anyone else sees it.
    after = _with(state, now=now, **changes(event, state))
    if after.status != before:
        after.__dict__.update(since=moment, since_version=event.originator_version)
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


# What each event changes: `_changes(event, state)` gives the fields it sets, and
# `evolve` makes the one copy of the state with them (the fold's hot path: a rebuild runs
# it for every membership event of the log).
Changes = dict[str, Any]


@singledispatch
def _changes(event: MembershipEvent, state: MembershipState) -> Changes:
    return {}  # an event type this code does not know changes nothing it can show


_HANDLERS: dict[type, Any] = {}  # each event type's `_changes`, found once


@_changes.register
def _(event: MemberAdmitted, state: MembershipState) -> Changes:
    return {"presence": "in", "nickname": event.nickname, "nickname_ok": event.nickname_ok,
            "reminders": 0, "reminder_versions": (), "reviewed_at": event.occurred_at,
            "review_period_days": event.review_period_days, "on_sight_due": False,
            "exemption": event.exemption}


def _nickname_judged(state: MembershipState, nickname_ok: bool | None,
                     **changes: Any) -> Changes:
    """The nickname judged again: a compliant (or unjudged) one clears the reminders, a
    non-compliant one keeps counting them.
    """
    cleared = nickname_ok is not False
    return {"nickname_ok": nickname_ok, "reminders": 0 if cleared else state.reminders,
            "reminder_versions": () if cleared else state.reminder_versions, **changes}


@_changes.register
def _(event: MemberRenamed, state: MembershipState) -> Changes:
    return _nickname_judged(state, event.nickname_ok, nickname=event.new_nickname)


@_changes.register
def _(event: NicknameExemptionGranted, state: MembershipState) -> Changes:
    # Judged again with the exemption: compliant now, the reminders clear.
    return _nickname_judged(state, event.nickname_ok, exemption=event.exemption)


@_changes.register
def _(event: CautionIssued, state: MembershipState) -> Changes:
    return {}  # a friendly reminder: shown in the history, never a strike


@_changes.register
def _(event: NicknameReminded, state: MembershipState) -> Changes:
    # The reminder judged the nickname by the rules then in force (an amendment may have
    # added the pattern after the member joined).
    return {"nickname_ok": False, "reminders": state.reminders + 1,
            "reminders_before_removal": event.reminders_before_removal,
            "reminder_versions": (*state.reminder_versions, event.originator_version)}


@_changes.register
def _(event: MessageFlagged, state: MembershipState) -> Changes:
    flag = Flag(event.flag_id, event.category, event.actor, event.occurred_at,
                event.message, event.excerpt, event.message_at)
    return {"flags": {**state.flags, event.flag_id: flag}}


@_changes.register
def _(event: FlagConfirmed, state: MembershipState) -> Changes:
    return _decide_flag(state, event.flag_id, "confirmed")


@_changes.register
def _(event: FlagDismissed, state: MembershipState) -> Changes:
    return _decide_flag(state, event.flag_id, "dismissed")


def _decide_flag(state: MembershipState, flag_id: str,
                 decision: Literal["confirmed", "dismissed"]) -> Changes:
    flag = state.flags.get(flag_id)
    if flag is None:
        return {}
    return {"flags": {**state.flags, flag_id: replace(flag, state=decision)}}


@_changes.register
def _(event: WarningIssued, state: MembershipState) -> Changes:
    message = event.message
    if message is None and event.flag_id in state.flags:
        message = state.flags[event.flag_id].message
    strike = Strike(event.sanction_id, event.category, event.weight, event.occurred_at,
                    event.expires_at, event.flag_id, event.task_id, event.originator_version,
                    message=message)
    due_on_sight = event.on_sight and event.on_sight_action == "removal_due"
    return {"strikes": (*state.strikes, strike), "strike_limit": event.strike_limit,
            "on_sight_due": state.on_sight_due or due_on_sight,
            "on_sight_version": event.originator_version if due_on_sight
            else state.on_sight_version}


@_changes.register
def _(event: MemberRemoved, state: MembershipState) -> Changes:
    # A temporary removal may become a removal for good (mediation failed), never the
    # other way round.
    temporary = event.temporary and state.presence != "removed"
    removal = Removal(event.sanction_id, event.temporary, event.occurred_at)
    return {"presence": "temporarily_removed" if temporary else "removed",
            "removal_id": event.sanction_id, "readmission_due": False,
            "removals": {**state.removals, event.sanction_id: removal}}


@_changes.register
def _(event: MemberReadmitted, state: MembershipState) -> Changes:
    return {"presence": "in", "on_sight_due": False, "readmission_due": False}


@_changes.register
def _(event: FlagSeconded, state: MembershipState) -> Changes:
    flag = state.flags.get(event.flag_id)
    if flag is None:
        return {}
    seconded = replace(flag, seconded_by=(*flag.seconded_by, (event.actor, event.occurred_at)))
    return {"flags": {**state.flags, event.flag_id: seconded}}


@_changes.register
def _(event: SanctionRescinded, state: MembershipState) -> Changes:
    return _revise(state, event.sanction_id, "rescinded", None, event.occurred_at,
                   event.originator_version)


@_changes.register
def _(event: AppealFiled, state: MembershipState) -> Changes:
    appeal = Appeal(event.appeal_id, event.sanction_id, event.actor, event.occurred_at)
    return {"appeals": {**state.appeals, event.appeal_id: appeal}}


@_changes.register
def _(event: AppealDecided, state: MembershipState) -> Changes:
    changes: Changes = {}
    appeal = state.appeals.get(event.appeal_id)
    if appeal is not None:
        changes["appeals"] = {**state.appeals, event.appeal_id:
                              replace(appeal, outcome=event.outcome)}
    if event.outcome == "upheld":
        return changes
    # _revise reads neither the appeals nor anything set above.
    return {**changes, **_revise(state, event.sanction_id, event.outcome, event.weight,
                                 event.occurred_at, event.originator_version)}


def _revise(state: MembershipState, sanction_id: str, outcome: StrikeState,
            weight: int | None, at: datetime, version: int) -> Changes:
    """A sanction rescinded, overturned or reduced. The event carries all it needs, so
    that a state without its removals and appeals (a view's) folds it the same way.
    A warning changes its state (and weight); a removal in force makes the member due
    to be readmitted, and a reduced one becomes a warning of `weight` strikes from now.
    """
    strikes = state.strikes
    for i, strike in enumerate(strikes):
        if strike.sanction_id == sanction_id:
            revised = replace(strike, state=outcome,
                              weight=weight if outcome == "reduced" and weight else strike.weight)
            return {"strikes": (*strikes[:i], revised, *strikes[i + 1:])}
    changes: Changes = {}
    if sanction_id in state.removals:
        changes["removals"] = {**state.removals, sanction_id:
                               replace(state.removals[sanction_id], state=outcome)}
    if state.removal_id == sanction_id and state.presence in ("removed", "temporarily_removed"):
        changes["readmission_due"] = True
    if outcome == "reduced":
        changes["strikes"] = (*strikes, Strike(sanction_id, "removal", weight or 1, at, None,
                                               version=version, state="reduced"))
    return changes


@_changes.register
def _(event: MemberLeft, state: MembershipState) -> Changes:
    return {"presence": "left"}


@_changes.register
def _(event: MembershipReviewed, state: MembershipState) -> Changes:
    return {"reviewed_at": event.occurred_at, "review_period_days": event.review_period_days}


@_changes.register
def _(event: TaskAssigned, state: MembershipState) -> Changes:
    task = Task(event.task_id, event.summary, event.occurred_at, event.deadline_at,
                event.category)
    return {"tasks": {**state.tasks, task.task_id: task}}


@_changes.register
def _(event: TaskAcknowledged, state: MembershipState) -> Changes:
    task = state.tasks.get(event.task_id)
    if task is None or task.acknowledged_at is not None:
        return {}
    return {"tasks": {**state.tasks, task.task_id:
                      replace(task, acknowledged_at=event.occurred_at)}}


@_changes.register
def _(event: TaskMissed, state: MembershipState) -> Changes:
    task = state.tasks.get(event.task_id)
    if task is None:
        return {}
    return {"tasks": {**state.tasks, task.task_id: replace(task, missed=True)}}


# A sanction's story: what a reviewer reads, and what separation of duties is judged on.


@dataclass(frozen=True)
class SanctionStory:
    """One sanction as the log tells it: the event that issued it, the flag behind it
    (raised, seconded, confirmed), and every later event about it, in the order they
    happened.
    """

    sanction_id: str
    kind: Literal["warning", "removal", "temporary removal"]
    issued: WarningIssued | MemberRemoved
    flag_events: tuple[MembershipEvent, ...] = ()
    since: tuple[MembershipEvent, ...] = ()

    @property
    def parties(self) -> list[tuple[str, str]]:
        """Who had a part in it, as (person, what they did): issued it, confirmed the
        flag behind it, raised (or seconded) that flag.
        """
        found = [(self.issued.actor, N_("issued the sanction"))]
        for event in self.flag_events:
            if isinstance(event, FlagConfirmed):
                found.append((event.actor, N_("confirmed the flag behind it")))
            elif isinstance(event, (MessageFlagged, FlagSeconded)):
                found.append((event.actor, N_("raised the flag behind it")))
        return found

    @property
    def weight(self) -> int | None:
        return self.issued.weight if isinstance(self.issued, WarningIssued) else None


def sanction_story(events: Iterable[MembershipEvent], sanction_id: str) -> SanctionStory | None:
    """The story of `sanction_id` among one membership's events, or None."""
    ordered = in_order(events)
    issued = next((e for e in ordered if isinstance(e, (WarningIssued, MemberRemoved))
                   and e.sanction_id == sanction_id), None)
    if issued is None:
        return None
    kind: Any = ("warning" if isinstance(issued, WarningIssued) else
                 "temporary removal" if issued.temporary else "removal")
    flag_id = getattr(issued, "flag_id", None)
    flag_events = tuple(e for e in ordered if flag_id is not None
                        and isinstance(e, (MessageFlagged, FlagSeconded, FlagConfirmed))
                        and e.flag_id == flag_id)
    since = tuple(e for e in ordered if getattr(e, "sanction_id", None) == sanction_id
                  and e is not issued)
    return SanctionStory(sanction_id, kind, issued, flag_events, since)
