"""Standings: one row per (group, member) with the member's status and live strikes now.

A row is the fold of that membership's events in the order they happened (`ledger.fold`,
the one fold every read path uses), so a fact recorded late lands where it belongs. Each
row keeps the folded state it was made from; the view folds each event it is handed into
that state, holding the most recently folded states in memory (at most `HELD`) and
reading the others back from their rows. It reads a membership's own events from the
store only for a fact recorded after facts that happened later (the fold then starts
again for that one membership). What is stored depends on the events alone: the state as
of the membership's last fact, with the moment it next changes by itself (a strike
expiring) and when its review falls due. A query asks about a moment (now, by default):
rows that changed by themselves since are folded again from that membership's events; a
review is due when its date has passed.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from ledger.domain.aggregates import membership_id
from ledger.domain.clock import format_time, utc_key
from ledger.domain.events import (
    DISPUTE_EVENTS,
    GROUP_EVENTS,
    MEMBERSHIP_EVENTS,
    SEAL_EVENTS,
    MembershipEvent,
)
from ledger.domain.fold import (
    MembershipState,
    advance,
    evolve,
    from_data,
    replay,
    standing_only,
    to_data,
)
from ledger.domain.fold import explain as explain_state
from projections import current
from projections.base import Db, Rows, View, filters, handles, select

FIELDS = current.STANDINGS_FIELDS


HELD = 40_000  # memberships whose state a catch-up keeps in memory; the rest wait in rows


class StandingsView(View):
    name = "standings"
    version = current.STANDINGS_VERSION
    tables = {
        "view_standings": (
            "grp TEXT NOT NULL, member TEXT NOT NULL, nickname TEXT NOT NULL, "
            "status TEXT NOT NULL, strikes INTEGER NOT NULL, since TEXT NOT NULL, "
            "nickname_ok INTEGER, reminders INTEGER NOT NULL, review_due_utc TEXT, "
            "next_change_utc TEXT, "
            # The folded state the row was made from (ledger.fold.to_data): the view goes
            # on folding from it rather than from the store, and holds only some in memory.
            "state TEXT NOT NULL, PRIMARY KEY (grp, member)"
        )
    }
    ignores = GROUP_EVENTS + SEAL_EVENTS + DISPUTE_EVENTS

    def begin(self, db: Db, start: int) -> None:
        self.db = db
        self.from_start = start == 0
        # By the membership id's integer: a UUID's own hash is a Python method, and these
        # are looked up on every event.
        self.states: dict[int, MembershipState] = {}  # the most recently folded first out
        self.touched: set[int] = set()

    @handles(*MEMBERSHIP_EVENTS)
    def membership_event(self, rows: Rows, event: MembershipEvent) -> None:
        key = event.originator_id.int
        state = self.states.pop(key, None)
        if state is None and not (self.from_start and event.originator_version == 1):
            state = self._kept(event) or self._refold(event.originator_id,
                                                      event.originator_version - 1)
        if state is not None and state.now is not None and event.occurred_at < state.now:
            # Recorded late, before facts already folded: fold this membership again.
            state = self._refold(event.originator_id, event.originator_version)
        else:
            state = evolve(state, event)
        if state is None:
            return
        # A row shows no flag or task, and neither changes a status: what the view holds
        # per member stays small however long the member's history grows.
        self.states[key] = standing_only(state)
        self.touched.add(key)

    def _kept(self, event: MembershipEvent) -> MembershipState | None:
        """The state this view stored with the membership's row, if it has one."""
        with self.db.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT state FROM {self.db.table('view_standings')} "
                           "WHERE grp = ? AND member = ?", (event.group, event.member))
            row = cursor.fetchone()
        return None if row is None else from_data(event.group, event.member,
                                                  orjson.loads(row["state"]))

    def _refold(self, key: UUID, version: int) -> MembershipState | None:
        if version < 1:
            return None
        # The membership's own stored events, read and decoded as the log is: the same
        # events as `ledger.events.get`, without the event store's per-event overhead.
        ledger = self.db.ledger
        decode = ledger.mapper.event_from  # type: ignore[attr-defined]
        return replay([decode(stored.topic, stored.state)
                       for stored in ledger.recorder.select_events(key, lte=version)])

    def finish(self, rows: Rows) -> None:
        for key in self.touched:
            rows.add(
                "INSERT INTO {view_standings} (grp, member, nickname, status, strikes, since, "
                "nickname_ok, reminders, review_due_utc, next_change_utc, state) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (grp, member) DO UPDATE "
                "SET nickname=excluded.nickname, status=excluded.status, "
                "strikes=excluded.strikes, since=excluded.since, "
                "nickname_ok=excluded.nickname_ok, reminders=excluded.reminders, "
                "review_due_utc=excluded.review_due_utc, "
                "next_change_utc=excluded.next_change_utc, state=excluded.state",
                (*_stored(self.states[key]),
                 orjson.dumps(to_data(self.states[key])).decode()))
        self.touched = set()
        # Written now: the oldest may leave memory, and come back from their rows.
        for key in list(itertools.islice(self.states, max(0, len(self.states) - HELD))):
            del self.states[key]


