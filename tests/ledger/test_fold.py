"""What is stored is always readable: the fold never refuses an event, the judge alone
refuses new facts, and a group's rules are read from plain stored data by code that
tolerates keys it does not know.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain import judge
from ledger.domain.aggregates import group_id, membership_id
from ledger.application import Ledger
from ledger.domain.errors import NotAMember, StoreError
from ledger.domain.events import MEMBERSHIP_EVENTS, FlagConfirmed, MemberRenamed, MembershipEvent, WarningIssued
from ledger.domain.clock import format_time
from ledger.domain.fold import MembershipState, Strike, evolve, from_data, replay, standing_only, to_data
from ledger.domain.rulebook import Category, load
from ledger.domain.rules import read, stored
from projections import standings
from projections.catalog import VIEWS, replay_all
from tests.conftest import NOW
from tests.ledger.test_roundtrip import model_strategy

CST = timezone(timedelta(hours=8))
T = datetime(2026, 11, 20, 9, 0, tzinfo=CST)

# Membership events of every type, about one membership, in any order and any state:
# histories no judge would have let through.
GROUP, MEMBER = "g9", "wx_li"
any_membership_event = st.one_of(*(model_strategy(t) for t in MEMBERSHIP_EVENTS)).map(
    lambda e: e.model_copy(update={"group": GROUP, "member": MEMBER}))


class TestTheFoldNeverRefuses:
    @settings(max_examples=200, deadline=None)
    @given(events=st.lists(any_membership_event, max_size=12))
    def test_any_sequence_of_events_folds_without_an_error(self, events: list[Any]) -> None:
        numbered = [e.model_copy(update={"originator_version": n})
                    for n, e in enumerate(events, start=1)]

        state = replay(numbered)

        if numbered:
            assert state is not None and state.member == MEMBER
            assert isinstance(state.live_strikes, int)
            assert state.status in (None, "active", "warned", "removal_due",
                                    "temporarily_removed", "removed", "left",
                                    "readmission_due")
        else:
            assert state is None

    @settings(max_examples=200, deadline=None)
    @given(events=st.lists(any_membership_event, min_size=1, max_size=12))
    def test_a_state_kept_as_data_comes_back_the_same(self, events: list[Any]) -> None:
        """What the standings view stores beside a row (to_data) folds on exactly as
        the state it came from, times with their offsets.
        """
        numbered = [e.model_copy(update={"originator_version": n})
                    for n, e in enumerate(events, start=1)]
        state = standing_only(replay(numbered))  # type: ignore[arg-type]

        back = from_data(GROUP, MEMBER, orjson.loads(orjson.dumps(to_data(state))))

        assert back == state
        assert [format_time(m) for m in (back.now, back.since) if m] == [
            format_time(m) for m in (state.now, state.since) if m]

    def test_a_rename_of_someone_not_in_the_group_is_folded_not_refused(self) -> None:
        rename = MemberRenamed(originator_id=membership_id(GROUP, MEMBER), originator_version=1,
                               timestamp=NOW, actor="admin1", occurred_at=T, group=GROUP,
                               member=MEMBER, rulebook="estate", rulebook_version=1,
                               old_nickname="", new_nickname="李x明")

        state = evolve(None, rename)

        assert state.nickname == "李x明" and state.status is None

    def test_the_judge_refuses_the_same_rename_as_a_new_fact(self) -> None:
        rename = MemberRenamed(originator_id=membership_id(GROUP, MEMBER), originator_version=1,
                               timestamp=NOW, actor="admin1", occurred_at=T, group=GROUP,
                               member=MEMBER, rulebook="estate", rulebook_version=1,
                               old_nickname="", new_nickname="李x明")

        with pytest.raises(NotAMember, match="is not in g9"):
            judge.check_fits(MembershipState(GROUP, MEMBER), rename)


def _append(ledger: Ledger, event: MembershipEvent) -> None:
    """Store an event as a past release might have, past every guard of today's."""
    ledger.recorder.insert_events([StoredEvent(
        originator_id=event.originator_id, originator_version=event.originator_version,
        topic=get_topic(type(event)), state=orjson.dumps(event.model_dump(mode="json")))])


