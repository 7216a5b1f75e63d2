"""One membership's life, folded from its events in the order they happened.

Facts may be recorded late, so the order that counts is occurred-at (ties broken by the
order of recording). The same fold judges a new fact before it is recorded (the guards),
answers what a standing was at a past moment, and fills the standings view, so that all
three agree by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
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
    MessageFlagged,
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
    state: Literal["open", "confirmed", "dismissed"] = "open"


@dataclass(frozen=True)
class Strike:
    sanction_id: str
    category: str
    weight: int
    occurred_at: datetime
    flag_id: str | None


@dataclass(frozen=True)
class MembershipState:
    group: str
    member: str
    presence: Presence = "absent"
    nickname: str = ""
    strikes: tuple[Strike, ...] = ()
    strike_limit: int = DEFAULT_STRIKE_LIMIT
    flags: dict[str, Flag] = field(default_factory=dict)
    since: datetime | None = None

    @property
    def live_strikes(self) -> int:
        return sum(strike.weight for strike in self.strikes)

    @property
    def status(self) -> Status | None:
        if self.presence == "absent":
            return None
        if self.presence != "in":
            return self.presence
        if self.live_strikes >= self.strike_limit:
            return "removal_due"
        if self.live_strikes > 0:
            return "warned"
        return "active"

    @property
    def is_in_group(self) -> bool:
        return self.presence == "in"


def in_order(events: Iterable[MembershipEvent]) -> list[MembershipEvent]:
    """The events in the order they happened; ties keep the order they were recorded in."""
    return sorted(events, key=lambda e: (e.occurred_at, e.originator_version))


def replay(
    events: Iterable[MembershipEvent],
    *,
    as_of: datetime | None = None,
    known_at: datetime | None = None,
) -> MembershipState:
    """Fold the events that had happened by `as_of` and been recorded by `known_at`."""
    state: MembershipState | None = None
    for event in in_order(events):
        if as_of is not None and event.occurred_at > as_of:
            continue
        if known_at is not None and event.recorded_at > known_at:
            continue
        state = step(state or MembershipState(event.group, event.member), event)
    if state is None:
        raise NotFound("no events to replay: the membership has no facts at that time")
    return state


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
    before = state.status
    after = _apply(event, state)
    if after.status != before:
        after = replace(after, since=event.occurred_at)
    return after


def _where(state: MembershipState, at: datetime) -> str:
    return f"{state.member} is not in {state.group} at {format_time(at)}"


def check_in_group(state: MembershipState, at: datetime) -> None:
    if state.presence == "in":
        return
    reason = {
        "absent": "admit them first",
        "temporarily_removed": "they were temporarily removed: readmit them first",
        "removed": "they were removed: readmit them first",
        "left": "they left the group: admit them again first",
    }[state.presence]
    raise NotAMember(f"{_where(state, at)}: {reason}")


def _open_flag(state: MembershipState, flag_id: str, verb: str) -> Flag:
    flag = state.flags.get(flag_id)
    if flag is None:
        raise NotFound(f"flag {flag_id} was not raised against {state.member} in {state.group} "
                       "by that time: check the flag id and --at")
    if flag.state != "open":
        raise FlagDecided(f"flag {flag_id} was already {flag.state}: a flag is decided once, "
                          f"it cannot be {verb} again")
    return flag


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
    return replace(state, presence="in", nickname=event.nickname)


@_apply.register
def _(event: MemberRenamed, state: MembershipState) -> MembershipState:
    check_in_group(state, event.occurred_at)
    return replace(state, nickname=event.new_nickname)


@_apply.register
def _(event: MessageFlagged, state: MembershipState) -> MembershipState:
    check_in_group(state, event.occurred_at)
    flag = Flag(event.flag_id, event.category, event.actor, event.occurred_at,
                event.message, event.excerpt)
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
                    event.flag_id)
    return replace(state, strikes=(*state.strikes, strike), strike_limit=event.strike_limit)


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
    return replace(state, presence="in")


@_apply.register
def _(event: MemberLeft, state: MembershipState) -> MembershipState:
    check_in_group(state, event.occurred_at)
    return replace(state, presence="left")