def _stored(state: MembershipState) -> tuple[Any, ...]:
    assert state.status is not None and state.since is not None
    due, change = state.review_due_at, state.next_change_at
    return (state.group, state.member, state.nickname, state.status, state.live_strikes,
            format_time(state.since), None if state.nickname_ok is None else int(state.nickname_ok),
            state.reminders,
            utc_key(due) if due else None, utc_key(change) if change else None)


VIEW = StandingsView()


def row_of(state: MembershipState) -> dict[str, Any]:
    """The standing as the query shows it, for a state at the moment asked about."""
    assert state.status is not None and state.since is not None
    return {"group": state.group, "member": state.member, "nickname": state.nickname,
            "status": state.status, "strikes": state.live_strikes,
            "since": format_time(state.since), "nickname_ok": state.nickname_ok,
            "reminders": state.reminders, "review_due": state.review_due}


def query(ledger: Any, *, group: str | None = None, member: str | None = None,
          at: datetime | None = None, as_of: datetime | None = None,
          known_at: datetime | None = None, explain: bool = False) -> list[dict[str, Any]]:
    """The standings, ordered by group and member: now (the ledger's clock, or `at`), or
    as the facts that had happened by `as_of` and been recorded by `known_at` made them.

    A point-in-time answer folds each membership's own events again (only those of the
    member asked about, when one is), never the whole log. With `explain`, each row
    lists the events that produced its status and strike count.
    """
    moment = as_of or at or ledger.clock()
    where, params = filters(group=group, member=member)
    rows = select(ledger, VIEW,
                  "SELECT grp, member, nickname, status, strikes, since, nickname_ok, "
                  f"reminders, review_due_utc, next_change_utc FROM {{t}}{where} "
                  "ORDER BY grp, member", params)
    key = utc_key(moment)
    result = []
    for r in rows:
        if as_of is None and known_at is None and not explain and \
                current.stored_is_current(r, key):
            result.append(current.standing_row(r, key))
            continue
        history = list(ledger.events.get(membership_id(r["grp"], r["member"])))
        found = replay(history, as_of=as_of, known_at=known_at)
        if found is None:
            continue  # not yet admitted then, or not yet recorded
        state = advance(found, moment)
        row = row_of(state)
        if explain:
            row["explanation"] = [explained(e) for e in explain_state(history, state)]
        result.append(row)
    return result


def explained(event: MembershipEvent) -> dict[str, Any]:
    """One event as an explanation line: when, what, who, and its facts in a phrase."""
    facts = event.model_dump(mode="json", include=_EXPLAINING | {"rulebook", "rulebook_version"})
    summary = "; ".join([*judged_by(facts), *(f"{k}={phrase(v)}" for k, v in facts.items()
                                              if v not in (None, "") and k in _EXPLAINING)])
    return {"occurred_at": format_time(event.occurred_at),
            "recorded_at": format_time(event.recorded_at), "event": type(event).__name__,
            "actor": event.actor, "summary": summary}


_EXPLAINING = {"category", "weight", "reason", "nickname", "new_nickname", "reminder",
               "temporary", "cause", "note", "sanction_id", "outcome", "rationale"}


def phrase(value: Any) -> str:
    """A fact's value in a phrase, spelled as JSON spells it (true, not True)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def judged_by(facts: dict[str, Any]) -> list[str]:
    """`rules=estate v1` for an event judged by a rulebook version, else nothing."""
    if facts.get("rulebook") is None:
        return []
    return [f"rules={facts['rulebook']} v{facts['rulebook_version']}"]