class TestHistoryLegalWhenRecorded:
    """A history that a guard added later would refuse still opens, replays and takes
    new facts: the guard judges new facts only.
    """

    @pytest.fixture
    def ledger_with_a_strange_history(self, sqlite_ledger: Ledger) -> Ledger:
        ledger = sqlite_ledger
        ledger.register_group(actor="o", group=GROUP, name="加侨业委会9栋业主群", owner="o",
                              rulebook="builtin:estate", at=T)
        ledger.admit(actor="o", group=GROUP, member=MEMBER, nickname="g9#1001@李x明",
                     relation="owner", invited_by="o", verified_by="o",
                     at=T + timedelta(hours=1))
        # Confirmed a flag nobody raised, then warned twice for it: nonsense today.
        key = membership_id(GROUP, MEMBER)
        base = {"originator_id": key, "timestamp": NOW, "actor": "o", "group": GROUP,
                "member": MEMBER}
        for version, hours in ((2, 2), (3, 3)):
            _append(ledger, WarningIssued(
                **base, originator_version=version, occurred_at=T + timedelta(hours=hours),
                rulebook="estate", rulebook_version=1, sanction_id=f"{version:032x}",
                category="flooding", category_label="刷屏", weight=1, strike_limit=3,
                on_limit="removal_due", flag_id="f" * 32))
        return ledger

    def test_standings_history_and_replay_read_it(
            self, ledger_with_a_strange_history: Ledger) -> None:
        ledger = ledger_with_a_strange_history

        rows = standings.query(ledger, group=GROUP)
        results = replay_all(ledger, list(VIEWS.values()))

        assert [(r["member"], r["status"], r["strikes"]) for r in rows] == [
            (MEMBER, "warned", 2)]
        assert len(ledger.history(GROUP, MEMBER)) == 3
        assert all(r.ok for r in results)

    def test_a_new_fact_is_still_judged_and_recorded(
            self, ledger_with_a_strange_history: Ledger) -> None:
        ledger = ledger_with_a_strange_history

        ledger.warn(actor="o", group=GROUP, member=MEMBER, category="flooding",
                    at=T + timedelta(hours=4))

        assert ledger.standing(GROUP, MEMBER).status == "removal_due"


    def test_a_late_fact_is_not_blamed_for_a_stored_fact_that_never_fitted(
            self, ledger_with_a_strange_history: Ledger) -> None:
        ledger = ledger_with_a_strange_history
        key = membership_id(GROUP, MEMBER)
        _append(ledger, FlagConfirmed(
            originator_id=key, originator_version=4, timestamp=NOW, actor="o",
            occurred_at=T + timedelta(hours=5), group=GROUP, member=MEMBER, flag_id="f" * 32))

        ledger.rename(actor="o", group=GROUP, member=MEMBER, nickname="g9#1001@李晓明",
                      at=T + timedelta(hours=2, minutes=30))

        assert [type(e).__name__ for e in ledger.history(GROUP, MEMBER)][-3:] == [
            "MemberRenamed", "WarningIssued", "FlagConfirmed"]


class TestTheExemptionInForce:
    """R3 第七条: 总裁、副总裁、各分管副总直接使用姓名. A fact is judged by the exemption the
    member held when it happened: a rename dated into an earlier membership, when they
    were admitted as an executive, follows the plain-name exemption, even though the
    latest admission granted none (release 0.1.0 took the latest admission's).
    """

    def test_a_back_dated_rename_is_judged_by_the_exemption_held_then(
            self, sqlite_ledger: Ledger) -> None:
        ledger = sqlite_ledger
        ledger.register_group(actor="o", group="hq", name="集团工作群", owner="o",
                              rulebook="builtin:corporate", at=T)
        ledger.admit(actor="o", group="hq", member="wx_ceo", nickname="王建国",
                     exemption="executive", verified_by="o", at=T + timedelta(hours=1))
        ledger.leave(actor="o", group="hq", member="wx_ceo", at=T + timedelta(days=2))
        ledger.admit(actor="o", group="hq", member="wx_ceo", nickname="总裁办-王建国",
                     verified_by="o", at=T + timedelta(days=3))

        ledger.rename(actor="o", group="hq", member="wx_ceo", nickname="王建",
                      at=T + timedelta(days=1))
        ledger.rename(actor="o", group="hq", member="wx_ceo", nickname="王建",
                      at=T + timedelta(days=4))

        renames = [e for e in ledger.history("hq", "wx_ceo") if isinstance(e, MemberRenamed)]
        assert [(e.occurred_at, e.nickname_ok) for e in renames] == [
            (T + timedelta(days=1), True), (T + timedelta(days=4), False)]


def _registered_as_stored(ledger: Ledger) -> dict[str, Any]:
    """Register the group under builtin:estate; its GroupRegistered event as stored."""
    ledger.register_group(actor="o", group=GROUP, name="群", owner="o",
                          rulebook="builtin:estate", at=T)
    (registered,) = ledger.recorder.select_events(group_id(GROUP))
    return orjson.loads(registered.state)  # type: ignore[no-any-return]


class TestRulesStoredAsData:
    def test_a_group_event_stores_the_rulebook_as_plain_data_with_its_schema(
            self, sqlite_ledger: Ledger) -> None:
        data = _registered_as_stored(sqlite_ledger)

        assert data["rulebook_schema"] == 1
        assert data["rulebook"] == stored(load("builtin:estate")[0])

    def test_keys_a_later_release_added_are_passed_over(self) -> None:
        data = stored(load("builtin:estate")[0])
        data["appeals"] = {"window_days": 30}
        data["categories"]["flooding"]["severity"] = "minor"

        book = read(data, 1)

        assert book.categories["flooding"] == Category.model_validate(
            {k: v for k, v in data["categories"]["flooding"].items() if k != "severity"})

    def test_older_schemas_are_upcast_step_by_step_before_reading(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        """As a later release would: schema 2 renames a key, and schema 1 data is upcast."""
        from ledger.domain import rules

        old = stored(load("builtin:estate")[0])
        old["heading"] = old.pop("title")
        monkeypatch.setattr(rules, "RULEBOOK_SCHEMA", 2)
        monkeypatch.setitem(rules.UPCASTS, 1, lambda data: {
            **{k: v for k, v in data.items() if k != "heading"}, "title": data["heading"]})

        book = read(old, 1)

        assert book.title == load("builtin:estate")[0].title

    def test_rules_from_a_newer_schema_say_so_instead_of_guessing(self) -> None:
        with pytest.raises(StoreError, match="newer release"):
            read(stored(load("builtin:estate")[0]), 99)

    def test_a_group_whose_stored_rules_no_longer_validate_still_folds(
            self, sqlite_ledger: Ledger) -> None:
        data = _registered_as_stored(sqlite_ledger)
        data["rulebook"]["categories"] = "not a table"
        with sqlite_ledger.factory.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
            cursor.execute("UPDATE stored_events SET state = ? WHERE originator_id = ?",
                           (orjson.dumps(data), group_id(GROUP).hex))
        sqlite_ledger.repository.cache = None

        group = sqlite_ledger.group(GROUP)

        assert group.name == "群" and group.versions[0].version == 1
        with pytest.raises(StoreError, match="stored rules cannot be read"):
            group.versions[0].rulebook


class TestEveryViewAccountsForEveryEvent:
    @pytest.mark.parametrize("view", list(VIEWS.values()), ids=lambda v: v.name)
    def test_each_event_type_is_handled_or_declared_ignored(self, view: Any) -> None:
        assert view.unaccounted() == []

    @pytest.mark.parametrize("view", list(VIEWS.values()), ids=lambda v: v.name)
    def test_no_event_type_is_both_handled_and_ignored(self, view: Any) -> None:
        assert set(view.handlers) & set(view.ignores) == set()



class TestCorrectionsAndAppealsInTheFold:
    """A rescinded or overturned strike stops counting, a reduced one weighs less, and a
    state kept by a release before appeals (no strike states) still reads.
    """

    def test_a_state_kept_before_appeals_reads_with_live_strikes(self) -> None:
        state = MembershipState(GROUP, MEMBER, now=T, presence="in", strikes=(
            Strike("s1", "ads", 2, T, None, version=3),))
        # What the standings view kept before this release, as its row holds it (JSON).
        old = orjson.loads(orjson.dumps(to_data(state)))[:16]
        old[6] = [row[:8] for row in old[6]]

        again = from_data(GROUP, MEMBER, old)

        assert again.strikes[0].state == "live" and again.live_strikes == 2
        assert (again.removal_id, again.readmission_due) == (None, False)
